"""The batching consumer against the real RabbitMQ and PostgreSQL: the messages waiting are applied in one
transaction (first without savepoints; a batch with a failing message again with a savepoint each), and each keeps the
single message's rules (duplicates acknowledged with
nothing else, a bug parked, an outage retried), exactly once, in order per aggregate, across a SIGKILL.

The world (batch_world.py) writes one effect row and one outbox row per applied message."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import aio_pika
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pmm_chassis import failpoints, metrics
from pmm_chassis.db.engine import session_factory
from pmm_chassis.db.tables import InboxMessage
from pmm_chassis.db.uow import Batch, UnitOfWork
from pmm_chassis.messaging import topology
from pmm_chassis.messaging.consumer import Consumer
from pmm_chassis.parking_cli import ParkingLot
from pmm_kernel.clock import SystemClock
from pmm_testkit import drop_database, drop_vhost, fresh_database, fresh_vhost, wait_for
from shared.tests.integration import batch_world
from shared.tests.integration.batch_world import KEY, SERVICE, World, change, connected

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def world():
    name = f"pmm_chassis_batches_{os.getpid()}"
    url = await fresh_database(name)
    engine = create_async_engine(url)
    await batch_world.create_tables(engine)
    amqp = fresh_vhost(name)
    try:
        yield url, engine, amqp
    finally:
        await engine.dispose()
        await drop_database(name)
        drop_vhost(name)


async def send(amqp: str, messages: Sequence[tuple[str, bytes]]) -> None:
    connection = await aio_pika.connect(amqp)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(topology.EVENTS.name)
        for message_id, body in messages:
            message = aio_pika.Message(body, message_id=message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            await exchange.publish(message, routing_key=KEY)
    finally:
        await connection.close()


async def scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def effects(engine: AsyncEngine) -> list[tuple[str, str, int, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT event_id, aggregate_id, version, nama FROM effect ORDER BY seq"))
        return [(str(r.event_id), r.aggregate_id, r.version, r.nama) for r in rows]


def batch_sizes(consumer: Consumer) -> list[int]:
    """The size of every batch the consumer applies (in any lane), recorded as it goes."""
    sizes: list[int] = []
    assert consumer._lanes is not None
    for lane in consumer._lanes:
        apply = lane._apply

        async def recording(deliveries, apply=apply):  # type: ignore[no-untyped-def]
            sizes.append(len(deliveries))
            await apply(deliveries)

        lane._apply = recording
    return sizes


class Outcomes:
    """The consumer's outcome counters, from now on."""

    def __init__(self, consumer: Consumer) -> None:
        self._name = consumer.name
        self._start = {o: self._value(o) for o in ("processed", "duplicate", "parked", "retried")}

    def _value(self, outcome: str) -> float:
        return metrics.CONSUMED.labels(SERVICE, self._name, outcome)._value.get()

    def __getitem__(self, outcome: str) -> int:
        return int(self._value(outcome) - self._start[outcome])


