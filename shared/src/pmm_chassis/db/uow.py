"""The unit of work: one transaction that holds a use case's changes, its outbox rows and its inbox row.

A service subclasses `UnitOfWork` to open its repositories. Aggregates record domain events; on `commit()` the
unit of work maps them through the service's `integration` module to contract events, writes them to the outbox
and commits everything at once, then wakes the relay with NOTIFY (delivered only if the commit succeeds).
Leaving the block without `commit()` rolls back: no change, no event.

Inside an *ambient transaction* (`ambient_transaction`, opened by an HTTP request that carries an
`Idempotency-Key`, so that its stored answer commits with its effect) a unit of work opens no session of its own:
it joins the request's transaction with a SAVEPOINT. Its `commit()` releases the savepoint (the outbox rows and the
NOTIFY become durable with the outer commit), leaving without it rolls back to the savepoint. A consumer's unit
of work (`claiming`) owns its transaction: its inbox row and its acknowledgement go together.

An ambient transaction opened with `savepoints=False` (a route whose one use case commits or raises, nothing
caught in between) spares those two round trips: its units of work write straight into the request's transaction,
which a failure rolls back whole, claim included. One that leaves without committing *spoils* it instead, and the
opener must not commit a spoiled transaction (`AmbientTransaction.spoiled`). An opener that stamped the transaction
for the audit trigger itself (`stamped=True`, in a statement it sends anyway) spares the joiners' stamp.

Outside a batch, the outbox rows and the relay's NOTIFY go in one statement (`_OUTBOX_INSERT_AND_WAKE`).

A consumer that applies several messages at once opens a *batch* (`UnitOfWork.batch()`): one transaction, one
audit stamp, one multi-row inbox claim and one commit for all of them. Each message's unit of work joins it
(`joining(batch)`) with a SAVEPOINT of its own: its `commit()` writes its outbox rows and releases the savepoint
(the batch's commit makes them durable, with one NOTIFY), leaving without it rolls back to the savepoint, so one
failing message is undone alone while the others go on. A batch opened with `savepoints=False` spares those two
round trips per message (each is stamped for the audit trigger instead): its messages write straight into the
batch's transaction, and one that fails or leaves without committing *spoils* the batch (`Batch.spoiled`), which
its consumer then rolls back whole and applies again with savepoints.

A read (`reading()`: a page, a list, a document) is not stamped for the audit trigger, which it never fires: every
read spares that round trip, and it refuses to commit.

Entering a unit of work that is already open joins it (`async with uow:` in a use case called by a consumer that
opened it to claim the inbox row): only the outermost block opens and closes the session, so a use case is written
the same way whether a route or a consumer calls it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

from opentelemetry import context as otel_context
from opentelemetry import propagate
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction, async_sessionmaker

from pmm_chassis import failpoints
from pmm_chassis.db import audit
from pmm_chassis.db.engine import untransacted
from pmm_chassis.db.tables import InboxMessage
from pmm_contracts import EventData, encode, routing_key
from pmm_kernel.clock import Clock

# The table, not the mapped class: these rows are never loaded as objects, and the ORM's bulk-insert path cost a
# few per cent of every request and message in the profile of `make bench`.
_INBOX = InboxMessage.__table__


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


@dataclass(eq=False)
class AmbientTransaction:
    """A transaction opened outside any unit of work, which the units of work opened inside it join."""

    session: AsyncSession
    service: str | None = None  # set when a joined unit of work commits: whose failpoint fires
    _stamped: bool = False
    savepoints: bool = True  # each joined unit of work in a SAVEPOINT of its own (the module's docstring)
    spoiled: bool = False  # without savepoints, a unit of work left uncommitted: the transaction must not commit
    _when_committed: list[Callable[[], None]] = field(default_factory=list)

    def committed(self) -> None:
        """The opener committed the transaction: now the joined units of work's effects are durable."""
        if self.service is not None:
            failpoints.reached(self.service, "after_commit")
        callbacks, self._when_committed = self._when_committed, []
        for callback in callbacks:
            callback()


