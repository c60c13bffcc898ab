"""Messages that can never succeed, against the real RabbitMQ and PostgreSQL: parked with their reason at once
(or after a few tries, for a bug), the healthy traffic keeps flowing meanwhile, and a replay after the fix
(`pmm-parked replay`) loses nothing."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from pmm_chassis import parking_cli
from pmm_chassis.db.engine import session_factory
from pmm_chassis.db.tables import InboxMessage, OutboxMessage
from pmm_chassis.db.uow import UnitOfWork
from pmm_chassis.messaging import topology
from pmm_chassis.messaging.consumer import Consumer
from pmm_chassis.parking_cli import ParkingLot
from pmm_contracts import encode, routing_key
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1, BknSkpReceivedV1, ProfilChanges
from pmm_kernel.clock import SystemClock
from pmm_testkit import drop_database, drop_vhost, fresh_database, fresh_vhost, wait_for

pytestmark = pytest.mark.integration
SERVICE = "planning"  # a real subscriber's queue and bindings; the handlers are the test's own
DELIVERY_LIMIT = 5


def change(nip: str, event_id: uuid.UUID) -> bytes:
    data = BknPegawaiChangedV1(nip=nip, changes=ProfilChanges(nama="X"), siasn_updated_at=datetime.now(UTC))
    return encode(data, event_id=event_id, occurred_at=datetime.now(UTC), aggregate_id=f"p:{nip}", aggregate_version=1)


@pytest.fixture
async def world():
    name = f"pmm_chassis_poison_{os.getpid()}"
    url = await fresh_database(name)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=[InboxMessage.__table__, OutboxMessage.__table__])
    amqp = fresh_vhost(name)
    try:
        yield engine, amqp
    finally:
        await engine.dispose()
        await drop_database(name)
        drop_vhost(name)


async def test_poison_is_parked_with_its_reason_healthy_traffic_flows_and_replay_loses_nothing(world):
    engine, amqp = world
    sessions = session_factory(engine)
    handled: list[str] = []
    broken = {"bug": True}

    async def on_change(event, uow: UnitOfWork) -> None:
        if event.data.changes.nama == "BUG" and broken["bug"]:
            raise KeyError("a handler bug, fixed later")
        handled.append(str(event.envelope.event_id))
        await uow.commit()

    consumer = Consumer(
        service=SERVICE,
        uow_factory=lambda: UnitOfWork(sessions, service=SERVICE, to_contract=lambda e: e, clock=SystemClock()),
        handlers={BknPegawaiChangedV1: on_change, BknSkpReceivedV1: on_change},
        max_unexpected_attempts=2,
    )
    broker = RabbitBroker(amqp, logger=None)
    await broker.connect()
    await topology.declare(broker, SERVICE, delivery_limit=DELIVERY_LIMIT)
    await broker.start()
    await consumer.start(broker, delivery_limit=DELIVERY_LIMIT)
    connection = await aio_pika.connect(amqp)
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(topology.EVENTS.name)
    key = routing_key(BknPegawaiChangedV1)

    async def send(body: bytes, message_id: str) -> None:
        message = aio_pika.Message(body, message_id=message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        await exchange.publish(message, routing_key=key)

    async def healthy(count: int) -> float:
        start, ids = time.perf_counter(), [uuid.uuid4() for _ in range(count)]
        for event_id in ids:
            await send(change("198609262015051001", event_id), str(event_id))
        await wait_for(lambda: _true(all(str(i) in handled for i in ids)), timeout=60)
        return count / (time.perf_counter() - start)

    try:
        baseline = await healthy(200)
        envelope = json.loads(change("198609262015051001", uuid.uuid4()))
        poison = {
            "malformed": b"{not json",
            "unknown type": json.dumps({**envelope, "type": "planning.nothing.happened"}).encode(),
            "unknown version": json.dumps({**envelope, "version": 9}).encode(),
            "schema-breaking": json.dumps({**envelope, "data": {**envelope["data"], "nip": None}}).encode(),
        }
        ids = {kind: str(uuid.uuid4()) for kind in poison}
        for kind, body in poison.items():
            await send(body, ids[kind])
        bug_id = uuid.uuid4()
        bug = json.loads(change("198609262015051001", bug_id))
        bug["data"]["changes"]["nama"] = "BUG"
        await send(json.dumps(bug).encode(), str(bug_id))
        with_poison = await healthy(200)  # while the poison is being parked and the bug retried

        lot = ParkingLot(amqp, SERVICE)

        async def parked() -> dict[str, dict] | None:
            found = {p["message_id"]: p for p in await lot.list()}
            return found if set(ids.values()) | {str(bug_id)} <= found.keys() else None

        found = await wait_for(parked, timeout=30)
        reasons = {kind: found[ids[kind]]["reason"] for kind in poison}
        sys.stdout.write(
            f"\nhealthy throughput {baseline:.0f}/s alone, {with_poison:.0f}/s beside the poison; parked: {reasons}\n"
        )
        assert "not JSON" in reasons["malformed"]
        assert "planning.nothing.happened" in reasons["unknown type"]
        assert "9" in reasons["unknown version"]
        assert "nip" in reasons["schema-breaking"]
        assert "failed 2 times: KeyError" in found[str(bug_id)]["reason"]
        assert str(bug_id) not in handled

        # The fix ships; the operator replays everything parked. The bug's event is applied once; the poison,
        # still unusable, is parked again with its reason: nothing is lost either way.
        broken["bug"] = False
        cli = ["--service", SERVICE, "--amqp-url", amqp, "replay", "--all"]
        assert await asyncio.to_thread(parking_cli.main, cli) == 0  # the CLI runs its own event loop
        await wait_for(lambda: _true(str(bug_id) in handled), timeout=20)
        again = await wait_for(lambda: _parked_exactly(lot, set(ids.values())), timeout=20)
        assert again
        assert handled.count(str(bug_id)) == 1
        async with engine.connect() as conn:
            inbox = (await conn.execute(text("SELECT count(*) FROM inbox_message"))).scalar_one()
        assert inbox == len(handled) == 401
    finally:
        await connection.close()
        await consumer.stop(timeout_seconds=10)
        await broker.stop()


async def _true(value: bool) -> bool:
    return value


async def _parked_exactly(lot: ParkingLot, wanted: set[str]) -> bool:
    return {p["message_id"] for p in await lot.list()} == wanted
