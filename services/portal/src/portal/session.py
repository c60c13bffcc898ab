"""The session: an encrypted cookie (the portal keeps no store of its own).

It holds the signed-in user's tokens, so it is sealed (Fernet: AES-CBC with an HMAC) rather than only signed, is
HttpOnly and SameSite=Lax, and Secure outside development. Every visitor gets a random `sid`, to which the CSRF
tokens are bound, before signing in, so the Masuk form is protected too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "pmm_sesi"


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"pmm-portal-session:" + secret.encode()).digest()))


class Session(dict[str, Any]):
    """The cookie's contents; `changed` says whether it must be written back."""

    changed: bool = False

    def __setitem__(self, key: str, value: Any) -> None:
        self.changed = True
        super().__setitem__(key, value)

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        self.changed = True
        return super().pop(key, *default)

    def sign_out(self) -> None:
        """Forget the user but keep a fresh sid: the next form needs a CSRF token bound to something new."""
        self.clear()
        self["sid"] = secrets.token_urlsafe(18)

    @property
    def user(self) -> dict[str, Any] | None:
        user = self.get("user")
        return user if isinstance(user, dict) else None


class SessionCodec:
    def __init__(self, secrets_: Sequence[str], *, max_age_seconds: int) -> None:
        self.fernet = MultiFernet([_fernet(s) for s in secrets_])  # the first seals; all of them open
        self.max_age = max_age_seconds
        self._csrf_key = hashlib.sha256(b"pmm-portal-csrf:" + secrets_[0].encode()).digest()

    def seal(self, session: Session) -> str:
        return self.fernet.encrypt(json.dumps(session, separators=(",", ":")).encode()).decode("ascii")

    def open(self, cookie: str | None) -> Session:
        session = Session()
        if cookie:
            try:
                raw = self.fernet.decrypt(cookie.encode("ascii"), ttl=self.max_age)
                session.update(json.loads(raw))
            except (InvalidToken, ValueError, UnicodeError):
                pass  # tampered, sealed with a retired secret, or too old: a new visitor
        if "sid" not in session:
            session.sign_out()
        return session

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._csrf_key, str(session["sid"]).encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session), str(token))


class SessionMiddleware:
    """Opens the cookie into `scope["pmm_session"]` and seals it back when a page changed it."""

    def __init__(self, app: ASGIApp, *, codec: SessionCodec, secure: bool) -> None:
        self.app, self.codec, self.secure = app, codec, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self.codec.open(HTTPConnection(scope).cookies.get(COOKIE))
        scope["pmm_session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.changed:
                headers = MutableHeaders(scope=message)
                attributes = f"Path=/; Max-Age={self.codec.max_age}; HttpOnly; SameSite=Lax"
                if self.secure:
                    attributes += "; Secure"
                headers.append("Set-Cookie", f"{COOKIE}={self.codec.seal(session)}; {attributes}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def session_of(connection: HTTPConnection) -> Session:
    return connection.scope["pmm_session"]


def token_expired(user: dict[str, Any], *, leeway_seconds: int = 30) -> bool:
    return float(user.get("expires_at", 0)) <= time.time() + leeway_seconds
