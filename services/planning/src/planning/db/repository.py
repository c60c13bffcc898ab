"""Repositories: load and save planning's aggregates and roster rows through the unit of work's session.

They hand the service layer domain objects and read-only records (`planning.domain.records`), and take domain values
back: every table row is created and changed here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from functools import cache
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Date,
    Integer,
    String,
    TextClause,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from planning.db.tables import AuditLog, Pegawai, Penempatan, Periode, Relasi, Sekolah, SkpRow, WindowExtension
from planning.domain import records
from planning.domain.bkn import BKN_FIELDS
from planning.domain.roster import PegawaiRow, SekolahRow
from planning.domain.skp import Skp, SkpListed, SkpStatus
from pmm_chassis.db.prefixed import Prefixed
from pmm_kernel.errors import StaleVersion, StateConflict
from pmm_kernel.windows import Extension
from pmm_roster.projections import current_atasan_of, current_atasan_subquery, extensions_from, extensions_json


class SkpRepository:
    def __init__(self, session: AsyncSession, track: Callable[[Skp], None]) -> None:
        self._session = session
        self._track = track

    async def get(self, skp_id: uuid.UUID, *, for_update: bool = False) -> Skp | None:
        query = select(SkpRow).where(SkpRow.id == skp_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).scalar_one_or_none()
        return self._load(row) if row else None

    async def get_in_context(
        self, skp_id: uuid.UUID, *, on: date, with_extensions: bool, lock: bool = True
    ) -> tuple[Skp, records.Pegawai, records.Sekolah, uuid.UUID | None, list[Extension]] | None:
        """A plan (locked for a change; a read takes no lock), with its pegawai, the school of its part, their atasan
        on `on` (for a part a transfer ended, on its last day) and (if asked) its period's window extensions: one
        round trip, where loading each costs one."""
        query = _in_context_query(with_extensions, lock)
        found = (await self._session.execute(query, {"skp_id": skp_id, "on": on})).first()
        if found is None:
            return None
        row = found._mapping
        extensions = list(extensions_from(row["extensions"] if with_extensions else None))
        skp = self._load(_SKP_PART.of(row))
        return (
            skp,
            _pegawai(_PEGAWAI_PART.of(row)),
            _sekolah(_SEKOLAH_PART.of(row)),
            row["atasan"],
            extensions,
        )

    async def find(self, pegawai_id: uuid.UUID, periode: str) -> Skp | None:
        """The pegawai's latest part of the period, if any."""
        found = await self._session.execute(_LATEST_PART, {"pegawai_id": pegawai_id, "periode": periode})
        row = found.scalar_one_or_none()
        return self._load(row) if row else None

    async def parts(self, pegawai_id: uuid.UUID, periode: str) -> list[tuple[Skp, records.Sekolah | None]]:
        """Every part of the pegawai's plan for the period, first part first, each with its school."""
        query = (
            select(SkpRow, Sekolah)
            .outerjoin(Sekolah, Sekolah.npsn == SkpRow.npsn)
            .where(SkpRow.pegawai_id == pegawai_id, SkpRow.periode == periode)
            .order_by(SkpRow.bagian)
        )
        rows = (await self._session.execute(query)).all()
        return [(self._load(skp_row), _sekolah(sekolah) if sekolah else None) for skp_row, sekolah in rows]

    async def running_of(self, pegawai_id: uuid.UUID) -> list[Skp]:
        """The pegawai's parts no transfer has ended, in every period, locked for a change."""
        query = (
            select(SkpRow)
            .where(SkpRow.pegawai_id == pegawai_id, SkpRow.selesai.is_(None))
            .order_by(SkpRow.periode, SkpRow.bagian)
            .with_for_update()
        )
        return [self._load(row) for row in (await self._session.execute(query)).scalars()]

    async def add(self, skp: Skp) -> None:
        """A new plan; refused as the plan that exists when the pegawai has one for the period already."""
        self._session.add(SkpRow(**_columns(skp)))
        try:
            await self._session.flush()
        except IntegrityError as exc:
            # A double click without a key (or with two keys): both passed the use case's check, the unique key
            # caught the second. The same refusal as the check's, not a 500.
            if "uq_skp_pegawai_periode_bagian" not in str(exc.orig):
                raise
            raise StateConflict(
                f"you already have a plan for {skp.periode}", rule="skp.exists", field="periode"
            ) from None
        self._track(skp)

    async def save(self, skp: Skp, *, expected_version: int) -> None:
        """Write back a changed plan; refuses if someone else changed it since it was read."""
        result = await self._session.execute(
            _SAVE, {**_columns(skp), "saved_id": skp.id, "read_version": expected_version}
        )
        if result.rowcount != 1:
            raise StaleVersion("the plan changed while you were editing it; reload", rule="skp.concurrent_change")

    async def queue(
        self,
        *,
        atasan_id: uuid.UUID,
        on: date,
        status: str | None,
        periode: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[SkpListed, records.Pegawai, records.Sekolah]]:
        """Plans of the pegawai this atasan appraises on `on` (a part a transfer ended: on its last day), oldest
        submission first (keyset pagination)."""
        parameters: dict[str, Any] = {"atasan_id": atasan_id, "on": on, "limit": limit}
        if status:
            parameters["status"] = status
        if periode:
            parameters["periode"] = periode
        if after is not None:
            parameters["after_at"], parameters["after_id"] = after
        query = _queue_query(bool(status), bool(periode), after is not None)
        return [
            (
                _listed(row),
                _pegawai(_PEGAWAI_PART.of(row)),
                _sekolah(_SEKOLAH_PART.of(row)),
            )
            for row in (await self._session.execute(query, parameters)).mappings()
        ]

    def _load(self, row: Any) -> Skp:
        skp = Skp(
            id=row.id,
            pegawai_id=row.pegawai_id,
            periode=row.periode,
            peran=row.peran,
            status=SkpStatus(row.status),
            version=row.version,
            catatan_atasan=row.catatan_atasan,
            atasan_id=row.atasan_id,
            submitted_at=row.submitted_at,
            approved_at=row.approved_at,
            bagian=row.bagian,
            npsn=row.npsn,
            mulai=row.mulai,
            selesai=row.selesai,
            **{name: _CONTENT_DECODERS[name](row.content[name]) for name in _CONTENT if name in row.content},
        )
        self._track(skp)
        return skp


