"""One HTTP client per service, shared by every request; a call carries the user's token and the trace.

A service's refusal comes back as `ServiceProblem` (its RFC 9457 body, parsed), a service that cannot be reached
or answers too slowly as `ServiceDown`, and a rejected or expired token as `SessionExpired`: the pages turn each
into what the user sees (the message beside its field, the "nothing was lost" page, the way back to Masuk).
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

# A 503 or 429 that says when to come back is retried once the wait is short, as a browser on a bad line would;
# a longer wait is the user's to decide (the "coba lagi" page).
RETRY_AFTER_MAX_SECONDS = 3.0
RETRIES = 2

# Below the services' keep-alive (uvicorn's 5 s): a connection is never reused just as the service closes it.
KEEPALIVE_SECONDS = 4.0

# Reads a page may take from the last few seconds (`call(..., fresh_for=...)`) are kept for this many people at most
# per service, the least recently seen forgotten first.
RECENT_PEOPLE = 1000

tracer = trace.get_tracer("portal.clients")


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    rule: str
    detail: str


@dataclass
class ServiceProblem(Exception):
    """A 4xx (or a 5xx with a problem body) from a service: its status, rules and the fields they name."""

    service: str
    status: int
    title: str
    errors: list[FieldProblem] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def rules(self) -> list[str]:
        return [e.rule for e in self.errors]

    def __str__(self) -> str:
        return f"{self.service} answered {self.status}: {', '.join(self.rules) or self.title}"


@dataclass
class ServiceDown(Exception):
    """The service could not be reached, timed out or is overloaded: nothing it was asked to do was done."""

    service: str
    reason: str

    def __str__(self) -> str:
        return f"{self.service}: {self.reason}"


class SessionExpired(Exception):
    """The service refused the user's token (expired, revoked): the user signs in again."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    etag: str | None
    headers: Mapping[str, str]  # case-insensitive, as HTTP's are

    @property
    def version(self) -> int | None:
        """The aggregate version behind the ETag (`"v7"` -> 7), sent back as If-Match when the form is posted."""
        if self.etag and self.etag.strip('"').startswith("v"):
            try:
                return int(self.etag.strip('"')[1:])
            except ValueError:
                return None
        return None


def if_match(version: int | str | None) -> dict[str, str]:
    return {} if version in (None, "") else {"If-Match": f'"v{version}"'}


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)


