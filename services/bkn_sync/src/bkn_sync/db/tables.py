"""bkn_sync's tables: the pushes (durable jobs) and their attempts, the plans planning approved, the conflicts
awaiting an operator, and where the pull of BKN's feed stands. The roster projection and the chassis tables
come from `pmm_chassis`."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, DateTime, Identity, Index, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

import pmm_chassis.db.tables  # noqa: F401  (the chassis tables, on the same metadata)
import pmm_roster.projections  # noqa: F401  (the roster projection tables)


def _now() -> Column:
    return Column(DateTime(timezone=True), nullable=False, server_default=text("now()"))


def _json() -> Column:
    return Column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))


class Push(SQLModel, table=True):
    """One thing BKN must end up holding, worked until it does. Written in the transaction that consumed the
    event that caused it, so nothing is lost between the event and the push."""

    __tablename__ = "push"
    __table_args__ = (
        UniqueConstraint("pegawai_id", "jenis", "periode", "bagian", name="uq_push_key"),
        # The worker's scan: due pushes only.
        Index("ix_push_due", "next_attempt_at", postgresql_where=text("status IN ('pending', 'failed')")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pegawai_id: uuid.UUID = Field(index=True)
    jenis: str
    periode: str
    # "" for the whole PMM period, the BKN period's label for a triwulan; prefixed "2/" for a period's second part
    # (bkn_sync.domain.bagian.push_bagian)
    bagian: str = ""
    # BKN's period of this push; known at creation except for an SKP whose period planning has not sent yet.
    tahun_mulai: int | None = None
    bulan_mulai: int | None = None
    tahun_selesai: int | None = None
    bulan_selesai: int | None = None
    payload: dict = Field(sa_column=_json())  # what to send, in PMM's words; identity is read at attempt time
    revision: int = 1  # grows when upstream sends new content; an attempt of an older revision changes nothing
    source_version: int = 0  # the aggregate version of the event that gave this content: older ones are dropped
    status: str = "pending"
    version: int = 1  # grows with every change of state (the events' aggregate_version)
    attempts: int = 0  # since the current revision
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    lease_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    failure_kode: str | None = None
    failure_detail: str | None = Field(default=None, sa_column=Column(Text))
    bkn_id: str | None = None
    # W3C trace context of the event that caused the push: its BKN call continues that trace.
    trace_headers: dict = Field(sa_column=_json())
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())
    succeeded_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class PushAttempt(SQLModel, table=True):
    """Every call made for a push, with its outcome: the audit trail an operator reads."""

    __tablename__ = "push_attempt"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    push_id: uuid.UUID = Field(index=True)
    revision: int
    attempt: int
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    duration_ms: int
    outcome: str  # succeeded | transient | failed | superseded
    http_status: int | None = None
    kode: str | None = None
    detail: str | None = Field(default=None, sa_column=Column(Text))
    trace_id: str | None = None


class SkpPlan(SQLModel, table=True):
    """The plan planning approved (or reset), as far as BKN's side needs it: to tell a BKN edit before approval
    (planning applies it) from one after (a conflict)."""

    __tablename__ = "skp_plan"

    pegawai_id: uuid.UUID = Field(primary_key=True)
    periode: str = Field(primary_key=True)
    # The part of the period (one SKP per school at e-Kinerja: a transfer mid-period makes a second part).
    bagian: int = Field(default=1, primary_key=True)
    npsn: str | None = None  # the part's school (None: the pegawai's school in the roster)
    mulai: date | None = Field(default=None, sa_column=Column(Date))  # the part's first day (None: the period's)
    selesai: date | None = Field(default=None, sa_column=Column(Date))  # its last day (None: the period's)
    skp_id: uuid.UUID
    approved: bool
    version: int
    rhk: list = Field(sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb")))
    updated_at: datetime = Field(sa_column=_now())


class Conflict(SQLModel, table=True):
    __tablename__ = "conflict"
    __table_args__ = (
        # At most one open conflict per plan: a further BKN edit updates it.
        Index(
            "uq_conflict_open",
            "pegawai_id",
            "periode",
            "jenis",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pegawai_id: uuid.UUID = Field(index=True)
    periode: str
    jenis: str
    fields: list = Field(sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb")))
    pmm: dict = Field(sa_column=_json())
    bkn: dict = Field(sa_column=_json())
    status: str = "open"
    version: int = 1
    keputusan: str | None = None
    alasan: str | None = Field(default=None, sa_column=Column(Text))
    decided_by: str | None = None
    opened_at: datetime = Field(sa_column=_now())
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class PullCursor(SQLModel, table=True):
    """How far BKN's change feed has been read: advanced in the transaction that handles each entry."""

    __tablename__ = "pull_cursor"

    name: str = Field(primary_key=True)
    position: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=_now())


__all__ = ["Conflict", "PullCursor", "Push", "PushAttempt", "SkpPlan"]
