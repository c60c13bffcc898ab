"""Bearer JWT verification against a JWKS: issuer, audience, expiry and a pinned algorithm.

The token says *who* (subject) and *as what* (roles, an operator's wilayah). Relations (who appraises
whom, which school) come from the service's roster projection, never from the token: a token lives an
hour, a transfer takes effect at once.

A token that verified is remembered until its `exp` (never past it), so a teacher's requests during one sign-in
pay for the signature check and the claim checks once: the entry is keyed by the whole token (a token differing in
one byte is another entry, verified afresh), only a token that passed every check enters, and it is dropped as soon
as the key that verified it leaves the JWKS (or the key set is re-read: the next request verifies afresh).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import exceptions as jwt_errors

from pmm_chassis.http.problems import HttpProblem, Unauthenticated
from pmm_chassis.http.ratelimit import WRITE_METHODS, WriteRateLimiter

log = logging.getLogger(__name__)


class Role(StrEnum):
    GURU = "guru"
    KEPALA_SEKOLAH = "kepala_sekolah"
    PENGAWAS = "pengawas"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Principal:
    subject: str  # guru/kepala_sekolah/pengawas: their NIP (or NI PPPK); operators: an operator id
    roles: frozenset[Role]
    wilayah: str | None  # operators: kode wilayah prefix they manage ("32", "3273"); "" = national

    def has(self, role: Role) -> bool:
        return role in self.roles


class AuthError(Exception):
    """The token does not verify; `reason` is the stable rule id sent to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JwksUnavailable(Exception):
    """The key set could not be loaded at all: a server-side outage, not the client's fault."""


# Asymmetric algorithms only, with the key type each needs. HS* is absent on purpose: with a public JWKS an
# HMAC "secret" is public, which is the classic algorithm-confusion forgery. `none` is absent too.
ALGORITHM_KEY_TYPES: dict[str, str] = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}

# PyJWT's exceptions -> reason; subclasses before their bases (InvalidSignatureError is a DecodeError).
_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt_errors.ExpiredSignatureError, "token.expired"),
    (jwt_errors.InvalidAudienceError, "token.audience"),
    (jwt_errors.InvalidIssuerError, "token.issuer"),
    (jwt_errors.InvalidSignatureError, "token.signature"),
    (jwt_errors.ImmatureSignatureError, "token.not_yet_valid"),
    (jwt_errors.MissingRequiredClaimError, "token.claims"),
    (jwt_errors.InvalidIssuedAtError, "token.claims"),
    (jwt_errors.InvalidSubjectError, "token.claims"),
    (jwt_errors.InvalidJTIError, "token.claims"),
    (jwt_errors.InvalidAlgorithmError, "token.algorithm"),
    (jwt_errors.InvalidKeyError, "token.algorithm"),
    (jwt_errors.DecodeError, "token.malformed"),
    (jwt_errors.InvalidTokenError, "token.malformed"),
)

# What the client reads in `detail`; the reason itself is the machine-readable part.
REASON_DETAILS: dict[str, str] = {
    "token.missing": "A bearer token is required.",
    "token.expired": "The token has expired; sign in again.",
    "token.audience": "The token was not issued for this service.",
    "token.issuer": "The token comes from an unknown issuer.",
    "token.signature": "The token signature does not verify.",
    "token.algorithm": "The token's algorithm is not accepted.",
    "token.kid_unknown": "The token was signed with an unknown key.",
    "token.malformed": "The token is not a well-formed JWT.",
    "token.claims": "The token lacks a required claim or has an invalid one.",
    "token.not_yet_valid": "The token is not valid yet (check the clock).",
    "token.type": "The token is not an access token (typ must be at+jwt).",
}

REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")

# The JOSE `typ` of an OAuth access token (RFC 9068 §2.1). Required, so that another kind of JWT signed by the same
# issuer (an ID token, a logout token) cannot be replayed as an access token (RFC 8725 §3.11).
ACCESS_TOKEN_TYPE = "at+jwt"


def _media_type(typ: str) -> str:
    """RFC 7515 §4.1.9: `typ` compares case-insensitively and may omit the `application/` prefix."""
    typ = typ.strip().lower()
    return typ if "/" in typ else f"application/{typ}"


@dataclass(frozen=True)
class _Key:
    kty: str
    alg: str | None  # the JWK's own "alg", when it pins one
    key: Any  # a cryptography public key


@dataclass(frozen=True)
class _Verified:
    """A token that passed every check: who it names, until when (its `exp`), and the key that verified it."""

    principal: Principal
    expires_at: float
    kid: str
    key: _Key


class JwtVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str,
        algorithms: Sequence[str] = ("RS256",),
        token_types: Sequence[str] = (ACCESS_TOKEN_TYPE,),
        leeway_seconds: int = 30,
        http_timeout: float = 5.0,
        refetch_interval_seconds: float = 30.0,
        cache_ttl_seconds: float = 600.0,
        max_verified_tokens: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        refused = [a for a in algorithms if a not in ALGORITHM_KEY_TYPES]
        if refused or not algorithms:
            raise ValueError(f"algorithms must be asymmetric JWS algorithms, refused: {refused or 'empty list'}")
        if urlsplit(jwks_url).scheme not in ("http", "https", "file"):
            raise ValueError("jwks_url must be an http(s):// or file:// URL")
        self.issuer = issuer
        self.audience = audience
        self.jwks_url = jwks_url
        self.algorithms = tuple(algorithms)
        if not token_types:
            raise ValueError("token_types must name at least one typ: an untyped JWT is refused (RFC 8725 §3.11)")
        self.token_types = frozenset(_media_type(t) for t in token_types)
        self.leeway_seconds = leeway_seconds
        self.http_timeout = http_timeout
        # An unknown kid refetches (key rotation) but at most this often: a flood of forged kids must not
        # turn into a flood of requests to the issuer.
        self.refetch_interval_seconds = refetch_interval_seconds
        # Known keys are re-read now and then too, so a key removed from the set stops verifying.
        self.cache_ttl_seconds = cache_ttl_seconds
        self._monotonic = monotonic
        self._wall_clock = wall_clock  # `exp` is wall-clock time, for the checks and the cache alike
        if max_verified_tokens < 1:
            raise ValueError("max_verified_tokens must be at least 1")
        self.max_verified_tokens = max_verified_tokens
        # Insertion order is age: when full, the expired entries go first, then the oldest.
        self._verified: dict[str, _Verified] = {}
        self._keys: dict[str, _Key] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            # Still before its exp, and its key still the one the key set holds (the lookup also re-reads the set
            # when its time has come, so a withdrawn key stops verifying its tokens as it would uncached).
            if self._wall_clock() < known.expires_at and await self._key(known.kid) is known.key:
                return known.principal
            self._verified.pop(token, None)
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.PyJWTError:
            raise AuthError("token.malformed") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise AuthError("token.algorithm")
        typ = header.get("typ")
        if not isinstance(typ, str) or _media_type(typ) not in self.token_types:
            raise AuthError("token.type")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise AuthError("token.kid_unknown")
        key = await self._key(kid)
        if key is None:
            raise AuthError("token.kid_unknown")
        # The key decides the algorithm family: an RSA key never verifies an EC (or HMAC) signature.
        if ALGORITHM_KEY_TYPES[alg] != key.kty or (key.alg is not None and key.alg != alg):
            raise AuthError("token.algorithm")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                # `exp` is checked below against the same clock the cache reads.
                options={"require": list(REQUIRED_CLAIMS), "verify_exp": False},
            )
        except jwt_errors.PyJWTError as exc:
            raise AuthError(_reason(exc)) from None
        expires_at = self._check_expiry(claims["exp"])
        principal = principal_from_claims(claims)
        self._remember(token, _Verified(principal=principal, expires_at=expires_at, kid=kid, key=key))
        return principal

    def _check_expiry(self, exp: Any) -> float:
        """The token's `exp` as a timestamp, refused once past it beyond the leeway (as PyJWT judges it)."""
        try:
            expires_at = float(int(exp))
        except (TypeError, ValueError):
            raise AuthError("token.malformed") from None
        if expires_at <= self._wall_clock() - self.leeway_seconds:
            raise AuthError("token.expired")
        return expires_at

    def _remember(self, token: str, verified: _Verified) -> None:
        now = self._wall_clock()
        if verified.expires_at <= now:
            return  # accepted within the leeway, but never served from the cache past its exp
        # The oldest entries go first, expired or not: tokens of one issuer live alike, so the oldest is about the
        # first to expire, and making room costs the same however full the cache is.
        while len(self._verified) >= self.max_verified_tokens:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = verified

    async def ready(self) -> bool:
        """Whether keys are loaded, loading them now if none are. A process that cannot verify tokens yet is not
        ready: otherwise a freshly (re)started pod would take traffic while its issuer answers slowly, and its first
        callers would get 503 `auth.jwks_unavailable`."""
        if self._loaded_at is None and self._fetch_due(""):
            async with self._lock:
                if self._loaded_at is None and self._fetch_due(""):
                    try:
                        await self._refresh()
                    except JwksUnavailable:
                        pass  # logged by _refresh; the next probe tries again
        return self._loaded_at is not None

    async def _key(self, kid: str) -> _Key | None:
        if self._fetch_due(kid):
            async with self._lock:
                # Re-checked under the lock: concurrent requests with the same new kid fetch once.
                if self._fetch_due(kid):
                    await self._refresh()
        if self._loaded_at is None:
            raise JwksUnavailable(self.jwks_url)  # the last attempt failed moments ago: still our fault
        return self._keys.get(kid)

    def _fetch_due(self, kid: str) -> bool:
        now = self._monotonic()
        last_try = self._attempted_at
        if self._loaded_at is None:
            # Nothing loaded yet (issuer still starting?): retry soon, but coalesce a burst into one fetch.
            return last_try is None or now - last_try >= 1.0
        if kid in self._keys and now - self._loaded_at < self.cache_ttl_seconds:
            return False
        return last_try is None or now - last_try >= self.refetch_interval_seconds

    async def _refresh(self) -> None:
        self._attempted_at = self._monotonic()
        try:
            document = await self._load_document()
        except (OSError, ValueError, httpx.HTTPError) as exc:
            log.warning("JWKS fetch failed: %s", type(exc).__name__, extra={"jwks_url": self.jwks_url})
            if self._loaded_at is None:
                raise JwksUnavailable(self.jwks_url) from exc
            return  # keep verifying with the keys we have
        self._keys = parse_jwks(document)
        self._loaded_at = self._attempted_at

    async def _load_document(self) -> Mapping[str, Any]:
        url = urlsplit(self.jwks_url)
        if url.scheme == "file":
            raw = await asyncio.to_thread(Path(url2pathname(url.path)).read_bytes)
        else:
            async with httpx.AsyncClient(timeout=self.http_timeout) as client:
                response = await client.get(self.jwks_url, headers={"Accept": "application/json"})
                response.raise_for_status()
                raw = response.content
        document = json.loads(raw)
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError("not a JWK set")
        return document


