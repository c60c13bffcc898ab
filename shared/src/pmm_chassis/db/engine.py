"""Engine and session factory, built from settings by a service's bootstrap (never at import time)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def create_engine(database_url: str, *, pool_size: int) -> AsyncEngine:
    return create_async_engine(
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


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def asyncpg_dsn(database_url: str) -> str:
    """The same database for raw asyncpg (the relay's LISTEN and hot paths)."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
