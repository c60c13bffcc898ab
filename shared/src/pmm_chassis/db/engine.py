"""Engine and session factory, built from settings by a service's bootstrap (never at import time)."""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.sql.expression import ReleaseSavepointClause, RollbackToSavepointClause, SavepointClause

SAVEPOINT_NAME = "pmm_savepoint"


def create_engine(database_url: str, *, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        database_url,
        # At most 2 x pool_size connections (the deploy's connection budget counts that), all of them kept once
        # opened: "overflow" connections are closed on return, and a consumer with more messages in flight than the
        # pool holds then opened and closed one per message (a PostgreSQL backend and the dialect's setup queries).
        pool_size=2 * pool_size,
        max_overflow=0,
        # No ping per checkout (a round trip on every transaction). A connection that died with a PostgreSQL restart
        # fails its first statement; SQLAlchemy sees the disconnect and drops the whole pool's older connections, and
        # that one request answers 503 / that message is retried (pmm_chassis.messaging.failures.is_transient).
        pool_pre_ping=False,
        pool_recycle=1800,
    )
    one_savepoint_name(engine)
    return engine


def one_savepoint_name(engine: AsyncEngine) -> None:
    """Every savepoint of `engine` under one name. SQLAlchemy names each after a counter that only grows over a
    connection's life (sa_savepoint_1, _2, ...), which makes each SAVEPOINT and RELEASE a statement the driver has
    never seen: prepared anew (a round trip more, twice per consumed message) and pushed through its statement cache.
    Savepoints here nest strictly (a message's inside its batch, a use case's inside its request), and PostgreSQL
    takes a repeated name as the most recent savepoint of that name, so one name serves every level."""
    dialect: Any = engine.dialect
    dialect.do_savepoint = lambda connection, name: connection.execute(SavepointClause(SAVEPOINT_NAME))
    dialect.do_release_savepoint = lambda connection, name: connection.execute(ReleaseSavepointClause(SAVEPOINT_NAME))
    dialect.do_rollback_to_savepoint = lambda connection, name: connection.execute(
        RollbackToSavepointClause(SAVEPOINT_NAME)
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


_UNTRANSACTED: weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine] = weakref.WeakKeyDictionary()


def untransacted(engine: AsyncEngine) -> AsyncEngine:
    """`engine`'s pool with every statement its own transaction: no BEGIN before a read and no ROLLBACK after it.
    Under READ COMMITTED each statement of a transaction sees a snapshot of its own anyway, so for a read those two
    were round trips that bought nothing (`UnitOfWork.reading`)."""
    found = _UNTRANSACTED.get(engine)
    if found is None:
        found = _UNTRANSACTED[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


def asyncpg_dsn(database_url: str) -> str:
    """The same database for raw asyncpg (the relay's LISTEN and hot paths)."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
