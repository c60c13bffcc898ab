"""Pooled connections that died under the service (a PostgreSQL restart, a failover, an idle timeout), without the
pool pinging every checkout: the request that meets one answers 503 problem+json and the next succeeds; the message
that meets one is retried, never parked. The restart is `pg_terminate_backend` on the test database's connections."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import aio_pika
import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from faststream.rabbit import RabbitBroker
from sqlalchemy import text
from sqlmodel import SQLModel

from pmm_chassis import metrics
from pmm_chassis.db.engine import asyncpg_dsn, create_engine, session_factory
from pmm_chassis.db.tables import InboxMessage, OutboxMessage
from pmm_chassis.db.uow import UnitOfWork
from pmm_chassis.http.problems import PROBLEM_JSON, install_problem_handlers
from pmm_chassis.messaging import topology
from pmm_chassis.messaging.consumer import Consumer
from pmm_contracts import encode, routing_key
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1, BknSkpReceivedV1, ProfilChanges
from pmm_kernel.clock import SystemClock
from pmm_testkit import ADMIN_DSN, drop_database, drop_vhost, fresh_database, fresh_vhost, wait_for

pytestmark = pytest.mark.integration
SERVICE = "planning"  # a real subscriber's queue and bindings; the handler is the test's own


@pytest.fixture
async def database():
    name = f"pmm_chassis_dead_conn_{os.getpid()}"
    url = await fresh_database(name)
    engine = create_engine(url, pool_size=3)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=[InboxMessage.__table__, OutboxMessage.__table__])
    try:
        yield name, engine
    finally:
        await engine.dispose()
        await drop_database(name)


async def restart(database: str) -> int:
    """What a PostgreSQL restart does to the service's pooled connections."""
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        return await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await admin.close()


async def test_a_request_on_a_dead_connection_answers_503_and_the_next_succeeds(database) -> None:
    name, engine = database
    sessions = session_factory(engine)
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/now")
    async def now() -> dict[str, str]:
        async with sessions() as session:
            return {"now": str((await session.execute(text("SELECT now()"))).scalar_one())}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://chassis.test") as client:
        assert (await client.get("/now")).status_code == 200  # a connection in the pool
        assert await restart(name) >= 1
        met = await client.get("/now")
        assert met.status_code == 503, met.text
        assert met.headers["content-type"] == PROBLEM_JSON and met.headers["Retry-After"] == "1"
        assert [e["rule"] for e in met.json()["errors"]] == ["transient"]
        assert met.json()["type"].endswith("/problems/transient")  # the project's own type, not about:blank
        # The disconnect dropped every connection the pool held then: no second request meets a dead one.
        assert [(await client.get("/now")).status_code for _ in range(5)] == [200] * 5


def _change(event_id: uuid.UUID) -> bytes:
    data = BknPegawaiChangedV1(
        nip="198609262015051001", changes=ProfilChanges(nama="X"), siasn_updated_at=datetime.now(UTC)
    )
    return encode(data, event_id=event_id, occurred_at=datetime.now(UTC), aggregate_id="p:1", aggregate_version=1)


async def test_a_message_on_a_dead_connection_is_retried_not_parked(database) -> None:
    name, engine = database
    sessions = session_factory(engine)
    handled: list[uuid.UUID] = []

    async def on_change(event, uow: UnitOfWork) -> None:
        handled.append(event.envelope.event_id)
        await uow.commit()

    consumer = Consumer(
        service=SERVICE,
        uow_factory=lambda: UnitOfWork(sessions, service=SERVICE, to_contract=lambda e: e, clock=SystemClock()),
        handlers={BknPegawaiChangedV1: on_change, BknSkpReceivedV1: on_change},
        max_unexpected_attempts=1,  # a failure taken for a bug would park at once
    )
    amqp = fresh_vhost(name)
    broker = RabbitBroker(amqp, logger=None)
    retried = metrics.CONSUMED.labels(SERVICE, consumer.name, "retried")
    parked = metrics.CONSUMED.labels(SERVICE, consumer.name, "parked")
    try:
        await broker.connect()
        await topology.declare(broker, SERVICE, delivery_limit=5)
        await broker.start()
        await consumer.start(broker, delivery_limit=5)
        async with await aio_pika.connect(amqp) as connection:
            exchange = await (await connection.channel()).get_exchange(topology.EVENTS.name)

            async def send(event_id: uuid.UUID) -> None:
                body = aio_pika.Message(_change(event_id), message_id=str(event_id), delivery_mode=2)
                await exchange.publish(body, routing_key=routing_key(BknPegawaiChangedV1))

            first, second = uuid.uuid4(), uuid.uuid4()
            await send(first)
            await wait_for(lambda: _true(first in handled))
            retries_before, parked_before = retried._value.get(), parked._value.get()
            assert await restart(name) >= 1
            await send(second)
            await wait_for(lambda: _true(second in handled), timeout=20)  # after the 1 s delay tier
        assert retried._value.get() == retries_before + 1
        assert parked._value.get() == parked_before
        conn = await asyncpg.connect(asyncpg_dsn(str(engine.url.render_as_string(hide_password=False))))
        try:
            assert await conn.fetchval("SELECT count(*) FROM inbox_message") == 2
        finally:
            await conn.close()
    finally:
        await consumer.stop(timeout_seconds=10)
        await broker.stop()
        drop_vhost(name)


async def _true(value: bool) -> bool:
    return value
