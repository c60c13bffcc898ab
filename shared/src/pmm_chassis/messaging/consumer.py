"""The reliable consumer: decode against the contracts, dedupe through the inbox, retry or park.

One quorum queue per service, one consumer on it, one handler per event type. What happens to a message:

| outcome                                   | action                                                    |
|-------------------------------------------|-----------------------------------------------------------|
| handled                                   | inbox row + effect + outbox rows commit together; ack     |
| seen before (inbox row exists)            | ack, nothing else                                         |
| not JSON / not an envelope / unknown type | parked at once with the reason; ack                       |
| or version / payload breaks its schema    |                                                           |
| transient failure (database/broker down)  | re-queued through a delay tier (back-off), ack; forever   |
| any other failure                         | re-queued with back-off up to `max_unexpected_attempts`,  |
|                                           | then parked with the reason                               |
| the process dies mid-message              | RabbitMQ redelivers; after `x-delivery-limit` deliveries  |
|                                           | it dead-letters the message into the parking queue        |

The consumer takes its messages straight from aio-pika, on the broker's own channel (its prefetch bounds what is in
flight), and acknowledges each only after the message is either done or safely re-published: an ack policy that
rejects on error would lose or park every message in flight during a database outage. FastStream's subscriber path
(its context scopes, exit stacks and logging middleware around every message) costs about a tenth of a consuming
process in the profile of `make bench` (docs/design.md §4); FastStream still declares the queue and documents it.

With `batch_size` above one (every service: `ServiceSettings.consumer_batch_size`) the messages waiting are applied
together, up to `batch_size` of them or what came within `batch_wait_seconds`, in ONE transaction
(`UnitOfWork.batch()`): one multi-row inbox claim (the rows already there are redeliveries, acknowledged with nothing
else), each message's handler in its own SAVEPOINT in delivery order, the failed ones' claims given back, one commit,
and only then the acknowledgements. Batches go through `batch_lanes` lanes, each a batch after another on a connection
of its own, so one lane's round trips to PostgreSQL overlap another's work; an aggregate's messages always take the same
lane, so they are applied in the order they came. The table above holds per message: a failing message is rolled back to
its savepoint and retried or parked by the same rules while the others commit. What fails the batch as a whole (the
claim, a savepoint that cannot be rolled back, the commit) applied nothing: when transient, every message of it is
retried through the delay tiers (none is parked for an outage); otherwise each is applied again on its own as above, so
a fault that belongs to one message is found and charged to that message alone. A crash before the commit redelivers the
whole batch; after it, the inbox turns the redeliveries into duplicates. A redelivered message (RabbitMQ's `redelivered`
flag: its consumer died or its channel closed before the ack) is applied on its own, as above, so a message that kills
the process does not keep failing the batches it lands in.

Most batches have no failing message, and for them the savepoints are two round trips per message for nothing. So
a batch is first applied without them (`batch(savepoints=False)`); the first message that fails or leaves work it did
not commit ends that attempt, which is rolled back whole (nothing of it commits or is acknowledged), and the batch is
applied again with a savepoint per message, as above.

A handler registered `InRuns` also takes several messages at once: in a batch applied without savepoints, the
consecutive messages of its type (cut wherever an aggregate would come twice, so each aggregate's order holds) go
to it together, in one unit of work, and it applies them set-wise, a statement per run where it would spend one per
message. A run that fails is that batch's attempt failing: it is applied again with a savepoint per message, each
message on its own (the run handler given that one message), so the table above still holds per message. A run has a
span of its own, linked to every message's; each event it records names the message it answers
(`UnitOfWork.answering`), so the outbox row carries on that message's trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, ConsumerTag
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

from pmm_chassis import metrics
from pmm_chassis.db.uow import AlreadyProcessed, Batch, UnitOfWork
from pmm_chassis.messaging import topology
from pmm_chassis.messaging.batching import Batcher
from pmm_chassis.messaging.failures import describe, is_transient
from pmm_contracts import ContractViolation, Event, EventData, decode, routing_key
from pmm_contracts.subscriptions import binding_keys

logger = logging.getLogger(__name__)

# A handler takes the decoded event, typed by its payload (`Event[SkpApprovedV1]`), and the unit of work the consumer
# opened to claim the inbox row; the consumer calls it only with the payload type it was registered for.
Handler = Callable[[Event[Any], Any], Awaitable[None]]
# A run handler takes several decoded events of its one payload type, in delivery order, no two of one aggregate.
RunHandler = Callable[[Sequence[Event[Any]], Any], Awaitable[None]]


@dataclass(frozen=True)
class InRuns:
    """A handler that also applies a run of its messages together (the module's docstring). Called with one message,
    it is a run of one: one code path for both."""

    run: RunHandler

    async def __call__(self, event: Event[Any], uow: Any) -> None:
        await self.run([event], uow)


_CANCEL_SECONDS = 5.0  # a stop waits this long for a reconnecting channel to take the consumer's cancel

ATTEMPT_HEADER = "x-pmm-attempt"  # every retry so far: picks the back-off tier
FAILURES_HEADER = "x-pmm-failures"  # retries for non-transient failures only: parks after max_unexpected_attempts
LAST_ERROR_HEADER = "x-pmm-last-error"
PARKED_REASON_HEADER = "x-parked-reason"
PARKED_QUEUE_HEADER = "x-parked-queue"
PARKED_AT_HEADER = "x-parked-at"
ORIGINAL_KEY_HEADER = "x-original-routing-key"


@dataclass(frozen=True)
class Verdict:
    """What the batch decided for one message; its own task then re-publishes it if needed and acknowledges it."""

    outcome: str  # processed | duplicate | retried | parked | failed
    event: Event | None = None
    error: Exception | None = None  # failed: classified by `_after_failure` (retried, or parked after a few)


class _Uneven(Exception):
    """A message of a batch applied without savepoints failed or left work uncommitted: the attempt is rolled back."""


@dataclass(eq=False)
class Delivery:
    msg: AbstractIncomingMessage
    event: Event
    handler: Handler
    context: otel_context.Context  # the message's consume span: its handler runs in the message's own trace
    verdict: asyncio.Future[Verdict] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def settle(self, verdict: Verdict) -> None:
        if not self.verdict.done():
            self.verdict.set_result(verdict)


class Consumer:
    """All the handlers of one service, behind its one inbox queue."""

    def __init__(
        self,
        *,
        service: str,
        uow_factory: Callable[[], UnitOfWork],
        handlers: Mapping[type[EventData], Handler],
        max_unexpected_attempts: int,
        batch_size: int = 1,
        batch_wait_seconds: float = 0.005,
        batch_lanes: int = 1,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        self.service = service
        self.name = f"{service}.inbox"
        self.queue_name = topology.inbox_queue_name(service)
        self._uow_factory = uow_factory
        self._handlers: dict[type[EventData], Handler] = dict(handlers)
        self._run_handlers = {model: h.run for model, h in handlers.items() if isinstance(h, InRuns)}
        self._tracer = trace.get_tracer("pmm_chassis.messaging", tracer_provider=tracer_provider)
        self._max_unexpected = max_unexpected_attempts
        self._broker: RabbitBroker | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: ConsumerTag | None = None
        self._in_hand = 0  # messages being handled, for a stop that lets them finish
        self._idle = asyncio.Event()
        # One message at a time (its own transaction) unless batching is asked for. Batches are applied in lanes, each
        # a transaction after another on a connection of its own; an aggregate's messages always take the same lane.
        self._lanes: list[Batcher[Delivery]] | None = (
            [
                Batcher(self._apply_batch, size=batch_size, wait_seconds=batch_wait_seconds)
                for _ in range(max(batch_lanes, 1))
            ]
            if batch_size > 1
            else None
        )

    @property
    def routing_keys(self) -> list[str]:
        return sorted(routing_key(model) for model in self._handlers)

    def check_subscriptions(self) -> None:
        """The queue is bound to what pmm_contracts.subscriptions says; handlers for anything else never run."""
        declared = binding_keys(self.service)
        if declared != self.routing_keys:
            raise RuntimeError(
                f"{self.service}'s handlers ({self.routing_keys}) differ from pmm_contracts.subscriptions ({declared})"
            )

    def document(self, broker: RabbitBroker, *, delivery_limit: int) -> None:
        """Name the inbox in the service's AsyncAPI document. A FastStream subscriber with no handler declares the
        queue at the broker's start and consumes nothing: `start()` does."""
        broker.subscriber(
            topology.inbox_queue(self.service, delivery_limit=delivery_limit),
            title=self.name,
            description=f"Events {self.service} consumes: {', '.join(self.routing_keys)}",
        )

    @property
    def consuming(self) -> bool:
        return self._consumer_tag is not None

    async def start(self, broker: RabbitBroker, *, delivery_limit: int) -> None:
        """Consume the inbox (on the broker's default channel, after `broker.connect()`)."""
        self._broker = broker
        queue = await broker.declare_queue(topology.inbox_queue(self.service, delivery_limit=delivery_limit))
        self._queue = queue
        self._consumer_tag = await queue.consume(self._on_delivery)

    async def stop(self, *, timeout_seconds: float) -> None:
        """Take no more messages, then wait (up to the timeout) for those in hand to be done and acknowledged; what
        is still in hand after it, RabbitMQ redelivers when the channel closes.

        The cancel is sent even while the channel is reconnecting (bounded: it waits for the channel): aio-pika
        forgets the consumer as the cancel starts, so a channel that comes back does not bring it back. A message
        RabbitMQ delivered just before it took the cancel may start after this returns; the channel's close
        redelivers it, and the inbox makes the copy a duplicate."""
        if self._queue is not None and self._consumer_tag is not None:
            tag, self._consumer_tag = self._consumer_tag, None
            await _quietly(asyncio.wait_for(self._queue.cancel(tag), timeout=_CANCEL_SECONDS))
        if self._in_hand:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout=timeout_seconds)

    async def _on_delivery(self, msg: AbstractIncomingMessage) -> None:
        self._in_hand += 1
        self._idle.clear()
        try:
            await self.handle(msg)
        finally:
            self._in_hand -= 1
            if not self._in_hand:
                self._idle.set()

    async def handle(self, msg: AbstractIncomingMessage) -> None:
        with self._process_span(msg) as span:
            outcome = await self._handle(msg)
            span.set_attribute("pmm.outcome", outcome)
            if outcome in ("retried", "parked", "redelivery"):
                span.set_status(trace.StatusCode.ERROR, outcome)

    def _process_span(self, msg: AbstractIncomingMessage) -> Any:
        """The message's CONSUMER span, a child of the publish span whose context the message carries
        (`traceparent`), named as FastStream names its own: everything the message causes is in that trace.

        Made here, not by FastStream's telemetry middleware: that one made a second span for a message without a
        trace context and a baggage and context scope for each, about a seventh of a consuming process's CPU in the
        profile of `make bench` (docs/design.md §4); what it recorded that a trace reader needs is here."""
        attributes = {
            "messaging.system": "rabbitmq",
            "messaging.operation": "process",
            "messaging.destination.name": msg.exchange or "",
            "messaging.rabbitmq.destination.routing_key": msg.routing_key or "",
            "messaging.message.id": msg.message_id or "",
        }
        return self._tracer.start_as_current_span(
            f"{msg.exchange or 'default'}.{msg.routing_key} process",
            context=propagate.extract(msg.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes=attributes,
        )

    async def _handle(self, msg: AbstractIncomingMessage) -> str:
        try:
            # A redelivered message may be the one that killed the process holding its batch: applied on its own, it
            # no longer takes its batch-mates down with it.
            if self._lanes is None or msg.redelivered:
                outcome = await self._process(msg)
            else:
                outcome = await self._through_batch(msg, self._lanes)
        except Exception:
            # Could not even re-publish or park (the broker is going away): leave it to RabbitMQ to redeliver.
            logger.exception("message left for redelivery", extra={"message_id": msg.message_id})
            await _quietly(msg.nack(requeue=True))
            return "redelivery"
        metrics.CONSUMED.labels(self.service, self.name, outcome).inc()
        # The channel may have closed while the message was in hand: RabbitMQ then redelivers it, and the inbox makes
        # the copy a duplicate.
        await _quietly(msg.ack())
        return outcome

    async def _process(self, msg: AbstractIncomingMessage) -> str:
        try:
            event = decode(msg.body)
        except ContractViolation as violation:
            await self.park(msg, violation.reason)
            return "parked"
        handler = self._handlers.get(type(event.data))
        if handler is None:
            await self.park(msg, f"{self.service} has no handler for {event.envelope.type} v{event.envelope.version}")
            return "parked"
        try:
            async with self._uow_factory().claiming(self.name, event.envelope.event_id) as uow:
                await handler(event, uow)
        except AlreadyProcessed:
            return "duplicate"
        except Exception as exc:  # classified below: nothing escapes unrecorded
            return await self._after_failure(msg, event, exc)
        return "processed"

    async def _through_batch(self, msg: AbstractIncomingMessage, lanes: list[Batcher[Delivery]]) -> str:
        try:
            event = decode(msg.body)
        except ContractViolation as violation:
            await self.park(msg, violation.reason)
            return "parked"
        handler = self._handlers.get(type(event.data))
        if handler is None:
            await self.park(msg, f"{self.service} has no handler for {event.envelope.type} v{event.envelope.version}")
            return "parked"
        delivery = Delivery(msg, event, handler, otel_context.get_current())
        lanes[hash(event.envelope.aggregate_id) % len(lanes)].add(delivery)
        verdict = await delivery.verdict
        # After the batch committed (or failed as a whole): re-publish what must be tried again or parked.
        if verdict.outcome == "failed":
            assert verdict.event is not None and verdict.error is not None
            return await self._after_failure(msg, verdict.event, verdict.error)
        return verdict.outcome

    async def _apply_batch(self, deliveries: list[Delivery]) -> None:
        """Apply a batch (the module's docstring); every delivery gets its verdict, whatever happens."""
        try:
            ready = self._first_copies(deliveries)
            if ready:
                await self._apply_together(ready)
        except BaseException as exc:
            for delivery in deliveries:  # left to RabbitMQ's redelivery (handle() nacks them)
                if not delivery.verdict.done():
                    delivery.verdict.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
            if not isinstance(exc, Exception):
                raise

    @staticmethod
    def _first_copies(deliveries: list[Delivery]) -> list[Delivery]:
        """The deliveries to apply: a second copy of one event in the same batch is a duplicate."""
        ready: list[Delivery] = []
        seen: set[Any] = set()
        for delivery in deliveries:
            if delivery.event.envelope.event_id in seen:
                delivery.settle(Verdict("duplicate"))
                continue
            seen.add(delivery.event.envelope.event_id)
            ready.append(delivery)
        return ready

    async def _apply_together(self, ready: list[Delivery]) -> None:
        try:
            verdicts = await self._apply_without_savepoints(ready)
        except _Uneven as uneven:
            # Worth a line: a message failed (its own lines follow) or a use case left without committing.
            cause = describe(uneven.__cause__) if uneven.__cause__ else "a message left its work uncommitted"
            logger.info("batch applied again with a savepoint per message", extra={"size": len(ready), "reason": cause})
            await self._apply_with_savepoints(ready)
            return
        except Exception as exc:  # the claim or the commit: the batch as a whole
            await self._after_batch_failure(ready, exc)
            return
        for delivery, verdict in verdicts:
            delivery.settle(verdict)

    async def _apply_without_savepoints(self, ready: list[Delivery]) -> list[tuple[Delivery, Verdict]]:
        """Every message straight into the batch's transaction; `_Uneven` (after rolling it all back) as soon as one
        fails or leaves work uncommitted. Nothing is settled before the commit.

        A batch of one that fails is that message's own transaction failing: rolled back, it is the message's
        failure, classified as any other (no second run)."""
        verdicts: list[tuple[Delivery, Verdict]] = []
        async with self._uow_factory().batch(savepoints=False) as batch:
            claimed = await self._claim(batch, ready)
            fresh = []
            for delivery in ready:
                if delivery.event.envelope.event_id in claimed:
                    fresh.append(delivery)
                else:
                    verdicts.append((delivery, Verdict("duplicate")))
            for run in self._runs(fresh):
                if len(run) > 1:
                    error = await self._apply_run(batch, run)
                else:
                    error, _ = await self._apply_one(batch, run[0])
                if error is not None and len(ready) == 1:
                    return [(run[0], Verdict("failed", event=run[0].event, error=error))]  # rolled back
                if error is not None or batch.spoiled:
                    raise _Uneven from error
                verdicts.extend((delivery, Verdict("processed")) for delivery in run)
            await batch.commit()
        return verdicts

    def _runs(self, deliveries: list[Delivery]) -> Iterator[list[Delivery]]:
        """The deliveries in order, in runs for the `InRuns` handlers: consecutive messages of one such type, no two
        of one aggregate. Every other message is a run of one."""
        run: list[Delivery] = []
        aggregates: set[str] = set()
        for delivery in deliveries:
            kind, aggregate = type(delivery.event.data), delivery.event.envelope.aggregate_id
            if run and (
                kind not in self._run_handlers or kind is not type(run[0].event.data) or aggregate in aggregates
            ):
                yield run
                run, aggregates = [], set()
            run.append(delivery)
            aggregates.add(aggregate)
        if run:
            yield run

    async def _apply_run(self, batch: Batch, run: list[Delivery]) -> Exception | None:
        """A run in one unit of work, without a savepoint: what failed, or None. Its span links every message's."""
        links = [trace.Link(trace.get_current_span(d.context).get_span_context()) for d in run]
        first = run[0].event
        attributes = {"messaging.batch.message_count": len(run), "pmm.event_type": first.envelope.type}
        causes = {d.event.envelope.event_id: d.context for d in run}
        with self._tracer.start_as_current_span(f"{self.name} run", links=links, attributes=attributes):
            uow = self._uow_factory().joining(batch).caused_by(causes)
            try:
                async with uow:
                    await self._run_handlers[type(first.data)]([d.event for d in run], uow)
            except Exception as exc:  # the batch is applied again, message by message: nothing is lost
                return exc
        return None

    async def _apply_with_savepoints(self, ready: list[Delivery]) -> None:
        applied: list[Delivery] = []
        failed: list[tuple[Delivery, Exception]] = []
        try:
            async with self._uow_factory().batch() as batch:
                claimed = await self._claim(batch, ready)
                for delivery in ready:
                    if delivery.event.envelope.event_id not in claimed:
                        delivery.settle(Verdict("duplicate"))
                        continue
                    error, committed = await self._apply_one(batch, delivery)
                    if error is None:
                        applied.append(delivery)
                    elif batch.broken:
                        raise error
                    else:
                        failed.append((delivery, error))
                        if committed:  # failed after its commit: done, as it would be on its own
                            applied.append(delivery)
                undone = [d.event.envelope.event_id for d, _ in failed if d not in applied]
                if undone:
                    await batch.unclaim(self.name, undone)
                await batch.commit()
        except Exception as exc:
            await self._after_batch_failure([d for d in ready if not d.verdict.done()], exc)
            return
        for delivery, error in failed:
            delivery.settle(Verdict("failed", event=delivery.event, error=error))
        for delivery in applied:
            delivery.settle(Verdict("processed"))

    async def _claim(self, batch: Batch, ready: list[Delivery]) -> set[Any]:
        ids = [d.event.envelope.event_id for d in ready]
        if len(ready) == 1:  # a batch of one is that message's transaction: the audit stamp names its trace
            token = otel_context.attach(ready[0].context)
            try:
                return await batch.claim(self.name, ids)
            finally:
                otel_context.detach(token)
        return await batch.claim(self.name, ids)

    async def _apply_one(self, batch: Batch, delivery: Delivery) -> tuple[Exception | None, bool]:
        """(what failed or None, whether its unit of work had committed) for one message, in its savepoint."""
        token = otel_context.attach(delivery.context)
        uow = self._uow_factory().joining(batch)
        try:
            async with uow:
                await delivery.handler(delivery.event, uow)
        except Exception as exc:  # classified after the commit: nothing escapes unrecorded
            return exc, uow.committed
        finally:
            otel_context.detach(token)
        return None, uow.committed

    async def _after_batch_failure(self, deliveries: list[Delivery], exc: Exception) -> None:
        """The batch applied nothing. An outage: every message is retried (none counts towards parking). Anything
        else: each message on its own, so that the fault is charged to the message that has it."""
        if is_transient(exc):
            logger.warning(
                "batch failed, retrying its messages", extra={"reason": describe(exc), "size": len(deliveries)}
            )
            for delivery in deliveries:
                delivery.settle(Verdict("failed", event=delivery.event, error=exc))
            return
        logger.warning("batch failed, applying its messages one by one", extra={"reason": describe(exc)}, exc_info=exc)
        for delivery in deliveries:
            token = otel_context.attach(delivery.context)
            try:
                outcome = await self._process(delivery.msg)
            except Exception as error:
                delivery.verdict.set_exception(error)
                continue
            finally:
                otel_context.detach(token)
            delivery.settle(Verdict(outcome))

    async def _after_failure(self, msg: AbstractIncomingMessage, event: Event, exc: Exception) -> str:
        attempt = _count(msg, ATTEMPT_HEADER) + 1
        reason = describe(exc)
        context = {
            "event_type": event.envelope.type,
            "event_id": str(event.envelope.event_id),
            "attempt": attempt,
        }
        if is_transient(exc):
            # An outage says nothing about the message: it does not count towards parking.
            logger.warning("transient failure, retrying", extra={**context, "reason": reason})
            await self.retry(msg, attempt, reason, failures=_count(msg, FAILURES_HEADER))
            return "retried"
        failures = _count(msg, FAILURES_HEADER) + 1
        if failures >= self._max_unexpected:
            logger.error("failed %d times, parking", failures, extra={**context, "reason": reason})
            await self.park(msg, f"failed {failures} times: {reason}")
            return "parked"
        logger.warning("failure, retrying", extra={**context, "reason": reason}, exc_info=exc)
        await self.retry(msg, attempt, reason, failures=failures)
        return "retried"

    async def retry(self, msg: AbstractIncomingMessage, attempt: int, reason: str, *, failures: int) -> None:
        seconds = topology.delay_seconds_for(attempt)
        await self._require_broker().publish(
            msg.body,
            exchange=RabbitExchange(topology.delay_exchange_name(seconds), type=ExchangeType.FANOUT, declare=False),
            routing_key=self.queue_name,
            persist=True,
            message_id=msg.message_id,
            content_type=msg.content_type,
            headers={
                **_plain_headers(msg),
                ATTEMPT_HEADER: attempt,
                FAILURES_HEADER: failures,
                LAST_ERROR_HEADER: reason,
            },
        )

    async def park(self, msg: AbstractIncomingMessage, reason: str) -> None:
        logger.error("parked", extra={"message_id": msg.message_id, "reason": reason})
        await self._require_broker().publish(
            msg.body,
            queue=topology.parked_queue_name(self.service),
            persist=True,
            message_id=msg.message_id,
            content_type=msg.content_type,
            headers={
                **_plain_headers(msg),
                PARKED_REASON_HEADER: reason,
                PARKED_QUEUE_HEADER: self.queue_name,
                PARKED_AT_HEADER: datetime.now(UTC).isoformat(),
                ORIGINAL_KEY_HEADER: msg.routing_key or "",
            },
        )

    def _require_broker(self) -> RabbitBroker:
        if self._broker is None:
            raise RuntimeError("Consumer.start() was not called")
        return self._broker


def _count(msg: AbstractIncomingMessage, header: str) -> int:
    try:
        return int(msg.headers.get(header, 0))
    except (TypeError, ValueError):
        return 0


def _plain_headers(msg: AbstractIncomingMessage) -> dict[str, Any]:
    # RabbitMQ's own bookkeeping (x-death, delivery count) must not travel with a re-published copy.
    return {
        k: v
        for k, v in msg.headers.items()
        if not k.startswith(("x-death", "x-first-death", "x-last-death", "x-delivery"))
    }


async def _quietly(awaitable: Awaitable[Any]) -> None:
    try:
        await awaitable
    except Exception:  # the channel may already be closed; RabbitMQ redelivers unacked messages anyway
        logger.debug("left to RabbitMQ's redelivery", exc_info=True)
