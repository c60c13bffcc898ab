"""An in-memory unit of work for use-case unit tests: no PostgreSQL, no RabbitMQ.

It behaves as `pmm_chassis.db.uow.UnitOfWork` does for a use case: entering it again joins it, `track`ed aggregates
and `record`ed events are harvested on `commit()`, and leaving without a commit drops what was recorded. A service's
fake subclasses it and builds its in-memory repositories once, in `__init__`, so that what one use case saved the
next one loads (as cosmicpython's `FakeUnitOfWork` does). Tests assert on `committed` and on `published`, the domain
events the commits would have written to the outbox (`cause_of` one of them: the message it answers, `answering`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

from pmm_kernel.clock import Clock, FixedClock

# A school day inside the 2024 first semester's planning window, unless a test sets its own clock.
DEFAULT_NOW = datetime(2024, 1, 15, 2, 0, tzinfo=UTC)


@dataclass
class FakeAudit:
    """The audit records a use case wrote, in order: `(action, target, detail)`."""

    records: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def record(self, *, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self.records.append((action, target, detail))

    @property
    def actions(self) -> list[str]:
        return [action for action, _, _ in self.records]


class FakeUnitOfWork:
    service = "test"

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or FixedClock(DEFAULT_NOW)
        self.audit = FakeAudit()
        self.committed = False
        self.commits = 0
        self.published: list[Any] = []
        self._causes: dict[int, Any] = {}  # by id() of a published event
        self._answering: Any = None
        self._seen: list[Any] = []
        self._loose: list[Any] = []
        self._after_commit: list[Callable[[], None]] = []
        self._depth = 0

    def claiming(self, consumer: str, event_id: object) -> Self:
        return self

    def reading(self) -> Self:
        return self

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self._seen, self._loose, self.committed = [], [], False
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            await self.rollback()

    def track(self, aggregate: Any) -> None:
        if not any(seen is aggregate for seen in self._seen):
            self._seen.append(aggregate)

    def record(self, *events: Any) -> None:
        self._loose.extend((event, self._answering) for event in events)

    @contextmanager
    def answering(self, cause: Any) -> Iterator[None]:
        self._answering = cause
        try:
            yield
        finally:
            self._answering = None
        for aggregate in self._seen:
            self._loose.extend((event, cause) for event in aggregate.events)
            aggregate.events.clear()

    def cause_of(self, event: Any) -> Any:
        """The message a published event answers (`answering`; None: none)."""
        return self._causes.get(id(event))

    def when_committed(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    async def commit(self) -> None:
        for aggregate in self._seen:
            self.published.extend(aggregate.events)
            aggregate.events.clear()
        for event, cause in self._loose:
            self.published.append(event)
            self._causes[id(event)] = cause
        self._loose = []
        self.committed = True
        self.commits += 1
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    async def rollback(self) -> None:
        for aggregate in self._seen:
            aggregate.events.clear()
        self._seen, self._loose, self._after_commit = [], [], []

    def published_of(self, kind: type) -> list[Any]:
        """The committed domain events of one type, in order."""
        return [event for event in self.published if isinstance(event, kind)]
