"""`pmm-parked`: list, show and replay the messages a service parked.

    pmm-parked --service planning list
    pmm-parked --service planning show <message-id>
    pmm-parked --service planning replay <message-id>|--all

Replay puts the message back into the queue it was parked from (through the default exchange, so no other
service receives it twice) with its retry count reset; the parked copy is removed only after RabbitMQ has
confirmed the replayed one. Message bodies are shown only with `--body` (they hold personal data).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from pmm_chassis.messaging import topology
from pmm_chassis.messaging.consumer import (
    ATTEMPT_HEADER,
    FAILURES_HEADER,
    LAST_ERROR_HEADER,
    PARKED_QUEUE_HEADER,
    PARKED_REASON_HEADER,
)

_PARKING_HEADERS = (
    PARKED_REASON_HEADER,
    PARKED_QUEUE_HEADER,
    ATTEMPT_HEADER,
    FAILURES_HEADER,
    LAST_ERROR_HEADER,
    "x-parked-at",
)


def reason_of(message: AbstractIncomingMessage) -> str:
    headers = message.headers or {}
    if PARKED_REASON_HEADER in headers:
        return str(headers[PARKED_REASON_HEADER])
    deaths = headers.get("x-death") or []
    if deaths:
        death = deaths[0]
        return f"dead-lettered by RabbitMQ: {death.get('reason')} after {death.get('count')} from {death.get('queue')}"
    return "unknown"


def origin_queue(message: AbstractIncomingMessage, service: str) -> str:
    headers = message.headers or {}
    if PARKED_QUEUE_HEADER in headers:
        return str(headers[PARKED_QUEUE_HEADER])
    deaths = headers.get("x-death") or []
    return str(deaths[0].get("queue")) if deaths else topology.inbox_queue_name(service)


def summary(message: AbstractIncomingMessage, service: str) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "reason": reason_of(message),
        "queue": origin_queue(message, service),
        "parked_at": (message.headers or {}).get("x-parked-at"),
        "routing_key": (message.headers or {}).get("x-original-routing-key") or message.routing_key,
    }


class ParkingLot:
    def __init__(self, amqp_url: str, service: str) -> None:
        self.amqp_url = amqp_url
        self.service = service

    async def _drain(self, channel: aio_pika.abc.AbstractChannel) -> list[AbstractIncomingMessage]:
        queue = await channel.get_queue(topology.parked_queue_name(self.service), ensure=True)
        taken = []
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            taken.append(message)
        return taken

    async def list(self) -> list[dict[str, Any]]:
        connection = await aio_pika.connect_robust(self.amqp_url)
        async with connection:
            channel = await connection.channel()
            taken = await self._drain(channel)
            result = [summary(m, self.service) for m in taken]
            for message in taken:
                await message.nack(requeue=True)
            return result

    async def show(self, message_id: str, *, with_body: bool) -> dict[str, Any] | None:
        connection = await aio_pika.connect_robust(self.amqp_url)
        async with connection:
            channel = await connection.channel()
            taken = await self._drain(channel)
            found = None
            for message in taken:
                if message.message_id == message_id and found is None:
                    found = {**summary(message, self.service), "headers": _printable(message.headers)}
                    if with_body:
                        found["body"] = message.body.decode(errors="replace")
                await message.nack(requeue=True)
            return found

    async def replay(self, message_ids: Sequence[str] | None) -> int:
        """Replay the given messages (None: all). Returns how many were replayed."""
        connection = await aio_pika.connect_robust(self.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            taken = await self._drain(channel)
            replayed = 0
            for message in taken:
                if message_ids is not None and message.message_id not in message_ids:
                    await message.nack(requeue=True)
                    continue
                headers = {
                    k: v
                    for k, v in (message.headers or {}).items()
                    if k not in _PARKING_HEADERS and not k.startswith(("x-death", "x-first-death", "x-last-death"))
                }
                headers["x-pmm-replayed"] = True
                await channel.default_exchange.publish(
                    aio_pika.Message(
                        message.body,
                        headers=headers,
                        message_id=message.message_id,
                        content_type=message.content_type,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=origin_queue(message, self.service),
                    mandatory=True,
                )
                await message.ack()
                replayed += 1
            return replayed


def _printable(headers: Any) -> Any:
    return json.loads(json.dumps(headers or {}, default=str))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pmm-parked", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--service", required=True)
    parser.add_argument("--amqp-url", default=os.environ.get("PMM_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    show = sub.add_parser("show")
    show.add_argument("message_id")
    show.add_argument("--body", action="store_true", help="also print the body (personal data)")
    replay = sub.add_parser("replay")
    replay.add_argument("message_ids", nargs="*")
    replay.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    lot = ParkingLot(args.amqp_url, args.service)
    out = sys.stdout
    if args.command == "list":
        rows = asyncio.run(lot.list())
        out.write(json.dumps(rows, indent=2) + "\n")
        return 0
    if args.command == "show":
        found = asyncio.run(lot.show(args.message_id, with_body=args.body))
        if found is None:
            sys.stderr.write(f"no parked message {args.message_id} in {args.service}.parked\n")
            return 1
        out.write(json.dumps(found, indent=2) + "\n")
        return 0
    if not args.all and not args.message_ids:
        parser.error("replay needs message ids or --all")
    count = asyncio.run(lot.replay(None if args.all else args.message_ids))
    out.write(f"replayed {count} message(s) to their queues\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
