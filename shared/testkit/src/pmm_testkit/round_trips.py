"""Counting what a piece of work sends to the database: the bound of a hot path's round trips is a test, so a
regression cannot hide."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def round_trips(
    engine: AsyncEngine, by: Callable[[Any], Hashable] = lambda connection: None
) -> Iterator[defaultdict[Hashable, list[str]]]:
    """Every round trip `engine` makes while the block runs: each statement on one line (SAVEPOINT and RELEASE
    included), and the BEGIN, COMMIT and ROLLBACK the driver sends (none for a read: `UnitOfWork.reading`). Grouped
    by `by(connection)`: by connection, or by task, where other work (the app's reminders, a worker's polls) shares
    the engine."""
    sync = engine.sync_engine
    sent: defaultdict[Hashable, list[str]] = defaultdict(list)

    def statement(conn: Any, cursor: Any, text: str, parameters: Any, context: Any, executemany: bool) -> None:
        sent[by(conn)].append(" ".join(text.split()))

    def marker(name: str) -> Callable[[Any], None]:
        def mark(conn: Any) -> None:
            # SQLAlchemy signals a transaction on an AUTOCOMMIT connection too; the driver sends nothing for it.
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                sent[by(conn)].append(name)

        return mark

    listeners = [
        ("before_cursor_execute", statement),
        ("begin", marker("BEGIN")),
        ("commit", marker("COMMIT")),
        ("rollback", marker("ROLLBACK")),
    ]
    for name, fn in listeners:
        event.listen(sync, name, fn)
    try:
        yield sent
    finally:
        for name, fn in listeners:
            event.remove(sync, name, fn)