async def until(predicate, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    async def check():  # type: ignore[no-untyped-def]
        return predicate()

    return await wait_for(check, timeout=timeout)


async def test_a_batch_with_a_duplicate_applies_the_rest_together_and_acks_the_duplicate_with_nothing_else(world):
    _, engine, amqp = world
    w = World(engine)
    consumer = w.consumer()
    sizes, outcomes = batch_sizes(consumer), Outcomes(consumer)
    consuming = await connected(amqp, consumer)
    try:
        fresh = [change("p:1", v) for v in range(1, 31)]
        seen_before = change("p:2", 1)
        async with engine.begin() as conn:  # processed before: its inbox row is there
            await conn.execute(
                text("INSERT INTO inbox_message (consumer, event_id) VALUES (:c, :e)"),
                {"c": consumer.name, "e": uuid.UUID(seen_before[0])},
            )
        # A redelivered copy of the first message in the same batch, and the one processed before (all of one
        # aggregate but that one, so in one lane).
        await send(amqp, [*fresh[:10], seen_before, fresh[0], *fresh[10:]])
        await consuming.start()
        await until(lambda: outcomes["processed"] + outcomes["duplicate"] == 32)
        assert (outcomes["processed"], outcomes["duplicate"]) == (30, 2)
        assert sum(sizes) == 32 and max(sizes) > 1, sizes
        applied = await effects(engine)
        assert sorted(e[0] for e in applied) == sorted(m for m, _ in fresh)
        assert await scalar(engine, "SELECT count(*) FROM outbox_message") == 30
        assert await scalar(engine, "SELECT count(*) FROM inbox_message") == 31
    finally:
        await consuming.stop()


async def test_a_batch_pays_its_begin_audit_stamp_claim_notify_and_commit_once(world):
    _, engine, amqp = world
    consumer = World(engine).consumer(lanes=1)
    sizes, outcomes = batch_sizes(consumer), Outcomes(consumer)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split())[:60])

    def begun(conn) -> None:  # type: ignore[no-untyped-def]
        statements.append("BEGIN")

    def committed(conn) -> None:  # type: ignore[no-untyped-def]
        statements.append("COMMIT")

    listeners = [("before_cursor_execute", seen), ("begin", begun), ("commit", committed)]
    for name, listener in listeners:
        event.listen(engine.sync_engine, name, listener)
    consuming = await connected(amqp, consumer)
    try:
        await send(amqp, [change("p:1", v) for v in range(1, 41)])
        await consuming.start()
        await until(lambda: outcomes["processed"] == 40)
    finally:
        await consuming.stop()
        for name, listener in listeners:
            event.remove(engine.sync_engine, name, listener)
    batches = len(sizes)
    assert batches < 40, sizes

    def count(prefix: str) -> int:
        return sum(1 for s in statements if s.startswith(prefix))

    assert count("BEGIN") == count("COMMIT") == batches
    # the stamp at BEGIN, and as each message opens with that message's trace for its audit records
    assert count("SELECT set_config('pmm.audit_actor'") == batches + 40
    assert count("INSERT INTO inbox_message") == batches
    assert count("SELECT pg_notify") == batches
    assert count("SAVEPOINT") == count("RELEASE SAVEPOINT") == 0  # no message failed: none needed one


async def test_a_batch_with_a_failing_message_is_rolled_back_whole_and_applied_again_with_savepoints(world):
    _, engine, amqp = world
    w = World(engine)
    consumer = w.consumer(lanes=1, max_unexpected=1, wait_seconds=0.5)  # all forty in one batch
    sizes, outcomes = batch_sizes(consumer), Outcomes(consumer)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split())[:60])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    consuming = await connected(amqp, consumer)
    try:
        healthy = [change("p:1", v) for v in range(1, 40)]
        bug = change("p:1", 40, nama="BUG")
        await send(amqp, [*healthy[:20], bug, *healthy[20:]])
        await consuming.start()
        await until(lambda: outcomes["processed"] + outcomes["parked"] == 40)
    finally:
        await consuming.stop()
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert (outcomes["processed"], outcomes["parked"]) == (39, 1)
    assert w.calls["BUG"] == 2  # the attempt without savepoints, then its own savepoint
    # The batch was applied again, a savepoint per message; the bug's was rolled back.
    assert sizes == [40]
    assert sum(1 for s in statements if s.startswith("SAVEPOINT")) == 40
    assert sum(1 for s in statements if s.startswith("RELEASE SAVEPOINT")) == 39
    assert [e[0] for e in await effects(engine)] == [m for m, _ in healthy]  # each once, in order; not the bug's
    assert await scalar(engine, "SELECT count(*) FROM outbox_message") == 39


