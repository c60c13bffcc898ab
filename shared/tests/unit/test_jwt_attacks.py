"""RFC 8725 through HTTP: every forged or misused token is a 401 problem with the bearer challenge, and key rotation
works against a JWKS served over HTTP without a re-fetch storm.

The JWKS is an HTTP endpoint stubbed at the transport (httpx.MockTransport), so the verifier's real fetch, cache and
throttle run; the keys are real RS256 keys. The verifier allows 30 s of clock skew (`leeway_seconds`), for `exp`,
`nbf` and `iat` alike.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI

import pmm_chassis.auth.jwt as jwt_module
from pmm_chassis.auth.dev_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, jwks_for, key_id, mint_token
from pmm_chassis.auth.jwt import JwtVerifier, PrincipalDep
from pmm_chassis.http.problems import PROBLEM_JSON, install_problem_handlers

SUB = "op-1"
JWKS_URL = "https://issuer.test/.well-known/jwks.json"
LEEWAY = 30
CHALLENGE = 'Bearer error="invalid_token"'


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class JwksServer:
    """The issuer's JWKS endpoint: its document can change (rotation) and it counts its fetches."""

    def __init__(self, *keys: rsa.RSAPrivateKey) -> None:
        self.document = jwks_for(*keys)
        self.fetches = 0

    def publish(self, *keys: rsa.RSAPrivateKey) -> None:
        self.document = jwks_for(*keys)

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        self.fetches += 1
        return httpx.Response(200, json=self.document)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rotated_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def attacker_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def server(monkeypatch, key) -> JwksServer:
    server = JwksServer(key)
    client = functools.partial(httpx.AsyncClient, transport=httpx.MockTransport(server.handler))
    monkeypatch.setattr(jwt_module.httpx, "AsyncClient", client)
    return server


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def verifier(server, clock) -> JwtVerifier:
    return JwtVerifier(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_url=JWKS_URL, leeway_seconds=LEEWAY, monotonic=clock
    )


def app_for(verifier: JwtVerifier) -> FastAPI:
    app = FastAPI()
    app.state.verifier = verifier
    install_problem_handlers(app)

    @app.get("/me")
    async def me(principal: PrincipalDep) -> dict:
        return {"sub": principal.subject}

    return app


