"""Outbox lag at a steady event rate: commit through the unit of work to delivery from RabbitMQ.

Planning runs as one process (its relay on). This process commits outbox rows through planning's own
`UnitOfWork` class on planning's database at a fixed rate, one event per transaction, each its own aggregate,
and a queue of its own bound to that routing key notes when each arrives. Lag = arrival - commit returned,
both read on this process's monotonic clock: it includes the relay's wake-up, claim, confirmed publish and
RabbitMQ's delivery, so it is an upper bound of commit -> confirmed publish.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika

from bench import env
from bench.procs import Profiler, RssSampler, percentile
from pmm_chassis.db.engine import create_engine, session_factory
from pmm_chassis.db.uow import Outgoing, UnitOfWork
from pmm_chassis.messaging import topology
from pmm_contracts import routing_key
from pmm_contracts.events import planning as contract
from pmm_kernel.clock import SystemClock


def _event(i: int) -> Outgoing:
    pegawai_id = uuid.uuid4()
    data = contract.PegawaiUpdatedV1(
        pegawai_id=pegawai_id,
        nip=f"19800101200501{1000 + i % 9000:04d}",
        status="PNS",
        nama="Pegawai Bench",
        pangkat_golongan="III/c",
        jenjang_jabatan="Ahli Pertama",
        jenis_gtk="Guru Kelas",
        npsn="20217301",
        kode_wilayah="3273",
        changed=["pangkat_golongan"],
    )
    return Outgoing(data, aggregate_id=f"pegawai:{pegawai_id}", aggregate_version=2)


async def outbox_stage(rate: float, seconds: float, say: Any, *, profile: Path | None = None) -> dict[str, Any]:
    stack = env.fresh_stack(["planning"])
    engine = None
    try:
        stack.up()
        engine = create_engine(stack.database_url("planning"), pool_size=10)
        sessions = session_factory(engine)

        def uow() -> UnitOfWork:
            return UnitOfWork(sessions, service="planning", to_contract=lambda o: o, clock=SystemClock())

        committed: dict[str, float] = {}
        arrived: dict[str, float] = {}
        connection = await aio_pika.connect(stack.amqp_url)
        channel = await connection.channel()
        exchange = await channel.get_exchange(topology.EVENTS.name)
        tap = await channel.declare_queue(exclusive=True)
        await tap.bind(exchange, routing_key=routing_key(contract.PegawaiUpdatedV1))

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            arrived[json.loads(message.body)["aggregate_id"]] = time.monotonic()

        await tap.consume(on_message, no_ack=True)
        total = int(rate * seconds)
        events = [_event(i) for i in range(total)]
        pid = env.pid_of(stack, "planning")

        async def commit_one(outgoing: Outgoing) -> None:
            async with uow() as unit:
                unit.record(outgoing)
                await unit.commit()
            committed[outgoing.aggregate_id] = time.monotonic()

        say(f"  {total} events at {rate:.0f}/s through planning's unit of work and relay")
        async with RssSampler({"planning": pid}) as rss, Profiler(profile, "planning-relay", pid):
            started = time.monotonic()
            tasks = []
            for i, outgoing in enumerate(events):
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(commit_one(outgoing)))
            await asyncio.gather(*tasks)
            achieved = total / (time.monotonic() - started)
            deadline = time.monotonic() + 15
            while len(arrived) < total and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
        await connection.close()
        lags = [(arrived[k] - committed[k]) * 1000 for k in committed if k in arrived]
        return {
            "rate_target": rate,
            "rate_achieved": round(achieved, 1),
            "events": total,
            "received": len(lags),
            "p50_ms": _r(percentile(lags, 50)),
            "p99_ms": _r(percentile(lags, 99)),
            "max_ms": _r(max(lags) if lags else None),
            "rss_mb": round(rss.peak.get("planning", 0.0), 1),
        }
    finally:
        if engine is not None:
            await engine.dispose()
        stack.down()


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