async def test_a_run_of_one_event_type_is_applied_in_one_call_each_outbox_row_in_its_own_messages_trace(world):
    _, engine, amqp = world
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    w = World(engine)
    consumer = w.consumer(lanes=1, wait_seconds=0.5, in_runs=True, tracer_provider=provider)  # one batch of all
    sizes, outcomes = batch_sizes(consumer), Outcomes(consumer)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split())[:60])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    consuming = await connected(amqp, consumer)
    try:
        # p:5 a second time after the first twenty: a run holds one message per aggregate
        order = [*((f"p:{a}", 1) for a in range(1, 21)), ("p:5", 2), *((f"p:{a}", 1) for a in range(21, 41))]
        sent = {
            f"{aggregate}/{version}": change(aggregate, version, nama=f"{aggregate}/{version}")
            for aggregate, version in order
        }
        await send(amqp, list(sent.values()))
        await consuming.start()
        await until(lambda: outcomes["processed"] == 41)
    finally:
        await consuming.stop()
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert sizes == [41]
    assert w.runs == [[f"p:{a}" for a in range(1, 21)], ["p:5", *(f"p:{a}" for a in range(21, 41))]]
    assert sum(1 for s in statements if s.startswith("INSERT INTO effect")) == 2  # a statement per run
    assert sum(1 for s in statements if s.startswith("SAVEPOINT")) == 0
    assert [v for _, a, v, _ in await effects(engine) if a == "p:5"] == [1, 2]
    # Each message has its own trace; its outbox row carries on that trace, and its run's span links to it.
    spans = exporter.get_finished_spans()
    consumed = {s.attributes.get("messaging.message.id"): s.context for s in spans if s.kind is SpanKind.CONSUMER}
    by_nama = {nama: consumed[event_id] for nama, (event_id, _) in sent.items()}
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT body, trace_headers FROM outbox_message"))).all()
    assert len(rows) == 41
    for body, headers in rows:
        nama = json.loads(body)["data"]["changes"]["nama"]
        assert headers["traceparent"].split("-")[1] == f"{by_nama[nama].trace_id:032x}", nama
    runs = [s for s in spans if s.name == f"{consumer.name} run"]
    assert sorted(len(s.links) for s in runs) == [20, 21]
    linked = {link.context.span_id for s in runs for link in s.links}
    assert linked == {context.span_id for context in consumed.values()}


async def test_a_run_with_a_failing_message_is_applied_again_message_by_message(world):
    _, engine, amqp = world
    w = World(engine)
    consumer = w.consumer(lanes=1, max_unexpected=1, wait_seconds=0.5, in_runs=True)
    outcomes = Outcomes(consumer)
    consuming = await connected(amqp, consumer)
    try:
        healthy = [change(f"p:{a}", 1) for a in range(1, 21)]
        bug = change("p:99", 1, nama="BUG")
        await send(amqp, [*healthy[:10], bug, *healthy[10:]])
        await consuming.start()
        await until(lambda: outcomes["processed"] + outcomes["parked"] == 21)
    finally:
        await consuming.stop()
    assert (outcomes["processed"], outcomes["parked"]) == (20, 1)
    # The run of all 21 failed; each message was applied again on its own (the run handler given that one).
    assert len(w.runs[0]) == 21 and [len(run) for run in w.runs[1:]] == [1] * 21
    assert w.calls["BUG"] == 2
    assert [e[0] for e in await effects(engine)] == [m for m, _ in healthy]  # each once, in order; not the bug's
    assert await scalar(engine, "SELECT count(*) FROM outbox_message") == 20


async def test_a_poison_message_is_parked_alone_while_the_rest_of_its_batch_commits(world):
    _, engine, amqp = world
    w = World(engine)
    # A bug parks at its first failure; one lane, and what is waiting gathered for half a second: the bug shares a
    # batch with healthy messages.
    consumer = w.consumer(max_unexpected=1, lanes=1, wait_seconds=0.5)
    sizes, outcomes = batch_sizes(consumer), Outcomes(consumer)
    consuming = await connected(amqp, consumer)
    try:
        healthy = [change("p:1", v) for v in range(1, 20)]
        bug = change("p:9", 1, nama="BUG")
        undecodable = (str(uuid.uuid4()), b"{not json")
        await send(amqp, [*healthy[:10], bug, undecodable, *healthy[10:]])
        await consuming.start()
        await until(lambda: outcomes["processed"] + outcomes["parked"] == 21)
        assert (outcomes["processed"], outcomes["parked"], outcomes["retried"]) == (19, 2, 0)
        assert len(sizes) < 21, sizes  # the bug shared its transaction with healthy messages
        assert w.calls["BUG"] == 2  # the batch's attempt without savepoints, then its own savepoint
        assert sorted(e[0] for e in await effects(engine)) == sorted(m for m, _ in healthy)  # not the bug's row
        assert await scalar(engine, "SELECT count(*) FROM inbox_message") == 19  # its claim was given back
        parked = {p["message_id"]: p["reason"] for p in await ParkingLot(amqp, SERVICE).list()}
        assert "failed 1 times: KeyError" in parked[bug[0]]
        assert "not JSON" in parked[undecodable[0]]
    finally:
        await consuming.stop()


