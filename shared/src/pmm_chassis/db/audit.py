"""The audit trail: every change of an audited record's state, with who, when, what and the trace id.

A trigger on each audited table (created by `create_audit_trail_v1` in the service's migration) writes one
`audit_record` row per insert, state transition, versioned edit or delete, in the same transaction as the change,
so no code path (an HTTP command, a consumer, a worker, a bulk UPDATE) can change a record without leaving one.
Updates that move neither the state nor the version (a worker's lease, a counter) are bookkeeping, not changes.

The trigger learns *who* and the trace from transaction-local settings that every unit of work's transaction
carries (`stamp_transactions`): the caller as the roster knows them (`pegawai:<uuid>`, never a NIP) or the service
itself (`system:<service>`) when a message or a worker made the change.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Text, event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from pmm_chassis.logging import mask_text
from pmm_chassis.telemetry import current_trace_id


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_record_target", "target_table", "target_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()")))
    actor: str  # pegawai:<uuid> | operator:<id> | system:<service> | unregistered
    actor_roles: str = Field(sa_column=Column(Text, nullable=False, server_default=""))
    action: str  # <table>.create | <table>.transition | <table>.edit | <table>.delete
    target_table: str
    target_id: str
    from_state: str | None = None
    to_state: str | None = None
    version: int | None = Field(default=None, sa_column=Column(BigInteger))
    trace_id: str | None = None


@dataclass(frozen=True)
class Who:
    actor: str
    roles: str


class HasIdentity(Protocol):
    subject: str
    roles: Any  # a set of role names (str or StrEnum)


_current: ContextVar[Who | None] = ContextVar("pmm_audit_actor", default=None)


def who(actor: HasIdentity) -> Who:
    """The audit label of a caller: their roster id, never their NIP (UU 27/2022)."""
    roles = ",".join(sorted(str(r) for r in actor.roles))
    pegawai_id = getattr(actor, "pegawai_id", None)
    if pegawai_id is not None:
        return Who(f"pegawai:{pegawai_id}", roles)
    if "operator" in roles.split(","):
        return Who(f"operator:{mask_text(actor.subject)}", roles)
    return Who("unregistered", roles)  # not in the roster: such a caller changes nothing, but say so


def act_as(actor: HasIdentity) -> None:
    """Make `actor` the one this request's changes are audited under (the route's dependencies call it)."""
    _current.set(who(actor))


def stamp_transactions(
    session: AsyncSession, service: str, *, for_caller: bool = True, savepoints: bool = True
) -> None:
    """Every transaction of `session` tells the audit trigger who is acting and in which trace.

    `for_caller=False` (a consumer's or worker's transaction) always acts as the service: a task started while
    a request's caller was set (an in-process client, a task spawned by a route) must not inherit that caller.
    `savepoints=False` stamps the transaction once and not each SAVEPOINT in it: a consumer's batch, where every
    message's savepoint acts as the same service and a stamp per message would be a round trip per message.
    """
    # One listener for all sessions (below), told per session through `info`: registering a listener per unit of
    # work cost about 2 % of a request's CPU in the profile of `make bench`.
    session.sync_session.info[_STAMPED] = (service, for_caller, savepoints)


_STAMPED = "pmm_audit_stamp"
_STAMP = text(
    "SELECT set_config('pmm.audit_actor', :actor, true), set_config('pmm.audit_roles', :roles, true),"
    " set_config('pmm.audit_trace_id', :trace_id, true)"
)


# The stamp as a subquery, for a statement the transaction sends anyway (the Idempotency-Key claim): one row, its
# settings made as the statement runs, with the same parameters as `_STAMP`.
STAMP_SUBQUERY = (
    "(SELECT set_config('pmm.audit_actor', :actor, true), set_config('pmm.audit_roles', :roles, true),"
    " set_config('pmm.audit_trace_id', :trace_id, true)) AS audit_stamp"
)


async def stamp_as_service(session: AsyncSession, service: str) -> None:
    """Stamp the transaction now, as the service itself, in the current trace: a message of a batch that has no
    SAVEPOINT of its own to stamp at (`UnitOfWork.batch(savepoints=False)`)."""
    await session.execute(_STAMP, {"actor": f"system:{service}", "roles": "", "trace_id": current_trace_id() or ""})


def stamp_parameters(service: str) -> dict[str, str]:
    """Who this request's changes are audited under, and its trace: the parameters of `_STAMP`/`STAMP_SUBQUERY`."""
    current = _current.get() or Who(f"system:{service}", "")
    return {"actor": current.actor, "roles": current.roles, "trace_id": current_trace_id() or ""}


@event.listens_for(Session, "after_begin")
def _stamp(session: Session, transaction: Any, connection: Any) -> None:
    stamped = session.info.get(_STAMPED)
    if stamped is None:
        return  # a session no unit of work opened (migrations, tests): nothing to audit under
    service, for_caller, savepoints = stamped
    if transaction.nested and not savepoints:
        return
    current = (_current.get() if for_caller else None) or Who(f"system:{service}", "")
    connection.execute(_STAMP, {"actor": current.actor, "roles": current.roles, "trace_id": current_trace_id() or ""})
