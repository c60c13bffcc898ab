"""Planning's own tables; the chassis adds outbox, inbox and idempotency (see migrations/)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, DateTime, Identity, Index, Integer, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

import pmm_chassis.db.tables  # noqa: F401  (the chassis tables and the naming convention share this metadata)


def _timestamp(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, server_default=None if nullable else text("now()"))


class Sekolah(SQLModel, table=True):
    __tablename__ = "sekolah"

    npsn: str = Field(primary_key=True, max_length=8)
    nama: str
    kode_wilayah: str = Field(index=True, max_length=4)
    nama_wilayah: str
    prioritas_rapor: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    version: int = 1
    updated_at: datetime = Field(sa_column=_timestamp())


class Pegawai(SQLModel, table=True):
    __tablename__ = "pegawai"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    nip: str = Field(unique=True, max_length=18)
    status: str
    nama: str
    pangkat_golongan: str | None = None
    jenjang_jabatan: str | None = None
    jenis_gtk: str
    npsn: str = Field(foreign_key="sekolah.npsn", index=True)
    email: str | None = Field(default=None, max_length=254)  # where reminders go; personal data
    tmt_jabatan: date | None = Field(default=None, sa_column=Column(Date, nullable=True))  # prorates angka kredit
    # Took up the placement at `npsn`: a transfer dated inside a period splits the plan (docs/domain.md §4).
    tmt_penempatan: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    version: int = 1
    updated_at: datetime = Field(sa_column=_timestamp())


class Penempatan(SQLModel, table=True):
    """Where a pegawai worked from when: a transfer adds a row, history is kept."""

    __tablename__ = "penempatan"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    pegawai_id: uuid.UUID = Field(foreign_key="pegawai.id", index=True)
    npsn: str = Field(foreign_key="sekolah.npsn")
    mulai: date = Field(sa_column=Column(Date, nullable=False))


class Relasi(SQLModel, table=True):
    """Who appraises whom, with dates; the atasan on a day is the valid relation with the latest start."""

    __tablename__ = "relasi"
    __table_args__ = (
        UniqueConstraint("pegawai_id", "atasan_id", "peran_atasan", "mulai", name="uq_relasi_key"),
        Index("ix_relasi_atasan", "atasan_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pegawai_id: uuid.UUID = Field(foreign_key="pegawai.id", index=True)
    atasan_id: uuid.UUID = Field(foreign_key="pegawai.id")
    peran_atasan: str
    mulai: date = Field(sa_column=Column(Date, nullable=False))
    selesai: date | None = Field(default=None, sa_column=Column(Date))
    version: int = 1
    created_at: datetime = Field(sa_column=_timestamp())


class Periode(SQLModel, table=True):
    __tablename__ = "periode"

    kode: str = Field(primary_key=True)
    tahun: int = Field(index=True)
    snapshot: dict = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_column=_timestamp())


class WindowExtension(SQLModel, table=True):
    __tablename__ = "window_extension"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kode: str = Field(foreign_key="periode.kode", index=True)
    step: str
    until: date = Field(sa_column=Column(Date, nullable=False))
    wilayah: str | None = None
    alasan: str
    operator: str
    created_at: datetime = Field(sa_column=_timestamp())


class SkpRow(SQLModel, table=True):
    __tablename__ = "skp"
    __table_args__ = (
        # One plan per pegawai, period and part: a transfer during the period starts the next part.
        UniqueConstraint("pegawai_id", "periode", "bagian", name="uq_skp_pegawai_periode_bagian"),
        Index("ix_skp_status_submitted", "status", "submitted_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    pegawai_id: uuid.UUID = Field(foreign_key="pegawai.id")
    periode: str = Field(foreign_key="periode.kode")
    peran: str
    status: str
    version: int
    # What was saved into the plan step by step, one key per part of it; shaped by planning.db.repository, read whole.
    content: dict = Field(sa_column=Column(JSONB, nullable=False))
    catatan_atasan: str | None = None
    atasan_id: uuid.UUID | None = None
    submitted_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    approved_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # The part of the period (docs/domain.md §4): its number, its school, its first and last day (None: the
    # period's first and last day; `selesai` is set when a transfer ends the part).
    bagian: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default=text("1")))
    npsn: str | None = Field(default=None, foreign_key="sekolah.npsn", max_length=8)
    mulai: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    selesai: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    updated_at: datetime = Field(sa_column=_timestamp())


class AuditLog(SQLModel, table=True):
    """Operator actions that change what others see: resets, window extensions, roster imports."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    at: datetime = Field(sa_column=_timestamp())
    actor: str
    action: str = Field(index=True)
    target: str
    detail: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))


class KoreksiRow(SQLModel, table=True):
    """A pegawai's report of wrong roster data about themselves, on the operator's worklist until it is closed."""

    __tablename__ = "koreksi"
    __table_args__ = (
        # One open report per pegawai and subject (a roster field, or "atasan" where `field` is empty).
        Index(
            "uq_koreksi_open",
            "pegawai_id",
            text("coalesce(field, '')"),
            unique=True,
            postgresql_where=text("status = 'DILAPORKAN'"),
        ),
        Index("ix_koreksi_worklist", "kode_wilayah", "status", "reported_at", "id"),
        Index("ix_koreksi_pegawai", "pegawai_id", "reported_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    pegawai_id: uuid.UUID = Field(foreign_key="pegawai.id")
    jenis: str  # data | atasan
    field: str | None = None
    nilai_benar: str  # personal data when it names a person: never log it
    catatan: str | None = None
    npsn: str  # the school when reported: the worklist's scope
    kode_wilayah: str = Field(max_length=4)
    status: str
    alasan: str | None = None
    closed_by: str | None = None  # roster | operator
    version: int
    reported_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    updated_at: datetime = Field(sa_column=_timestamp())
