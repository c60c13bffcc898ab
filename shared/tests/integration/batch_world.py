"""A consuming service reduced to one effect table, for the batching consumer's tests: each message inserts a row
(event, aggregate, version) and writes one outbox row, so a message applied twice, or not at all, shows in a count.

What a message's `nama` asks of the handler: `BUG` fails every time (a bug: retried, then parked), `FLAKY` fails
its first two runs with a dropped connection (transient: the batch's attempt without savepoints, then its own
savepoint), `KILL` kills the process (SIGKILL) while its batch is open, once: only
when the file named by `BATCH_WORLD_KILL_FILE` exists, which it removes.

With `in_runs`, BknPegawaiChanged's handler is a run handler (`InRuns`): the same effect for each message of a run,
one INSERT for all of them, and a run holding a `BUG` fails whole.

Also run as a process (`python -m shared.tests.integration.batch_world DB_URL AMQP_URL`) that consumes until it is
killed, so a test can kill it in the middle of a batch or between a batch's commit and its acknowledgements.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from faststream.rabbit import Channel, RabbitBroker
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel

from pmm_chassis.db.engine import session_factory
from pmm_chassis.db.tables import InboxMessage, OutboxMessage
from pmm_chassis.db.uow import Outgoing, UnitOfWork
from pmm_chassis.messaging import topology
from pmm_chassis.messaging.consumer import Consumer, InRuns
from pmm_contracts import encode, routing_key
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1, BknSkpReceivedV1, ProfilChanges
from pmm_kernel.clock import SystemClock

SERVICE = "planning"  # a real subscriber's queue and bindings; the handlers are the world's own
DELIVERY_LIMIT = 20
KEY = routing_key(BknPegawaiChangedV1)
EFFECT_TABLE = """
CREATE TABLE effect (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL, aggregate_id text NOT NULL,
    version int NOT NULL, nama text NOT NULL
)
"""


def change(aggregate: str, version: int, *, nama: str = "X", event_id: uuid.UUID | None = None) -> tuple[str, bytes]:
    event_id = event_id or uuid.uuid4()
    data = BknPegawaiChangedV1(nip="198609262015051001", changes=ProfilChanges(nama=nama), siasn_updated_at=_now())
    body = encode(data, event_id=event_id, occurred_at=_now(), aggregate_id=aggregate, aggregate_version=version)
    return str(event_id), body


def _now() -> datetime:
    return datetime.now(UTC)


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=[InboxMessage.__table__, OutboxMessage.__table__])
        await conn.execute(text(EFFECT_TABLE))


class World:
    """The handler and its consumer; `calls` counts the handler's runs per `nama` (committed or not)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)
        self.calls: dict[str, int] = {}
        self.flaky_failures: dict[str, int] = {}
        self.runs: list[list[str]] = []  # the aggregate ids of each run the run handler was given

    async def on_change(self, event: Any, uow: UnitOfWork) -> None:
        nama = event.data.changes.nama
        self.calls[nama] = self.calls.get(nama, 0) + 1
        async with uow:
            await uow.session.execute(
                text("INSERT INTO effect (event_id, aggregate_id, version, nama) VALUES (:e, :a, :v, :n)"),
                {
                    "e": event.envelope.event_id,
                    "a": event.envelope.aggregate_id,
                    "v": event.envelope.aggregate_version,
                    "n": nama,
                },
            )
            if nama == "BUG":
                raise KeyError("a handler bug")
            failed = self.flaky_failures.get(str(event.envelope.event_id), 0)
            if nama == "FLAKY" and failed < 2:
                self.flaky_failures[str(event.envelope.event_id)] = failed + 1
                raise ConnectionResetError("the database went away for a moment")
            kill_file = os.environ.get("BATCH_WORLD_KILL_FILE")
            if nama == "KILL" and kill_file and Path(kill_file).exists():
                Path(kill_file).unlink()
                os.kill(os.getpid(), signal.SIGKILL)
            uow.record(event.data)
            await uow.commit()

    async def on_changes(self, events: Sequence[Any], uow: UnitOfWork) -> None:
        self.runs.append([event.envelope.aggregate_id for event in events])
        for event in events:
            self.calls[event.data.changes.nama] = self.calls.get(event.data.changes.nama, 0) + 1
        async with uow:
            await uow.session.execute(
                text(
                    "INSERT INTO effect (event_id, aggregate_id, version, nama) SELECT * FROM unnest("
                    "CAST(:e AS uuid[]), CAST(:a AS text[]), CAST(:v AS int[]), CAST(:n AS text[]))"
                ),
                {
                    "e": [event.envelope.event_id for event in events],
                    "a": [event.envelope.aggregate_id for event in events],
                    "v": [event.envelope.aggregate_version for event in events],
                    "n": [event.data.changes.nama for event in events],
                },
            )
            if any(event.data.changes.nama == "BUG" for event in events):
                raise KeyError("a handler bug")
            for event in events:
                with uow.answering(event.envelope.event_id):
                    uow.record(event.data)
            await uow.commit()

    def consumer(
        self,
        *,
        batch_size: int = 64,
        lanes: int = 4,
        max_unexpected: int = 2,
        wait_seconds: float = 0.005,
        in_runs: bool = False,
        tracer_provider: TracerProvider | None = None,
    ) -> Consumer:
        def to_contract(data: Any) -> Outgoing:
            return Outgoing(data, aggregate_id="effect", aggregate_version=1)

        return Consumer(
            service=SERVICE,
            uow_factory=lambda: UnitOfWork(
                self.sessions, service=SERVICE, to_contract=to_contract, clock=SystemClock()
            ),
            handlers={
                BknPegawaiChangedV1: InRuns(self.on_changes) if in_runs else self.on_change,
                BknSkpReceivedV1: self.on_change,
            },
            max_unexpected_attempts=max_unexpected,
            batch_size=batch_size,
            batch_wait_seconds=wait_seconds,
            batch_lanes=lanes,
            tracer_provider=tracer_provider,
        )


@dataclass
class Consuming:
    """A broker with the topology declared and the consumer ready: `start()` consumes, `stop()` lets what is in hand
    finish, as a service's start and stop do."""

    broker: RabbitBroker
    consumer: Consumer

    async def start(self) -> None:
        await self.broker.start()
        await self.consumer.start(self.broker, delivery_limit=DELIVERY_LIMIT)

    async def stop(self) -> None:
        await self.consumer.stop(timeout_seconds=10)
        await self.broker.stop()


async def connected(amqp: str, consumer: Consumer, *, prefetch: int = 128) -> Consuming:
    """The consumer's broker connected and the topology declared, not consuming yet (`start()` it)."""
    broker = RabbitBroker(amqp, logger=None, default_channel=Channel(prefetch_count=prefetch))
    await broker.connect()
    await topology.declare(broker, SERVICE, delivery_limit=DELIVERY_LIMIT)
    return Consuming(broker, consumer)


async def _main(database_url: str, amqp: str) -> None:
    engine = create_async_engine(database_url)
    consuming = await connected(amqp, World(engine).consumer())
    await consuming.start()
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], sys.argv[2]))
