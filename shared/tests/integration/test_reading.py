"""A unit of work opened for a read: no transaction and no audit stamp (a read fires no audit trigger), never a
commit, and entered inside an open unit of work it is that one's, against the real PostgreSQL."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from pmm_chassis.db.engine import session_factory
from pmm_chassis.db.uow import Outgoing, UnitOfWork
from pmm_kernel.clock import SystemClock
from pmm_testkit import drop_database, fresh_database

pytestmark = pytest.mark.integration


@pytest.fixture
async def uow_and_statements():
    name = f"pmm_chassis_reading_{os.getpid()}"
    engine = create_async_engine(await fresh_database(name))
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split())[:40])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    sessions = session_factory(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(
            sessions, service="planning", to_contract=lambda data: Outgoing(data, "a", 1), clock=SystemClock()
        )

    try:
        yield uow, statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
        await engine.dispose()
        await drop_database(name)


async def _read(uow: Any) -> int:
    return (await uow.session.execute(text("SELECT 1"))).scalar_one()


async def test_a_read_sends_no_audit_stamp_where_a_change_does(uow_and_statements) -> None:
    uow, statements = uow_and_statements
    async with uow().reading() as reading:
        assert await _read(reading) == 1
    assert statements == ["SELECT 1"]
    statements.clear()
    async with uow() as changing:
        await _read(changing)
    assert statements[0].startswith("SELECT set_config('pmm.audit_actor'") and statements[1:] == ["SELECT 1"]


async def test_a_read_is_no_transaction_each_statement_is_its_own(uow_and_statements) -> None:
    uow, _ = uow_and_statements
    instant = text("SELECT now(), pg_sleep(0.01)")  # now(): when the statement's transaction began
    async with uow().reading() as reading:
        first, second = [(await reading.session.execute(instant)).first()[0] for _ in range(2)]
    assert second > first  # a transaction of its own each; inside one transaction both would be its start
    async with uow() as changing:
        first, second = [(await changing.session.execute(instant)).first()[0] for _ in range(2)]
    assert second == first


async def test_a_read_never_commits(uow_and_statements) -> None:
    uow, _ = uow_and_statements
    with pytest.raises(RuntimeError, match="a read commits nothing"):
        async with uow().reading() as reading:
            await reading.commit()


async def test_a_read_inside_an_open_change_is_that_change(uow_and_statements) -> None:
    uow, statements = uow_and_statements
    changing = uow()
    async with changing:
        async with changing.reading():  # a view's helper called by a use case that changes something
            await _read(changing)
        await changing.commit()
    assert statements[0].startswith("SELECT set_config('pmm.audit_actor'")