async def get_me(verifier: JwtVerifier, token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app_for(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/me", headers={"Authorization": f"Bearer {token}"})


# --- forging tokens -----------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def now() -> int:
    return int(datetime.now(UTC).timestamp())


def claims(**changes: Any) -> dict[str, Any]:
    """Good claims of an operator token (the most powerful role: the one worth forging)."""
    base = {
        "iss": DEFAULT_ISSUER,
        "aud": DEFAULT_AUDIENCE,
        "sub": SUB,
        "roles": ["operator"],
        "wilayah": "",
        "iat": now(),
        "nbf": now(),
        "exp": now() + 600,
    }
    return {k: v for k, v in (base | changes).items() if v is not None}


def header(k: rsa.RSAPrivateKey, **changes: Any) -> dict[str, Any]:
    base = {"alg": "RS256", "typ": "at+jwt", "kid": key_id(k)}
    return {k: v for k, v in (base | changes).items() if v is not None}


def signed(k: rsa.RSAPrivateKey, head: dict[str, Any], body: dict[str, Any]) -> str:
    """An honest RS256 signature by `k` over whatever header and claims the test wants."""
    extra = {n: v for n, v in head.items() if n not in ("alg",)}
    return jwt.encode(body, k, algorithm="RS256", headers=extra)


def handmade(head: dict[str, Any], body: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def public_pem(k: rsa.RSAPrivateKey) -> bytes:
    return k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def hs256_with(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def flip_last_signature_byte(token: str) -> str:
    head, body, signature = token.split(".")
    raw = bytearray(unb64(signature))
    raw[-1] ^= 0x01
    return f"{head}.{body}.{b64(bytes(raw))}"


def with_claims(token: str, **changes: Any) -> str:
    head, body, signature = token.split(".")
    return f"{head}.{b64(json.dumps(json.loads(unb64(body)) | changes).encode())}.{signature}"


def jwk_of(k: rsa.RSAPrivateKey) -> dict[str, Any]:
    return jwks_for(k)["keys"][0]


# Each attack: how to make the token from (our key, an attacker's key), and the rule the 401 names.
ATTACKS: dict[str, tuple[Callable[[Any, Any], str], str]] = {
    "alg none": (lambda k, a: handmade(header(k, alg="none"), claims(), lambda _: b""), "token.algorithm"),
    "alg None (case)": (lambda k, a: handmade(header(k, alg="None"), claims(), lambda _: b""), "token.algorithm"),
    "alg none, signature kept": (
        lambda k, a: ".".join(
            [b64(json.dumps(header(k, alg="none")).encode()), *signed(k, header(k), claims()).split(".")[1:]]
        ),
        "token.algorithm",
    ),
    "HS256 keyed with the RSA public key (PEM)": (
        lambda k, a: handmade(header(k, alg="HS256"), claims(), hs256_with(public_pem(k))),
        "token.algorithm",
    ),
    "HS256 keyed with the JWK's modulus": (
        lambda k, a: handmade(header(k, alg="HS256"), claims(), hs256_with(jwk_of(k)["n"].encode())),
        "token.algorithm",
    ),
    "RS512 where only RS256 is allowed": (
        lambda k, a: jwt.encode(claims(), k, algorithm="RS512", headers={"kid": key_id(k), "typ": "at+jwt"}),
        "token.algorithm",
    ),
    "wrong iss": (lambda k, a: signed(k, header(k), claims(iss="https://evil.example")), "token.issuer"),
    "missing iss": (lambda k, a: signed(k, header(k), claims(iss=None)), "token.claims"),
    "wrong aud": (lambda k, a: signed(k, header(k), claims(aud="another-app")), "token.audience"),
    "aud list without ours": (lambda k, a: signed(k, header(k), claims(aud=["a", "b"])), "token.audience"),
    "missing aud": (lambda k, a: signed(k, header(k), claims(aud=None)), "token.claims"),
    "typ JWT (not an access token)": (lambda k, a: signed(k, header(k, typ="JWT"), claims()), "token.type"),
    "typ of an ID token": (lambda k, a: signed(k, header(k, typ="id_token+jwt"), claims()), "token.type"),
    "typ missing": (
        # PyJWT would add typ JWT; the header is written by hand to leave it out.
        lambda k, a: handmade(
            {"alg": "RS256", "kid": key_id(k)},
            claims(),
            lambda data: k.sign(data, padding.PKCS1v15(), hashes.SHA256()),
        ),
        "token.type",
    ),
    "expired (beyond the leeway)": (
        lambda k, a: signed(k, header(k), claims(iat=now() - 700, nbf=now() - 700, exp=now() - LEEWAY - 5)),
        "token.expired",
    ),
    "missing exp": (lambda k, a: signed(k, header(k), claims(exp=None)), "token.claims"),
    "exp not a number": (lambda k, a: signed(k, header(k), claims(exp="tomorrow")), "token.malformed"),
    "nbf in the future (beyond the leeway)": (
        lambda k, a: signed(k, header(k), claims(nbf=now() + LEEWAY + 30)),
        "token.not_yet_valid",
    ),
    "iat in the future (beyond the leeway)": (
        lambda k, a: signed(k, header(k), claims(iat=now() + LEEWAY + 30, nbf=None)),
        "token.not_yet_valid",
    ),
    "unknown kid (a stranger's key)": (lambda k, a: signed(a, header(a), claims()), "token.kid_unknown"),
    "our kid, a stranger's signature": (lambda k, a: signed(a, header(k), claims()), "token.signature"),
    "no kid": (lambda k, a: signed(k, header(k, kid=None), claims()), "token.kid_unknown"),
    "embedded jwk header (key injection)": (
        lambda k, a: signed(a, header(a, jwk=jwk_of(a)), claims()),
        "token.kid_unknown",
    ),
    "jku header pointing elsewhere": (
        lambda k, a: signed(a, header(a, jku="https://evil.example/jwks.json"), claims()),
        "token.kid_unknown",
    ),
    "tampered signature": (lambda k, a: flip_last_signature_byte(signed(k, header(k), claims())), "token.signature"),
    "tampered payload (guru made operator)": (
        lambda k, a: with_claims(signed(k, header(k), claims(roles=["guru"], wilayah=None)), roles=["operator"]),
        "token.signature",
    ),
    "signature stripped": (lambda k, a: signed(k, header(k), claims()).rsplit(".", 1)[0] + ".", "token.signature"),
    "not a JWT": (lambda k, a: "eyJhbGciOiJSUzI1NiJ9", "token.malformed"),
}


@pytest.mark.parametrize(("make", "rule"), ATTACKS.values(), ids=ATTACKS.keys())
async def test_attack_is_a_401_problem_with_the_bearer_challenge(verifier, key, attacker_key, make, rule) -> None:
    response = await get_me(verifier, make(key, attacker_key))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"] == CHALLENGE
    problem = response.json()
    assert problem["status"] == 401
    assert [e["rule"] for e in problem["errors"]] == [rule]


# What is accepted, so the refusals above are for the stated reason and not for something else in the token.
ACCEPTED: dict[str, Callable[[Any], str]] = {
    "the dev issuer's token": lambda k: mint_token(k, sub=SUB, roles=["operator"], wilayah=""),
    "typ application/at+jwt": lambda k: signed(k, header(k, typ="application/at+jwt"), claims()),
    "typ AT+JWT (case-insensitive)": lambda k: signed(k, header(k, typ="AT+JWT"), claims()),
    "expired within the leeway": lambda k: signed(k, header(k), claims(exp=now() - LEEWAY + 10)),
    "nbf within the leeway": lambda k: signed(k, header(k), claims(nbf=now() + LEEWAY - 10)),
    "no nbf": lambda k: signed(k, header(k), claims(nbf=None)),
}


@pytest.mark.parametrize("make", ACCEPTED.values(), ids=ACCEPTED.keys())
async def test_a_good_token_passes(verifier, key, make) -> None:
    response = await get_me(verifier, make(key))
    assert response.status_code == 200, response.text
    assert response.json() == {"sub": SUB}


def test_the_dev_issuer_mints_access_tokens(key) -> None:
    assert jwt.get_unverified_header(mint_token(key, sub=SUB, roles=["guru"]))["typ"] == "at+jwt"


def test_a_verifier_without_a_token_type_cannot_be_configured() -> None:
    with pytest.raises(ValueError):
        JwtVerifier(issuer="i", audience="a", jwks_url=JWKS_URL, token_types=())


# --- rotation over HTTP -------------------------------------------------------------------------------------


def token_of(k: rsa.RSAPrivateKey) -> str:
    return signed(k, header(k), claims())


async def test_a_rotated_key_is_accepted_after_one_refetch(verifier, server, clock, key, rotated_key) -> None:
    assert (await get_me(verifier, token_of(key))).status_code == 200
    assert server.fetches == 1
    server.publish(key, rotated_key)  # the issuer starts signing with a new key, the old one still listed

    clock.now += verifier.refetch_interval_seconds
    assert (await get_me(verifier, token_of(rotated_key))).status_code == 200
    assert server.fetches == 2
    for _ in range(5):  # both keys now verify from the cache
        assert (await get_me(verifier, token_of(rotated_key))).status_code == 200
        assert (await get_me(verifier, token_of(key))).status_code == 200
    assert server.fetches == 2


async def test_a_removed_key_is_rejected_after_the_cache_refresh(verifier, server, clock, key, rotated_key) -> None:
    old = token_of(key)
    assert (await get_me(verifier, old)).status_code == 200
    server.publish(rotated_key)  # the old key is withdrawn (leaked)

    clock.now += verifier.cache_ttl_seconds - 1
    assert (await get_me(verifier, old)).status_code == 200  # until the cache expires, the copy we hold verifies
    assert server.fetches == 1
    clock.now += 2
    refused = await get_me(verifier, old)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["rule"] == "token.kid_unknown"
    assert server.fetches == 2
    assert (await get_me(verifier, token_of(rotated_key))).status_code == 200
    assert server.fetches == 2


async def test_a_hundred_unknown_kids_do_not_storm_the_issuer(verifier, server, clock, key, attacker_key) -> None:
    assert (await get_me(verifier, token_of(key))).status_code == 200
    clock.now += verifier.refetch_interval_seconds  # an unknown kid may refetch once now...
    for _ in range(100):
        forged = signed(attacker_key, header(attacker_key, kid=secrets.token_urlsafe(16)), claims())
        assert (await get_me(verifier, forged)).status_code == 401
        clock.now += 0.1  # ...and the 100 arrive over 10 s, within one refetch interval
    assert server.fetches == 2


async def test_concurrent_unknown_kids_at_start_fetch_once(verifier, server, attacker_key) -> None:
    forged = [signed(attacker_key, header(attacker_key, kid=secrets.token_urlsafe(16)), claims()) for _ in range(100)]
    answers = await asyncio.gather(*(verifier.verify(t) for t in forged), return_exceptions=True)
    assert all(isinstance(a, jwt_module.AuthError) and a.reason == "token.kid_unknown" for a in answers)
    assert server.fetches == 1


async def test_expired_cache_with_an_unknown_kid_refetches_at_most_once(verifier, server, clock, key, attacker_key):
    assert (await get_me(verifier, token_of(key))).status_code == 200
    clock.now += verifier.cache_ttl_seconds + 1
    for _ in range(50):
        forged = signed(attacker_key, header(attacker_key, kid=secrets.token_urlsafe(16)), claims())
        assert (await get_me(verifier, forged)).status_code == 401
    assert (await get_me(verifier, token_of(key))).status_code == 200
    assert server.fetches == 2


def test_the_leeway_is_thirty_seconds() -> None:
    # The README states it; a change here must change the README too.
    assert JwtVerifier(issuer="i", audience="a", jwks_url=JWKS_URL).leeway_seconds == LEEWAY == 30
