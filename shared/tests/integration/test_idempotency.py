"""`Idempotency-Key` against the real PostgreSQL: the stored answer commits with the effect, in one transaction.

A tiny route registers a school through a chassis unit of work (a row, an outbox event) and answers with a body
that is new at every execution (`attempt`), so a replay is told from a re-run. The process's death is a
`ProcessDied` raised at the right moment: after the request's commit (the chaos run's `after_commit` failpoint)
or before it. A second connection watches PostgreSQL's locks to hold two duplicates in flight together.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import asyncpg
import httpx
import pytest
from alembic import op
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from pmm_chassis import failpoints
from pmm_chassis.db import audit
from pmm_chassis.db.engine import session_factory
from pmm_chassis.db.migrations import create_audit_trail_v1, create_chassis_tables_v1
from pmm_chassis.db.uow import Outgoing, UnitOfWork
from pmm_chassis.http.idempotency import IdempotencyKey, SpoiledTransaction, idempotent
from pmm_chassis.http.problems import install_problem_handlers
from pmm_chassis.telemetry import FASTAPI_TELEMETRY_OFF
from pmm_contracts.events.planning import SekolahRegisteredV1
from pmm_kernel.clock import SystemClock
from pmm_kernel.errors import StateConflict
from pmm_testkit import drop_database, fresh_database, wait_for

pytestmark = pytest.mark.integration
SERVICE = "idemtest"


class ProcessDied(BaseException):
    """Stands for SIGKILL: nothing after it runs, no answer leaves (a BaseException, so no handler answers)."""


def _to_contract(event: SekolahRegisteredV1) -> Outgoing:
    return Outgoing(event, aggregate_id=f"sekolah:{event.npsn}", aggregate_version=1)


class World:
    """`lean`: the app names its service (so the claim stamps the transaction for the audit trail) and its route opens
    no SAVEPOINT around its unit of work, as a route whose one use case commits or raises does."""

    def __init__(self, url: str, *, lean: bool = False) -> None:
        self.lean = lean
        self.engine = create_async_engine(url)
        self.sessions = session_factory(self.engine)
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        # What the route does between its unit of work and its answer (inside the request's transaction).
        self.before_answer: Callable[[], Awaitable[None]] = _nothing
        self.woken: list[str] = []
        self.caller: SimpleNamespace | None = None
        self.app = self._app()

    def _app(self) -> FastAPI:
        app = FastAPI(telemetry=FASTAPI_TELEMETRY_OFF)  # as a service's app: its traces are the chassis's
        app.state.sessions = self.sessions
        if self.lean:
            app.state.service = SERVICE
        install_problem_handlers(app)

        @app.post("/sekolah/{npsn}", status_code=201)
        async def register(npsn: str, request: Request, _key: IdempotencyKey = None) -> Response:
            if self.caller is not None:
                audit.act_as(self.caller)  # as a service's actor dependency does

            async def compute() -> JSONResponse:
                async with UnitOfWork(
                    self.sessions, service=SERVICE, to_contract=_to_contract, clock=SystemClock()
                ) as uow:
                    taken = await uow.session.scalar(text("SELECT count(*) FROM sekolah WHERE id = :n"), {"n": npsn})
                    if taken:
                        raise StateConflict("this school is registered", rule="sekolah.exists", field="npsn")
                    await uow.session.execute(text("INSERT INTO sekolah VALUES (:n, 'TERDAFTAR', 1)"), {"n": npsn})
                    uow.record(SekolahRegisteredV1(npsn=npsn, nama="SD Uji", kode_wilayah="3273", nama_wilayah="X"))
                    await uow.commit()
                    uow.when_committed(lambda: self.woken.append(npsn))
                await self.before_answer()
                body = {"npsn": npsn, "attempt": str(uuid.uuid4())}
                return JSONResponse(body, status_code=201, headers={"ETag": '"v1"', "Location": f"/sekolah/{npsn}"})

            return await idempotent(request, actor="tester", compute=compute, savepoints=not self.lean)

        @app.post("/setengah/{npsn}", status_code=201)
        async def half(npsn: str, request: Request, _key: IdempotencyKey = None) -> Response:
            """A route whose unit of work writes, then leaves without committing."""

            async def compute() -> JSONResponse:
                async with UnitOfWork(
                    self.sessions, service=SERVICE, to_contract=_to_contract, clock=SystemClock()
                ) as uow:
                    await uow.session.execute(text("INSERT INTO sekolah VALUES (:n, 'TERDAFTAR', 1)"), {"n": npsn})
                return JSONResponse({"npsn": npsn}, status_code=201)

            return await idempotent(request, actor="tester", compute=compute, savepoints=not self.lean)

        return app

    async def count(self, sql: str, *args: object) -> int:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def effects(self, npsn: str) -> tuple[int, int, int, int]:
        """(schools, their audit records, outbox rows, idempotency records) for `npsn`."""
        return (
            await self.count("SELECT count(*) FROM sekolah WHERE id = $1", npsn),
            await self.count("SELECT count(*) FROM audit_record WHERE target_id = $1", npsn),
            await self.count("SELECT count(*) FROM outbox_message WHERE aggregate_id = $1", f"sekolah:{npsn}"),
            await self.count("SELECT count(*) FROM idempotency_record WHERE key LIKE $1", f"%{npsn}%"),
        )


async def _nothing() -> None:
    return None


def _schema(connection) -> None:
    """The chassis tables as a service's migration makes them, and one audited table."""
    with Operations.context(MigrationContext.configure(connection)):
        create_chassis_tables_v1()
        op.execute("CREATE TABLE sekolah (id text PRIMARY KEY, status text NOT NULL, version int NOT NULL)")
        create_audit_trail_v1({"sekolah": "status"})


