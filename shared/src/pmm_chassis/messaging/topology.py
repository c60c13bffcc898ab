"""The RabbitMQ topology every service declares at start-up (idempotently).

- `pmm.events`: one durable topic exchange; routing key `<producer>.<aggregate>.<event>.v<N>`; its alternate
  exchange `pmm.unrouted` keeps events no queue is bound to yet.
- `<service>.inbox`: the service's consumer queue, quorum, bound to every key it handles. A quorum queue has no
  delivery limit on RabbitMQ 3.10, so one is set explicitly: it is the backstop for a message that crashes the
  process every time; RabbitMQ then dead-letters it into the parking queue.
- `<service>.parked`: quorum, no delivery limit, no consumer: parked messages wait there for an operator,
  with the reason in the `x-parked-reason` header (or RabbitMQ's `x-death` for the backstop).
- `pmm.delay.<n>s`: shared delay tiers for retries with back-off. A retried message is published to the tier's
  fanout exchange with the consumer queue's name as routing key; when its TTL expires RabbitMQ dead-letters it
  through the default exchange, i.e. straight back into that one queue and no other consumer's.
"""

from __future__ import annotations

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

from pmm_contracts.subscriptions import SUBSCRIPTIONS, binding_keys

# Events no queue is bound to (yet) go to the alternate exchange instead of being returned: the relay's
# publishes are mandatory with `on_return_raises`, so only a real routing failure raises, and an event that
# nobody consumes today is kept (bounded) rather than blocking the outbox or vanishing.
UNROUTED = RabbitExchange("pmm.unrouted", type=ExchangeType.FANOUT, durable=True)
UNROUTED_QUEUE = RabbitQueue(
    "pmm.unrouted",
    queue_type=QueueType.QUORUM,
    durable=True,
    arguments={"x-max-length": 100_000, "x-overflow": "drop-head"},
)
EVENTS = RabbitExchange(
    "pmm.events", type=ExchangeType.TOPIC, durable=True, arguments={"alternate-exchange": UNROUTED.name}
)
DELAY_TIERS_SECONDS: tuple[int, ...] = (1, 5, 30, 120)


def inbox_queue_name(service: str) -> str:
    return f"{service}.inbox"


def parked_queue_name(service: str) -> str:
    return f"{service}.parked"


def delay_exchange_name(seconds: int) -> str:
    return f"pmm.delay.{seconds}s"


def delay_seconds_for(attempt: int) -> int:
    """Back-off: the n-th retry waits in tier n (1 s, 5 s, 30 s, then 120 s for every later one)."""
    return DELAY_TIERS_SECONDS[min(max(attempt, 1), len(DELAY_TIERS_SECONDS)) - 1]


def inbox_queue(service: str, *, delivery_limit: int) -> RabbitQueue:
    return RabbitQueue(
        inbox_queue_name(service),
        queue_type=QueueType.QUORUM,
        durable=True,
        arguments={
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": parked_queue_name(service),
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )


def parked_queue(service: str) -> RabbitQueue:
    return RabbitQueue(parked_queue_name(service), queue_type=QueueType.QUORUM, durable=True)


def delay_queue(seconds: int) -> RabbitQueue:
    return RabbitQueue(
        f"pmm.delay.{seconds}s",
        queue_type=QueueType.QUORUM,
        durable=True,
        arguments={
            "x-message-ttl": seconds * 1000,
            "x-dead-letter-exchange": "",
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )


async def declare(broker: RabbitBroker, service: str, *, delivery_limit: int) -> None:
    """Declare the exchanges, the delay tiers, this service's parking queue and EVERY service's inbox with its
    bindings (pmm_contracts.subscriptions): safe to run on every start of every replica of every service."""
    unrouted = await broker.declare_exchange(UNROUTED)
    await (await broker.declare_queue(UNROUTED_QUEUE)).bind(unrouted)
    events = await broker.declare_exchange(EVENTS)
    await broker.declare_queue(parked_queue(service))
    for seconds in DELAY_TIERS_SECONDS:
        exchange = await broker.declare_exchange(
            RabbitExchange(delay_exchange_name(seconds), type=ExchangeType.FANOUT, durable=True)
        )
        queue = await broker.declare_queue(delay_queue(seconds))
        await queue.bind(exchange)
    for consumer in SUBSCRIPTIONS:
        await broker.declare_queue(parked_queue(consumer))  # where RabbitMQ dead-letters that inbox
        inbox = await broker.declare_queue(inbox_queue(consumer, delivery_limit=delivery_limit))
        for key in binding_keys(consumer):
            await inbox.bind(events, routing_key=key)
