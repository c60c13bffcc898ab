"""Every savepoint goes under one name, and nested savepoints still undo exactly their own work: a message's inside
its batch, a use case's inside its request."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from pmm_chassis.db.engine import SAVEPOINT_NAME, create_engine
from pmm_testkit import drop_database, fresh_database

pytestmark = pytest.mark.integration
DATABASE = "pmm_test_savepoints"


@pytest.fixture
async def engine():
    url = await fresh_database(DATABASE)
    made = create_engine(url, pool_size=1)
    async with made.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n int)"))
    yield made
    await made.dispose()
    await drop_database(DATABASE)


async def test_nested_savepoints_under_one_name_undo_only_their_own_work(engine) -> None:
    sent: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda c, cur, stmt, *a: sent.append(stmt))
    async with AsyncSession(engine) as session:
        await session.execute(text("INSERT INTO t VALUES (1)"))
        for n in range(2, 6):  # a batch's messages: 3 fails, the others stay
            outer = await session.begin_nested()
            await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            inner = await session.begin_nested()  # a use case's savepoint inside the message's
            await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n * 10})
            await (inner.rollback() if n == 4 else inner.commit())
            await (outer.rollback() if n == 3 else outer.commit())
        await session.commit()
        kept = sorted((await session.execute(text("SELECT n FROM t"))).scalars())
    assert kept == [1, 2, 4, 5, 20, 50]
    savepoints = {s for s in sent if "SAVEPOINT" in s}
    assert savepoints == {
        f"SAVEPOINT {SAVEPOINT_NAME}",
        f"RELEASE SAVEPOINT {SAVEPOINT_NAME}",
        f"ROLLBACK TO SAVEPOINT {SAVEPOINT_NAME}",
    }