async def test_a_transient_failure_of_one_message_retries_that_message_alone(world):
    _, engine, amqp = world
    w = World(engine)
    # Were the outage taken for a bug, it would be parked; one lane, gathered for half a second: the flaky one shares
    # a batch with healthy messages.
    consumer = w.consumer(max_unexpected=1, lanes=1, wait_seconds=0.5)
    outcomes = Outcomes(consumer)
    consuming = await connected(amqp, consumer)
    try:
        healthy = [change("p:1", v) for v in range(1, 20)]
        flaky = change("p:2", 1, nama="FLAKY")
        await send(amqp, [*healthy[:5], flaky, *healthy[5:]])
        await consuming.start()
        await until(lambda: outcomes["processed"] == 19 and outcomes["retried"] == 1)
        assert [e[0] for e in await effects(engine)] == [m for m, _ in healthy]  # the others did not wait
        await until(lambda: outcomes["processed"] == 20, timeout=20)  # after the 1 s delay tier
        assert w.calls["FLAKY"] == 3 and outcomes["parked"] == 0  # without savepoints, in its own, retried
        applied = await effects(engine)
        assert sorted(e[0] for e in applied) == sorted(m for m, _ in [*healthy, flaky])  # each once
        assert await scalar(engine, "SELECT count(*) FROM outbox_message") == 20
    finally:
        await consuming.stop()


async def test_a_transient_failure_at_commit_retries_the_whole_batch_and_parks_nothing(world, monkeypatch):
    _, engine, amqp = world
    w = World(engine)
    consumer = w.consumer(max_unexpected=1)
    outcomes = Outcomes(consumer)
    commit = Batch.commit
    failures = {"left": 1}

    async def failing_once(self: Batch) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionResetError("the connection dropped at COMMIT")
        await commit(self)

    monkeypatch.setattr(Batch, "commit", failing_once)
    consuming = await connected(amqp, consumer)
    try:
        sent = [change("p:1", v) for v in range(1, 11)]
        await send(amqp, sent)
        await consuming.start()
        await until(lambda: outcomes["processed"] == 10, timeout=20)
        assert outcomes["parked"] == 0 and outcomes["retried"] >= 1
        assert w.calls["X"] == 10 + outcomes["retried"]  # what was retried ran again, the rest once
        assert sorted(e[0] for e in await effects(engine)) == sorted(m for m, _ in sent)  # each once
        assert await scalar(engine, "SELECT count(*) FROM inbox_message") == 10
    finally:
        await consuming.stop()


async def test_any_other_failure_of_the_whole_batch_applies_each_message_on_its_own(world, monkeypatch):
    _, engine, amqp = world
    w = World(engine)
    consumer = w.consumer(max_unexpected=1)  # were the batch's fault charged to its messages, all would be parked
    outcomes = Outcomes(consumer)
    commit = Batch.commit
    failures = {"left": 1}

    async def failing_once(self: Batch) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("a deferred constraint no single message breaks")
        await commit(self)

    monkeypatch.setattr(Batch, "commit", failing_once)
    consuming = await connected(amqp, consumer)
    try:
        sent = [change("p:1", v) for v in range(1, 11)]
        await send(amqp, sent)
        await consuming.start()
        await until(lambda: outcomes["processed"] == 10, timeout=20)
        assert (outcomes["parked"], outcomes["retried"]) == (0, 0)  # applied again at once, each in its own
        assert sorted(e[0] for e in await effects(engine)) == sorted(m for m, _ in sent)
        assert await scalar(engine, "SELECT count(*) FROM outbox_message") == 10
    finally:
        await consuming.stop()


async def test_messages_of_one_aggregate_are_applied_in_delivery_order(world):
    _, engine, amqp = world
    consumer = World(engine).consumer()
    outcomes = Outcomes(consumer)
    consuming = await connected(amqp, consumer)
    try:
        interleaved = [change(f"p:{a}", v) for v in range(1, 41) for a in range(1, 4)]
        await send(amqp, interleaved)
        await consuming.start()
        await until(lambda: outcomes["processed"] == 120)
        applied = await effects(engine)
        for aggregate in ("p:1", "p:2", "p:3"):
            assert [v for _, a, v, _ in applied if a == aggregate] == list(range(1, 41))
    finally:
        await consuming.stop()


