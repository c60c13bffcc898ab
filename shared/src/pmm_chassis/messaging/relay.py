"""The outbox relay: publishes committed outbox rows, marks them only after RabbitMQ confirms them.

- Wakes on NOTIFY from a committing unit of work, and polls as well (a NOTIFY is lost while disconnected).
- Safe with several replicas: rows are locked `FOR UPDATE SKIP LOCKED`, so two relays never publish the same
  batch; the rows are selected by `published_at IS NULL`, never by a high-water mark, so a row committed after a
  higher id (transactions finish out of order) is not skipped.
- Per-aggregate order: a row is published only if no older unpublished row of its aggregate is held by someone
  else; within a batch, one aggregate's rows go out one after another while different aggregates go out
  concurrently (pipelined confirms).
- At least once: a crash between the confirm and the mark publishes the row again; every consumer's inbox
  absorbs the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from opentelemetry import context as otel_context
from opentelemetry import propagate

from pmm_chassis import metrics
from pmm_chassis.db.uow import outbox_channel
from pmm_chassis.messaging.failures import describe

logger = logging.getLogger(__name__)

Publish = Callable[[asyncpg.Record], Awaitable[None]]

_CLAIM = """
WITH candidate AS (
    SELECT id, event_id, routing_key, aggregate_id, body, trace_headers
    FROM outbox_message
    WHERE published_at IS NULL
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
SELECT c.* FROM candidate c
WHERE NOT EXISTS (
    SELECT 1 FROM outbox_message o
    WHERE o.published_at IS NULL AND o.aggregate_id = c.aggregate_id AND o.id < c.id
      AND o.id NOT IN (SELECT id FROM candidate)
)
ORDER BY c.id
"""


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        dsn: str,
        publish: Publish,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        retention_days: int = 7,
    ) -> None:
        self.service = service
        self._dsn = dsn
        self._publish = publish
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._retention_days = retention_days
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._last_housekeeping = 0.0

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay")

    async def stop(self) -> None:
        """Flush what is committed (best effort), then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
        await self._close()

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._connect()
                # Cleared before the claim, not before the wait: a NOTIFY that arrives while this pass publishes
                # must wake the next pass at once (cleared after the pass, it was lost until the next poll: ~1 s
                # of lag at steady load, seen by `make bench`).
                self._wake.clear()
                published = await self.publish_batch()
                backoff = 0.5
                await self._housekeeping()
                if self._stopping:
                    if published == 0:
                        return
                    continue
                if published >= self._batch_size:
                    continue  # more is waiting
                await self._idle()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database or broker away: keep the rows, try again later
                logger.warning("relay pass failed", extra={"reason": describe(exc)})
                # The lag gauges matter most now (the broker is away and rows pile up), if the database answers.
                with contextlib.suppress(Exception):
                    await self._housekeeping()
                await self._close()
                if self._stopping:
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)

    async def _connect(self) -> None:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=2)
        if self._listener is None or self._listener.is_closed():
            self._listener = await asyncpg.connect(self._dsn)
            await self._listener.add_listener(outbox_channel(self.service), lambda *_: self._wake.set())

    async def _close(self) -> None:
        listener, pool = self._listener, self._pool
        self._listener, self._pool = None, None
        for closing in (listener.close() if listener else None, pool.close() if pool else None):
            if closing is not None:
                try:
                    await asyncio.wait_for(closing, timeout=5)
                except Exception:
                    logger.debug("close failed", exc_info=True)

    async def publish_batch(self) -> int:
        """One pass: claim, publish, mark. Returns how many rows were published."""
        assert self._pool is not None
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CLAIM, self._batch_size)
            if not rows:
                return 0
            published, failed = await self._publish_rows(rows)
            if published:
                await conn.execute(
                    "UPDATE outbox_message SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1)",
                    published,
                )
            for row_id, reason in failed:
                await conn.execute(
                    "UPDATE outbox_message SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                    row_id,
                    reason,
                )
        if failed:
            raise RuntimeError(f"{len(failed)} outbox rows not published: {failed[0][1]}")
        return len(published)

    async def _publish_rows(self, rows: Sequence[asyncpg.Record]) -> tuple[list[int], list[tuple[int, str]]]:
        chains: dict[str, list[asyncpg.Record]] = defaultdict(list)
        for row in rows:
            chains[row["aggregate_id"]].append(row)
        published: list[int] = []
        failed: list[tuple[int, str]] = []

        async def run_chain(chain: list[asyncpg.Record]) -> None:
            for row in chain:
                try:
                    await self._publish_in_trace(row)
                except Exception as exc:
                    failed.append((row["id"], describe(exc)))
                    return  # later rows of this aggregate wait for this one
                published.append(row["id"])
                metrics.EVENTS_PUBLISHED.labels(self.service, row["routing_key"]).inc()

        await asyncio.gather(*(run_chain(chain) for chain in chains.values()))
        return published, failed

    async def _publish_in_trace(self, row: asyncpg.Record) -> None:
        token = otel_context.attach(propagate.extract(_json(row["trace_headers"])))
        try:
            await self._publish(row)
        finally:
            otel_context.detach(token)

    async def _housekeeping(self) -> None:
        """Every 15 s, whatever the load (a relay woken by NOTIFY every second never idles): the lag gauges and the
        retention of published rows."""
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_housekeeping < 15 or self._pool is None:
            return
        self._last_housekeeping = loop_time
        async with self._pool.acquire() as conn:
            lag = await conn.fetchrow(
                "SELECT count(*) AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS lag "
                "FROM outbox_message WHERE published_at IS NULL"
            )
            metrics.OUTBOX_PENDING.labels(self.service).set(lag["pending"])
            metrics.OUTBOX_LAG_SECONDS.labels(self.service).set(float(lag["lag"]))
            await conn.execute(
                "DELETE FROM outbox_message WHERE published_at < now() - make_interval(days => $1)",
                self._retention_days,
            )


def _json(value: Any) -> dict[str, str]:
    # asyncpg returns jsonb as text unless a codec is set; the relay's own pool sets none.
    return json.loads(value) if isinstance(value, str) else dict(value or {})
