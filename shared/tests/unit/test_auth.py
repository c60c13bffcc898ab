"""JWT verification against a file:// JWKS, the FastAPI dependency, and the development issuer."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI

import pmm_chassis.auth.jwt as jwt_module
from pmm_chassis.auth.dev_issuer import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    create_app,
    jwks_for,
    key_id,
    load_or_create_key,
    main,
    mint_token,
)
from pmm_chassis.auth.jwt import (
    AuthError,
    JwksUnavailable,
    JwtVerifier,
    Principal,
    PrincipalDep,
    Role,
)
from pmm_chassis.http.problems import PROBLEM_JSON, install_problem_handlers

NIP = "198609262015051001"


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_path(tmp_path: Path, key) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks_for(key)))
    return path


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def verifier(jwks_path: Path, clock: FakeMonotonic) -> JwtVerifier:
    return JwtVerifier(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_path.as_uri(), monotonic=clock)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict, claims: dict, sign) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def valid_claims(**overrides) -> dict:
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "iss": DEFAULT_ISSUER,
        "aud": DEFAULT_AUDIENCE,
        "sub": NIP,
        "roles": ["guru"],
        "iat": now,
        "exp": now + 600,
    }
    return claims | overrides


async def test_valid_token_gives_the_principal(verifier, key) -> None:
    token = mint_token(key, sub=NIP, roles=["guru", "kepala_sekolah"], wilayah="32")
    principal = await verifier.verify(token)
    assert principal == Principal(subject=NIP, roles=frozenset({Role.GURU, Role.KEPALA_SEKOLAH}), wilayah=None)
    assert principal.has(Role.KEPALA_SEKOLAH) and not principal.has(Role.OPERATOR)


@pytest.mark.parametrize(
    ("wilayah", "expected"),
    [("32", "32"), ("3273", "3273"), ("", "")],
)
async def test_operator_gets_the_wilayah_of_the_token(verifier, key, wilayah, expected) -> None:
    principal = await verifier.verify(mint_token(key, sub="op-7", roles=["operator"], wilayah=wilayah))
    assert principal.wilayah == expected


CASES = {
    "expired": (
        lambda k, o: mint_token(k, sub=NIP, roles=["guru"], now=datetime.now(UTC) - timedelta(hours=2)),
        "token.expired",
    ),
    "wrong audience": (
        lambda k, o: mint_token(k, sub=NIP, roles=["guru"], audience="another-app"),
        "token.audience",
    ),
    "wrong issuer": (
        lambda k, o: mint_token(k, sub=NIP, roles=["guru"], issuer="https://evil.example"),
        "token.issuer",
    ),
    "alg none": (
        lambda k, o: handmade({"alg": "none", "kid": key_id(k)}, valid_claims(), lambda _: b""),
        "token.algorithm",
    ),
    "HS256 signed with the public PEM": (
        lambda k, o: handmade(
            {"alg": "HS256", "typ": "JWT", "kid": key_id(k)},
            valid_claims(roles=["operator"], wilayah=""),
            lambda data: hmac.new(
                k.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ),
                data,
                hashlib.sha256,
            ).digest(),
        ),
        "token.algorithm",
    ),
    "tampered payload": (
        lambda k, o: _tamper(mint_token(k, sub=NIP, roles=["guru"]), roles=["operator"], wilayah=""),
        "token.signature",
    ),
    "unknown kid": (lambda k, o: mint_token(o, sub=NIP, roles=["guru"]), "token.kid_unknown"),
    "no kid": (
        lambda k, o: handmade({"alg": "RS256", "typ": "at+jwt"}, valid_claims(), lambda _: b"x"),
        "token.kid_unknown",
    ),
    "missing roles": (
        lambda k, o: mint_token(k, sub=NIP, roles=["guru"], extra={"roles": None}),
        "token.claims",
    ),
    "empty roles": (lambda k, o: mint_token(k, sub=NIP, roles=[]), "token.claims"),
    "unknown role": (lambda k, o: mint_token(k, sub=NIP, roles=["guru", "superadmin"]), "token.claims"),
    "roles not a list": (
        lambda k, o: mint_token(k, sub=NIP, roles=[], extra={"roles": "guru"}),
        "token.claims",
    ),
    "missing exp": (
        lambda k, o: mint_token(k, sub=NIP, roles=["guru"], extra={"exp": None}),
        "token.claims",
    ),
    "missing sub": (
        lambda k, o: mint_token(k, sub=NIP, roles=["guru"], extra={"sub": None}),
        "token.claims",
    ),
    "operator without wilayah": (
        lambda k, o: mint_token(k, sub="op-1", roles=["operator"]),
        "token.claims",
    ),
    "operator with a non-numeric wilayah": (
        lambda k, o: mint_token(k, sub="op-1", roles=["operator"], wilayah="jabar"),
        "token.claims",
    ),
    "issued in the future": (
        lambda k, o: mint_token(k, sub=NIP, roles=["guru"], now=datetime.now(UTC) + timedelta(hours=1)),
        "token.not_yet_valid",
    ),
    "garbage": (lambda k, o: "not.a.jwt", "token.malformed"),
}


def _tamper(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{header}.{b64(json.dumps(claims | changes).encode())}.{signature}"


@pytest.mark.parametrize(("make", "reason"), CASES.values(), ids=CASES.keys())
async def test_refused_tokens_name_the_reason(verifier, key, other_key, make, reason) -> None:
    with pytest.raises(AuthError) as refused:
        await verifier.verify(make(key, other_key))
    assert refused.value.reason == reason


async def test_expiry_within_the_leeway_is_accepted(verifier, key) -> None:
    token = mint_token(key, sub=NIP, roles=["guru"], ttl_seconds=60, now=datetime.now(UTC) - timedelta(seconds=75))
    assert (await verifier.verify(token)).subject == NIP


async def test_rsa_key_never_verifies_a_token_claiming_another_family(jwks_path, key, clock) -> None:
    # ES256 is allowed, but the kid points at an RSA key: the key type pins the algorithm.
    verifier = JwtVerifier(
        issuer=DEFAULT_ISSUER,
        audience=DEFAULT_AUDIENCE,
        jwks_url=jwks_path.as_uri(),
        algorithms=("RS256", "ES256"),
        monotonic=clock,
    )
    ec_key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(valid_claims(), ec_key, algorithm="ES256", headers={"kid": key_id(key), "typ": "at+jwt"})
    with pytest.raises(AuthError) as refused:
        await verifier.verify(token)
    assert refused.value.reason == "token.algorithm"


@pytest.mark.parametrize("algorithms", [("HS256",), ("RS256", "HS512"), ("none",), ()])
def test_symmetric_or_no_algorithm_cannot_be_configured(algorithms) -> None:
    with pytest.raises(ValueError):
        JwtVerifier(issuer="i", audience="a", jwks_url="file:///x", algorithms=algorithms)


async def test_rotated_key_is_picked_up_but_refetch_is_throttled(verifier, jwks_path, key, other_key, clock):
    assert (await verifier.verify(mint_token(key, sub=NIP, roles=["guru"]))).subject == NIP
    jwks_path.write_text(json.dumps(jwks_for(key, other_key)))  # the issuer rotates a second key in
    new_token = mint_token(other_key, sub=NIP, roles=["guru"])

    clock.now += 5  # within 30 s of the last fetch: an unknown kid does not refetch
    with pytest.raises(AuthError, match="token.kid_unknown"):
        await verifier.verify(new_token)

    clock.now += 30
    assert (await verifier.verify(new_token)).subject == NIP
    assert (await verifier.verify(mint_token(key, sub=NIP, roles=["guru"]))).subject == NIP


async def test_removed_key_stops_verifying_after_the_cache_ttl(verifier, jwks_path, key, other_key, clock):
    token = mint_token(key, sub=NIP, roles=["guru"])
    await verifier.verify(token)
    jwks_path.write_text(json.dumps(jwks_for(other_key)))  # key withdrawn (e.g. leaked)
    clock.now += 60
    await verifier.verify(token)  # still cached
    clock.now += 600
    with pytest.raises(AuthError, match="token.kid_unknown"):
        await verifier.verify(token)


async def test_jwks_unavailable_keeps_the_last_good_keys(verifier, jwks_path, key, clock) -> None:
    token = mint_token(key, sub=NIP, roles=["guru"])
    await verifier.verify(token)
    jwks_path.unlink()
    clock.now += 700  # cache expired and the refetch fails: the keys we have still verify
    assert (await verifier.verify(token)).subject == NIP


async def test_no_jwks_at_all_is_a_server_problem(tmp_path, key, clock) -> None:
    verifier = JwtVerifier(
        issuer=DEFAULT_ISSUER,
        audience=DEFAULT_AUDIENCE,
        jwks_url=(tmp_path / "missing.json").as_uri(),
        monotonic=clock,
    )
    token = mint_token(key, sub=NIP, roles=["guru"])
    with pytest.raises(JwksUnavailable):
        await verifier.verify(token)
    clock.now += 0.5  # within the retry pause: no fetch, but still the server's problem, not a bad token
    with pytest.raises(JwksUnavailable):
        await verifier.verify(token)


async def test_http_jwks_is_fetched_once_for_a_burst_of_unknown_kids(monkeypatch, key, other_key, clock):
    fetches = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetches.append(str(request.url))
        return httpx.Response(200, json=jwks_for(key))

    client = functools.partial(httpx.AsyncClient, transport=httpx.MockTransport(handler))
    monkeypatch.setattr(jwt_module.httpx, "AsyncClient", client)
    verifier = JwtVerifier(
        issuer=DEFAULT_ISSUER,
        audience=DEFAULT_AUDIENCE,
        jwks_url="https://issuer.test/.well-known/jwks.json",
        monotonic=clock,
    )
    assert (await verifier.verify(mint_token(key, sub=NIP, roles=["guru"]))).subject == NIP
    forged = mint_token(other_key, sub=NIP, roles=["guru"])
    for _ in range(20):
        with pytest.raises(AuthError):
            await verifier.verify(forged)
    assert fetches == ["https://issuer.test/.well-known/jwks.json"]


# --- through FastAPI ----------------------------------------------------------------------------------


def protected_app(verifier: JwtVerifier) -> FastAPI:
    app = FastAPI()
    app.state.verifier = verifier
    install_problem_handlers(app)

    @app.get("/me")
    async def me(principal: PrincipalDep) -> dict:
        return {"sub": principal.subject, "roles": sorted(principal.roles)}

    return app


async def call_me(verifier: JwtVerifier, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=protected_app(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/me", headers=headers)


@pytest.mark.parametrize(
    ("headers", "rule", "challenge"),
    [
        ({}, "token.missing", "Bearer"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "token.missing", "Bearer"),
        ({"Authorization": "Bearer not.a.jwt"}, "token.malformed", 'Bearer error="invalid_token"'),
    ],
)
async def test_missing_or_bad_token_is_a_401_problem(verifier, headers, rule, challenge) -> None:
    response = await call_me(verifier, headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"] == challenge
    assert response.json()["errors"][0]["rule"] == rule


async def test_token_signed_by_a_stranger_is_401_with_its_reason(verifier, other_key) -> None:
    token = mint_token(other_key, sub=NIP, roles=["guru"])
    response = await call_me(verifier, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["rule"] == "token.kid_unknown"


async def test_good_token_reaches_the_route(verifier, key) -> None:
    token = mint_token(key, sub=NIP, roles=["guru"])
    response = await call_me(verifier, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"sub": NIP, "roles": ["guru"]}


async def test_unreachable_jwks_is_503_not_401(tmp_path, key) -> None:
    verifier = JwtVerifier(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=(tmp_path / "none.json").as_uri())
    token = mint_token(key, sub=NIP, roles=["guru"])
    response = await call_me(verifier, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json()["errors"][0]["rule"] == "auth.jwks_unavailable"
    assert "retry-after" in response.headers


async def test_not_ready_until_the_keys_load_and_ready_from_then_on(tmp_path, key, clock) -> None:
    # The readiness probe loads the keys, so a restarted pod takes no traffic it would answer with 503.
    path = tmp_path / "later.json"
    verifier = JwtVerifier(issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=path.as_uri(), monotonic=clock)
    assert await verifier.ready() is False
    path.write_text(json.dumps(jwks_for(key)))
    assert await verifier.ready() is False  # a probe burst within a second shares one attempt
    clock.now += 1.0
    assert await verifier.ready() is True
    path.unlink()
    clock.now += 1.0
    assert await verifier.ready() is True  # loaded keys keep verifying while the issuer is away
    principal = await verifier.verify(mint_token(key, sub=NIP, roles=["guru"]))
    assert principal.subject == NIP


# --- development issuer -------------------------------------------------------------------------------


def test_kid_is_the_rfc7638_thumbprint() -> None:
    # The example key of RFC 7638 §3.1 and its published thumbprint.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjB"
        "ZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8K"
        "JZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_x"
        "BniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    modulus = int.from_bytes(base64.urlsafe_b64decode(n + "=" * (-len(n) % 4)), "big")
    public = rsa.RSAPublicNumbers(e=65537, n=modulus).public_key()
    assert key_id(public) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_key_file_is_created_private_and_reused(tmp_path) -> None:
    path = tmp_path / "run" / "issuer.pem"
    first = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_id(load_or_create_key(path)) == key_id(first)


def test_jwks_lists_every_key_with_its_kid(key, other_key) -> None:
    document = jwks_for(key, other_key)
    assert [k["kid"] for k in document["keys"]] == [key_id(key), key_id(other_key)]
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and "d" not in k for k in document["keys"])


def test_issuer_refuses_outside_development(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("PMM_ENVIRONMENT", "production")
    assert main(["token", "--key", str(tmp_path / "k.pem"), "--sub", NIP, "--role", "guru"]) == 2
    assert "PMM_ENVIRONMENT=development" in capsys.readouterr().err
    assert not (tmp_path / "k.pem").exists()
    with pytest.raises(RuntimeError):
        create_app(tmp_path / "k.pem")


async def test_cli_token_and_jwks_verify_together(monkeypatch, tmp_path, capsys, clock) -> None:
    monkeypatch.setenv("PMM_ENVIRONMENT", "development")
    key_path, jwks_file = tmp_path / "k.pem", tmp_path / "out" / "jwks.json"
    assert main(["token", "--key", str(key_path), "--sub", NIP, "--role", "guru", "--role", "pengawas"]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["jwks", "--key", str(key_path), "--out", str(jwks_file)]) == 0
    verifier = JwtVerifier(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=jwks_file.as_uri(), monotonic=clock
    )
    assert (await verifier.verify(token)).roles == {Role.GURU, Role.PENGAWAS}


async def test_issuer_app_mints_tokens_its_jwks_verifies(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PMM_ENVIRONMENT", "development")
    app = create_app(tmp_path / "k.pem", issuer="http://issuer.test", audience="pmm-kinerja")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://issuer.test") as c:
        assert (await c.get("/healthz")).status_code == 200
        minted = await c.post("/token", json={"sub": "op-1", "roles": ["operator"], "wilayah": "32"})
        jwks = (await c.get("/.well-known/jwks.json")).json()
        refused = await c.post("/token", json={"sub": NIP, "roles": ["superadmin"]})
    assert minted.status_code == 200 and minted.json()["token_type"] == "Bearer"
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM_JSON
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    verifier = JwtVerifier(
        issuer="http://issuer.test", audience="pmm-kinerja", jwks_url=(tmp_path / "jwks.json").as_uri()
    )
    principal = await verifier.verify(minted.json()["access_token"])
    assert principal == Principal(subject="op-1", roles=frozenset({Role.OPERATOR}), wilayah="32")


# --- the cache of verified tokens ---------------------------------------------------------------------------


class FakeWallClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def cached_verifier(jwks_path: Path, clock: FakeMonotonic, wall: FakeWallClock, **options) -> JwtVerifier:
    return JwtVerifier(
        issuer=DEFAULT_ISSUER,
        audience=DEFAULT_AUDIENCE,
        jwks_url=jwks_path.as_uri(),
        monotonic=clock,
        wall_clock=wall,
        **options,
    )


async def test_a_token_is_checked_once_then_served_from_the_cache(jwks_path, key, clock, monkeypatch) -> None:
    verifier = cached_verifier(jwks_path, clock, FakeWallClock())
    token = mint_token(key, sub=NIP, roles=["guru"])
    first = await verifier.verify(token)
    decodes = 0
    real_decode = jwt_module.jwt.decode

    def counting_decode(*args, **kwargs):
        nonlocal decodes
        decodes += 1
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt_module.jwt, "decode", counting_decode)
    assert await verifier.verify(token) == first
    assert decodes == 0


async def test_a_cached_token_past_its_exp_is_refused(jwks_path, key, clock) -> None:
    wall = FakeWallClock()
    verifier = cached_verifier(jwks_path, clock, wall)
    token = mint_token(key, sub=NIP, roles=["guru"], ttl_seconds=120)
    await verifier.verify(token)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    wall.now = exp + 1  # past its exp but within the leeway: not from the cache, verified afresh (and accepted)
    assert (await verifier.verify(token)).subject == NIP
    assert token not in verifier._verified
    wall.now = exp + verifier.leeway_seconds + 1
    with pytest.raises(AuthError, match="token.expired"):
        await verifier.verify(token)


async def test_a_forged_token_never_enters_the_cache(jwks_path, key, other_key, clock) -> None:
    verifier = cached_verifier(jwks_path, clock, FakeWallClock())
    genuine = mint_token(key, sub=NIP, roles=["guru"])
    await verifier.verify(genuine)
    forged = [
        _tamper(genuine, roles=["operator"], wilayah=""),
        mint_token(other_key, sub=NIP, roles=["guru"]),
        mint_token(key, sub=NIP, roles=["guru"], audience="another-app"),
        mint_token(key, sub=NIP, roles=["guru"], now=datetime.now(UTC) - timedelta(hours=2)),
    ]
    for token in forged:
        for _ in range(2):  # refused the second time too: a refusal is not remembered either
            with pytest.raises(AuthError):
                await verifier.verify(token)
    assert list(verifier._verified) == [genuine]


async def test_the_cache_is_bounded(jwks_path, key, clock) -> None:
    verifier = cached_verifier(jwks_path, clock, FakeWallClock(), max_verified_tokens=3)
    tokens = [mint_token(key, sub=f"19860926201505100{i}", roles=["guru"]) for i in range(5)]
    for token in tokens:
        await verifier.verify(token)
    assert list(verifier._verified) == tokens[-3:]  # the oldest went first
    assert (await verifier.verify(tokens[0])).subject == "198609262015051000"  # verified afresh, as any token


async def test_a_cached_token_is_dropped_when_its_key_leaves_the_key_set(jwks_path, key, other_key, clock) -> None:
    verifier = cached_verifier(jwks_path, clock, FakeWallClock())
    token = mint_token(key, sub=NIP, roles=["guru"])
    await verifier.verify(token)
    jwks_path.write_text(json.dumps(jwks_for(other_key)))  # the issuer rotates the key out
    clock.now += verifier.cache_ttl_seconds + 1  # the key set is re-read when its time comes
    with pytest.raises(AuthError, match="token.kid_unknown"):
        await verifier.verify(token)
    assert token not in verifier._verified