async def test_every_message_is_applied_exactly_once_however_often_it_is_delivered(world):
    _, engine, amqp = world
    consumer = World(engine).consumer()
    outcomes = Outcomes(consumer)
    consuming = await connected(amqp, consumer)
    try:
        sent = [change(f"p:{i % 7}", i) for i in range(1, 101)]
        await send(amqp, [*sent, *sent[:30]])
        await consuming.start()
        await until(lambda: outcomes["processed"] + outcomes["duplicate"] == 130)
        await send(amqp, sent)  # all of it again, after it was applied
        await until(lambda: outcomes["duplicate"] == 130)
        assert outcomes["processed"] == 100
        assert sorted(e[0] for e in await effects(engine)) == sorted(m for m, _ in sent)
        assert await scalar(engine, "SELECT count(*) FROM outbox_message") == 100
    finally:
        await consuming.stop()


def _child(url: str, amqp: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "shared.tests.integration.batch_world", url, amqp],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=60,
    )


async def test_killed_in_the_middle_of_a_batch_nothing_of_it_commits_and_the_redelivery_applies_it_once(
    world, tmp_path
):
    url, engine, amqp = world
    w = World(engine)
    consumer = w.consumer()
    sizes, outcomes = batch_sizes(consumer), Outcomes(consumer)
    consuming = await connected(amqp, consumer)  # the topology; this process consumes only after the kill
    try:
        sent = [change("p:1", v) for v in range(1, 41)]
        killer = change("p:2", 1, nama="KILL")
        await send(amqp, [*sent[:20], killer, *sent[20:]])
        kill_file = tmp_path / "kill"
        kill_file.touch()
        child = await asyncio.to_thread(_child, url, amqp, {"BATCH_WORLD_KILL_FILE": str(kill_file)})
        assert child.returncode == -9, child.stderr.decode()[-2000:]
        left = await effects(engine)
        assert killer[0] not in {e[0] for e in left}  # the killer's batch is not there, nor any part of it
        assert await scalar(engine, "SELECT count(*) FROM inbox_message") == len(left)
        await consuming.start()  # the restarted consumer: RabbitMQ redelivers the batch the kill left unacked
        await until(lambda: outcomes["processed"] + outcomes["duplicate"] == 41 - len(left), timeout=30)
        assert sorted(e[0] for e in await effects(engine)) == sorted(m for m, _ in [*sent, killer])
        assert await scalar(engine, "SELECT count(*) FROM outbox_message") == 41
        assert sizes == []  # what came back redelivered was applied message by message, not batched again
    finally:
        await consuming.stop()


async def test_killed_after_the_commit_before_the_acks_the_redelivered_batch_is_all_duplicates(world, tmp_path):
    url, engine, amqp = world
    consumer = World(engine).consumer()
    outcomes = Outcomes(consumer)
    consuming = await connected(amqp, consumer)
    try:
        sent = [change("p:1", v) for v in range(1, 41)]
        await send(amqp, sent)
        failpoints.arm(tmp_path, SERVICE, "after_inbox_commit")
        child = await asyncio.to_thread(_child, url, amqp, {"PMM_FAILPOINTS_DIR": str(tmp_path)})
        assert child.returncode == -9, child.stderr.decode()[-2000:]
        committed = len(await effects(engine))
        assert committed > 0  # the first batch committed, and none of it was acknowledged
        await consuming.start()
        await until(lambda: outcomes["processed"] == 40 - committed and outcomes["duplicate"] >= committed)
        assert sorted(e[0] for e in await effects(engine)) == sorted(m for m, _ in sent)
        assert await scalar(engine, "SELECT count(*) FROM outbox_message") == 40
    finally:
        await consuming.stop()


async def test_a_row_a_message_adds_to_the_session_is_written_with_a_batch_without_savepoints(world):
    # An ORM row (an audit record, a new aggregate) reaches the database only when the session flushes: with no
    # savepoint to release, the message's commit flushes it, before the message leaves the shared session.
    _, engine, _ = world
    sessions = session_factory(engine)
    uow = UnitOfWork(sessions, service=SERVICE, to_contract=lambda data: data, clock=SystemClock())
    added = uuid.uuid4()
    async with uow.batch(savepoints=False) as batch:
        async with uow.joining(batch):
            uow.session.add(InboxMessage(consumer="added-by-a-message", event_id=added))
            await uow.commit()
        await batch.commit()
    async with engine.connect() as conn:
        found = await conn.scalar(text("SELECT count(*) FROM inbox_message WHERE event_id = :e"), {"e": added})
    assert found == 1