# What the pegawai saved into the plan, step by step: every field of the Skp that is not a column of its own (nor its
# unsaved events) is a key of the `content` document, so a new drafting step is stored and read without a change here.
_COLUMNS = frozenset(
    {"id", "pegawai_id", "periode", "peran", "status", "version", "catatan_atasan", "atasan_id"}
    | {"submitted_at", "approved_at", "bagian", "npsn", "mulai", "selesai", "events"}
)
_CONTENT = tuple(f.name for f in fields(Skp) if f.name not in _COLUMNS)
_CONTENT_TYPES = get_type_hints(Skp)


def _encode(value: Any) -> Any:
    """A saved part as JSON: a value object as its fields, a tuple as a list."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


@cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """How to read a saved part from JSON, as the Skp's type hint for it says (value objects, tuples, optional
    parts): worked out once per type, since every plan read decodes its content."""
    origin = get_origin(hint)
    if origin in (Union, UnionType):
        (present,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return _decoder(present)
    if origin is tuple:
        item = _decoder(get_args(hint)[0])
        return lambda raw: None if raw is None else tuple(item(value) for value in raw)
    if origin is dict:
        return lambda raw: None if raw is None else dict(raw)
    if is_dataclass(hint):
        parts = tuple((name, _decoder(field_hint)) for name, field_hint in _field_hints(hint))
        return lambda raw: None if raw is None else hint(**{name: read(raw[name]) for name, read in parts})
    return _as_is


def _as_is(raw: Any) -> Any:
    return raw


@cache
def _field_hints(value_type: type) -> tuple[tuple[str, Any], ...]:
    hints = get_type_hints(value_type)
    return tuple((f.name, hints[f.name]) for f in fields(value_type) if f.init)


_CONTENT_DECODERS = {name: _decoder(_CONTENT_TYPES[name]) for name in _CONTENT}


def _columns(skp: Skp) -> dict[str, Any]:
    return {
        "id": skp.id,
        "pegawai_id": skp.pegawai_id,
        "periode": skp.periode,
        "peran": skp.peran,
        "status": skp.status.value,
        "version": skp.version,
        "content": {name: _encode(getattr(skp, name)) for name in _CONTENT},
        "catatan_atasan": skp.catatan_atasan,
        "atasan_id": skp.atasan_id,
        "submitted_at": skp.submitted_at,
        "approved_at": skp.approved_at,
        "bagian": skp.bagian,
        "npsn": skp.npsn,
        "mulai": skp.mulai,
        "selesai": skp.selesai,
    }


# The plan's hot path (a change: load in context, save) is plain Core over the tables, its statements built once:
# the ORM's entity loading and statement building were most of a submission's CPU in the profile of `make bench`.
_SKP_TABLE = SkpRow.__table__
_PEGAWAI_TABLE = Pegawai.__table__
_SEKOLAH_TABLE = Sekolah.__table__
# A statement over the plan, its pegawai and school names each table's columns under a prefix of its own
# (pmm_chassis.db.prefixed), taken off again for `_load`, `_pegawai` and `_sekolah`.
_SKP_PART = Prefixed(_SKP_TABLE, "skp")
_PEGAWAI_PART = Prefixed(_PEGAWAI_TABLE, "pegawai")
_SEKOLAH_PART = Prefixed(_SEKOLAH_TABLE, "sekolah")

_SAVE = (
    update(_SKP_TABLE)
    .where(_SKP_TABLE.c.id == bindparam("saved_id"), _SKP_TABLE.c.version == bindparam("read_version"))
    .values(updated_at=func.now())
)


@cache
def _queue_query(by_status: bool, by_periode: bool, paged: bool) -> Any:
    """An atasan's queue (`SkpRepository.queue`), one statement per combination of its filters."""
    skp, pegawai, sekolah, relasi = _SKP_TABLE, _PEGAWAI_TABLE, _SEKOLAH_TABLE, Relasi.__table__
    # Candidates by the atasan index, then each one's current atasan by the pegawai index: never the current
    # atasan of every pegawai in the country.
    ever_mine = select(relasi.c.pegawai_id).where(relasi.c.atasan_id == bindparam("atasan_id"))
    # The day whose atasan reads and decides a plan: today, or for a part a transfer ended its last day, so the old
    # school's atasan keeps it and the new one sees only the new part (docs/domain.md §1).
    reading_day = func.coalesce(skp.c.selesai, bindparam("on", type_=Date))
    query = (
        select(
            *_LISTED_PART.columns(),
            *_PEGAWAI_PART.columns(),
            *_SEKOLAH_PART.columns(),
        )
        .select_from(
            skp.join(pegawai, pegawai.c.id == skp.c.pegawai_id).join(
                sekolah, sekolah.c.npsn == func.coalesce(skp.c.npsn, pegawai.c.npsn)
            )
        )
        .where(
            skp.c.pegawai_id.in_(ever_mine),
            current_atasan_of(relasi.c, skp.c.pegawai_id, reading_day) == bindparam("atasan_id"),
        )
    )
    if by_status:
        query = query.where(skp.c.status == bindparam("status"))
    if by_periode:
        query = query.where(skp.c.periode == bindparam("periode"))
    if paged:
        at, last_id = bindparam("after_at"), bindparam("after_id")
        query = query.where(or_(skp.c.submitted_at > at, and_(skp.c.submitted_at == at, skp.c.id > last_id)))
    order = (skp.c.submitted_at.asc().nulls_last(), skp.c.id)
    return query.order_by(*order).limit(bindparam("limit", type_=Integer))


