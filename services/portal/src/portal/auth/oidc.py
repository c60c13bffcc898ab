"""Production sign-in: OpenID Connect, authorization code with PKCE (S256), against the configured provider (the
ministry's belajar.id SSO). Configuration only: issuer, client id and secret, this portal's public address.

The state, nonce and code verifier wait in the (encrypted) session between the redirect and the callback; the ID
token is verified (signature from the provider's JWKS, issuer, audience, expiry, nonce); the access token, which
the services verify themselves, and the refresh token are kept in the session cookie, sealed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from portal.clients.base import ServiceDown
from portal.settings import PortalSettings

CALLBACK_PATH = "/masuk/sso/kembali"
ALGORITHMS = ["RS256", "ES256"]


class OidcRefused(Exception):
    """The provider's answer cannot be trusted or used (state, nonce, signature, an error it reported)."""


class OidcLogin:
    def __init__(self, settings: PortalSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        self.scopes = settings.oidc_scopes
        self.redirect_uri = settings.public_url.rstrip("/") + CALLBACK_PATH
        self.http = httpx.AsyncClient(timeout=10, transport=transport)
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKSet | None = None

    async def close(self) -> None:
        await self.http.aclose()

    async def ready(self) -> bool:
        try:
            await self.metadata()
            return True
        except ServiceDown:
            return False

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            self._metadata = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if self._metadata.get("issuer", "").rstrip("/") != self.issuer:
                self._metadata = None
                raise OidcRefused("the provider's metadata names another issuer")
        return self._metadata

    async def start(self, session: dict[str, Any], lanjut: str) -> str:
        """The provider's authorization URL; what the callback must check is kept in the session."""
        metadata = await self.metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        session["oidc"] = {"state": state, "nonce": nonce, "verifier": verifier, "lanjut": lanjut}
        return prepare_grant_uri(
            metadata["authorization_endpoint"],
            self.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope=self.scopes,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )

    async def finish(self, pending: dict[str, Any] | None, *, code: str, state: str) -> dict[str, Any]:
        """Exchanges the code for tokens and returns the session's user."""
        if not pending or not state or state != pending.get("state"):
            raise OidcRefused("state does not match this browser's sign-in")
        metadata = await self.metadata()
        tokens = await self._token(
            metadata["token_endpoint"],
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": pending["verifier"],
            },
        )
        claims = await self._verify_id_token(tokens.get("id_token", ""), nonce=pending["nonce"])
        return self._user(tokens, claims)

    async def refresh(self, user: dict[str, Any]) -> dict[str, Any] | None:
        """A new access token from the refresh token, or None when the provider will not give one."""
        if not user.get("refresh_token"):
            return None
        metadata = await self.metadata()
        try:
            tokens = await self._token(
                metadata["token_endpoint"], {"grant_type": "refresh_token", "refresh_token": user["refresh_token"]}
            )
        except OidcRefused:
            return None
        return {**user, **self._user(tokens, None, keep=user)}

    async def logout_url(self, user: dict[str, Any], after: str) -> str | None:
        """The provider's end-session address (RP-initiated logout), when it has one."""
        endpoint = (await self.metadata()).get("end_session_endpoint")
        if not endpoint:
            return None
        query = httpx.QueryParams({"client_id": self.client_id, "post_logout_redirect_uri": after})
        return f"{endpoint}?{query}"

    def _user(self, tokens: dict[str, Any], claims: dict[str, Any] | None, keep: dict[str, Any] | None = None):
        try:  # read for display only (the services verify it); an opaque token shows no roles
            access = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        except jwt.PyJWTError:
            access = {}
        user = dict(keep or {})
        user.update(
            {
                "sub": access.get("sub") or (claims or {}).get("sub"),
                "roles": list(access.get("roles", [])),
                "wilayah": access.get("wilayah"),
                "access_token": tokens["access_token"],
                "expires_at": time.time() + float(tokens.get("expires_in", 300)),
            }
        )
        if tokens.get("refresh_token"):
            user["refresh_token"] = tokens["refresh_token"]
        if claims and claims.get("name"):
            user["nama"] = claims["name"]
        return user

    async def _verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OidcRefused("no readable ID token") from exc
        key = await self._key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                id_token, key=key, algorithms=ALGORITHMS, audience=self.client_id, issuer=self.issuer,
                options={"require": ["exp", "iat", "sub"]},
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise OidcRefused(f"ID token refused: {type(exc).__name__}") from exc
        if claims.get("nonce") != nonce:
            raise OidcRefused("ID token nonce does not match")
        return claims

    async def _key(self, kid: str) -> Any:
        for attempt in range(2):  # a rotated key: fetch the set once more
            if self._jwks is None or attempt:
                self._jwks = jwt.PyJWKSet.from_dict(await self._get_json((await self.metadata())["jwks_uri"]))
            for key in self._jwks.keys:
                if key.key_id == kid:
                    return key.key
        raise OidcRefused("ID token signed with an unknown key")

    async def _token(self, endpoint: str, form: dict[str, str]) -> dict[str, Any]:
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        if auth is None:
            form = {**form, "client_id": self.client_id}
        try:
            response = await self.http.post(endpoint, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as exc:
            raise ServiceDown("sso", type(exc).__name__) from exc
        if response.status_code >= 500:
            raise ServiceDown("sso", f"HTTP {response.status_code}")
        body = response.json() if "json" in response.headers.get("content-type", "") else {}
        if response.status_code != 200 or "access_token" not in body:
            raise OidcRefused(str(body.get("error", f"HTTP {response.status_code}")))
        return body

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await asyncio.wait_for(self.http.get(url), timeout=10)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, TimeoutError, ValueError) as exc:
            raise ServiceDown("sso", type(exc).__name__) from exc
