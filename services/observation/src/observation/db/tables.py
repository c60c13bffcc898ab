"""Observation's own tables; the chassis adds outbox, inbox, idempotency and the roster projection."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, Index, Integer, LargeBinary, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

import pmm_chassis.db.tables  # noqa: F401  (the chassis tables and the naming convention share this metadata)
import pmm_roster.projections  # noqa: F401  (the roster projection's tables)


def _timestamp(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, server_default=None if nullable else text("now()"))


class PelaksanaanRow(SQLModel, table=True):
    __tablename__ = "pelaksanaan"
    __table_args__ = (
        # One cycle per part of a period: a pegawai transferred mid-period has one per school.
        UniqueConstraint("pegawai_id", "periode", "bagian", name="uq_pelaksanaan_pegawai_periode_bagian"),
        Index("ix_pelaksanaan_periode_tahap", "periode", "tahap"),
    )

    id: uuid.UUID = Field(primary_key=True)
    skp_id: uuid.UUID = Field(index=True)
    pegawai_id: uuid.UUID
    periode: str
    bagian: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default=text("1")))
    npsn: str | None = None  # the part's school (None: the pegawai's school in the roster)
    mulai: date | None = Field(default=None, sa_column=Column(Date))  # the part's first day (None: the period's)
    selesai: date | None = Field(default=None, sa_column=Column(Date))  # its last day (None: the period's)
    atasan_id: uuid.UUID | None = None
    tahap: str
    version: int
    siklus: int
    skp_version: int
    indikator: dict = Field(sa_column=Column(JSONB, nullable=False))
    # The five steps as recorded; shaped by observation.db.repository, read whole every time.
    content: dict = Field(sa_column=Column(JSONB, nullable=False))
    riwayat: list = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    opened_at: datetime = Field(sa_column=_timestamp())
    closed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    updated_at: datetime = Field(sa_column=_timestamp())


class SkpSeen(SQLModel, table=True):
    """The newest version of each plan this service has applied: an older or repeated skp event changes nothing,
    even one that arrives before the approval it follows (a reset overtaking a retried approval)."""

    __tablename__ = "skp_seen"

    skp_id: uuid.UUID = Field(primary_key=True)
    version: int


class BuktiRow(SQLModel, table=True):
    __tablename__ = "bukti"
    __table_args__ = (
        # One confirmation per document and cycle's pegawai-period: confirming twice is the same fact.
        Index(
            "uq_bukti_konfirmasi",
            "pelaksanaan_id",
            "kategori",
            unique=True,
            postgresql_where=text("sumber = 'konfirmasi'"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    pelaksanaan_id: uuid.UUID = Field(foreign_key="pelaksanaan.id", index=True)
    pegawai_id: uuid.UUID
    periode: str
    kategori: str
    sumber: str  # unggah | konfirmasi
    nama_file: str | None = None
    media_type: str | None = None  # detected from the content, never the declared type
    size_bytes: int | None = None
    sha256: str | None = None
    storage_key: str | None = None
    tanggal_dokumen: date | None = Field(default=None, sa_column=Column(Date))
    outside_period: bool = False
    catatan: str | None = None
    added_by: uuid.UUID
    created_at: datetime = Field(sa_column=_timestamp())


class UnggahanRow(SQLModel, table=True):
    """An upload in progress (tus): its bytes are parts in storage, its offset is here, so it survives a restart."""

    __tablename__ = "unggahan"

    id: uuid.UUID = Field(primary_key=True)
    pelaksanaan_id: uuid.UUID = Field(foreign_key="pelaksanaan.id", index=True)
    pegawai_id: uuid.UUID
    kategori: str
    nama_file: str
    tanggal_dokumen: date | None = Field(default=None, sa_column=Column(Date))
    length: int
    offset: int = 0
    head: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))  # the first bytes, sniffed
    # The offsets of the committed parts: only these are read at the end, so a part written by a request that
    # failed before its commit can never slip into the file.
    parts: list = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    media_type: str | None = None
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())
