"""Appraisal's own tables; the chassis adds outbox, inbox and idempotency, the roster projection its five tables
(see migrations/)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

import pmm_chassis.db.tables  # noqa: F401  (the chassis tables and the naming convention share this metadata)
import pmm_roster.projections  # noqa: F401  (the roster projection's tables, on the same metadata)


def _timestamp(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, server_default=None if nullable else text("now()"))


class PenilaianRow(SQLModel, table=True):
    __tablename__ = "penilaian"
    __table_args__ = (
        UniqueConstraint("pegawai_id", "periode", "bagian", name="uq_penilaian_pegawai_periode_bagian"),
        Index("ix_penilaian_periode_status", "periode", "status"),
        Index("ix_penilaian_skp_id", "skp_id"),
        Index("ix_penilaian_npsn_periode", "npsn", "periode"),
    )

    id: uuid.UUID = Field(primary_key=True)
    pegawai_id: uuid.UUID  # indexed by uq_penilaian_pegawai_periode_bagian
    periode: str
    # The part of the period a transfer split off (1: the whole period), its school and days (None: the pegawai's
    # school, the period's days), its plan, and whether a transfer ended it.
    bagian: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default=text("1")))
    npsn: str | None = None
    mulai: date | None = None
    selesai: date | None = None
    skp_id: uuid.UUID | None = None
    berakhir: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    berakhir_disetujui: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )  # the plan was approved when the transfer ended it: the part is appraised
    menimbang_periode: bool = False
    status: str
    version: int
    skp_version: int = 0
    siklus_version: int = 0
    hanya_perilaku: bool = False
    periodik_menunggu: int = 0
    # The parts of the aggregate, shaped by appraisal.db.repository and read whole every time.
    # none_as_null: an absent part is SQL NULL, not JSON null, so `IS NULL` means what it says.
    rencana: dict | None = Field(default=None, sa_column=Column(JSONB(none_as_null=True)))
    siklus: dict | None = Field(default=None, sa_column=Column(JSONB(none_as_null=True)))
    hasil_periodik: list = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    nilai: dict | None = Field(default=None, sa_column=Column(JSONB(none_as_null=True)))
    final: dict | None = Field(default=None, sa_column=Column(JSONB(none_as_null=True)))
    # Copied out of `nilai` and `final` so that distribution, cumulative AK and monitoring are plain SQL.
    predikat: str | None = None
    jenjang: str | None = None
    angka_kredit: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 2)))
    finalized_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    updated_at: datetime = Field(sa_column=_timestamp())


class SkpMonitor(SQLModel, table=True):
    """Where each pegawai's plan stands, from planning's skp.* events (the monitoring read model's first half)."""

    __tablename__ = "skp_monitor"

    pegawai_id: uuid.UUID = Field(primary_key=True)
    periode: str = Field(primary_key=True)
    status: str  # DIAJUKAN | DISETUJUI | DRAFT (after an operator's reset)
    skp_version: int
    # The latest part of the period (a transfer starts a new plan, whose versions count from 1 again).
    bagian: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default=text("1")))
    updated_at: datetime = Field(sa_column=_timestamp())


class PredikatOrganisasiRow(SQLModel, table=True):
    """The predikat kinerja organisasi the Dinas set for a school and year (SE MenPANRB 3/2023)."""

    __tablename__ = "predikat_organisasi"

    npsn: str = Field(primary_key=True)
    tahun: int = Field(primary_key=True)
    predikat_organisasi: str
    operator: str
    updated_at: datetime = Field(sa_column=_timestamp())


class AppraisalAudit(SQLModel, table=True):
    """Operator actions that change what others see: reopening, perilaku-only marks, predikat organisasi.

    Named after the service: every service's tables share one SQLModel metadata when they run in one process
    (the whole test suite does), so a second `audit_log` would collide with planning's."""

    __tablename__ = "appraisal_audit"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    at: datetime = Field(sa_column=_timestamp())
    actor: str
    action: str = Field(index=True)
    target: str
    detail: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))


class PelaksanaanMonitor(SQLModel, table=True):
    """The step each pegawai's observation cycle reached, from observation's events (monitoring by name)."""

    __tablename__ = "pelaksanaan_monitor"

    pegawai_id: uuid.UUID = Field(primary_key=True)
    periode: str = Field(primary_key=True)
    langkah: str  # persiapan .. refleksi, selesai, ditutup (appraisal.domain.monitoring.LANGKAH)
    langkah_rank: int
    pelaksanaan_version: int
    # The latest part of the period (a later part's cycle counts its versions from 1 again).
    bagian: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default=text("1")))
    updated_at: datetime = Field(sa_column=_timestamp())


class BknPushMonitor(SQLModel, table=True):
    """The last known outcome of each push to BKN, from bkn_sync's push events: a failed one says why and who fixes
    it."""

    __tablename__ = "bkn_push_monitor"
    __table_args__ = (Index("ix_bkn_push_monitor_pegawai_periode", "pegawai_id", "periode"),)

    push_id: uuid.UUID = Field(primary_key=True)
    pegawai_id: uuid.UUID
    periode: str
    jenis: str
    bagian: str
    status: str  # SUKSES | GAGAL
    kode: str | None = None
    fixer: str | None = None
    action: str | None = None
    push_version: int
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=_timestamp())


class KoreksiMonitor(SQLModel, table=True):
    """Correction reports on a pegawai's roster data, from planning's koreksi events: an open one blocks them."""

    __tablename__ = "koreksi_monitor"

    koreksi_id: uuid.UUID = Field(primary_key=True)
    pegawai_id: uuid.UUID = Field(index=True)
    terbuka: bool
    koreksi_version: int
    updated_at: datetime = Field(sa_column=_timestamp())