_LISTED_PART = Prefixed(_SKP_TABLE, "skp", SkpListed.__dataclass_fields__)


def _listed(row: Mapping[str, Any]) -> SkpListed:
    """A queue row's plan: its columns are named after SkpListed's fields."""
    values = _LISTED_PART.values(row)
    values["status"] = SkpStatus(values["status"])
    return SkpListed(**values)


# The pegawai's latest part of a period: where the own-plan page starts, on every Beranda.
_LATEST_PART = (
    select(SkpRow)
    .where(SkpRow.pegawai_id == bindparam("pegawai_id"), SkpRow.periode == bindparam("periode"))
    .order_by(SkpRow.bagian.desc())
    .limit(1)
)


@cache
def _in_context_query(with_extensions: bool, lock: bool) -> Any:
    skp, pegawai, sekolah = _SKP_TABLE, _PEGAWAI_TABLE, _SEKOLAH_TABLE
    relasi, window = Relasi.__table__, WindowExtension.__table__
    reading_day = func.coalesce(skp.c.selesai, bindparam("on", type_=Date))
    columns: list[Any] = [
        *_SKP_PART.columns(),
        *_PEGAWAI_PART.columns(),
        *_SEKOLAH_PART.columns(),
        current_atasan_of(relasi.c, skp.c.pegawai_id, reading_day).label("atasan"),
    ]
    if with_extensions:
        columns.append(extensions_json(window, skp.c.periode).label("extensions"))
    query = (
        select(*columns)
        .select_from(
            skp.join(pegawai, pegawai.c.id == skp.c.pegawai_id).join(
                sekolah, sekolah.c.npsn == func.coalesce(skp.c.npsn, pegawai.c.npsn)
            )
        )
        .where(skp.c.id == bindparam("skp_id"))
    )
    return query.with_for_update(of=skp) if lock else query


