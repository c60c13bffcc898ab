"""The reliable consumer: decode against the contracts, dedupe through the inbox, retry or park.

One quorum queue per service, one subscriber on it, one handler per event type. What happens to a message:

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

FastStream's default ack policy would reject (and so lose or park) every message in flight during a database
outage; this consumer acknowledges manually, and only after the message is either done or safely re-published.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange, RabbitMessage

from pmm_chassis import metrics
from pmm_chassis.db.uow import AlreadyProcessed, UnitOfWork
from pmm_chassis.messaging import topology
from pmm_chassis.messaging.failures import describe, is_transient
from pmm_contracts import ContractViolation, Event, EventData, decode, routing_key
from pmm_contracts.subscriptions import binding_keys

logger = logging.getLogger(__name__)

# A handler takes the decoded event, typed by its payload (`Event[SkpApprovedV1]`), and the unit of work the consumer
# opened to claim the inbox row; the consumer calls it only with the payload type it was registered for.
Handler = Callable[[Event[Any], Any], Awaitable[None]]

ATTEMPT_HEADER = "x-pmm-attempt"  # every retry so far: picks the back-off tier
FAILURES_HEADER = "x-pmm-failures"  # retries for non-transient failures only: parks after max_unexpected_attempts
LAST_ERROR_HEADER = "x-pmm-last-error"
PARKED_REASON_HEADER = "x-parked-reason"
PARKED_QUEUE_HEADER = "x-parked-queue"
PARKED_AT_HEADER = "x-parked-at"
ORIGINAL_KEY_HEADER = "x-original-routing-key"


class Consumer:
    """All the handlers of one service, behind its one inbox queue."""

    def __init__(
        self,
        *,
        service: str,
        uow_factory: Callable[[], UnitOfWork],
        handlers: Mapping[type[EventData], Handler],
        max_unexpected_attempts: int,
    ) -> None:
        self.service = service
        self.name = f"{service}.inbox"
        self.queue_name = topology.inbox_queue_name(service)
        self._uow_factory = uow_factory
        self._handlers = dict(handlers)
        self._max_unexpected = max_unexpected_attempts
        self._broker: RabbitBroker | None = None

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

    def subscribe(self, broker: RabbitBroker, *, delivery_limit: int) -> None:
        self._broker = broker

        async def on_message(msg: Any) -> None:  # the RabbitMessage itself: see _undecoded
            await self.handle(msg)

        broker.subscriber(
            topology.inbox_queue(self.service, delivery_limit=delivery_limit),
            ack_policy=AckPolicy.MANUAL,
            decoder=_undecoded,
            title=self.name,
            description=f"Events {self.service} consumes: {', '.join(self.routing_keys)}",
        )(on_message)

    async def handle(self, msg: RabbitMessage) -> None:
        try:
            outcome = await self._process(msg)
        except Exception:
            # Could not even re-publish or park (the broker is going away): leave it to RabbitMQ to redeliver.
            logger.exception("message left for redelivery", extra={"message_id": msg.message_id})
            await _quietly(msg.nack(requeue=True))
            return
        metrics.CONSUMED.labels(self.service, self.name, outcome).inc()
        await msg.ack()

    async def _process(self, msg: RabbitMessage) -> str:
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

    async def _after_failure(self, msg: RabbitMessage, event: Event, exc: Exception) -> str:
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

    async def retry(self, msg: RabbitMessage, attempt: int, reason: str, *, failures: int) -> None:
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

    async def park(self, msg: RabbitMessage, reason: str) -> None:
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
                ORIGINAL_KEY_HEADER: msg.raw_message.routing_key or "",
            },
        )

    def _require_broker(self) -> RabbitBroker:
        if self._broker is None:
            raise RuntimeError("Consumer.subscribe() was not called")
        return self._broker


async def _undecoded(msg: RabbitMessage) -> RabbitMessage:
    """The message as FastStream received it, for the handler's one parameter.

    The body is decoded once, against the contracts (`decode` in `_process`). FastStream's default would JSON-parse it
    first, and a `msg: RabbitMessage` parameter (a context field) is resolved in a worker thread: both per message.
    """
    return msg


def _count(msg: RabbitMessage, header: str) -> int:
    try:
        return int(msg.headers.get(header, 0))
    except (TypeError, ValueError):
        return 0


def _plain_headers(msg: RabbitMessage) -> dict[str, Any]:
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
        logger.debug("nack failed", exc_info=True)