@pytest.fixture(params=["savepoints", "lean"])
async def world(request):
    name = f"pmm_chassis_idempotency_{os.getpid()}"
    url = await fresh_database(name)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_schema)
    await engine.dispose()
    world = World(url, lean=request.param == "lean")
    try:
        yield world
    finally:
        await world.engine.dispose()
        await drop_database(name)


def client(world: World) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://idem.test")


def key(npsn: str) -> dict[str, str]:
    return {"Idempotency-Key": f"daftar-{npsn}"}


async def test_a_crash_between_the_commit_and_the_answer_replays_the_committed_answer(world, monkeypatch):
    def die_after_commit(service: str, name: str) -> None:
        if (service, name) == (SERVICE, "after_commit"):
            raise ProcessDied

    monkeypatch.setattr(failpoints, "reached", die_after_commit)
    async with client(world) as http:
        with pytest.raises(ProcessDied):
            await http.post("/sekolah/101", headers=key("101"))
        assert await world.effects("101") == (1, 1, 1, 1)  # committed: the school, its event and the answer

        monkeypatch.undo()
        retried = await http.post("/sekolah/101", headers=key("101"))
        again = await http.post("/sekolah/101", headers=key("101"))

    assert (retried.status_code, retried.headers.get("Idempotency-Replayed")) == (201, "true"), retried.text
    stored = await world.count("SELECT body FROM idempotency_record WHERE key = $1", "daftar-101")
    assert retried.content == stored  # the answer the dead process computed, not a new one
    assert (retried.headers["ETag"], retried.headers["Location"]) == ('"v1"', "/sekolah/101")
    assert again.json() == retried.json()
    assert await world.effects("101") == (1, 1, 1, 1)  # the effect once


async def test_a_crash_before_the_commit_leaves_nothing_and_the_retry_does_the_work_once(world):
    async def die() -> None:
        raise ProcessDied

    world.before_answer = die
    async with client(world) as http:
        with pytest.raises(ProcessDied):
            await http.post("/sekolah/102", headers=key("102"))
        # The unit of work had committed (its savepoint), but the request's transaction had not.
        assert await world.effects("102") == (0, 0, 0, 0)
        assert world.woken == []  # a worker woken for rows that never were would look in vain

        world.before_answer = _nothing
        retried = await http.post("/sekolah/102", headers=key("102"))
        replayed = await http.post("/sekolah/102", headers=key("102"))

    assert retried.status_code == 201, retried.text
    assert "Idempotency-Replayed" not in retried.headers
    assert (replayed.headers["Idempotency-Replayed"], replayed.json()) == ("true", retried.json())
    assert await world.effects("102") == (1, 1, 1, 1)
    assert world.woken == ["102"]


