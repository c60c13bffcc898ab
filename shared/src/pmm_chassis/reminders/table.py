"""The `pengingat` table each reminding service keeps in its own database, beside its outbox.

One row is one reminder DECIDED: its unique key (recipient, window, kind, offset) makes deciding twice (two
replicas, a restart) decide once. The sender then works the row like the relay works the outbox: claimed under a
lease, sent, marked; a refused address is kept on the row with its reason for the operator.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

import pmm_chassis.db.tables  # noqa: F401  (the naming convention is set on this metadata there)


def _now() -> Column:
    return Column(DateTime(timezone=True), nullable=False, server_default=text("now()"))


def _instant() -> Column:
    return Column(DateTime(timezone=True))


class Pengingat(SQLModel, table=True):
    __tablename__ = "pengingat"
    __table_args__ = (
        UniqueConstraint("pegawai_id", "window_key", "kind", "offset_days", name="uq_pengingat_key"),
        # The sender's scan touches only what is still to send.
        Index(
            "ix_pengingat_due",
            "next_attempt_at",
            postgresql_where=text("sent_at IS NULL AND refused_at IS NULL"),
        ),
        Index("ix_pengingat_penerima", "penerima", "id"),
        Index("ix_pengingat_refused", "wilayah", postgresql_where=text("refused_at IS NOT NULL")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    pegawai_id: uuid.UUID
    penerima: str  # the recipient's sign-in subject: their own list is read by it
    email: str | None = Field(default=None, max_length=254)
    window_key: str  # periode:step:kode wilayah
    periode: str
    step: str
    wilayah: str
    kind: str
    offset_days: int
    judul: str  # the mail's subject line (never a NIP)
    isi: str = Field(sa_column=Column(Text, nullable=False))
    tautan: str
    tenggat: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    message_id: str
    created_at: datetime = Field(sa_column=_now())
    next_attempt_at: datetime = Field(sa_column=_now())
    lease_until: datetime | None = Field(default=None, sa_column=_instant())
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    sent_at: datetime | None = Field(default=None, sa_column=_instant())
    refused_at: datetime | None = Field(default=None, sa_column=_instant())
    refused_reason: str | None = Field(default=None, sa_column=Column(Text))


REMINDER_TABLES = (Pengingat.__table__,)
