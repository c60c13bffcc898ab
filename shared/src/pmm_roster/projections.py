"""The roster, relations and periods as every consuming service keeps them: a local projection fed by
planning's events (event-carried state transfer), so no service ever reads planning's database.

Each upsert is guarded by the aggregate version: an older or repeated event never overwrites a newer state,
whatever order the events arrive in. A service adds `ROSTER_HANDLERS` to its own handlers and creates the
tables with `create_roster_projection_v1()` in its first migration.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, Date, or_, select
from sqlalchemy.dialects.postgresql import JSONB, distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from pmm_chassis.db.uow import UnitOfWork
from pmm_chassis.messaging.consumer import InRuns
from pmm_contracts import Event
from pmm_contracts.events import planning as contract
from pmm_kernel.errors import NotFound
from pmm_kernel.windows import Extension
from pmm_roster.records import PegawaiRecord, PeriodeWindows


class RosterSekolah(SQLModel, table=True):
    __tablename__ = "roster_sekolah"

    npsn: str = Field(primary_key=True)
    nama: str
    kode_wilayah: str = Field(index=True)
    nama_wilayah: str
    version: int


class RosterPegawai(SQLModel, table=True):
    __tablename__ = "roster_pegawai"

    pegawai_id: uuid.UUID = Field(primary_key=True)
    nip: str = Field(index=True)
    status: str
    nama: str
    pangkat_golongan: str | None = None
    jenjang_jabatan: str | None = None
    jenis_gtk: str
    npsn: str = Field(index=True)
    kode_wilayah: str
    email: str | None = None  # where reminders go; personal data (create_roster_email_v2)
    tmt_jabatan: date | None = Field(default=None, sa_column=Column(Date, nullable=True))  # create_roster_tmt_v3
    version: int


class RosterRelasi(SQLModel, table=True):
    __tablename__ = "roster_relasi"

    relasi_id: uuid.UUID = Field(primary_key=True)
    pegawai_id: uuid.UUID = Field(index=True)
    atasan_id: uuid.UUID = Field(index=True)
    peran_atasan: str
    mulai: date = Field(sa_column=Column(Date, nullable=False))
    selesai: date | None = Field(default=None, sa_column=Column(Date))
    version: int


class RosterPeriode(SQLModel, table=True):
    __tablename__ = "roster_periode"

    kode: str = Field(primary_key=True)
    snapshot: dict = Field(sa_column=Column(JSONB, nullable=False))


class RosterWindowExtension(SQLModel, table=True):
    __tablename__ = "roster_window_extension"

    extension_id: uuid.UUID = Field(primary_key=True)
    kode: str = Field(index=True)
    step: str
    until: date = Field(sa_column=Column(Date, nullable=False))
    wilayah: str | None = None
    alasan: str


# --- applying planning's events ------------------------------------------------------------------------
# Every roster event at a deadline passes here in each consuming service: the statements are built once per table and
# run on the transaction's connection, without the ORM's statement building and compilation for each message.


_PEGAWAI_FIELDS = frozenset(contract.PegawaiSnapshot.model_fields)
_ATASAN_FIELDS = frozenset(contract.AtasanSnapshot.model_fields)


@cache
def _upsert_statement(table: sa.Table, key: str, columns: tuple[str, ...]) -> Any:
    """Insert the row, or take the event's values when its version is newer than the row's."""
    statement = pg_insert(table).values({c: sa.bindparam(c, type_=table.c[c].type) for c in columns})
    update = {c: statement.excluded[c] for c in columns if c != key}
    where = table.c.version < statement.excluded.version
    return statement.on_conflict_do_update(index_elements=[key], set_=update, where=where)


@cache
def _insert_once_statement(table: sa.Table, columns: tuple[str, ...]) -> Any:
    return (
        pg_insert(table).values({c: sa.bindparam(c, type_=table.c[c].type) for c in columns}).on_conflict_do_nothing()
    )


async def _upsert(uow: UnitOfWork, table: Any, key: str, rows: Sequence[dict[str, Any]]) -> None:
    connection = await uow.session.connection()
    await connection.execute(_upsert_statement(table.__table__, key, tuple(rows[0])), list(rows))


async def _insert_once(uow: UnitOfWork, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    connection = await uow.session.connection()
    await connection.execute(_insert_once_statement(table.__table__, tuple(rows[0])), list(rows))


# Each handler takes a run of its events (pmm_chassis.messaging.consumer.InRuns): an import's thousands of pegawai
# arrive one after another, and are written a run at a time.


async def on_sekolah(
    events: Sequence[Event[contract.SekolahRegisteredV1 | contract.SekolahUpdatedV1]], uow: UnitOfWork
) -> None:
    fields = {"npsn", "nama", "kode_wilayah", "nama_wilayah"}
    rows = [{**e.data.model_dump(include=fields), "version": e.envelope.aggregate_version} for e in events]
    await _upsert(uow, RosterSekolah, "npsn", rows)
    await uow.commit()


async def on_pegawai(
    events: Sequence[Event[contract.PegawaiRegisteredV1 | contract.PegawaiUpdatedV1]], uow: UnitOfWork
) -> None:
    rows = [{**e.data.model_dump(include=_PEGAWAI_FIELDS), "version": e.envelope.aggregate_version} for e in events]
    await _upsert(uow, RosterPegawai, "pegawai_id", rows)
    await uow.commit()


async def on_atasan(
    events: Sequence[Event[contract.AtasanAssignedV1 | contract.AtasanUpdatedV1]], uow: UnitOfWork
) -> None:
    rows = [{**e.data.model_dump(include=_ATASAN_FIELDS), "version": e.envelope.aggregate_version} for e in events]
    await _upsert(uow, RosterRelasi, "relasi_id", rows)
    await uow.commit()


async def on_periode_opened(events: Sequence[Event[contract.PeriodeOpenedV1]], uow: UnitOfWork) -> None:
    # a period's definition never changes: the first copy stays
    rows = [{"kode": e.data.kode, "snapshot": e.data.model_dump(mode="json")} for e in events]
    await _insert_once(uow, RosterPeriode, rows)
    await uow.commit()


async def on_window_extended(events: Sequence[Event[contract.PeriodeWindowExtendedV1]], uow: UnitOfWork) -> None:
    fields = {"extension_id", "kode", "step", "until", "wilayah", "alasan"}
    await _insert_once(uow, RosterWindowExtension, [e.data.model_dump(include=fields) for e in events])
    await uow.commit()


ROSTER_HANDLERS = {
    contract.SekolahRegisteredV1: InRuns(on_sekolah),
    contract.SekolahUpdatedV1: InRuns(on_sekolah),
    contract.PegawaiRegisteredV1: InRuns(on_pegawai),
    contract.PegawaiUpdatedV1: InRuns(on_pegawai),
    contract.AtasanAssignedV1: InRuns(on_atasan),
    contract.AtasanUpdatedV1: InRuns(on_atasan),
    contract.PeriodeOpenedV1: InRuns(on_periode_opened),
    contract.PeriodeWindowExtendedV1: InRuns(on_window_extended),
}


# --- reading the projection ------------------------------------------------------------------------------


def current_atasan_subquery(relasi: Any, on: date) -> Any:
    """For each pegawai, the atasan of the relation valid on `on` with the latest start (docs/domain.md §1).

    `relasi` is any table with pegawai_id, atasan_id, peran_atasan, mulai and selesai: planning's own and
    every projection use this one rule.
    """
    return (
        select(relasi.pegawai_id, relasi.atasan_id, relasi.peran_atasan)
        .where(relasi.mulai <= on, or_(relasi.selesai.is_(None), relasi.selesai >= on))
        .ext(distinct_on(relasi.pegawai_id))
        .order_by(relasi.pegawai_id, relasi.mulai.desc(), *_tiebreak(relasi))
        .subquery("current_atasan")
    )


def current_atasan_of(relasi: Any, pegawai_id: Any, on: date) -> Any:
    """The same rule as `current_atasan_subquery`, for one pegawai (a column or a value): a correlated scalar
    subquery that reads that pegawai's relations by index, where the subquery reads every relation."""
    return (
        select(relasi.atasan_id)
        .where(relasi.pegawai_id == pegawai_id, relasi.mulai <= on, or_(relasi.selesai.is_(None), relasi.selesai >= on))
        .order_by(relasi.mulai.desc(), *_tiebreak(relasi))
        .limit(1)
        .scalar_subquery()
    )