_CLAIM_MANY = text(
    "INSERT INTO inbox_message (consumer, event_id) SELECT :consumer, unnest(CAST(:event_ids AS uuid[]))"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)
_UNCLAIM_MANY = text(
    "DELETE FROM inbox_message WHERE consumer = :consumer AND event_id = ANY(CAST(:event_ids AS uuid[]))"
)


@dataclass(eq=False)
class Batch:
    """One consumer transaction for many messages: one claim, a SAVEPOINT per message (unless `savepoints` is off),
    one commit.

    `broken` is set when the transaction itself failed (a statement outside any message, or a savepoint that could
    not be rolled back: the connection is gone): nothing of the batch can commit any more. `spoiled`: without
    savepoints, a message left work it did not commit, which only rolling the whole batch back undoes.
    """

    session: AsyncSession
    service: str
    savepoints: bool = True
    broken: bool = False
    spoiled: bool = False
    wrote_outbox: bool = False
    _when_committed: list[Callable[[], None]] = field(default_factory=list)

    async def claim(self, consumer: str, event_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Claim the inbox rows of `event_ids` in one statement; those already there (redeliveries) are not
        returned."""
        try:
            claimed = await self.session.execute(_CLAIM_MANY, {"consumer": consumer, "event_ids": list(event_ids)})
        except BaseException:
            self.broken = True
            raise
        return set(claimed.scalars())

    async def unclaim(self, consumer: str, event_ids: Sequence[uuid.UUID]) -> None:
        """Give back the claims of messages that failed: their retry must not be taken for a redelivery."""
        try:
            await self.session.execute(_UNCLAIM_MANY, {"consumer": consumer, "event_ids": list(event_ids)})
        except BaseException:
            self.broken = True
            raise

    async def commit(self) -> None:
        if self.spoiled:
            raise RuntimeError("a message of this batch left work it did not commit: roll the batch back")
        if self.wrote_outbox:  # one wake-up for the relay, however many messages wrote rows
            await self.session.execute(
                text("SELECT pg_notify(:channel, '')"), {"channel": outbox_channel(self.service)}
            )
        await self.session.commit()
        failpoints.reached(self.service, "after_inbox_commit")
        callbacks, self._when_committed = self._when_committed, []
        for callback in callbacks:
            callback()


_ambient: ContextVar[AmbientTransaction | None] = ContextVar("pmm_ambient_transaction", default=None)


@asynccontextmanager
async def ambient_transaction(
    session: AsyncSession, *, stamped: bool = False, savepoints: bool = True
) -> AsyncIterator[AmbientTransaction]:
    """Units of work opened in this block (in this task) join `session`'s transaction; the caller commits it (unless
    `spoiled`), then calls `committed()`. `stamped`: the caller has told the audit trigger who acts already."""
    ambient = AmbientTransaction(session, _stamped=stamped, savepoints=savepoints)
    token = _ambient.set(ambient)
    try:
        yield ambient
    finally:
        _ambient.reset(token)


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
        self._loose_events: list[tuple[Any, uuid.UUID | None]] = []
        self._causes: Mapping[uuid.UUID, otel_context.Context] = {}
        self._answering: uuid.UUID | None = None
        self.committed = False
        self._ambient: AmbientTransaction | None = None
        self._savepoint: AsyncSessionTransaction | None = None
        self._depth = 0
        self._batch: Batch | None = None
        self._reading = False

    @asynccontextmanager
    async def batch(self, *, savepoints: bool = True) -> AsyncIterator[Batch]:
        """A consumer's transaction for several messages (the module's docstring). The caller commits it with
        `Batch.commit()`; leaving without that rolls everything back."""
        session = self._sessions()
        # Stamped at BEGIN and again for each message (at its SAVEPOINT, or as it opens): every message acts as the
        # service, but each carries its own trace, which its audit records name (a statement per message, the price
        # of a whole audit trail).
        audit.stamp_transactions(session, self.service, for_caller=False, savepoints=savepoints)
        try:
            yield Batch(session, self.service, savepoints=savepoints)
        finally:
            await session.close()

    def joining(self, batch: Batch) -> Self:
        """Make this unit of work one message of `batch`: entering it opens the message's SAVEPOINT."""
        self._batch = batch
        return self

    def caused_by(self, contexts: Mapping[uuid.UUID, otel_context.Context]) -> Self:
        """The telemetry context of each message this unit of work applies, by event id: what a use case records
        while `answering` one of them carries on that message's trace (a run of messages applied together,
        `InRuns`)."""
        self._causes = contexts
        return self

    @contextmanager
    def answering(self, cause: uuid.UUID | None) -> Iterator[None]:
        """What the block records, and the events of the aggregates it changes, answer the message `cause` (its
        event id): a use case applying several messages at once says which of them each effect belongs to. The
        block runs in that message's telemetry context, so its log lines and what a repository keeps of the current
        trace (a push's trace headers) are that message's."""
        outer, self._answering = self._answering, cause
        context = self._causes.get(cause) if cause is not None else None
        token = otel_context.attach(context) if context is not None else None
        try:
            yield
        finally:
            if token is not None:
                otel_context.detach(token)
            self._answering = outer
        for aggregate in self._seen:  # harvested now, while it is known whom they answer
            self._loose_events.extend((event, cause) for event in aggregate.events)
            aggregate.events.clear()

    def reading(self) -> Self:
        """Make this unit of work a read (a page, a list, a document): no transaction (each statement is its own,
        as under READ COMMITTED it sees a snapshot of its own anyway: `db/engine.untransacted`) and no audit stamp
        (a read fires no audit trigger), so a read spares the BEGIN, the stamp and the ROLLBACK; it never commits.
        Entered inside an open unit of work, it is that one's (a read inside a change stays a change)."""
        if self._depth == 0:
            self._reading = True
        return self

    def claiming(self, consumer: str, event_id: uuid.UUID) -> Self:
        """Make entering this unit of work claim the inbox row of `(consumer, event_id)` first."""
        self._inbox_claim = (consumer, event_id)
        return self

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth > 1:
            return self
        try:
            await self._open()
        except BaseException:
            self._depth = 0
            raise
        return self

    async def _open(self) -> None:
        self._ambient = _ambient.get() if self._inbox_claim is None and self._batch is None else None
        if self._batch is not None:
            self.session = self._batch.session
            try:
                if self._batch.savepoints:
                    self._savepoint = await self.session.begin_nested()
                else:
                    await audit.stamp_as_service(self.session, self.service)
            except BaseException:
                self._batch.broken = True
                raise
        elif self._ambient is not None:
            self.session = self._ambient.session
            if not self._ambient._stamped and not self._reading:  # each savepoint then says who acts (after_begin)
                audit.stamp_transactions(self.session, self.service)
                self._ambient._stamped = True
            if self._ambient.savepoints:
                self._savepoint = await self.session.begin_nested()
        elif self._reading:
            self.session = self._sessions(bind=untransacted(self._sessions.kw["bind"]))
        else:
            self.session = self._sessions()
            audit.stamp_transactions(self.session, self.service, for_caller=self._inbox_claim is None)
        self._seen = []
        self._loose_events = []
        self.committed = False
        self.open_repositories(self.session)
        if self._inbox_claim is not None:
            consumer, event_id = self._inbox_claim
            try:
                claimed = await self.session.execute(
                    pg_insert(_INBOX)
                    .values(consumer=consumer, event_id=event_id)
                    .on_conflict_do_nothing()
                    .returning(_INBOX.c.event_id)
                )
            except BaseException:
                # __aexit__ will not run: give the connection back (after a PostgreSQL restart, this claim is the
                # first statement on a dead pooled connection).
                await self.session.close()
                raise
            if claimed.first() is None:
                await self.session.rollback()
                await self.session.close()
                raise AlreadyProcessed(f"{consumer} already processed {event_id}")

    async def __aexit__(self, *exc_info: object) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        reading, self._reading = self._reading, False  # a read wrote nothing: leaving it uncommitted spoils nothing
        if self._batch is not None:
            if not self._batch.savepoints and not self.committed and not reading:
                self._batch.spoiled = True  # nothing to roll back to short of the whole batch
            # Not committed (or failed): back to the message's savepoint, the batch goes on. Rolled back even when
            # SQLAlchemy no longer calls it active (a failed flush): PostgreSQL needs the ROLLBACK TO all the same.
            savepoint, self._savepoint = self._savepoint, None
            if savepoint is not None:
                try:
                    await savepoint.rollback()
                except BaseException:
                    self._batch.broken = True
                    raise
            # This message's rows leave the session, so a later message's flush does not carry its leftovers.
            self.session.expunge_all()
            return
        if self._ambient is not None:
            if not self._ambient.savepoints and not self.committed and not reading:
                self._ambient.spoiled = True  # its writes cannot be undone alone: the opener rolls back
            # What was not committed goes back to the savepoint; the request's transaction goes on.
            if self._savepoint is not None and self._savepoint.is_active:
                await self._savepoint.rollback()
            self._savepoint = None
            # As close() does on the own-session path: this unit of work's rows leave the shared session, so a change
            # to one after the block is not flushed by the request's final commit (without its event), and a later
            # unit of work's SELECT ... FOR UPDATE reads the locked row, not this one's copy.
            self.session.expunge_all()
            return
        # close() rolls back what was not committed; unlike rollback() it leaves loaded rows readable.
        await self.session.close()

    async def rollback(self) -> None:
        """Drop what this unit of work did since its last commit, and go on in it (`session.rollback()` would also
        drop an ambient transaction's other work)."""
        for aggregate in self._seen:
            aggregate.events.clear()
        self._seen = []
        self._loose_events = []
        if self._ambient is None and self._batch is None:
            await self.session.rollback()
            return
        if self._ambient is not None and not self._ambient.savepoints:
            self._ambient.spoiled = True  # nothing to roll back to short of the whole transaction
            return
        if self._batch is not None and not self._batch.savepoints:
            self._batch.spoiled = True
            return
        if self._batch is not None and self._savepoint is None:  # after a commit: the new work is its own
            self._savepoint = await self.session.begin_nested()
            return
        assert self._savepoint is not None
        if self._batch is not None or self._savepoint.is_active:
            await self._savepoint.rollback()
        self._savepoint = await self.session.begin_nested()

    def when_committed(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this unit of work's commit is durable: at once, or when the ambient transaction
        commits (a worker woken earlier would not see the rows yet)."""
        if self._batch is not None:
            self._batch._when_committed.append(callback)
        elif self._ambient is None:
            callback()
        else:
            self._ambient._when_committed.append(callback)

    def open_repositories(self, session: AsyncSession) -> None:
        """Subclasses create their repositories here, each given `self.track`."""

    def track(self, aggregate: HasEvents) -> None:
        """Remember an aggregate so that its recorded events are harvested on commit."""
        if not any(seen is aggregate for seen in self._seen):
            self._seen.append(aggregate)

    def record(self, *events: Any) -> None:
        """Events that no loaded aggregate carries (roster imports, period definitions)."""
        self._loose_events.extend((event, self._answering) for event in events)

    def _harvest(self) -> Iterable[tuple[Any, uuid.UUID | None]]:
        for aggregate in self._seen:
            yield from ((event, None) for event in aggregate.events)
            aggregate.events.clear()
        yield from self._loose_events
        self._loose_events = []

    async def commit(self) -> None:
        if self._reading:
            raise RuntimeError("a read commits nothing: open the unit of work without reading() to change anything")
        rows = [self._outbox_row(self._to_contract(event), cause) for event, cause in self._harvest()]
        if rows:
            if self._batch is not None:
                await self.session.execute(_OUTBOX_INSERT, _outbox_parameters(rows))
                self._batch.wrote_outbox = True  # the batch's commit wakes the relay once
            else:
                parameters = {**_outbox_parameters(rows), "channel": outbox_channel(self.service)}
                await self.session.execute(_OUTBOX_INSERT_AND_WAKE, parameters)
        if self._batch is not None:
            # The message is done: its savepoint is released into the batch, which commits (or not) as a whole.
            savepoint, self._savepoint = self._savepoint, None
            if savepoint is not None:
                try:
                    await savepoint.commit()
                except BaseException:
                    self._batch.broken = True
                    raise
            else:
                await self._flush_pending()
            self.committed = True
            return
        if self._ambient is not None and not self._ambient.savepoints:
            await self._flush_pending()
            self.committed = True
            self._ambient.service = self.service
            return  # durable only when the ambient transaction commits: its opener reaches the failpoint
        if self._ambient is not None:
            assert self._savepoint is not None
            await self._savepoint.commit()
            self.committed = True
            self._ambient.service = self.service
            # Work after a commit is a new savepoint, so leaving without committing it drops only that work.
            self._savepoint = await self.session.begin_nested()
            return  # durable only when the ambient transaction commits: its opener reaches the failpoint
        await self.session.commit()
        self.committed = True
        failpoints.reached(self.service, "after_commit" if self._inbox_claim is None else "after_inbox_commit")

    async def _flush_pending(self) -> None:
        """Rows added to the session (an audit record, a new plan) go to the database now. Without a savepoint to
        release (which flushes), nothing else would send them before this unit of work leaves and drops its rows
        from the shared session (`__aexit__`); on a clean session it sends nothing."""
        await self.session.flush()

    def _outbox_row(self, outgoing: Outgoing, cause: uuid.UUID | None) -> dict[str, Any]:
        event_id = uuid.uuid4()
        trace_headers: dict[str, str] = {}
        # The current trace, or the one of the message the event answers, when several are applied together.
        propagate.inject(trace_headers, context=self._causes.get(cause) if cause is not None else None)
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


_OUTBOX_COLUMNS = ("event_id", "routing_key", "aggregate_id", "aggregate_version", "body", "trace_headers")
_OUTBOX_TYPES = {
    "event_id": "uuid",
    "routing_key": "varchar",
    "aggregate_id": "varchar",
    "aggregate_version": "integer",
    "body": "bytea",
    "trace_headers": "jsonb",
}


def _outbox_insert(*, wake: str) -> Any:
    """Any number of outbox rows in one statement of constant text: each column travels as one array parameter, so
    one prepared statement serves a use case's single event and a roster import's thousands alike (a statement per
    row count would be compiled and kept, with its thousands of placeholders, for every count ever seen)."""
    arrays = ", ".join(f"CAST(:{name} AS {_OUTBOX_TYPES[name]}[])" for name in _OUTBOX_COLUMNS)
    columns = ", ".join(_OUTBOX_COLUMNS)
    # Built only from the constant column names and types: every value is a bound parameter.
    return text(
        f"INSERT INTO outbox_message ({columns}) SELECT v.* FROM unnest({arrays}) AS v ({columns}){wake}"  # nosec B608
    )


_OUTBOX_INSERT = _outbox_insert(wake="")
# The relay's wake-up rides in a subquery of the same INSERT (delivered, like any NOTIFY, only if the transaction
# commits), so it costs no round trip of its own. The statement still starts as the outbox insert
# (pmm_chassis.db.spans traces it by that).
_OUTBOX_INSERT_AND_WAKE = _outbox_insert(wake=" CROSS JOIN (SELECT pg_notify(:channel, '')) AS wake")


def _outbox_parameters(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    parameters = {name: [row[name] for row in rows] for name in _OUTBOX_COLUMNS}
    parameters["trace_headers"] = [json.dumps(headers) for headers in parameters["trace_headers"]]
    return parameters