class ServiceClient:
    """The calls to one service. Built once (its connection pool is shared); `token` is passed per call.

    aiohttp, not httpx: a page makes several calls, and httpx spent about seven times aiohttp's CPU on each (its
    request and response models, and anyio under them), which made it most of the portal's work under load."""

    def __init__(self, name: str, base_url: str, *, timeout: float, in_flight: int = 4):
        self.name = name
        self.timeout = timeout
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self._in_flight = in_flight
        self._session: aiohttp.ClientSession | None = None  # opened at the first call, in the server's event loop
        # Every connection stays open for the next request; a request beyond `in_flight` waits here, where its
        # timeout already runs.
        self._turns = asyncio.Semaphore(in_flight)
        # Per token (so only its holder reads it again), by path and query: when read, and the answer.
        self._recent: OrderedDict[str, dict[Any, tuple[float, Answer]]] = OrderedDict()

    def http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._in_flight, keepalive_timeout=KEEPALIVE_SECONDS),
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=min(self.timeout, 5.0)),
                # The services set no cookies; a jar would carry one person's to another's request.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str,
        json: Any = None,
        content: bytes | str | AsyncIterator[bytes] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (),
        fresh_for: float = 0.0,
    ) -> Answer:
        """One request; a 2xx (or a status in `ok`) is returned, anything else raised as described above.

        `fresh_for` (a GET): the same read by the same token within that many seconds is answered from the last
        answer, without asking the service. Anything else the token sends through this client forgets its reads, so
        a person always sees what they just did; what others did shows within `fresh_for`."""
        recent_key = (path, tuple(sorted((params or {}).items())))
        if method != "GET":
            self._recent.pop(token, None)
        elif fresh_for > 0:
            kept = self._recent.get(token, {}).get(recent_key)
            if kept is not None and time.monotonic() - kept[0] < fresh_for:
                self._recent.move_to_end(token)
                return kept[1]
        sent = {"Authorization": f"Bearer {token}", "Accept": "application/json", **(headers or {})}
        with tracer.start_as_current_span(f"{method} {self.name}", kind=SpanKind.CLIENT) as span:
            span.set_attribute("http.request.method", method)
            span.set_attribute("server.address", self.name)
            propagate.inject(sent)  # the service continues this trace (traceparent)
            response = await self._send(method, path, sent, json=json, content=content, params=params)
            span.set_attribute("http.response.status_code", response.status)
        if response.status < 400 or response.status in ok:
            body = response.json() if "json" in response.headers.get("content-type", "") else response.body
            answer = Answer(response.status, body, response.headers.get("ETag"), response.headers)
            if fresh_for > 0 and method == "GET":
                self._keep(token, recent_key, answer)
            return answer
        raise refusal(self.name, response.status, response.body)

    def _keep(self, token: str, key: Any, answer: Answer) -> None:
        self._recent.setdefault(token, {})[key] = (time.monotonic(), answer)
        self._recent.move_to_end(token)
        while len(self._recent) > RECENT_PEOPLE:
            self._recent.popitem(last=False)

    async def pemberitahuan(self, token: str, *, limit: int = 20, fresh_for: float = 0.0) -> list[dict[str, Any]]:
        """The signed-in person's reminders kept by this service (every reminding service mounts the same route),
        newest first; none from a service that keeps no reminders."""
        params = {"limit": limit}
        answer = await self.call("GET", "/pemberitahuan", token=token, params=params, ok=(404,), fresh_for=fresh_for)
        if answer.status == 404 or not isinstance(answer.body, dict):
            return []
        return [item for item in answer.body.get("items", []) if isinstance(item, dict)]

    async def pemberitahuan_gagal(self, token: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """For an operator: this service's reminders of their region that could not be mailed (an address refused,
        or none on file), newest first; none from a service that keeps no reminders."""
        answer = await self.call("GET", "/pemberitahuan/gagal", token=token, params={"limit": limit}, ok=(404,))
        if answer.status == 404 or not isinstance(answer.body, dict):
            return []
        return [item for item in answer.body.get("items", []) if isinstance(item, dict)]

    async def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        json: Any = None,
        content: bytes | str | AsyncIterator[bytes] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> _Reply:
        url, query = self.base_url + path, query_of(params)
        for attempt in range(RETRIES + 1):
            try:
                async with asyncio.timeout(self.timeout):
                    await self._turns.acquire()
                try:
                    async with self.http().request(
                        method, url, headers=headers, params=query, json=json, data=content
                    ) as response:
                        reply = _Reply(response.status, response.headers, await response.read())
                finally:
                    self._turns.release()
            except TimeoutError as exc:
                raise ServiceDown(self.name, "timeout") from exc
            except aiohttp.ClientError as exc:
                raise ServiceDown(self.name, type(exc).__name__) from exc
            wait = _retry_after(reply.status, reply.headers)
            # A streamed body (an upload's bytes) is gone once sent: it cannot be sent again, so the caller hears
            # the refusal (the browser's uploader resumes from the offset the service reports).
            if wait is None or attempt == RETRIES or not isinstance(content, bytes | str | None):
                return reply
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")


def query_of(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """A query as the services read it: true/false for a flag, an empty value for None."""
    if not params:
        return None
    return {
        k: ("true" if v else "false") if isinstance(v, bool) else "" if v is None else str(v) for k, v in params.items()
    }


def _retry_after(status: int, headers: Mapping[str, str]) -> float | None:
    """Seconds to wait before the same request again, when the service asked for a short wait."""
    if status not in (429, 503):
        return None
    try:
        seconds = float(headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds <= RETRY_AFTER_MAX_SECONDS else None


def refusal(service: str, status: int, body: bytes) -> Exception:
    """What a 4xx or 5xx answer is raised as (the module's docstring)."""
    if status == 401:
        return SessionExpired()
    if status >= 500 or status == 429:
        return ServiceDown(service, f"HTTP {status}")
    try:
        problem = jsonlib.loads(body)
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    errors = [
        FieldProblem(field=e.get("field"), rule=str(e.get("rule", "")), detail=str(e.get("detail", "")))
        for e in problem.get("errors", [])
        if isinstance(e, dict)
    ]
    return ServiceProblem(service, status, str(problem.get("title", "")), errors, problem)
