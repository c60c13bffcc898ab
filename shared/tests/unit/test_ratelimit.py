"""The per-user write limit: a token bucket per verified subject, 429 problem+json with Retry-After."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI

from pmm_chassis.auth.dev_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, jwks_for, mint_token
from pmm_chassis.auth.jwt import JwtVerifier, PrincipalDep
from pmm_chassis.http.actor import actor_dependency, roster_actor
from pmm_chassis.http.problems import PROBLEM_JSON, install_problem_handlers
from pmm_chassis.http.ratelimit import WriteRateLimiter
from pmm_chassis.settings import ServiceSettings


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


def test_burst_then_the_sustained_rate(clock) -> None:
    limiter = WriteRateLimiter(rate=2, burst=5, monotonic=clock)
    assert [limiter.take("a") for _ in range(5)] == [0] * 5
    assert limiter.take("a") == 1  # empty: one write comes back in 0.5 s, said as a whole second
    clock.now += 0.5
    assert limiter.take("a") == 0
    assert limiter.take("a") == 1
    clock.now += 10  # refills to the burst, not beyond
    assert [limiter.take("a") for _ in range(6)] == [0] * 5 + [1]


def test_retry_after_is_the_wait_for_one_write(clock) -> None:
    limiter = WriteRateLimiter(rate=0.1, burst=1, monotonic=clock)
    assert limiter.take("a") == 0
    assert limiter.take("a") == 10
    clock.now += 4
    assert limiter.take("a") == 6


def test_each_subject_has_its_own_bucket(clock) -> None:
    limiter = WriteRateLimiter(rate=1, burst=1, monotonic=clock)
    assert limiter.take("a") == 0
    assert limiter.take("a") > 0
    assert limiter.take("b") == 0


def test_memory_is_bounded_by_forgetting_full_buckets(clock) -> None:
    limiter = WriteRateLimiter(rate=1, burst=2, monotonic=clock, max_subjects=100)
    for i in range(100):
        limiter.take(f"s{i}")
    limiter.take("busy")
    limiter.take("busy")
    clock.now += 5  # every earlier bucket has refilled
    limiter.take("newcomer")
    assert len(limiter._buckets) <= 3
    assert limiter.take("busy") == 0  # forgetting a full bucket loses nothing: it would have allowed this too


@pytest.mark.parametrize(("rate", "burst"), [(0, 10), (-1, 10), (1, 0)])
def test_nonsense_limits_are_refused(rate, burst) -> None:
    with pytest.raises(ValueError):
        WriteRateLimiter(rate=rate, burst=burst)


def test_defaults_are_generous() -> None:
    class Demo(ServiceSettings):
        service_name = "demo"

    settings = Demo()
    assert settings.write_rate_per_second >= 20 and settings.write_burst >= 40


# --- through FastAPI ------------------------------------------------------------------------------------------


async def _not_in_roster(deps: object, nip: str) -> None:
    return None


ActorDep = Annotated[object, Depends(actor_dependency(roster_actor(_not_in_roster)))]


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def app(tmp_path: Path, key, clock) -> FastAPI:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_for(key)))
    app = FastAPI()
    app.state.verifier = JwtVerifier(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks.as_uri())
    app.state.write_limiter = WriteRateLimiter(rate=1, burst=3, monotonic=clock)
    install_problem_handlers(app)

    @app.get("/thing")
    async def read(principal: PrincipalDep) -> dict:
        return {}

    @app.post("/thing")
    async def write(principal: PrincipalDep) -> dict:
        return {}

    @app.put("/thing")
    async def replace(principal: PrincipalDep) -> dict:
        return {}

    app.state.container = SimpleNamespace(deps=None)

    @app.post("/both")
    async def write_as_actor(actor: ActorDep, principal: PrincipalDep) -> dict:
        return {}

    return app


def auth(key, sub: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(key, sub=sub, roles=['guru'])}"}


async def test_writes_over_the_limit_are_429_with_retry_after(app, key, clock) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        mine, theirs = auth(key, "198609262015051001"), auth(key, "198703122016011002")
        statuses = [(await client.post("/thing", headers=mine)).status_code for _ in range(3)]
        limited = await client.put("/thing", headers=mine)
        reads = [(await client.get("/thing", headers=mine)).status_code for _ in range(10)]
        other = await client.post("/thing", headers=theirs)
        clock.now += 1
        again = await client.post("/thing", headers=mine)
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == PROBLEM_JSON
    assert limited.headers["retry-after"] == "1"
    assert limited.json()["errors"][0]["rule"] == "rate.writes"
    assert "198609262015051001" not in limited.text  # the subject (a NIP) is not echoed
    assert reads == [200] * 10  # reads are not limited
    assert other.status_code == 200  # another user is not slowed by mine
    assert again.status_code == 200


async def test_a_route_with_the_actor_and_the_principal_spends_one_write(app, key) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        mine = auth(key, "198609262015051001")
        statuses = [(await client.post("/both", headers=mine)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # a burst of 3: each request took one write, not two


async def test_forged_tokens_do_not_spend_a_victims_bucket(app, key, clock) -> None:
    victim = "198609262015051001"
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for _ in range(10):
            forged = await client.post("/thing", headers=auth(stranger, victim))
            assert forged.status_code == 401
        assert (await client.post("/thing", headers=auth(key, victim))).status_code == 200


async def test_openapi_documents_429_on_authenticated_writes_only(app) -> None:
    spec = app.openapi()
    assert set(spec["paths"]["/thing"]["post"]["responses"]["429"]["content"]) == {PROBLEM_JSON}
    assert "Retry-After" in spec["paths"]["/thing"]["put"]["responses"]["429"]["headers"]
    assert "429" not in spec["paths"]["/thing"]["get"]["responses"]
