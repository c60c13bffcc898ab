"""The outbox relay's promises against the real PostgreSQL and RabbitMQ: nothing lost, nothing published twice.

- Two relays on one outbox (two replicas of a service) publish every row exactly once between them.
- A row whose transaction commits after a row with a higher id (ids are taken at insert, commits finish in any
  order) is published all the same: the relay selects by `published_at IS NULL`, not by a high-water mark.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import aio_pika
import asyncpg
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from pmm_chassis.db.tables import OutboxMessage
from pmm_chassis.messaging.relay import OutboxRelay
from pmm_testkit import drop_database, drop_vhost, fresh_database, fresh_vhost, wait_for

pytestmark = pytest.mark.integration
SERVICE = "relaytest"


@pytest.fixture
async def world():
    name = f"pmm_chassis_relay_{os.getpid()}"
    url = await fresh_database(name)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=[OutboxMessage.__table__])
    await engine.dispose()
    amqp = fresh_vhost(name)
    connection = await aio_pika.connect(amqp)
    channel = await connection.channel(publisher_confirms=True)
    queue = await channel.declare_queue("relayed", durable=True)
    try:
        yield url.replace("postgresql+asyncpg://", "postgresql://"), channel, queue
    finally:
        await connection.close()
        await drop_database(name)
        drop_vhost(name)


def publisher(channel: aio_pika.abc.AbstractChannel, seen: list[str]):
    async def publish(row) -> None:
        await channel.default_exchange.publish(
            aio_pika.Message(bytes(row["body"]), message_id=str(row["event_id"])), routing_key="relayed"
        )
        seen.append(str(row["event_id"]))

    return publish


INSERT = (
    "INSERT INTO outbox_message (event_id, routing_key, aggregate_id, aggregate_version, body, trace_headers) "
    "VALUES ($1, 'test.thing.happened.v1', $2, $3, '{}'::bytea, '{}'::jsonb) RETURNING id"
)


async def delivered(queue: aio_pika.abc.AbstractQueue) -> list[str]:
    ids = []
    while (message := await queue.get(no_ack=True, fail=False)) is not None:
        ids.append(message.message_id)
    return ids


async def test_two_relays_on_one_outbox_publish_every_row_exactly_once(world):
    dsn, channel, queue = world
    conn = await asyncpg.connect(dsn)
    rows = 600
    # 60 aggregates with 10 events each: the relays also have to keep each aggregate's order between them.
    await conn.executemany(INSERT, [(uuid.uuid4(), f"agg-{i % 60}", i // 60 + 1) for i in range(rows)])
    seen_a: list[str] = []
    seen_b: list[str] = []
    relays = [
        OutboxRelay(service=SERVICE, dsn=dsn, publish=publisher(channel, seen), batch_size=25, poll_seconds=0.05)
        for seen in (seen_a, seen_b)
    ]
    for relay in relays:
        await relay.start()
    try:

        async def all_marked() -> bool:
            return await conn.fetchval("SELECT count(*) FROM outbox_message WHERE published_at IS NULL") == 0

        await wait_for(all_marked, timeout=60)
    finally:
        for relay in relays:
            await relay.stop()
    ids = await delivered(queue)
    sys.stdout.write(f"\nrelay A published {len(seen_a)}, relay B {len(seen_b)} of {rows}\n")
    assert len(seen_a) + len(seen_b) == rows
    assert seen_a and seen_b, "both relays should have taken part"
    assert sorted(ids) == sorted(seen_a + seen_b)
    assert len(set(ids)) == rows  # nothing twice on the broker
    expected = {str(r[0]) for r in await conn.fetch("SELECT event_id FROM outbox_message")}
    assert set(ids) == expected  # nothing lost
    # Per aggregate, the versions went out in order even though two relays shared the work.
    order = {str(r["event_id"]): (r["aggregate_id"], r["aggregate_version"]) for r in await conn.fetch(
        "SELECT event_id, aggregate_id, aggregate_version FROM outbox_message")}  # fmt: skip
    per_aggregate: dict[str, list[int]] = {}
    for event_id in ids:
        aggregate, version = order[event_id]
        per_aggregate.setdefault(aggregate, []).append(version)
    assert all(versions == sorted(versions) for versions in per_aggregate.values())
    await conn.close()


async def test_a_row_committed_after_a_higher_id_is_not_skipped(world):
    dsn, channel, queue = world
    seen: list[str] = []
    relay = OutboxRelay(service=SERVICE, dsn=dsn, publish=publisher(channel, seen), poll_seconds=0.05)
    await relay.start()
    slow = await asyncpg.connect(dsn)
    fast = await asyncpg.connect(dsn)
    try:
        slow_tx = slow.transaction()
        await slow_tx.start()
        slow_id = await slow.fetchval(INSERT, uuid.uuid4(), "agg-slow", 1)  # the lower id, not committed yet
        fast_id = await fast.fetchval(INSERT, uuid.uuid4(), "agg-fast", 1)  # a higher id, committed at once
        assert slow_id < fast_id

        async def marked(row_id: int) -> bool:
            return await fast.fetchval("SELECT published_at IS NOT NULL FROM outbox_message WHERE id = $1", row_id)

        await wait_for(lambda: marked(fast_id), timeout=10)
        await asyncio.sleep(0.3)  # several relay passes go by while the lower id is still in flight
        await slow_tx.commit()
        await wait_for(lambda: marked(slow_id), timeout=10)
    finally:
        await relay.stop()
        await slow.close()
        await fast.close()
    assert len(await delivered(queue)) == 2
    assert len(seen) == 2


async def test_while_the_broker_is_away_the_relay_still_reports_what_waits(world):
    # The outage is when ops watch the outbox panel: the gauges must move although no pass ever succeeds (they used to
    # be measured only when the relay idled, which a failing or busy relay never does).
    dsn, _, _ = world
    service = f"{SERVICE}_away"

    async def broker_away(row) -> None:
        raise ConnectionRefusedError("broker away")

    conn = await asyncpg.connect(dsn)
    await conn.executemany(INSERT, [(uuid.uuid4(), f"agg-{i}", 1) for i in range(3)])
    relay = OutboxRelay(service=service, dsn=dsn, publish=broker_away, poll_seconds=30)
    await relay.start()
    try:

        async def reported() -> bool:
            return REGISTRY.get_sample_value("pmm_outbox_pending", {"service": service}) == 3

        await wait_for(reported, timeout=10)
        lag = REGISTRY.get_sample_value("pmm_outbox_lag_seconds", {"service": service})
        assert lag is not None and lag >= 0
    finally:
        await relay.stop()
        await conn.close()
    assert await asyncpg_count(dsn, "SELECT count(*) FROM outbox_message WHERE published_at IS NULL") == 3


async def asyncpg_count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()
