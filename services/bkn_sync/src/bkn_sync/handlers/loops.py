"""The two background loops of a bkn_sync process: the push worker and the pull of BKN's change feed.

Both are drivers like the event consumers: a tick in, a use case called. The push worker keeps up to
`concurrency` attempts in flight, each in the trace of the event that caused its push, wakes when a commit made a
push due (and polls, for other replicas' work and retry times), claims nothing while the circuit is open and only
the probe while it is half-open, and on SIGTERM lets the attempts in flight finish and record their outcome. A
crashed worker's leases expire and another replica takes the pushes over (BKN's idempotency absorbs a repeat).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from contextlib import suppress

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from prometheus_client import Counter, Gauge

from bkn_sync.domain.bkn import CircuitOpen
from bkn_sync.domain.resilience import CircuitState
from bkn_sync.usecases import Deps, pull, push, views
from pmm_chassis.messaging.failures import describe

logger = logging.getLogger(__name__)

PUSH_ATTEMPTS = Counter(
    "pmm_bkn_push_attempts", "Attempts to push to BKN, by kind, outcome and failure code", ["jenis", "outcome", "kode"]
)
FEED_ENTRIES = Counter("pmm_bkn_feed_entries", "Entries of BKN's change feed handled")
CIRCUIT_OPEN = Gauge("pmm_bkn_circuit_open", "1 while the circuit to BKN is open or half-open")
PUSH_BACKLOG = Gauge("pmm_bkn_push_backlog", "Pushes BKN does not hold yet, by status (pending, failed)", ["status"])
# The backlog is a count over the database: every worker replica reports the same figure, a few times a minute.
BACKLOG_EVERY_SECONDS = 15.0


class _Loop:
    def __init__(self, name: str) -> None:
        self.name = name
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        # An empty context: the loop acts as the service, under no caller and in no request's trace, whatever task
        # started it (an in-process test client's request task did, and its audit actor leaked into the pushes).
        self._task = asyncio.create_task(self._run(), name=self.name, context=contextvars.Context())

    async def stop(self, timeout: float = 15.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=timeout)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
                with suppress(asyncio.CancelledError):
                    await self._task

    async def _sleep(self, seconds: float) -> None:
        """Until `seconds` pass, a wake-up (one since the pass began counts), or stop."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(seconds, 0.01))

    async def _run(self) -> None:
        raise NotImplementedError


class PushWorker(_Loop):
    def __init__(self, deps: Deps, *, tracer: trace.Tracer, concurrency: int, poll_seconds: float) -> None:
        super().__init__("bkn-push-worker")
        self._deps = deps
        self._tracer = tracer
        self._concurrency = concurrency
        self._poll = poll_seconds
        self._in_flight: set[asyncio.Task[None]] = set()
        self._backlog_measured_at = float("-inf")

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            try:
                await self._pass()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: keep the pushes, try again later
                logger.warning("push worker pass failed", extra={"reason": describe(exc)})
                await self._sleep(backoff)
                backoff = min(backoff * 2, 10.0)
        if self._in_flight:
            await asyncio.wait(self._in_flight)  # attempts in flight finish and record their outcome

    async def _pass(self) -> None:
        self._wake.clear()  # a commit from here on wakes the sleep at the end of this pass
        await self._measure_backlog()  # first: while BKN is down, the growing backlog is what ops need to see
        circuit = self._deps.bkn.circuit()
        CIRCUIT_OPEN.set(0 if circuit["state"] == CircuitState.CLOSED else 1)
        if circuit["state"] == CircuitState.OPEN and circuit["reopens_in_seconds"] > 0:
            await self._sleep(min(circuit["reopens_in_seconds"], self._poll * 5))
            return
        free = self._concurrency - len(self._in_flight)
        if circuit["state"] == CircuitState.HALF_OPEN:
            free = 1 if not self._in_flight else 0  # one probe decides
        if free <= 0:
            await asyncio.wait(self._in_flight, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
            return
        claimed = await push.claim_due(push.ClaimDue(limit=free), uow=self._deps.uow(), deps=self._deps)
        for one in claimed:
            task = asyncio.create_task(self._attempt(one))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        if len(claimed) < free:
            await self._sleep(self._poll)

    async def _measure_backlog(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._backlog_measured_at < BACKLOG_EVERY_SECONDS:
            return
        self._backlog_measured_at = now
        for status, count in (await views.push_backlog(uow=self._deps.uow())).items():
            PUSH_BACKLOG.labels(status).set(count)

    async def _attempt(self, claimed: push.Claimed) -> None:
        try:
            result = await self._attempt_in_its_trace(claimed)
        except Exception as exc:  # the lease expires and the push is attempted again
            logger.warning(
                "push attempt not recorded", extra={"reason": describe(exc), "push_id": str(claimed.push_id)}
            )
            return
        PUSH_ATTEMPTS.labels(result.jenis, result.outcome, result.kode or "").inc()

    async def _attempt_in_its_trace(self, claimed: push.Claimed) -> push.AttemptResult:
        """The attempt continues the trace of the event that gave the push its content, so one trace shows the
        approval (or finalisation) through to BKN's answer."""
        token = otel_context.attach(propagate.extract(claimed.trace))
        try:
            with self._tracer.start_as_current_span(
                f"bkn_sync push {claimed.jenis.value}",
                attributes={
                    "pmm.push_id": str(claimed.push_id),
                    "pmm.push.jenis": claimed.jenis.value,
                    "pmm.push.bagian": claimed.bagian,
                },
            ) as span:
                trace_id = trace.format_trace_id(span.get_span_context().trace_id)
                command = push.AttemptPush(claimed, trace_id=trace_id)
                return await push.attempt_push(command, uow=self._deps.uow(), deps=self._deps)
        finally:
            otel_context.detach(token)


class FeedPuller(_Loop):
    def __init__(self, deps: Deps, *, interval_seconds: float, batch: int) -> None:
        super().__init__("bkn-feed-pull")
        self._deps = deps
        self._interval = interval_seconds
        self._batch = batch

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            wait = self._interval
            try:
                command = pull.PullChanges(batch=self._batch)
                handled = await pull.pull_changes(command, uow=self._deps.uow(), deps=self._deps)
                FEED_ENTRIES.inc(handled)
                if handled >= self._batch:
                    wait = 0.0  # more is waiting
            except asyncio.CancelledError:
                raise
            except CircuitOpen as closed:
                wait = max(closed.reopens_in, self._interval)
            except Exception as exc:
                logger.warning("feed pull failed", extra={"reason": describe(exc)})
            if wait:
                await self._sleep(wait)