async def test_two_duplicates_in_flight_make_one_effect_and_get_the_same_answer(world):
    inside, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        inside.set()
        await release.wait()

    world.before_answer = hold
    async with client(world) as http:
        first = asyncio.create_task(http.post("/sekolah/103", headers=key("103")))
        await inside.wait()  # the first holds its claim, uncommitted
        world.before_answer = _nothing
        second = asyncio.create_task(http.post("/sekolah/103", headers=key("103")))
        # The duplicate waits on the claim's unique key: PostgreSQL says so, no sleep guesses it.
        waiting = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        await wait_for(lambda: world.count(waiting))
        release.set()
        answers = await asyncio.gather(first, second)

    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    assert [a.headers.get("Idempotency-Replayed") for a in answers] == [None, "true"]
    assert await world.effects("103") == (1, 1, 1, 1)


async def test_a_refused_request_keeps_neither_its_effect_nor_its_claim(world):
    async with client(world) as http:
        assert (await http.post("/sekolah/104")).status_code == 201  # registered without a key
        refused = await http.post("/sekolah/104", headers=key("104"))
        again = await http.post("/sekolah/104", headers=key("104"))

    assert refused.status_code == again.status_code == 409
    assert refused.json()["errors"][0]["rule"] == again.json()["errors"][0]["rule"] == "sekolah.exists"
    assert "Idempotency-Replayed" not in again.headers  # judged again, not replayed
    assert await world.effects("104") == (1, 1, 1, 0)


async def test_the_joined_unit_of_work_keeps_the_trace_and_the_audit_actor(world):
    tracer = TracerProvider().get_tracer("test")
    pegawai_id = uuid.uuid4()
    world.caller = SimpleNamespace(subject="guru-105", roles={"guru"}, pegawai_id=pegawai_id)
    async with client(world) as http:
        with tracer.start_as_current_span("request") as span:
            # In a task of its own, as uvicorn runs each request: the caller set for the audit stays in it.
            answer = await asyncio.create_task(http.post("/sekolah/105", headers=key("105")))
    assert answer.status_code == 201, answer.text
    # The audit trigger learnt who and which trace from the savepoint's stamp.
    assert await world.count("SELECT actor FROM audit_record WHERE target_id = '105'") == f"pegawai:{pegawai_id}"
    trace_id = f"{span.get_span_context().trace_id:032x}"
    assert await world.count("SELECT trace_id FROM audit_record WHERE target_id = '105'") == trace_id
    conn = await asyncpg.connect(world.dsn)
    try:
        headers = await conn.fetchval(
            "SELECT trace_headers::text FROM outbox_message WHERE aggregate_id = 'sekolah:105'"
        )
    finally:
        await conn.close()
    assert trace_id in headers


async def test_a_unit_of_work_left_uncommitted_is_undone_alone_or_fails_the_whole_request(world):
    async with client(world) as http:
        if world.lean:
            # Without a savepoint its write cannot be undone alone: nothing commits, not even the claim.
            with pytest.raises(SpoiledTransaction):
                await http.post("/setengah/106", headers=key("106"))
            assert await world.effects("106") == (0, 0, 0, 0)
        else:
            answer = await http.post("/setengah/106", headers=key("106"))
            assert answer.status_code == 201
            assert await world.effects("106") == (0, 0, 0, 1)  # back to its savepoint; the answer is kept


async def test_the_outbox_row_wakes_the_relay_once_its_transaction_commits(world):
    woken: list[str] = []
    listener = await asyncpg.connect(world.dsn)
    try:
        await listener.add_listener(f"outbox_{SERVICE}", lambda *args: woken.append(args[2]))
        async with client(world) as http:
            answer = await http.post("/sekolah/107", headers=key("107"))
        assert answer.status_code == 201, answer.text

        async def notified() -> bool:
            return bool(woken)

        await wait_for(notified, timeout=5)
        await asyncio.sleep(0.2)
    finally:
        await listener.close()
    assert woken == [f"outbox_{SERVICE}"]  # the NOTIFY rode in the outbox insert, delivered at the commit
    assert await world.effects("107") == (1, 1, 1, 1)
