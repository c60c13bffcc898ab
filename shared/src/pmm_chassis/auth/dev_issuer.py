"""Development token issuer: mints RS256 tokens for the demo and the tests. Never for production.

It signs whatever subject and roles it is asked for, so it refuses to run (CLI and app) unless
PMM_ENVIRONMENT=development. Services verify its tokens exactly as they would a real identity
provider's: through its JWKS, with the same issuer/audience/expiry checks.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from pydantic import BaseModel, Field

from pmm_chassis.auth.jwt import ACCESS_TOKEN_TYPE, Role

DEFAULT_ISSUER = "http://127.0.0.1:8099"
DEFAULT_AUDIENCE = "pmm-kinerja"
DEFAULT_KEY_PATH = Path(".run/dev-issuer.pem")
ENVIRONMENT_VAR = "PMM_ENVIRONMENT"

RsaKey = rsa.RSAPrivateKey | rsa.RSAPublicKey


class NotDevelopment(RuntimeError):
    pass


def require_development() -> None:
    if os.environ.get(ENVIRONMENT_VAR) != "development":
        raise NotDevelopment(
            f"pmm-dev-issuer mints tokens for any identity and only runs with {ENVIRONMENT_VAR}=development "
            f"(it is {os.environ.get(ENVIRONMENT_VAR)!r})."
        )


def load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    """The issuer's signing key, kept in a 0600 PEM file so tokens survive an issuer restart."""
    try:
        return _load(path)
    except FileNotFoundError:
        pass
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together must not each write (and use) a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load(path)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def _load(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _public_numbers(key: RsaKey) -> rsa.RSAPublicNumbers:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_numbers()


def key_id(key: RsaKey) -> str:
    """RFC 7638 thumbprint: the kid follows from the key, so a rotated key gets a new kid by itself."""
    numbers = _public_numbers(key)
    # Required members only, in lexicographic order, no whitespace (RFC 7638 §3.2).
    canonical = json.dumps(
        {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def jwks_for(*keys: RsaKey) -> dict[str, Any]:
    """The public JWK set for one or more keys (several while a rotation is in progress)."""
    entries = []
    for key in keys:
        numbers = _public_numbers(key)
        entries.append(
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": key_id(key),
                "n": _b64url_uint(numbers.n),
                "e": _b64url_uint(numbers.e),
            }
        )
    return {"keys": entries}


def mint_token(
    key: rsa.RSAPrivateKey,
    *,
    sub: str,
    roles: Sequence[str],
    wilayah: str | None = None,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
    ttl_seconds: int = 3600,
    now: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """A signed RS256 token. `roles` is not checked here, so tests can mint tokens a verifier must refuse.

    `extra` is merged last; a None value removes that claim (a test's way to drop `roles` or `exp`).
    """
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": sub,
        "roles": list(roles),
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    if wilayah is not None:
        claims["wilayah"] = wilayah
    for name, value in (extra or {}).items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    # typ at+jwt (RFC 9068 §2.1): explicit typing, so an ID token or any other JWT of the same issuer is not
    # mistaken for an access token (RFC 8725 §3.11).
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key), "typ": ACCESS_TOKEN_TYPE})


class TokenRequest(BaseModel):
    sub: str = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    wilayah: str | None = None
    ttl_seconds: int = Field(3600, ge=60, le=86400)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


def create_app(key_path: Path, *, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE) -> FastAPI:
    require_development()
    from pmm_chassis.http.problems import install_problem_handlers

    key = load_or_create_key(key_path)
    jwks = jwks_for(key)
    app = FastAPI(title="pmm-dev-issuer", summary="Development-only token issuer", version="1")
    install_problem_handlers(app)

    @app.get("/.well-known/jwks.json")
    async def get_jwks() -> dict[str, Any]:
        return jwks

    @app.post("/token")
    async def post_token(body: TokenRequest) -> TokenResponse:
        token = mint_token(
            key,
            sub=body.sub,
            roles=[r.value for r in body.roles],
            wilayah=body.wilayah,
            issuer=issuer,
            audience=audience,
            ttl_seconds=body.ttl_seconds,
        )
        return TokenResponse(access_token=token, expires_in=body.ttl_seconds)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pmm-dev-issuer", description="Development-only JWT issuer for PMM Kinerja.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve /token and /.well-known/jwks.json")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8099)
    serve.add_argument("--key", type=Path, default=DEFAULT_KEY_PATH)
    serve.add_argument("--issuer", help="default: http://HOST:PORT")
    serve.add_argument("--audience", default=DEFAULT_AUDIENCE)

    token = commands.add_parser("token", help="print a token")
    token.add_argument("--key", type=Path, default=DEFAULT_KEY_PATH)
    token.add_argument("--sub", required=True)
    token.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    token.add_argument("--wilayah")
    token.add_argument("--ttl", type=int, default=3600)
    token.add_argument("--issuer", default=DEFAULT_ISSUER)
    token.add_argument("--audience", default=DEFAULT_AUDIENCE)

    jwks = commands.add_parser("jwks", help="write the public JWKS (for a file:// jwks_url)")
    jwks.add_argument("--key", type=Path, default=DEFAULT_KEY_PATH)
    jwks.add_argument("--out", type=Path, help="default: stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        require_development()
    except NotDevelopment as exc:
        sys.stderr.write(f"pmm-dev-issuer: {exc}\n")
        return 2

    if args.command == "serve":
        import uvicorn

        from pmm_chassis.logging import setup_logging

        setup_logging("dev-issuer")
        app = create_app(args.key, issuer=args.issuer or f"http://{args.host}:{args.port}", audience=args.audience)
        uvicorn.run(app, host=args.host, port=args.port, log_config=None)
        return 0
    key = load_or_create_key(args.key)
    if args.command == "token":
        token = mint_token(
            key,
            sub=args.sub,
            roles=args.role,
            wilayah=args.wilayah,
            issuer=args.issuer,
            audience=args.audience,
            ttl_seconds=args.ttl,
        )
        sys.stdout.write(token + "\n")
        return 0
    document = json.dumps(jwks_for(key), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(document)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(args.out.suffix + ".tmp")
        tmp.write_text(document)
        tmp.replace(args.out)  # atomic: a verifier reading the file never sees half a key set
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
