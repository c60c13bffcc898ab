"""A tap on the events exchange: what a service really published over RabbitMQ, for its suite to assert on.

A service's promise to the others is the message on the bus, not the outbox row, so the suites read it back from a
queue of their own, bound like a consumer's would be.
"""

from __future__ import annotations

import json
from typing import Any

import aio_pika

from pmm_chassis.messaging import topology
from pmm_testkit import wait_for


class Tap:
    """A queue of our own bound to the events exchange with `binding` ("observation.#"; every event by default).

    Each message is kept as its envelope (`data`, `aggregate_id`, ...) plus what the broker carried with it:
    `routing_key`, `message_id`, `persistent` and `headers`.
    """

    def __init__(self, amqp_url: str, binding: str = "#", *, timeout: float = 15.0) -> None:
        self.amqp_url = amqp_url
        self.binding = binding
        self.timeout = timeout
        self.messages: list[dict[str, Any]] = []

    async def __aenter__(self) -> Tap:
        self.connection = await aio_pika.connect(self.amqp_url)
        channel = await self.connection.channel()
        exchange = await channel.get_exchange(topology.EVENTS.name)
        self.queue = await channel.declare_queue(exclusive=True)
        await self.queue.bind(exchange, routing_key=self.binding)
        await self.queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.messages.append(
            {
                "routing_key": message.routing_key or "",
                "message_id": message.message_id,
                "persistent": message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT,
                "headers": dict(message.headers or {}),
                **json.loads(message.body),
            }
        )

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.close()

    def of(self, routing: str = "", **data: Any) -> list[dict[str, Any]]:
        """The messages whose routing key is `routing` or holds it as whole words ("conflict.opened"), and whose
        data has each of the given fields with the given value; oldest first."""
        return [
            m
            for m in self.messages
            if (not routing or f".{routing}." in f".{m['routing_key']}.")
            and all(m["data"].get(k) == v for k, v in data.items())
        ]

    def data(self, routing: str = "", **data: Any) -> list[dict[str, Any]]:
        """The data of the messages `of` finds."""
        return [m["data"] for m in self.of(routing, **data)]

    async def wait(self, routing: str = "", *, count: int = 1, **data: Any) -> list[dict[str, Any]]:
        """The messages `of` finds, once there are at least `count` of them (relays publish a moment after commit)."""

        async def enough() -> list[dict[str, Any]] | None:
            found = self.of(routing, **data)
            return found if len(found) >= count else None

        return await wait_for(enough, timeout=self.timeout)
