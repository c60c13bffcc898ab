"""OAuth2 client credentials as SIASN does them: an opaque bearer token that expires (about an hour)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field


@dataclass
class TokenIssuer:
    client_id: str
    client_secret: str
    ttl_seconds: int
    _tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (wall clock)

    def issue(self, client_id: str, client_secret: str) -> tuple[str, int] | None:
        ok_id = secrets.compare_digest(client_id.encode(), self.client_id.encode())
        ok_secret = secrets.compare_digest(client_secret.encode(), self.client_secret.encode())
        if not (ok_id and ok_secret):
            return None
        self._forget_expired()
        token = secrets.token_urlsafe(32)
        self._tokens[token] = time.time() + self.ttl_seconds
        return token, self.ttl_seconds

    def valid(self, token: str) -> bool:
        expiry = self._tokens.get(token)
        return expiry is not None and time.time() < expiry

    def expire_all(self) -> int:
        """Every issued token expires now (the tests' way to reach the expiry without waiting an hour)."""
        count = len(self._tokens)
        self._tokens = dict.fromkeys(self._tokens, 0.0)
        return count

    def _forget_expired(self) -> None:
        now = time.time()
        self._tokens = {t: e for t, e in self._tokens.items() if e > now - 3600}