def _tiebreak(relasi: Any) -> list[Any]:
    created = getattr(relasi, "created_at", None)
    return [created.desc()] if created is not None else [relasi.version.desc()]


class RosterView:
    """Queries over the projection, through a unit of work's session; records are the rows themselves (read-only,
    by column name). Every request and message of a consuming service reads here, so each query is built once."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def pegawai(self, pegawai_id: uuid.UUID) -> PegawaiRecord | None:
        return (await self._session.execute(_PEGAWAI_BY_ID, {"pegawai_id": pegawai_id})).first()

    async def pegawai_by_nip(self, nip: str) -> PegawaiRecord | None:
        return (await self._session.execute(_PEGAWAI_BY_NIP, {"nip": nip})).first()

    async def current_atasan(self, pegawai_id: uuid.UUID, on: date) -> uuid.UUID | None:
        return (await self._session.execute(_CURRENT_ATASAN, {"pegawai_id": pegawai_id, "on": on})).scalar()

    async def appraised_by(self, atasan_id: uuid.UUID, on: date) -> list[uuid.UUID]:
        return list((await self._session.execute(_APPRAISED_BY, {"atasan_id": atasan_id, "on": on})).scalars())

    async def periode(self, kode: str) -> PeriodeWindows:
        row = (await self._session.execute(_PERIODE_WITH_EXTENSIONS, {"kode": kode})).first()
        if row is None:
            raise NotFound(f"no period {kode}", rule="periode.unknown", field="periode")
        return PeriodeWindows(kode=kode, snapshot=row.snapshot, extensions=extensions_from(row.extensions))


def extensions_json(window: Any, kode: Any) -> Any:
    """The window extensions of the period `kode` names, as one JSON array (NULL when none), for a statement that
    reads a period with what it loads anyway. `window`: a table of extensions (the roster's, or planning's own)."""
    extension = sa.func.jsonb_build_object(
        "step", window.c.step, "until", window.c.until, "wilayah", window.c.wilayah, "alasan", window.c.alasan
    )
    return select(sa.func.jsonb_agg(extension)).where(window.c.kode == kode).scalar_subquery()


def extensions_from(documents: Sequence[dict[str, Any]] | None) -> tuple[Extension, ...]:
    """The extensions `extensions_json` answered."""
    return tuple(
        Extension(step=e["step"], until=date.fromisoformat(e["until"]), region=e["wilayah"], reason=e["alasan"])
        for e in documents or ()
    )


def _periode_with_extensions() -> Any:
    """A period's definition and its extensions in one round trip."""
    periode = RosterPeriode.__table__
    extensions = extensions_json(RosterWindowExtension.__table__, periode.c.kode)
    return select(periode.c.snapshot, extensions.label("extensions")).where(periode.c.kode == sa.bindparam("kode"))


