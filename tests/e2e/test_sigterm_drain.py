"""SIGTERM drains: a service told to stop while messages and HTTP writes are in flight loses nothing.

Planning runs as a uvicorn process (tools.stack, port offset 900). 300 `bkn_pegawai.changed` events wait in its
inbox, and four clients keep importing new schools over HTTP (a fresh connection each). The test holds a SHARE lock
on `sekolah`, so the imports stop inside the service at their INSERT: PostgreSQL shows them waiting, which is how
the test knows, without guessing with sleeps, that they are in flight. SIGTERM arrives then, with the consumer
under way; the lock is let go once the service has stopped listening. Then, from PostgreSQL and RabbitMQ:
- every message is either processed (its inbox row, and exactly one outbox event for its effect) or back in the
  queue, never both and never neither; none parked;
- every HTTP import whose schools were committed got its complete 2xx answer, and a request that got no answer
  (refused at the door once the listener closed) left nothing;
- nothing committed is left in the outbox (the relay flushes before the process ends);
- the process is gone within 30 s, having run its shutdown to the end.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import asyncpg
import httpx
import pytest

from pmm_chassis.messaging import topology
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1, ProfilChanges
from pmm_testkit import Bus, drop_database, drop_vhost, wait_for
from tools.demo import CLOCK_BY_POLICY, start_fresh
from tools.demo_roster import demo_region
from tools.stack import Stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 300
WRITERS = 4
SCHOOLS_PER_IMPORT = 20
EXIT_WITHIN_S = 30.0
KODE_WILAYAH = "3273"


@dataclass
class Write:
    npsn: list[str]
    started: float
    ended: float = 0.0
    status: int | None = None
    complete: bool = False  # the whole JSON report arrived
    error: str | None = None


@pytest.fixture
def stack(tmp_path):
    stack = Stack(
        ROOT,
        run_dir=tmp_path / "run",
        db_suffix="_e2e_drain",
        port_offset=900,
        services=["planning"],
        # Four writers import faster than any operator: the write limit has its own tests.
        extra_env={"PLANNING_WRITE_RATE_PER_SECOND": "10000", "PLANNING_WRITE_BURST": "10000"},
    )
    start_fresh(stack, CLOCK_BY_POLICY[2024][0])
    yield stack
    stack.down()
    asyncio.run(drop_database(stack.database("planning")))
    drop_vhost(stack.vhost)


async def test_sigterm_finishes_what_was_accepted_and_loses_no_message(stack):
    operator = await _token(stack, "op-drain", "operator", wilayah=KODE_WILAYAH)
    region = demo_region(schools=1, teachers_per_school=9, kode_wilayah=KODE_WILAYAH)
    async with httpx.AsyncClient(base_url=stack.url("planning") + "/api/v1", headers=operator, timeout=30) as http:
        for kind, body in (("sekolah", region.sekolah_csv()), ("pegawai", region.pegawai_csv())):
            imported = await http.post(f"/roster/{kind}/csv", content=body, headers={"Content-Type": "text/csv"})
            assert imported.status_code == 200 and not imported.json()["errors"], imported.text
    db_dsn = stack.database_url("planning").replace("postgresql+asyncpg://", "postgresql://")
    db = await asyncpg.connect(db_dsn)
    try:
        published = await _publish_changes(stack.amqp_url, [p.nip for p in region.people()])
        process = _process(stack)
        writes: list[Write] = []
        blocker = await asyncpg.connect(db_dsn)
        blocking = blocker.transaction()
        await blocking.start()
        await blocker.execute("LOCK TABLE sekolah IN SHARE MODE")  # reads go on, inserts wait
        writers = [asyncio.create_task(_keep_importing(stack, operator, writes)) for _ in range(WRITERS)]

        # Mid-flight: every writer's import waits inside the service, the consumer has begun; then the signal.
        await wait_for(lambda: _imports_waiting(db), timeout=30, interval=0.02)
        await wait_for(lambda: _inbox_rows(db), timeout=30, interval=0.02)
        sigterm_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await wait_for(lambda: _door_closed(stack), timeout=EXIT_WITHIN_S, interval=0.02)
        await blocking.rollback()
        await blocker.close()
        exit_code = await asyncio.to_thread(process.wait, EXIT_WITHIN_S + 5)
        exited_after = time.monotonic() - sigterm_at
        await asyncio.gather(*writers)

        processed = {row["event_id"] for row in await db.fetch("SELECT event_id FROM inbox_message")}
        effects = await db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE routing_key = 'planning.pegawai.updated.v1'"
        )
        unpublished = await db.fetchval("SELECT count(*) FROM outbox_message WHERE published_at IS NULL")
        committed = {r["npsn"] for r in await db.fetch("SELECT npsn FROM sekolah WHERE npsn LIKE '39%'")}
    finally:
        await db.close()
    queued, parked = await _depths(stack.amqp_url)

    during = [w for w in writes if w.started < sigterm_at < w.ended and w.complete]
    print(
        f"\nSIGTERM drain: exit {exit_code} after {exited_after:.1f} s; messages {len(processed)} processed + "
        f"{queued} back in the queue of {MESSAGES}, {parked} parked; HTTP imports {len(writes)}: "
        f"{sum(w.complete for w in writes)} answered 2xx ({len(during)} of them across the SIGTERM), "
        f"{sum(w.error is not None for w in writes)} refused at the door; outbox left {unpublished}"
    )
    # uvicorn ends by re-raising the SIGTERM it handled, after its shutdown ran to the end (logged last).
    assert exit_code in (0, -signal.SIGTERM) and exited_after < EXIT_WITHIN_S
    assert "stopped" in stack.log_file("planning").read_text().rsplit("=== planning starting", 1)[-1]

    assert processed <= published
    assert len(processed) + queued == MESSAGES  # nothing lost, nothing both done and still waiting
    assert effects == len(processed)  # each processed message's effect once (every change is a new value)
    assert parked == 0
    assert unpublished == 0

    assert len(during) >= WRITERS  # the imports held inside the service were all answered
    for write in writes:
        assert write.status is None or (write.status == 200 and write.complete), write
        done = {n for n in write.npsn if n in committed}
        if write.complete:
            assert done == set(write.npsn), write  # the answer says what is there
        else:
            assert write.error is not None and not done, write  # refused before any work: safe to retry


def _process(stack: Stack):
    # The stack keeps the Popen of what it started: waiting on it reaps the child and gives its exit code.
    return stack._procs["planning"]


async def _token(stack: Stack, sub: str, *roles: str, wilayah: str | None = None) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=stack.issuer_url) as issuer:
        answer = await issuer.post("/token", json={"sub": sub, "roles": list(roles), "wilayah": wilayah})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def _publish_changes(amqp_url: str, nips: list[str]) -> set[uuid.UUID]:
    """MESSAGES profile changes round the roster, each to a value never seen before (so each is an effect)."""
    ids = set()
    async with Bus(amqp_url) as bus:
        for i, nip in zip(range(MESSAGES), itertools.cycle(nips), strict=False):
            event = BknPegawaiChangedV1(
                nip=nip, changes=ProfilChanges(pangkat_golongan=f"III/{i}"), siasn_updated_at=datetime.now(UTC)
            )
            ids.add(await bus.publish(event, aggregate_id=f"bkn-pegawai-{i % len(nips)}", version=i + 1))
    return ids


_npsn = itertools.count(39_000_000)


async def _keep_importing(stack: Stack, operator: dict[str, str], writes: list[Write]) -> None:
    """Import new schools until the door closes; each request on its own connection, as separate clients would."""
    while True:
        npsn = [str(next(_npsn)) for _ in range(SCHOOLS_PER_IMPORT)]
        body = "npsn,nama,kode_wilayah,nama_wilayah,prioritas_rapor\n" + "".join(
            f"{n},SD Uji {n},{KODE_WILAYAH},Kota Uji,D.1.3\n" for n in npsn
        )
        write = Write(npsn, started=time.monotonic())
        writes.append(write)
        try:
            async with httpx.AsyncClient(base_url=stack.url("planning") + "/api/v1", timeout=30) as http:
                answer = await http.post(
                    "/roster/sekolah/csv", content=body, headers={**operator, "Content-Type": "text/csv"}
                )
            write.status = answer.status_code
            write.complete = answer.status_code == 200 and answer.json()["created"] == len(npsn)
        except httpx.TransportError as exc:  # refused, or dropped before an answer
            write.error = f"{type(exc).__name__}: {exc}"
        write.ended = time.monotonic()
        if write.error is not None:
            return  # the door is closed: this client stops


async def _inbox_rows(db: asyncpg.Connection) -> bool:
    return await db.fetchval("SELECT count(*) FROM inbox_message") >= 20


async def _imports_waiting(db: asyncpg.Connection) -> bool:
    waiting = await db.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO sekolah%'"
    )
    return waiting >= WRITERS


async def _door_closed(stack: Stack) -> bool:
    """uvicorn's shutdown begins by closing its listening socket."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", stack.port("planning"))
    except OSError:
        return True
    writer.close()
    return False


async def _depths(amqp_url: str) -> tuple[int, int]:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        inbox = await channel.declare_queue(topology.inbox_queue_name("planning"), passive=True)
        parked = await channel.declare_queue(topology.parked_queue_name("planning"), passive=True)
        return inbox.declaration_result.message_count or 0, parked.declaration_result.message_count or 0
    finally:
        await connection.close()