def parse_jwks(document: Mapping[str, Any]) -> dict[str, _Key]:
    """Signing keys by kid; symmetric, encryption-only and unreadable keys are skipped, not fatal."""
    keys: dict[str, _Key] = {}
    for jwk in document.get("keys", []):
        if not isinstance(jwk, dict):
            continue
        kid, kty, alg = jwk.get("kid"), jwk.get("kty"), jwk.get("alg")
        if not isinstance(kid, str) or kty not in ALGORITHM_KEY_TYPES.values() or jwk.get("use", "sig") != "sig":
            continue
        if alg is not None and ALGORITHM_KEY_TYPES.get(alg) != kty:
            continue
        try:
            key = jwt.PyJWK(jwk).key
        except jwt_errors.PyJWTError:
            log.warning("JWKS entry skipped: unreadable key", extra={"kid": kid})
            continue
        keys[kid] = _Key(kty=kty, alg=alg, key=key)
    return keys


def _reason(exc: Exception) -> str:
    return next((reason for cls, reason in _REASONS if isinstance(exc, cls)), "token.malformed")


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise AuthError("token.claims")
    raw_roles = claims.get("roles")
    if not isinstance(raw_roles, list) or not raw_roles:
        raise AuthError("token.claims")
    try:
        roles = frozenset(Role(r) for r in raw_roles)
    except ValueError:
        raise AuthError("token.claims") from None  # an unknown role must not be silently dropped
    wilayah = None
    if Role.OPERATOR in roles:
        wilayah = claims.get("wilayah")
        # Missing is not "national": only an explicit "" grants the whole country.
        if not isinstance(wilayah, str) or not (wilayah == "" or wilayah.isdigit()):
            raise AuthError("token.claims")
    return Principal(subject=subject, roles=roles, wilayah=wilayah)


_bearer = HTTPBearer(auto_error=False, bearerFormat="JWT", description="JWT from the PMM identity provider")
# The Authorization header as the OpenAPI document's bearer scheme: the one dependency a route's caller needs.
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def verified_principal(request: Request, credentials: BearerDep) -> Principal:
    """Who the bearer token says the caller is, once it verifies; otherwise a 401 problem (503 while the issuer's
    keys cannot be loaded)."""
    if credentials is None:
        # RFC 6750 §3.1: a request without credentials gets the bare challenge, no error code.
        raise Unauthenticated("token.missing", REASON_DETAILS["token.missing"], challenge="Bearer")
    verifier: JwtVerifier = request.app.state.verifier
    try:
        return await verifier.verify(credentials.credentials)
    except AuthError as exc:
        raise Unauthenticated(exc.reason, REASON_DETAILS.get(exc.reason, "The token is not valid.")) from None
    except JwksUnavailable:
        raise HttpProblem(
            503,
            rule="auth.jwks_unavailable",
            detail="Tokens cannot be verified right now; try again shortly.",
            headers={"Retry-After": "5"},
        ) from None


VerifiedPrincipalDep = Annotated[Principal, Depends(verified_principal)]


async def limit_writes(request: Request, principal: VerifiedPrincipalDep) -> Principal:
    """The verified caller, or a 429 problem when they write faster than the app's limiter allows (reads are free).

    The limit is taken only after the token verified, so forged tokens naming a teacher cannot spend their writes.
    Who the changes are audited under is set where a service resolves its actor (`pmm_chassis.http.actor`).
    """
    limiter: WriteRateLimiter | None = getattr(request.app.state, "write_limiter", None)
    # Once per request: a service's actor takes it as well (pmm_chassis.http.actor), so a route with both pays one.
    if limiter is None or request.method not in WRITE_METHODS or getattr(request.state, "write_taken", False):
        return principal
    request.state.write_taken = True
    wait = limiter.take(principal.subject)
    if wait:
        raise HttpProblem(
            429,
            rule="rate.writes",
            detail=f"Too many changes in a short time; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    return principal


# What a route takes: the caller, authenticated and within their write limit.
PrincipalDep = Annotated[Principal, Depends(limit_writes)]
