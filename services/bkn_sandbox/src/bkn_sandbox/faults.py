"""BKN's bad days, on demand: latency, 5xx, a full outage for a time, 429 above a request rate, lost responses.

Set through `PUT /admin/faults`; they apply to BKN's API (token endpoint included), never to /admin or the probes.
A "lost response" is a push that BKN stores and then fails to answer: the connection breaks mid-response, so
the client cannot know it succeeded and must retry it (idempotency keeps one record).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class FaultConfig(BaseModel):
    latency_ms: int = Field(0, ge=0, le=120_000)
    # The next N API requests answer with `error_status`; and/or each one does with probability `error_rate`.
    error_next: int = Field(0, ge=0)
    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    error_status: int = Field(503, ge=500, le=599)
    # Everything answers 503 for this long from the moment it is set.
    outage_seconds: float = Field(0.0, ge=0.0)
    # Above this many API requests per second: 429 with Retry-After.
    rate_limit_per_second: float | None = Field(None, gt=0)
    retry_after_seconds: int = Field(1, ge=0)
    # The next N accepted pushes are stored, then their response is lost.
    lose_next: int = Field(0, ge=0)
    seed: int | None = None


# A route that stored a push and must now lose its answer marks its response with this header.
LOSE_HEADER = "x-sandbox-lose-response"


class _Lost(Exception):
    pass


@dataclass
class Faults:
    config: FaultConfig = field(default_factory=FaultConfig)
    outage_until: float = 0.0
    _recent: deque[float] = field(default_factory=deque)
    _random: random.Random = field(default_factory=random.Random)
    stats: Counter[str] = field(default_factory=Counter)

    def set(self, config: FaultConfig) -> None:
        self.config = config
        self.outage_until = time.monotonic() + config.outage_seconds if config.outage_seconds else 0.0
        self._recent.clear()
        if config.seed is not None:
            self._random.seed(config.seed)

    def view(self) -> dict[str, Any]:
        remaining = max(0.0, self.outage_until - time.monotonic())
        return {**self.config.model_dump(), "outage_remaining_seconds": round(remaining, 3)}

    def take_lost_response(self) -> bool:
        if self.config.lose_next > 0:
            self.config = self.config.model_copy(update={"lose_next": self.config.lose_next - 1})
            return True
        return False

    def _over_rate(self, now: float) -> bool:
        limit = self.config.rate_limit_per_second
        if limit is None:
            return False
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= limit:
            return True
        self._recent.append(now)
        return False

    def decide(self) -> tuple[int, dict[str, str]] | None:
        """The injected answer for one API request, or None to let it through."""
        now = time.monotonic()
        if now < self.outage_until:
            return 503, {}
        if self._over_rate(now):
            return 429, {"Retry-After": str(self.config.retry_after_seconds)}
        if self.config.error_next > 0:
            self.config = self.config.model_copy(update={"error_next": self.config.error_next - 1})
            return self.config.error_status, {}
        if self.config.error_rate and self._random.random() < self.config.error_rate:
            return self.config.error_status, {}
        return None


_CODES = {429: "TERLALU_BANYAK_PERMINTAAN", 503: "LAYANAN_TIDAK_TERSEDIA"}


class FaultMiddleware:
    """Pure ASGI, so that it can break a response half-way (which a Starlette middleware cannot)."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path.startswith("/api/") or path.startswith("/oauth/")):
            await self.app(scope, receive, send)
            return
        injected = self.faults.decide()
        if injected is not None:
            status, headers = injected
            self.faults.stats[f"injected {status}"] += 1
            await _send_json(send, status, {"success": False, "code": _CODES.get(status, "KESALAHAN_SERVER")}, headers)
            return
        if self.faults.config.latency_ms:
            await asyncio.sleep(self.faults.config.latency_ms / 1000)

        async def breaking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                self.faults.stats[f"{scope['method']} {_family(path)} {message['status']}"] += 1
                if LOSE_HEADER.encode() in headers:
                    self.faults.stats["lost responses"] += 1
                    # Promise a body and send a fraction of it: the server closes the connection and the client
                    # sees a broken response for a push that BKN has already stored.
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
                        }
                    )
                    await send({"type": "http.response.body", "body": b'{"success": tr', "more_body": True})
                    raise _Lost
            await send(message)

        try:
            await self.app(scope, receive, breaking_send)
        except _Lost:
            return  # the server sees an unfinished response and drops the connection


def _family(path: str) -> str:
    # Counted by resource, never by NIP.
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(p if not p.isdigit() else "{nip}" for p in parts[:3])


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(raw)).encode()),
                *((k.lower().encode(), v.encode()) for k, v in headers.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
