"""The unit of work: one transaction that holds a use case's changes, its outbox rows and its inbox row.

A service subclasses `UnitOfWork` to open its repositories. Aggregates record domain events; on `commit()` the
unit of work maps them through the service's `integration` module to contract events, writes them to the outbox
and commits everything at once, then wakes the relay with NOTIFY (delivered only if the commit succeeds).
Leaving the block without `commit()` rolls back: no change, no event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, Self

from opentelemetry import propagate
from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmm_chassis import failpoints
from pmm_chassis.db.tables import InboxMessage, OutboxMessage
from pmm_contracts import EventData, encode, routing_key
from pmm_kernel.clock import Clock


@dataclass(frozen=True)
class Outgoing:
    """A contract event ready for the outbox, with the aggregate it belongs to."""

    data: EventData
    aggregate_id: str
    aggregate_version: int


ToContract = Callable[[Any], Outgoing]


class HasEvents(Protocol):
    events: list[Any]


class AlreadyProcessed(Exception):
    """The inbox already holds this (consumer, event): a redelivery, to be acknowledged and ignored."""


def outbox_channel(service: str) -> str:
    return f"outbox_{service}"


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        service: str,
        to_contract: ToContract,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self.service = service
        self._to_contract = to_contract
        self.clock = clock
        self._inbox_claim: tuple[str, uuid.UUID] | None = None
        self._seen: list[HasEvents] = []
        self._loose_events: list[Any] = []
        self.committed = False

    def claiming(self, consumer: str, event_id: uuid.UUID) -> Self:
        """Make entering this unit of work claim the inbox row of `(consumer, event_id)` first."""
        self._inbox_claim = (consumer, event_id)
        return self

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._seen = []
        self._loose_events = []
        self.committed = False
        self.open_repositories(self.session)
        if self._inbox_claim is not None:
            consumer, event_id = self._inbox_claim
            claimed = await self.session.execute(
                pg_insert(InboxMessage)
                .values(consumer=consumer, event_id=event_id)
                .on_conflict_do_nothing()
                .returning(InboxMessage.event_id)
            )
            if claimed.first() is None:
                await self.session.rollback()
                await self.session.close()
                raise AlreadyProcessed(f"{consumer} already processed {event_id}")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # close() rolls back what was not committed; unlike rollback() it leaves loaded rows readable.
        await self.session.close()

    def open_repositories(self, session: AsyncSession) -> None:
        """Subclasses create their repositories here, each given `self.track`."""

    def track(self, aggregate: HasEvents) -> None:
        """Remember an aggregate so that its recorded events are harvested on commit."""
        if not any(seen is aggregate for seen in self._seen):
            self._seen.append(aggregate)

    def record(self, *events: Any) -> None:
        """Events that no loaded aggregate carries (roster imports, period definitions)."""
        self._loose_events.extend(events)

    def _harvest(self) -> Iterable[Any]:
        for aggregate in self._seen:
            yield from aggregate.events
            aggregate.events.clear()
        yield from self._loose_events
        self._loose_events = []

    async def commit(self) -> None:
        rows = [self._outbox_row(self._to_contract(event)) for event in self._harvest()]
        if rows:
            await self.session.execute(insert(OutboxMessage), rows)
            await self.session.execute(
                text("SELECT pg_notify(:channel, '')"), {"channel": outbox_channel(self.service)}
            )
        await self.session.commit()
        self.committed = True
        failpoints.reached(self.service, "after_commit" if self._inbox_claim is None else "after_inbox_commit")

    def _outbox_row(self, outgoing: Outgoing) -> dict[str, Any]:
        event_id = uuid.uuid4()
        trace_headers: dict[str, str] = {}
        propagate.inject(trace_headers)
        return {
            "event_id": event_id,
            "routing_key": routing_key(outgoing.data),
            "aggregate_id": outgoing.aggregate_id,
            "aggregate_version": outgoing.aggregate_version,
            "body": encode(
                outgoing.data,
                event_id=event_id,
                occurred_at=self.clock.now(),
                aggregate_id=outgoing.aggregate_id,
                aggregate_version=outgoing.aggregate_version,
            ),
            "trace_headers": trace_headers,
        }
