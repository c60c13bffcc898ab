"""Which failures are transient: a database or broker that is down or restarting, a deadlock.

These are retried with back-off for as long as it takes and are never parked. Everything else is a bug or a
message that cannot succeed: retried a few times (it might be a race) and then parked with its reason.
"""

from __future__ import annotations

import asyncio

import aiormq.exceptions
import asyncpg
import sqlalchemy.exc

_TRANSIENT_PG = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.InterfaceError,
)


# OSErrors that no wait will fix: a file that is not there or may not be touched is a bug or a configuration
# error, to be seen (a 500, a parked message), not retried for ever as an outage would be.
_LASTING_OS_ERRORS = (PermissionError, FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError)


def is_transient(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _LASTING_OS_ERRORS):
            return False
        if isinstance(
            current,
            (
                ConnectionError,
                OSError,
                asyncio.TimeoutError,
                aiormq.exceptions.AMQPConnectionError,
                *_TRANSIENT_PG,
            ),
        ):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
            return True
        if isinstance(current, sqlalchemy.exc.TimeoutError):  # the pool had no connection free: a burst, it passes
            return True
        current = current.__cause__ or current.__context__
    return False


def describe(exc: BaseException) -> str:
    """A reason for a header or a log: the exception's class and a short, masked message."""
    from pmm_chassis.logging import mask_text

    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {mask_text(text)[:300]}"
