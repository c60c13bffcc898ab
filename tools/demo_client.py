"""What every demo step uses: printing, a client of the public HTTP API with tokens from the development issuer,
and a tap that prints every event RabbitMQ delivers."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TypeVar

import aio_pika
import httpx

T = TypeVar("T")
R = TypeVar("R")
# Clients at once: a school's teachers do not wait for each other, but a 2-core machine gains nothing past a few.
CONCURRENCY = 8


def say(text: str = "") -> None:
    print(text, flush=True)


async def each(items: Iterable[T], work: Callable[[T], Awaitable[R]], *, limit: int = CONCURRENCY) -> list[R]:
    """`work` for every item, at most `limit` at once, results in the items' order (like people using the app)."""
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with gate:
            return await work(item)

    return await asyncio.gather(*(one(item) for item in items))


class Phases:
    """Wall-clock time of each phase of the demo, printed at the end."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @asynccontextmanager
    async def __call__(self, name: str) -> AsyncIterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = time.monotonic() - started


def masked(nip: str) -> str:
    return nip[:4] + "*" * 12 + nip[-2:]


class EventTap:
    """Our own queue bound to every event on `pmm.events`: prints each one as RabbitMQ delivers it (the first
    `print_limit` of each type: a region's thousand events would bury the story), counts them all."""

    def __init__(self, amqp_url: str, *, print_limit: int | None = None) -> None:
        self.amqp_url = amqp_url
        self.print_limit = print_limit
        self.seen: Counter[str] = Counter()
        self.trace_ids: dict[tuple[str, str], str] = {}  # (aggregate_id, routing key) -> trace id

    async def start(self) -> None:
        self.connection = await aio_pika.connect(self.amqp_url)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange("pmm.events", aio_pika.ExchangeType.TOPIC, durable=True, passive=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="#")
        await queue.consume(self._print, no_ack=True)

    async def _print(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        envelope = json.loads(message.body)
        self.seen[message.routing_key or "?"] += 1
        traceparent = (message.headers or {}).get("traceparent", "")
        if traceparent:
            self.trace_ids[(envelope["aggregate_id"], message.routing_key or "")] = str(traceparent).split("-")[1]
        if self.print_limit is not None and self.seen[message.routing_key or "?"] > self.print_limit:
            return
        detail = {
            k: v
            for k, v in envelope["data"].items()
            if k in ("status", "periode", "kode", "step", "until", "catatan", "changed")
        }
        shown = json.dumps(detail, ensure_ascii=False) if detail else ""
        aggregate = envelope["aggregate_id"][:44]
        say(f"    [rabbitmq] {message.routing_key:<40} {aggregate:<44} v{envelope['aggregate_version']} {shown}")

    async def stop(self) -> None:
        await self.connection.close()


class Api:
    def __init__(self, base: str, issuer: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        # `transport`: the one the service's calls go through (`make bench` gives a lighter one); httpx's own if None
        self.http = httpx.AsyncClient(base_url=base + "/api/v1", timeout=30, transport=transport)
        self.issuer = httpx.AsyncClient(base_url=issuer, timeout=10)
        self._tokens: dict[tuple, str] = {}

    async def token(self, sub: str, *roles: str, wilayah: str | None = None) -> dict[str, str]:
        key = (sub, roles, wilayah)
        if key not in self._tokens:
            r = await self.issuer.post("/token", json={"sub": sub, "roles": list(roles), "wilayah": wilayah})
            r.raise_for_status()
            self._tokens[key] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    async def call(self, method: str, path: str, headers: dict[str, str], **kwargs) -> httpx.Response:
        for attempt in range(1, RETRIES_BEFORE_THE_WORK + 1):
            response = await self.http.request(method, path, headers=headers, **kwargs)
            if not _refused_before_the_work(response) or attempt == RETRIES_BEFORE_THE_WORK:
                break
            await asyncio.sleep(min(float(response.headers.get("Retry-After") or 1), 5.0))
        if response.status_code >= 400:
            raise DemoStepFailed(f"demo step failed: {method} {path} -> {response.status_code} {response.text}")
        return response


class DemoStepFailed(RuntimeError):
    """A call the demo needed was refused; the demo stops and says which (an exception, not SystemExit, so that a
    caller running many drivers at once, like `make bench`, can record it and go on)."""


# What a browser does too: a request refused before any work (too many writes, keys not loaded yet) is retried after
# the Retry-After the server gave. Any other failure is the demo's to report.
RETRIES_BEFORE_THE_WORK = 5


def _refused_before_the_work(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 503 or "json" not in response.headers.get("content-type", ""):
        return False
    return any(e.get("rule") == "auth.jwks_unavailable" for e in response.json().get("errors", []))