_PEGAWAI = RosterPegawai.__table__
_RELASI = RosterRelasi.__table__.c
_ON = sa.bindparam("on", type_=Date)
_PEGAWAI_BY_ID = select(_PEGAWAI).where(_PEGAWAI.c.pegawai_id == sa.bindparam("pegawai_id"))
_PEGAWAI_BY_NIP = select(_PEGAWAI).where(_PEGAWAI.c.nip == sa.bindparam("nip"))
_CURRENT_ATASAN = select(current_atasan_of(_RELASI, sa.bindparam("pegawai_id"), _ON))
_CURRENT = current_atasan_subquery(_RELASI, _ON)
_APPRAISED_BY = select(_CURRENT.c.pegawai_id).where(_CURRENT.c.atasan_id == sa.bindparam("atasan_id"))
_PERIODE_WITH_EXTENSIONS = _periode_with_extensions()


def create_roster_projection_v1() -> None:
    """Alembic step for a consuming service's first migration (frozen: a change is a `_v2`)."""
    from alembic import op

    op.create_table(
        "roster_sekolah",
        sa.Column("npsn", sa.String(), primary_key=True),
        sa.Column("nama", sa.String(), nullable=False),
        sa.Column("kode_wilayah", sa.String(), nullable=False, index=True),
        sa.Column("nama_wilayah", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "roster_pegawai",
        sa.Column("pegawai_id", sa.Uuid(), primary_key=True),
        sa.Column("nip", sa.String(), nullable=False, index=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("nama", sa.String(), nullable=False),
        sa.Column("pangkat_golongan", sa.String()),
        sa.Column("jenjang_jabatan", sa.String()),
        sa.Column("jenis_gtk", sa.String(), nullable=False),
        sa.Column("npsn", sa.String(), nullable=False, index=True),
        sa.Column("kode_wilayah", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "roster_relasi",
        sa.Column("relasi_id", sa.Uuid(), primary_key=True),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("atasan_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("peran_atasan", sa.String(), nullable=False),
        sa.Column("mulai", sa.Date(), nullable=False),
        sa.Column("selesai", sa.Date()),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "roster_periode",
        sa.Column("kode", sa.String(), primary_key=True),
        sa.Column("snapshot", JSONB(), nullable=False),
    )
    op.create_table(
        "roster_window_extension",
        sa.Column("extension_id", sa.Uuid(), primary_key=True),
        sa.Column("kode", sa.String(), nullable=False, index=True),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("wilayah", sa.String()),
        sa.Column("alasan", sa.String(), nullable=False),
    )


def create_roster_email_v2() -> None:
    """Alembic step: the pegawai's e-mail address in the projection, for reminders (frozen)."""
    from alembic import op

    op.add_column("roster_pegawai", sa.Column("email", sa.String(254), nullable=True))


def drop_roster_email_v2() -> None:
    from alembic import op

    op.drop_column("roster_pegawai", "email")


def create_roster_tmt_v3() -> None:
    """Alembic step: the pegawai's TMT jabatan in the projection, which prorates angka kredit (frozen)."""
    from alembic import op

    op.add_column("roster_pegawai", sa.Column("tmt_jabatan", sa.Date(), nullable=True))


def drop_roster_tmt_v3() -> None:
    from alembic import op

    op.drop_column("roster_pegawai", "tmt_jabatan")
