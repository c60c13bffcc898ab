"""A client of the public HTTP APIs that does what a school's app must do when the server is having a bad day.

- Connection refused/reset, a timeout, a 5xx or a 429: send the SAME request again (same Idempotency-Key, same
  If-Match) after a back-off, until the server answers for real. A keyed POST then gets its first answer back.
- After such a retry, a 412 (the If-Match version moved on) or a 409 (the state moved on) may mean that an
  earlier attempt WAS applied and only its answer was lost (the process died between its commit and its
  response). The step's `reconcile` reads the resource and accepts it when it shows the step done; the run counts
  these, they are the answers a crash ate.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

RETRY_STATUSES = {429, 500, 502, 503, 504}
GIVE_UP_AFTER_S = 1200.0

Reconcile = Callable[[httpx.Response], Awaitable[httpx.Response | None]]


class StepFailed(RuntimeError):
    pass


class Client:
    def __init__(self, base: str, issuer: str, stats: Counter[str], *, seed: int = 0) -> None:
        self.http = httpx.AsyncClient(base_url=base + "/api/v1", timeout=httpx.Timeout(20.0, connect=5.0))
        self.issuer = httpx.AsyncClient(base_url=issuer, timeout=10)
        self.stats = stats
        self._tokens: dict[tuple[Any, ...], str] = {}
        self._random = random.Random(seed)

    async def close(self) -> None:
        await self.http.aclose()
        await self.issuer.aclose()

    async def token(self, sub: str, *roles: str, wilayah: str | None = None) -> dict[str, str]:
        key = (sub, roles, wilayah)
        if key not in self._tokens:
            answer = await self.issuer.post("/token", json={"sub": sub, "roles": list(roles), "wilayah": wilayah})
            answer.raise_for_status()
            self._tokens[key] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    async def send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        reconcile: Reconcile | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GIVE_UP_AFTER_S
        delay, retried = 0.25, False
        self.stats["requests"] += 1
        while True:
            try:
                answer = await self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                self.stats[f"retry: {type(exc).__name__}"] += 1
                answer = None
            if answer is not None:
                if answer.status_code < 400:
                    return answer
                if answer.status_code in RETRY_STATUSES:
                    self.stats[f"retry: {answer.status_code} {_rule(answer) or ''}".strip()] += 1
                    if answer.status_code == 429:
                        delay = max(delay, float(answer.headers.get("Retry-After", "1") or 1))
                elif retried and answer.status_code in (409, 412) and reconcile is not None:
                    done = await reconcile(answer)
                    if done is not None:
                        self.stats["reconciled after a lost answer"] += 1
                        return done
                    raise StepFailed(f"{method} {path} -> {answer.status_code} {answer.text[:300]}")
                else:
                    raise StepFailed(f"{method} {path} -> {answer.status_code} {answer.text[:300]}")
            if loop.time() > deadline:
                raise StepFailed(f"{method} {path}: no answer within {GIVE_UP_AFTER_S:.0f} s")
            retried = True
            await asyncio.sleep(delay * (0.5 + self._random.random()))
            delay = min(delay * 2, 5.0)

    async def get(self, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        return await self.send("GET", path, headers, **kwargs)


def version_of(response: httpx.Response) -> int:
    return int(response.headers["ETag"].strip('"').lstrip("W/").strip('"').removeprefix("v"))


def moved_past(client: Client, path: str, headers: dict[str, str], sent_version: int) -> Reconcile:
    """A lost answer to a write guarded by If-Match: applied if the resource's version moved on from it."""

    async def check(_: httpx.Response) -> httpx.Response | None:
        current = await client.get(path, headers)
        return current if version_of(current) > sent_version else None

    return check


def _rule(answer: httpx.Response) -> str | None:
    if "json" not in answer.headers.get("content-type", ""):
        return None
    try:
        errors = answer.json().get("errors") or []
    except ValueError:
        return None
    return errors[0].get("rule") if errors and isinstance(errors[0], dict) else None


def problem_extra(answer: httpx.Response, name: str) -> Any:
    try:
        return answer.json().get(name)
    except ValueError:
        return None