_Row = TypeVar("_Row", bound=SQLModel)


class RosterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The rows this unit of work read, by primary key, so that a change to one of their records updates the
        # loaded row (the session's identity map holds clean rows only weakly).
        self._rows: dict[tuple[type[SQLModel], Any], Any] = {}

    def _keep(self, row: _Row, key: Any) -> _Row:
        self._rows[(type(row), key)] = row
        return row

    async def _row(self, table: type[_Row], key: Any) -> _Row:
        row = self._rows.get((table, key))
        if row is None:
            row = await self._session.get(table, key)
            assert row is not None, f"no {table.__name__} {key}"
            self._keep(row, key)
        return row

    # --- reading ---------------------------------------------------------------------------------------------

    async def pegawai_by_nip(self, nip: str) -> records.Pegawai | None:
        row = (await self._session.execute(_PEGAWAI_BY_NIP, {"nip": nip})).first()
        return _pegawai(row) if row else None

    async def pegawai_of(self, nips: Sequence[str]) -> dict[str, records.Pegawai]:
        """The pegawai of these NIPs that the roster knows, read straight to records (for a set-wise change; an
        import, which updates the rows it read, loads them with `pegawai_by_nips`)."""
        rows = await self._session.execute(_PEGAWAI_OF_NIPS, {"nips": list(nips)})
        return {row.nip: _pegawai(row) for row in rows}

    async def pegawai_id_by_nip(self, nip: str) -> uuid.UUID | None:
        return (await self._session.execute(select(Pegawai.id).where(Pegawai.nip == nip))).scalar_one_or_none()

    async def pegawai(self, pegawai_id: uuid.UUID) -> records.Pegawai | None:
        row = await self._session.get(Pegawai, pegawai_id)
        return _pegawai(row) if row else None

    async def pegawai_by_nips(self, nips: Sequence[str]) -> dict[str, records.Pegawai]:
        if not nips:
            return {}
        rows = (await self._session.execute(select(Pegawai).where(Pegawai.nip.in_(list(nips))))).scalars()
        return {p.nip: _pegawai(self._keep(p, p.id)) for p in rows}

    async def sekolah(self, npsn: str) -> records.Sekolah | None:
        row = (await self._session.execute(_SEKOLAH_BY_NPSN, {"npsn": npsn})).first()
        return _sekolah(row) if row else None

    async def sekolah_by_npsns(self, npsns: Sequence[str], *, for_change: bool = False) -> dict[str, records.Sekolah]:
        """The schools of these NPSNs, by NPSN; kept for `update_sekolah` when they are read `for_change` (an
        import's schools), read as plain rows otherwise (a message's or a page's)."""
        if not npsns:
            return {}
        if not for_change:
            rows = await self._session.execute(_SEKOLAH_OF_NPSNS, {"npsns": list(npsns)})
            return {row.npsn: _sekolah(row) for row in rows}
        rows = (await self._session.execute(select(Sekolah).where(Sekolah.npsn.in_(list(npsns))))).scalars()
        return {s.npsn: _sekolah(self._keep(s, s.npsn)) for s in rows}

    async def relasi_for(self, pegawai_ids: Sequence[uuid.UUID]) -> list[records.Relasi]:
        if not pegawai_ids:
            return []
        rows = (await self._session.execute(select(Relasi).where(Relasi.pegawai_id.in_(list(pegawai_ids))))).scalars()
        return [_relasi(self._keep(r, r.id)) for r in rows]

    async def current_atasan(self, pegawai_id: uuid.UUID, on: date) -> tuple[uuid.UUID, str] | None:
        current = current_atasan_subquery(Relasi, on)
        row = (
            await self._session.execute(
                select(current.c.atasan_id, current.c.peran_atasan).where(current.c.pegawai_id == pegawai_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def sekolah_in_region(self, scope: str) -> list[records.Sekolah]:
        """The schools of an operator's region (a kode wilayah prefix; "" is the whole country), by name."""
        query = select(Sekolah).where(_in_region(scope)).order_by(Sekolah.nama, Sekolah.npsn)
        return [_sekolah(s) for s in (await self._session.execute(query)).scalars()]

    async def roster_position(self, scope: str, pegawai_id: uuid.UUID) -> tuple[Any, ...] | None:
        """Where a pegawai of the region stands in `pegawai_in_region`'s order; None if not in the region."""
        query = (
            select(*_ROSTER_ORDER)
            .join(Sekolah, Sekolah.npsn == Pegawai.npsn)
            .where(Pegawai.id == pegawai_id, _in_region(scope))
        )
        row = (await self._session.execute(query)).first()
        return tuple(row) if row else None

    async def pegawai_in_region(
        self, scope: str, *, npsn: str | None, after: tuple[Any, ...] | None, limit: int
    ) -> list[tuple[records.Pegawai, records.Sekolah]]:
        """The pegawai of the schools of a region, by school then name (keyset pagination after `after`)."""
        query = select(Pegawai, Sekolah).join(Sekolah, Sekolah.npsn == Pegawai.npsn).where(_in_region(scope))
        if npsn is not None:
            query = query.where(Sekolah.npsn == npsn)
        if after is not None:
            query = query.where(tuple_(*_ROSTER_ORDER) > tuple_(*after))
        query = query.order_by(*_ROSTER_ORDER).limit(limit)
        return [(_pegawai(p), _sekolah(s)) for p, s in (await self._session.execute(query)).all()]

    async def acting_on(self, atasan_ids: Sequence[uuid.UUID], on: date) -> frozenset[uuid.UUID]:
        """Which of these pegawai hold an acting appointment as kepala sekolah (Plt.) on `on`."""
        if not atasan_ids:
            return frozenset()
        query = select(Relasi.atasan_id).where(
            Relasi.atasan_id.in_(list(atasan_ids)),
            Relasi.peran_atasan == "plt_kepala_sekolah",
            Relasi.mulai <= on,
            or_(Relasi.selesai.is_(None), Relasi.selesai >= on),
        )
        return frozenset((await self._session.execute(query)).scalars())

    # --- writing ---------------------------------------------------------------------------------------------

    def add_sekolah(self, row: SekolahRow) -> records.Sekolah:
        sekolah = Sekolah(
            npsn=row.npsn,
            nama=row.nama,
            kode_wilayah=row.kode_wilayah,
            nama_wilayah=row.nama_wilayah,
            prioritas_rapor=list(row.prioritas_rapor),
        )
        self._session.add(self._keep(sekolah, sekolah.npsn))
        return _sekolah(sekolah)

    async def update_sekolah(self, current: records.Sekolah, values: dict[str, Any]) -> records.Sekolah:
        """Set the changed values of a school and count a version; answers the school as saved."""
        row = await self._row(Sekolah, current.npsn)
        for name, value in values.items():
            setattr(row, name, list(value) if name == "prioritas_rapor" else value)
        row.version += 1
        return _sekolah(row)

    def add_pegawai(self, row: PegawaiRow, *, placed_on: date) -> records.Pegawai:
        """A new pegawai, placed at their school from `placed_on`."""
        pegawai = Pegawai(
            nip=row.nip,
            status=row.status.value,
            nama=row.nama,
            pangkat_golongan=row.pangkat_golongan,
            jenjang_jabatan=row.jenjang_jabatan,
            jenis_gtk=row.jenis_gtk,
            npsn=row.npsn,
            email=row.email,
            tmt_jabatan=row.tmt_jabatan,
            tmt_penempatan=row.tmt_penempatan,
        )
        self._session.add(self._keep(pegawai, pegawai.id))
        self._session.add(Penempatan(pegawai_id=pegawai.id, npsn=row.npsn, mulai=placed_on))
        return _pegawai(pegawai)

    def add_penempatan(self, pegawai_id: uuid.UUID, *, npsn: str, mulai: date) -> None:
        """A transfer: the pegawai's placement history keeps where they worked before."""
        self._session.add(Penempatan(pegawai_id=pegawai_id, npsn=npsn, mulai=mulai))

    async def update_pegawai(self, current: records.Pegawai, values: dict[str, Any]) -> records.Pegawai:
        """Set the changed values of a pegawai and count a version; answers the pegawai as saved."""
        row = await self._row(Pegawai, current.id)
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1
        return _pegawai(row)

    async def save_bkn_changes(
        self, changes: Mapping[uuid.UUID, Mapping[str, str]]
    ) -> dict[uuid.UUID, records.Pegawai]:
        """SIASN's changed values (`BKN_FIELDS` only) of many pegawai, each counting a version, in one UPDATE at once
        (not at the next flush); answers the pegawai as saved, by id. Where `update_pegawai` suits an import's
        changes, flushed together with the rest of it."""
        if not changes:
            return {}
        parameters: dict[str, list[Any]] = {"ids": list(changes)}
        for name in BKN_FIELDS:
            parameters[name] = [values.get(name) for values in changes.values()]
        return {row.id: _pegawai(row) for row in await self._session.execute(_SAVE_BKN_CHANGES, parameters)}

    def add_relasi(
        self, *, pegawai_id: uuid.UUID, atasan_id: uuid.UUID, peran_atasan: str, mulai: date, selesai: date | None
    ) -> records.Relasi:
        relasi = Relasi(
            pegawai_id=pegawai_id, atasan_id=atasan_id, peran_atasan=peran_atasan, mulai=mulai, selesai=selesai
        )
        self._session.add(self._keep(relasi, relasi.id))
        return _relasi(relasi)

    async def end_relasi(self, current: records.Relasi, *, selesai: date | None) -> records.Relasi:
        """Change when a relation ends (None: open-ended) and count a version; answers the relation as saved."""
        row = await self._row(Relasi, current.id)
        row.selesai = selesai
        row.version += 1
        return _relasi(row)

    async def flush(self) -> None:
        await self._session.flush()


# A pegawai or a school by key, for the requests and messages that read one: Core built once, the row mapped
# straight to its record (no entity loaded into the session).
_PEGAWAI_BY_NIP = select(_PEGAWAI_TABLE).where(_PEGAWAI_TABLE.c.nip == bindparam("nip"))
_SEKOLAH_BY_NPSN = select(_SEKOLAH_TABLE).where(_SEKOLAH_TABLE.c.npsn == bindparam("npsn"))
_PEGAWAI_OF_NIPS = select(_PEGAWAI_TABLE).where(_PEGAWAI_TABLE.c.nip == any_(bindparam("nips", type_=ARRAY(String()))))
_SEKOLAH_OF_NPSNS = select(_SEKOLAH_TABLE).where(
    _SEKOLAH_TABLE.c.npsn == any_(bindparam("npsns", type_=ARRAY(String())))
)


def _save_bkn_changes() -> TextClause:
    """Each BKN field travels as one array, NULL where that pegawai's field does not change (SIASN never sets one to
    nothing: a field it says nothing of stays), so one statement of constant text serves any number of pegawai."""
    sets = ", ".join(f"{name} = COALESCE(v.{name}, p.{name})" for name in BKN_FIELDS)
    arrays = ", ".join(f"CAST(:{name} AS text[])" for name in BKN_FIELDS)
    columns = ", ".join(BKN_FIELDS)
    # Built only from the constant field names: every value is a bound parameter.
    return text(
        f"UPDATE pegawai AS p SET version = p.version + 1, {sets}"  # nosec B608
        f" FROM unnest(CAST(:ids AS uuid[]), {arrays}) AS v (id, {columns}) WHERE p.id = v.id RETURNING p.*"
    )


_SAVE_BKN_CHANGES = _save_bkn_changes()


def _sekolah(row: Sekolah) -> records.Sekolah:
    return records.Sekolah(
        npsn=row.npsn,
        nama=row.nama,
        kode_wilayah=row.kode_wilayah,
        nama_wilayah=row.nama_wilayah,
        prioritas_rapor=tuple(row.prioritas_rapor),
        version=row.version,
    )


def _pegawai(row: Pegawai) -> records.Pegawai:
    return records.Pegawai(
        id=row.id,
        nip=row.nip,
        status=row.status,
        nama=row.nama,
        pangkat_golongan=row.pangkat_golongan,
        jenjang_jabatan=row.jenjang_jabatan,
        jenis_gtk=row.jenis_gtk,
        npsn=row.npsn,
        version=row.version,
        email=row.email,
        tmt_jabatan=row.tmt_jabatan,
        tmt_penempatan=row.tmt_penempatan,
    )


def _relasi(row: Relasi) -> records.Relasi:
    return records.Relasi(
        id=row.id,
        pegawai_id=row.pegawai_id,
        atasan_id=row.atasan_id,
        peran_atasan=row.peran_atasan,
        mulai=row.mulai,
        selesai=row.selesai,
        version=row.version,
    )


# A roster listing's order: school by name (the NPSN tells two schools of one name apart), then the pegawai by name
# (their id tells namesakes apart), so that a page boundary is one exact place.
_ROSTER_ORDER = (Sekolah.nama, Sekolah.npsn, Pegawai.nama, Pegawai.id)


def _in_region(scope: str) -> ColumnElement[bool]:
    return Sekolah.kode_wilayah.startswith(scope, autoescape=True)


class PeriodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def exists(self, kode: str) -> bool:
        return await self._session.get(Periode, kode) is not None

    async def all(self) -> list[records.OpenedPeriode]:
        rows = (await self._session.execute(select(Periode).order_by(Periode.kode))).scalars()
        return [records.OpenedPeriode(kode=r.kode, tahun=r.tahun, snapshot=r.snapshot) for r in rows]

    async def known_codes(self) -> set[str]:
        return set((await self._session.execute(select(Periode.kode))).scalars())

    async def extensions(self, kode: str) -> list[Extension]:
        rows = (await self._session.execute(select(WindowExtension).where(WindowExtension.kode == kode))).scalars()
        return [Extension(step=r.step, until=r.until, region=r.wilayah, reason=r.alasan) for r in rows]

    def add_periode(self, *, kode: str, tahun: int, snapshot: dict[str, Any]) -> None:
        self._session.add(Periode(kode=kode, tahun=tahun, snapshot=snapshot))

    def add_extension(
        self, *, kode: str, step: str, until: date, wilayah: str | None, alasan: str, operator: str
    ) -> uuid.UUID:
        """Record an operator's extension of a period's window; answers its id."""
        extension = WindowExtension(
            kode=kode, step=step, until=until, wilayah=wilayah, alasan=alasan, operator=operator
        )
        self._session.add(extension)
        return extension.id


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def record(self, *, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self._session.add(AuditLog(actor=actor, action=action, target=target, detail=detail))
