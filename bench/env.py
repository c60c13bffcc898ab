"""The benchmark's own stack: port offset 700, databases and vhost suffixed `_bench`, so it never meets a
developer's stack or the end-to-end tests. `BENCH_PORT_OFFSET` and `BENCH_DB_SUFFIX` move a second run beside it
(its figures then share the cores with the first: for profiles, not for the README)."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import aio_pika
import asyncpg

from pmm_chassis.db.engine import asyncpg_dsn
from tools.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
SUFFIX = os.environ.get("BENCH_DB_SUFFIX", "_bench")
PORT_OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "700"))
REF_DATABASE = f"pmm_ref{SUFFIX}"
REF_API_PORT = 8098 + PORT_OFFSET
REF_PAGE_PORT = 8097 + PORT_OFFSET  # the bare Jinja2 page beside the portal (8099 + offset is the stack's issuer)


def bench_stack(services: Sequence[str], extra_env: dict[str, str] | None = None) -> Stack:
    return Stack(
        ROOT,
        run_dir=ROOT / ".run" / SUFFIX.lstrip("_"),
        db_suffix=SUFFIX,
        port_offset=PORT_OFFSET,
        services=services,
        extra_env=extra_env or {},
    )


def fresh_stack(services: Sequence[str], extra_env: dict[str, str] | None = None) -> Stack:
    """Stopped leftovers, empty databases and vhost; nothing started yet."""
    stack = bench_stack(services, extra_env)
    stack.down()
    stack.ensure_infrastructure()
    stack.create_databases(drop_first=True)
    return stack


def env_for_all(services: Sequence[str], **settings: str) -> dict[str, str]:
    """The same setting for every service of a stack (`RUN_HTTP="false"` -> `PLANNING_RUN_HTTP=false`...)."""
    return {f"{service.upper()}_{name.upper()}": value for service in services for name, value in settings.items()}


def dsn(stack: Stack, service: str) -> str:
    return asyncpg_dsn(stack.database_url(service))


def pid_of(stack: Stack, name: str) -> int:
    for row_name, pid, _, _ in stack.status():
        if row_name == name and pid is not None:
            return pid
    raise RuntimeError(f"{name} is not running")


async def inbox_rate(database: str, table: str = "inbox_message", where: str = "") -> tuple[int, float]:
    """(rows, seconds between the first and the last commit) of an inbox table."""
    conn = await asyncpg.connect(database)
    try:
        row = await conn.fetchrow(
            f"SELECT count(*) AS n, coalesce(extract(epoch FROM max(processed_at) - min(processed_at)), 0) AS s "
            f"FROM {table} {where}"
        )
    finally:
        await conn.close()
    return int(row["n"]), float(row["s"])


async def preload(
    amqp_url: str, queue: str, bodies: Sequence[tuple[str, bytes]], *, declare: dict | None = None
) -> None:
    """Puts messages straight into a queue (default exchange), persistent and confirmed, 256 in flight. Each carries
    a `traceparent` of a trace of its own, as every event the relays publish does (the trace of the change that made
    it): a consumer continues that trace rather than starting one."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        if declare is not None:
            await channel.declare_queue(queue, durable=True, arguments=declare)
        for start in range(0, len(bodies), 256):
            await asyncio.gather(
                *(
                    channel.default_exchange.publish(
                        aio_pika.Message(
                            body,
                            headers={"traceparent": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"},
                            message_id=message_id,
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=queue,
                    )
                    for message_id, body in bodies[start : start + 256]
                )
            )
    finally:
        await connection.close()
