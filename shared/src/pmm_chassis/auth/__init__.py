"""Authentication: bearer JWTs verified against a JWKS; a development issuer mints them."""

from pmm_chassis.auth.jwt import (
    AuthError,
    JwksUnavailable,
    JwtVerifier,
    Principal,
    PrincipalDep,
    Role,
    VerifiedPrincipalDep,
    limit_writes,
    verified_principal,
)

__all__ = [
    "AuthError",
    "JwksUnavailable",
    "JwtVerifier",
    "Principal",
    "PrincipalDep",
    "Role",
    "VerifiedPrincipalDep",
    "limit_writes",
    "verified_principal",
]
