"""Repositories: load and save the Penilaian and the read models through the unit of work's session.

Each hands the use cases domain objects (or plain read values) and takes domain values: no use case sees a row,
a query or the session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.db.tables import (
    AppraisalAudit,
    BknPushMonitor,
    KoreksiMonitor,
    PelaksanaanMonitor,
    PenilaianRow,
    PredikatOrganisasiRow,
    SkpMonitor,
)
from appraisal.domain import monitoring as rules
from appraisal.domain.monitoring import MonitoringCounts, PegawaiMonitoring
from appraisal.domain.penilaian import (
    AngkaKreditHasil,
    Finalisasi,
    HasilPeriodik,
    Identitas,
    Nilai,
    Penilai,
    Penilaian,
    Rencana,
    Rentang,
    RhkRencana,
    Siklus,
    Status,
)
from appraisal.domain.periode import Periode
from appraisal.domain.predikat import Predikat, Rating
from pmm_chassis.db.arrays import array_parameters, unnested
from pmm_chassis.db.prefixed import Prefixed
from pmm_kernel.errors import InvalidValue, StaleVersion
from pmm_kernel.windows import Window
from pmm_roster.projections import (
    RosterPegawai,
    RosterPeriode,
    RosterRelasi,
    RosterSekolah,
    RosterWindowExtension,
    current_atasan_of,
    current_atasan_subquery,
    extensions_from,
    extensions_json,
)
from pmm_roster.records import PegawaiRecord, PeriodeWindows, SekolahRecord

# The consumer's hot path (planning's plan events at a deadline: the monitoring they feed, the penilaian an approval
# opens, the year's penilaian tahunan kept in step) is plain Core over the tables, its statements built once: the
# ORM's entity loading, statement building and bulk-DML paths were most of a message's CPU in the profile of
# `make bench`.
_PENILAIAN = PenilaianRow.__table__
_SKP_MONITOR = SkpMonitor.__table__
_PERIODE = RosterPeriode.__table__

# The columns to insert and to set come from the parameters (`_columns`), so each statement compiles once.
_ADD = (
    pg_insert(_PENILAIAN)
    .on_conflict_do_nothing(index_elements=["pegawai_id", "periode", "bagian"])
    .returning(_PENILAIAN.c.id)
)
_SAVE = (
    update(_PENILAIAN)
    .where(_PENILAIAN.c.id == bindparam("saved_id"), _PENILAIAN.c.version == bindparam("read_version"))
    .values(updated_at=func.now())
)
# The penilaian of some pegawai in some periods (the periods of a year). Array parameters, not IN lists: SQLAlchemy
# renders an expanding IN again at every execution.
_OF_YEARS = select(_PENILAIAN).where(
    _PENILAIAN.c.pegawai_id == any_(bindparam("pegawai_ids", type_=ARRAY(Uuid))),
    _PENILAIAN.c.periode == any_(bindparam("periodes", type_=ARRAY(String))),
)
# The parts of several keys (a run of approved plans, the annual penilaian of several pegawai), as arrays.
_KEY_COLUMNS = {"pegawai_id": Uuid(), "periode": String(), "bagian": Integer()}
_KEYS = unnested("keys", "key", _KEY_COLUMNS)
_TAHUN = _PERIODE.c.snapshot["tahun"].as_integer()


def _year_named_by(kode: Any) -> Any:
    """The year of the period `kode` (NULL while its snapshot has not arrived)."""
    named = _PERIODE.alias("named")
    # Correlated to whichever enclosing statement names `kode`, however deep it sits.
    query = select(named.c.snapshot["tahun"].as_integer()).where(named.c.kode == kode).correlate_except(named)
    return query.scalar_subquery()


def _in_year_of(kode: Any) -> Any:
    """The periods of the year of the period `kode`."""
    return _TAHUN == _year_named_by(kode)


@cache
def _penilaian_query(by: str, for_update: bool) -> Any:
    """One penilaian by its (pegawai, periode, bagian), or by its plan (the first part that names it)."""
    c = _PENILAIAN.c
    query = select(_PENILAIAN)
    if by == "bagian":
        query = query.where(
            c.pegawai_id == bindparam("pegawai_id"), c.periode == bindparam("periode"), c.bagian == bindparam("bagian")
        )
    else:
        query = query.where(
            c.pegawai_id == bindparam("pegawai_id"), c.periode == bindparam("periode"), c.skp_id == bindparam("skp_id")
        )
        query = query.order_by(c.bagian).limit(1)
    if not for_update:
        return query
    if by != "bagian":
        return query.with_for_update()
    # A part locked for a change comes with the periods of its year, which every such change reads next to keep the
    # year's penilaian tahunan in step: one round trip, where each costs one. The year's row is there even when the
    # part is not (its columns NULL then), so a part opened on first news has its year read too.
    year = (
        select(func.jsonb_agg(_PERIODE.c.snapshot, type_=JSONB).label("periods"))
        .where(_in_year_of(bindparam("periode")))
        .subquery("year")
    )
    part = query.with_for_update().lateral("part")
    return select(year.c.periods, *part.c).select_from(year.outerjoin(part, true()))


def _parts_by_keys() -> Any:
    """The parts of the keys, locked, with the periods of the year of `periode` (the first key's), as one part
    locked for a change comes (`_penilaian_query`): the row of the year is there even when no part is."""
    year = (
        select(func.jsonb_agg(_PERIODE.c.snapshot, type_=JSONB).label("periods"))
        .where(_in_year_of(bindparam("periode")))
        .subquery("year")
    )
    parts = (
        select(_PENILAIAN)
        .join(
            _KEYS,
            (_PENILAIAN.c.pegawai_id == _KEYS.c.pegawai_id)
            & (_PENILAIAN.c.periode == _KEYS.c.periode)
            & (_PENILAIAN.c.bagian == _KEYS.c.bagian),
        )
        # In key order, as the other paths that lock several parts of a pegawai lock them (part 1, then 2).
        .order_by(_PENILAIAN.c.pegawai_id, _PENILAIAN.c.periode, _PENILAIAN.c.bagian)
        .with_for_update(of=_PENILAIAN)
        .lateral("part")
    )
    return select(year.c.periods, *parts.c).select_from(year.outerjoin(parts, true()))


_PARTS_BY_KEYS = _parts_by_keys()
# The plans of a run of observation's step events: their parts are read together, for the monitoring by name.
_PLAN_COLUMNS = {"pegawai_id": Uuid(), "periode": String(), "skp_id": Uuid()}


def _parts_of_plans() -> Any:
    """For each plan key (pegawai, period, plan), the first part that names the plan and the latest part of the
    pegawai's period (each NULL where there is none); the keys come back as given, typed."""
    plans = unnested("plans", "plan", _PLAN_COLUMNS)
    c = _PENILAIAN.c
    of_period = (c.pegawai_id == plans.c.pegawai_id) & (c.periode == plans.c.periode)
    named = select(func.min(c.bagian)).where(of_period, c.skp_id == plans.c.skp_id).scalar_subquery()
    latest = select(func.max(c.bagian)).where(of_period).scalar_subquery()
    keys = (type_coerce(plans.c[name], type_).label(name) for name, type_ in _PLAN_COLUMNS.items())
    return select(*keys, named.label("named"), latest.label("latest"))


_PARTS_OF_PLANS = _parts_of_plans()


# A penilaian loaded in its context (`PenilaianRepository.get_in_context`: every command on one and every read of one)
# is one statement over the penilaian, the roster and the periods: each table's columns under a prefix of its own
# (pmm_chassis.db.prefixed), taken off again for the mapping functions.
_ROSTER_PEGAWAI = RosterPegawai.__table__
_ROSTER_SEKOLAH = RosterSekolah.__table__
_RELASI = RosterRelasi.__table__
_WINDOW = RosterWindowExtension.__table__
_PENILAIAN_PART = Prefixed(_PENILAIAN, "penilaian")
_PEGAWAI_PART = Prefixed(_ROSTER_PEGAWAI, "pegawai")
_SEKOLAH_PART = Prefixed(_ROSTER_SEKOLAH, "sekolah")
_ATASAN_PART = Prefixed(_ROSTER_PEGAWAI, "atasan")
_ATASAN_SEKOLAH_PART = Prefixed(_ROSTER_SEKOLAH, "atasan_sekolah")
# `current_atasan_of` answers the atasan of the relation the roster's one rule picks on a day; asked for the
# relation's own id in its place, it names that relation, whose atasan and role the penilaian is read with.
_CURRENT_RELASI = SimpleNamespace(**{**{c.name: c for c in _RELASI.c}, "atasan_id": _RELASI.c.relasi_id})


@dataclass(frozen=True)
class PenilaianInContext:
    """A penilaian with what reading or changing it depends on, as the roster's own reads answer each."""

    penilaian: Penilaian
    pegawai: PegawaiRecord | None  # None until the roster has them
    sekolah: SekolahRecord | None  # the part's school (its own NPSN, else the pegawai's)
    relation: tuple[uuid.UUID, str] | None  # the atasan on the part's day and their role (`current_relation`)
    atasan: PegawaiRecord | None  # that atasan's roster row, when asked for
    atasan_sekolah: SekolahRecord | None  # and their school
    periods: tuple[PeriodeWindows, ...]  # the periods of the penilaian's year with their extensions, in order


def _periods(docs: Sequence[dict[str, Any]] | None) -> tuple[PeriodeWindows, ...]:
    """The year's periods from their JSON documents, as the roster view reads one (`RosterView.periode`)."""
    return tuple(
        PeriodeWindows(
            kode=doc["snapshot"]["kode"],
            snapshot=doc["snapshot"],
            extensions=extensions_from(doc["extensions"]),
        )
        for doc in sorted(docs or (), key=lambda doc: doc["snapshot"]["mulai"])
    )


@cache
def _in_context_query(for_update: bool, with_atasan: bool) -> Any:
    penilaian, pegawai, sekolah = _PENILAIAN, _ROSTER_PEGAWAI, _ROSTER_SEKOLAH
    relasi = _RELASI.alias("relasi")  # the relation picked; the rule's own subquery reads the table
    on = bindparam("on", type_=Date)
    # The part's day, whose relation names its atasan: the same rule as Penilaian.hari_penilai.
    day = case((and_(penilaian.c.berakhir, penilaian.c.selesai < on), penilaian.c.selesai), else_=on)
    # The penilaian's year: its period's, or for the annual evaluation (whose code is no period's) the year its code
    # starts with (periode.tahun_kode).
    tahun = case(
        (penilaian.c.menimbang_periode, cast(func.left(penilaian.c.periode, 4), Integer)),
        else_=_year_named_by(penilaian.c.periode),
    )
    extensions = extensions_json(_WINDOW, _PERIODE.c.kode)
    periods = (
        select(func.jsonb_agg(func.jsonb_build_object("snapshot", _PERIODE.c.snapshot, "extensions", extensions)))
        .where(_TAHUN == tahun)
        .scalar_subquery()
    )
    joined = (
        penilaian.outerjoin(pegawai, pegawai.c.pegawai_id == penilaian.c.pegawai_id)
        .outerjoin(sekolah, sekolah.c.npsn == func.coalesce(penilaian.c.npsn, pegawai.c.npsn))
        .outerjoin(relasi, relasi.c.relasi_id == current_atasan_of(_CURRENT_RELASI, penilaian.c.pegawai_id, day))
    )
    columns = [
        *_PENILAIAN_PART.columns(),
        *_PEGAWAI_PART.columns(),
        *_SEKOLAH_PART.columns(),
        relasi.c.atasan_id.label("relasi_atasan_id"),
        relasi.c.peran_atasan.label("relasi_peran_atasan"),
        periods.label("periods"),
    ]
    if with_atasan:
        atasan, atasan_sekolah = pegawai.alias("atasan"), sekolah.alias("atasan_sekolah")
        joined = joined.outerjoin(atasan, atasan.c.pegawai_id == relasi.c.atasan_id).outerjoin(
            atasan_sekolah, atasan_sekolah.c.npsn == atasan.c.npsn
        )
        columns += [*_ATASAN_PART.columns(atasan), *_ATASAN_SEKOLAH_PART.columns(atasan_sekolah)]
    query = select(*columns).select_from(joined).where(penilaian.c.id == bindparam("penilaian_id"))
    # Only the penilaian's row is locked: the roster's and the periods' rows change with planning's events, which a
    # command must not hold up.
    return query.with_for_update(of=penilaian) if for_update else query


_SKP_MONITOR_NEW = pg_insert(_SKP_MONITOR)
# `SkpMonitorRepository.apply`: the version guard is the upsert's own condition, so a stale event costs no read.
_APPLY_SKP = _SKP_MONITOR_NEW.on_conflict_do_update(
    index_elements=["pegawai_id", "periode"],
    set_={
        "status": _SKP_MONITOR_NEW.excluded.status,
        "skp_version": _SKP_MONITOR_NEW.excluded.skp_version,
        "bagian": _SKP_MONITOR_NEW.excluded.bagian,
        "updated_at": func.now(),
    },
    where=or_(
        _SKP_MONITOR.c.bagian < _SKP_MONITOR_NEW.excluded.bagian,
        and_(
            _SKP_MONITOR.c.bagian == _SKP_MONITOR_NEW.excluded.bagian,
            _SKP_MONITOR.c.skp_version < _SKP_MONITOR_NEW.excluded.skp_version,
        ),
    ),
)

# A period with the others of its year, in one round trip: an event's use case reads its period, then its year's.
_PERIODS_BESIDE = select(_PERIODE.c.snapshot).where(_in_year_of(bindparam("kode")))
_PERIODS_OF_YEAR = select(_PERIODE.c.snapshot).where(_TAHUN == bindparam("tahun"))


class PenilaianRepository:
    def __init__(self, session: AsyncSession, track: Callable[[Penilaian], None], roster: AppraisalRoster) -> None:
        self._session = session
        self._track = track
        self._roster = roster  # keeps the periods and schools read with a penilaian, for the rest of the work
        self._locked_ahead: dict[tuple[uuid.UUID, str, int], Penilaian | None] = {}  # `lock_keys`, by key

    async def get_in_context(
        self, penilaian_id: uuid.UUID, *, on: date, for_update: bool = False, with_atasan: bool = False
    ) -> PenilaianInContext | None:
        """A penilaian (locked for a change, if asked) with its pegawai, the school of its part, the atasan on the
        part's day with their role (and, if asked, their roster row and school), and the periods of its year with
        their window extensions: one round trip, where loading each costs one. The periods and the schools are kept
        for the rest of the unit of work, as reading them through the roster keeps them."""
        parameters = {"penilaian_id": penilaian_id, "on": on}
        found = (await self._session.execute(_in_context_query(for_update, with_atasan), parameters)).first()
        if found is None:
            return None
        row = found._mapping
        sekolah = _SEKOLAH_PART.of_outer(row)
        atasan_sekolah = _ATASAN_SEKOLAH_PART.of_outer(row) if with_atasan else None
        for school in (sekolah, atasan_sekolah):
            if school is not None:
                self._roster.remember_sekolah(school)
        periods = _periods(row["periods"])
        if periods:
            self._roster.remember([p.snapshot for p in periods])
        atasan_id = row["relasi_atasan_id"]
        return PenilaianInContext(
            penilaian=self._loaded(_PENILAIAN_PART.of(row)),
            pegawai=_PEGAWAI_PART.of_outer(row),
            sekolah=sekolah,
            relation=(atasan_id, row["relasi_peran_atasan"]) if atasan_id is not None else None,
            atasan=_ATASAN_PART.of_outer(row) if with_atasan else None,
            atasan_sekolah=atasan_sekolah,
            periods=periods,
        )

    async def find(
        self, pegawai_id: uuid.UUID, periode: str, *, bagian: int = 1, for_update: bool = False
    ) -> Penilaian | None:
        key = {"pegawai_id": pegawai_id, "periode": periode, "bagian": bagian}
        if not for_update:
            return await self._one(_penilaian_query("bagian", False), key)
        if (pegawai_id, periode, bagian) in self._locked_ahead:
            return self._locked_ahead.pop((pegawai_id, periode, bagian))
        row = (await self._session.execute(_penilaian_query("bagian", True), key)).one()
        if row.periods:
            self._roster.remember(row.periods)
        return self._loaded(row) if row.id is not None else None

    async def lock_keys(self, keys: Iterable[tuple[uuid.UUID, str, int]]) -> None:
        """Lock the parts of these keys (pegawai, period, part) in one statement, so that `find(for_update=True)`
        answers each of them once without a round trip (None where there is no part yet): a run of approved plans
        finds its parts together. A key found, added or saved is forgotten, so a second look at it reads what this
        unit of work wrote since. The periods of the year of the first key (in key order) come with them and are
        kept, as with one part."""
        wanted = sorted(set(keys))
        self._locked_ahead = {}
        if not wanted:
            return
        parameters = {"periode": wanted[0][1], **array_parameters("key", list(_KEY_COLUMNS), wanted)}
        rows = (await self._session.execute(_PARTS_BY_KEYS, parameters)).all()
        if rows and rows[0].periods:
            self._roster.remember(rows[0].periods)
        found = {(row.pegawai_id, row.periode, row.bagian): self._loaded(row) for row in rows if row.id is not None}
        self._locked_ahead = {key: found.get(key) for key in wanted}

    async def find_by_skp(self, pegawai_id: uuid.UUID, periode: str, skp_id: uuid.UUID) -> Penilaian | None:
        """The part whose plan is `skp_id`, locked for a change (observation's events name the plan, not the part;
        the read models find it with `parts_of_plans`)."""
        key = {"pegawai_id": pegawai_id, "periode": periode, "skp_id": skp_id}
        return await self._one(_penilaian_query("skp", True), key)

    async def parts_of_plans(
        self, plans: Collection[tuple[uuid.UUID, str, uuid.UUID | None]]
    ) -> dict[tuple[uuid.UUID, str, uuid.UUID | None], tuple[int | None, int | None]]:
        """For each (pegawai, periode, skp_id): the first part that names the plan and the latest part of the
        period, None where there is none; one statement for any number of plans, nothing locked."""
        if not plans:
            return {}
        parameters = array_parameters("plan", list(_PLAN_COLUMNS), plans)
        rows = (await self._session.execute(_PARTS_OF_PLANS, parameters)).all()
        return {(row.pegawai_id, row.periode, row.skp_id): (row.named, row.latest) for row in rows}

    async def parts(self, pegawai_id: uuid.UUID, periode: str) -> list[Penilaian]:
        """Every part of the pegawai's period, first part first."""
        query = (
            select(PenilaianRow)
            .where(PenilaianRow.pegawai_id == pegawai_id, PenilaianRow.periode == periode)
            .order_by(PenilaianRow.bagian)
        )
        return [to_domain(r) for r in (await self._session.execute(query)).scalars()]

    async def latest_bagian(self, pegawai_id: uuid.UUID, periode: str) -> int | None:
        query = select(func.max(PenilaianRow.bagian)).where(
            PenilaianRow.pegawai_id == pegawai_id, PenilaianRow.periode == periode
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def _one(self, query: Any, key: dict[str, Any]) -> Penilaian | None:
        row = (await self._session.execute(query, key)).first()
        return self._loaded(row) if row is not None else None

    def _loaded(self, row: Any) -> Penilaian:
        penilaian = to_domain(row)
        self._track(penilaian)
        return penilaian

    async def add(self, penilaian: Penilaian) -> Penilaian:
        """Insert a new penilaian; if a concurrent consumer inserted the same (pegawai, periode, bagian) first,
        return that one, locked, so the caller applies its change to it instead."""
        self._locked_ahead.pop((penilaian.pegawai_id, penilaian.periode, penilaian.bagian), None)
        inserted = await self._session.execute(_ADD, _columns(penilaian))
        if inserted.first() is None:
            existing = await self.find(
                penilaian.pegawai_id, penilaian.periode, bagian=penilaian.bagian, for_update=True
            )
            assert existing is not None
            return existing
        self._track(penilaian)
        return penilaian

    async def save(self, penilaian: Penilaian, *, expected_version: int) -> None:
        """Write back a changed penilaian; refuses if someone else changed it since it was read."""
        self._locked_ahead.pop((penilaian.pegawai_id, penilaian.periode, penilaian.bagian), None)
        result = await self._session.execute(
            _SAVE, {**_columns(penilaian), "saved_id": penilaian.id, "read_version": expected_version}
        )
        if result.rowcount != 1:
            raise StaleVersion(
                "the penilaian changed since it was read; reload and try again",
                rule="penilaian.concurrent_change",
                field="If-Match",
            )

    async def of_year(self, pegawai_id: uuid.UUID, periodes: Sequence[str]) -> list[Penilaian]:
        return (await self.of_years([pegawai_id], periodes)).get(pegawai_id, [])

    async def of_years(
        self, pegawai_ids: Sequence[uuid.UUID], periodes: Sequence[str]
    ) -> dict[uuid.UUID, list[Penilaian]]:
        """`of_year` of several pegawai in one statement, by pegawai (absent: none)."""
        rows = await self._session.execute(_OF_YEARS, {"pegawai_ids": list(pegawai_ids), "periodes": list(periodes)})
        found: dict[uuid.UUID, list[Penilaian]] = {}
        for row in rows:
            found.setdefault(row.pegawai_id, []).append(to_domain(row))
        return found

    async def angka_kredit_total(self, pegawai_id: uuid.UUID, jenjang: str, *, excluding: uuid.UUID) -> Decimal:
        """The final angka kredit this pegawai earned in this jenjang (a new jenjang starts from zero)."""
        query = select(func.coalesce(func.sum(PenilaianRow.angka_kredit), 0)).where(
            PenilaianRow.pegawai_id == pegawai_id,
            PenilaianRow.jenjang == jenjang,
            PenilaianRow.status == Status.FINAL.value,
            PenilaianRow.id != excluding,
        )
        return Decimal((await self._session.execute(query)).scalar_one()).quantize(Decimal("0.01"))

    async def listed(
        self,
        *,
        owner: uuid.UUID | None,
        appraised_by: uuid.UUID | None,
        wilayah: str | None,
        on: date,
        periode: str | None,
        status: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> list[tuple[Penilaian, RosterPegawai | None]]:
        """The penilaian the caller may see: their own, those of the pegawai they appraise today, their region's.
        A part a transfer ended is the atasan's of its last day, not today's (docs/domain.md §6).

        Each clause (and its subquery or join) is built only for the caller it applies to: a teacher's Beranda asks
        this on every visit, and building the atasan's subquery is about a tenth of a teacher's request."""
        who = []
        if owner is not None:
            who.append(PenilaianRow.pegawai_id == owner)
        if appraised_by is not None:
            current = current_atasan_subquery(RosterRelasi, on)
            ended = and_(PenilaianRow.berakhir, PenilaianRow.selesai.is_not(None), PenilaianRow.selesai < on)
            who.append(
                and_(
                    ~ended,
                    PenilaianRow.pegawai_id.in_(
                        select(current.c.pegawai_id).where(current.c.atasan_id == appraised_by)
                    ),
                )
            )
            who.append(
                and_(
                    ended,
                    current_atasan_of(RosterRelasi, PenilaianRow.pegawai_id, PenilaianRow.selesai) == appraised_by,
                )
            )
        if not who and wilayah is None:
            return []
        query = select(PenilaianRow, RosterPegawai).outerjoin(
            RosterPegawai, RosterPegawai.pegawai_id == PenilaianRow.pegawai_id
        )
        if wilayah is not None:
            # A part of a split period is its school's region's (the old school's operator keeps the old part).
            part_school = RosterSekolah.__table__.alias("part_school")
            query = query.outerjoin(part_school, part_school.c.npsn == PenilaianRow.npsn)
            who.append(func.coalesce(part_school.c.kode_wilayah, RosterPegawai.kode_wilayah).startswith(wilayah))
        query = query.where(or_(*who)).order_by(PenilaianRow.id).limit(limit)
        if periode is not None:
            query = query.where(PenilaianRow.periode == periode)
        if status is not None:
            query = query.where(PenilaianRow.status == status)
        if after is not None:
            query = query.where(PenilaianRow.id > after)
        return [(to_domain(row), pegawai) for row, pegawai in (await self._session.execute(query)).all()]

    async def predikat_counts(self, npsn: str, periode: str) -> dict[str, int]:
        """Predikat of the school's pegawai in a period, rated or final (the principal's warning counts drafts).
        A part of a split period counts at its own school, not at the pegawai's school of today."""
        query = (
            select(PenilaianRow.predikat, func.count())
            .join(RosterPegawai, RosterPegawai.pegawai_id == PenilaianRow.pegawai_id)
            .where(
                func.coalesce(PenilaianRow.npsn, RosterPegawai.npsn) == npsn,
                PenilaianRow.periode == periode,
                PenilaianRow.status.in_((Status.DINILAI.value, Status.FINAL.value)),
                PenilaianRow.predikat.is_not(None),
            )
            .group_by(PenilaianRow.predikat)
        )
        return {row[0]: row[1] for row in (await self._session.execute(query)).all()}


class AppraisalRoster:
    """What appraisal reads from its roster projection beyond the chassis' RosterView."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The periods of each year this unit of work read, in calendar order.
        self._years: dict[int, list[Periode]] = {}
        # The schools read with a penilaian, which its figures read again (the session keeps those it loads itself).
        self._sekolah: dict[str, SekolahRecord] = {}

    async def sekolah(self, npsn: str) -> SekolahRecord | None:
        known = self._sekolah.get(npsn)
        return known if known is not None else await self._session.get(RosterSekolah, npsn)

    def remember_sekolah(self, sekolah: SekolahRecord) -> None:
        self._sekolah[sekolah.npsn] = sekolah

    async def current_relation(self, pegawai_id: uuid.UUID, on: date) -> tuple[uuid.UUID, str] | None:
        """The atasan valid on `on` and the role they hold (kepala_sekolah, plt_kepala_sekolah, pengawas)."""
        current = current_atasan_subquery(RosterRelasi, on)
        query = select(current.c.atasan_id, current.c.peran_atasan).where(current.c.pegawai_id == pegawai_id)
        row = (await self._session.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def sekolah_dinilai(self, atasan_id: uuid.UUID, on: date) -> frozenset[str]:
        """The schools of the pegawai `atasan_id` appraises on `on` (a pengawas: the schools of their KS)."""
        current = current_atasan_subquery(RosterRelasi, on)
        query = (
            select(RosterPegawai.npsn)
            .join(current, current.c.pegawai_id == RosterPegawai.pegawai_id)
            .where(current.c.atasan_id == atasan_id)
            .distinct()
        )
        return frozenset((await self._session.execute(query)).scalars())

    async def sekolah_plt(self, atasan_id: uuid.UUID, on: date) -> frozenset[str]:
        """The schools `atasan_id` heads as Plt. kepala sekolah on `on`: those of the pegawai whose acting
        relation to them holds that day (a Plt. may come from another school, or be a pengawas)."""
        query = (
            select(RosterPegawai.npsn)
            .join(RosterRelasi, RosterRelasi.pegawai_id == RosterPegawai.pegawai_id)
            .where(
                RosterRelasi.atasan_id == atasan_id,
                RosterRelasi.peran_atasan == "plt_kepala_sekolah",
                RosterRelasi.mulai <= on,
                or_(RosterRelasi.selesai.is_(None), RosterRelasi.selesai >= on),
            )
            .distinct()
        )
        return frozenset((await self._session.execute(query)).scalars())

    async def find_periode(self, kode: str) -> Periode | None:
        """The period planning announced, or None while its snapshot has not arrived."""
        for year in self._years.values():
            for periode in year:
                if periode.kode == kode:
                    return periode
        snapshots = (await self._session.execute(_PERIODS_BESIDE, {"kode": kode})).scalars().all()
        if not snapshots:
            return None
        return next(periode for periode in self.remember(snapshots) if periode.kode == kode)

    async def periods_of_year(self, tahun: int) -> list[Periode]:
        """The year's periods that have arrived, in calendar order."""
        year = self._years.get(tahun)
        if year is None:
            snapshots = (await self._session.execute(_PERIODS_OF_YEAR, {"tahun": tahun})).scalars().all()
            year = self.remember(snapshots) if snapshots else []
        return list(year)

    def remember(self, snapshots: Sequence[dict[str, Any]]) -> list[Periode]:
        """Keep the periods of a year (all of them, as read) for the rest of this unit of work, in calendar order."""
        year = [periode_of(s) for s in sorted(snapshots, key=lambda s: s["mulai"])]
        self._years[year[0].tahun] = year
        return year


class SkpMonitorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(
        self, pegawai_id: uuid.UUID, periode: str, *, status: str, skp_version: int, bagian: int = 1
    ) -> None:
        """Upsert where the plan stands; an older or repeated event never overwrites a newer state. The latest part
        of a split period is shown: a later part's plan (its versions counting from 1 again) wins over an earlier."""
        await self.apply_many([(pegawai_id, periode, status, skp_version, bagian)])

    async def apply_many(self, steps: Sequence[tuple[uuid.UUID, str, str, int, int]]) -> None:
        """`apply` for many (pegawai, periode, status, skp_version, bagian), sent together: sorted by pegawai and
        period (every run locks the rows it upserts in one order), in the order given within one of them."""
        names = ("pegawai_id", "periode", "status", "skp_version", "bagian")
        ordered = sorted(steps, key=lambda step: (str(step[0]), step[1]))
        await self._session.execute(_APPLY_SKP, [dict(zip(names, step, strict=True)) for step in ordered])


class PredikatOrganisasiRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, npsn: str, tahun: int) -> str | None:
        row = await self._session.get(PredikatOrganisasiRow, (npsn, tahun))
        return row.predikat_organisasi if row else None

    async def set(self, npsn: str, tahun: int, predikat_organisasi: str, *, operator: str) -> None:
        statement = pg_insert(PredikatOrganisasiRow).values(
            npsn=npsn, tahun=tahun, predikat_organisasi=predikat_organisasi, operator=operator
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["npsn", "tahun"],
                set_={
                    "predikat_organisasi": statement.excluded.predikat_organisasi,
                    "operator": statement.excluded.operator,
                    "updated_at": func.now(),
                },
            )
        )


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def record(self, *, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self._session.add(AppraisalAudit(actor=actor, action=action, target=target, detail=detail))


# --- the monitoring read model -------------------------------------------------------------------------------


class MonitoringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def rows(
        self, *, periode: str, tingkat: str, wilayah: str | None, npsn: str | None
    ) -> list[MonitoringCounts]:
        """Per school, kabupaten/kota or province: pegawai, planned, approved, cycle completed, appraised, predikat.

        Every figure comes from events (planning's skp.*, observation's pelaksanaan.*, the roster) and appraisal's
        own penilaian: never from another service's database.
        """
        p, s, m, n = RosterPegawai, RosterSekolah, SkpMonitor, PenilaianRow
        if tingkat == "sekolah":
            key = s.npsn
            label = s.nama
        elif tingkat == "kabupaten":
            key = s.kode_wilayah
            label = s.nama_wilayah
        else:
            key = func.left(s.kode_wilayah, 2)
            label = func.left(s.kode_wilayah, 2)
        final = n.status == Status.FINAL.value
        columns = [
            key.label("kode"),
            func.min(label).label("nama"),
            func.count(p.pegawai_id).label("pegawai"),
            func.count(p.pegawai_id).filter(m.status.in_(("DIAJUKAN", "DISETUJUI"))).label("direncanakan"),
            func.count(p.pegawai_id).filter(m.status == "DISETUJUI").label("disetujui"),
            func.count().filter(n.siklus.is_not(None)).label("siklus_selesai"),
            func.count().filter(final).label("dinilai"),
            *(func.count().filter(and_(final, n.predikat == pr.value)).label(pr.value) for pr in Predikat),
        ]
        query = (
            select(*columns)
            # From the schools: one with no pegawai yet is a row of zeros, not missing from the Dinas' view.
            .select_from(s)
            # A pengawas is in the roster only as the KS's atasan: their own kinerja is not managed here.
            .outerjoin(p, and_(p.npsn == s.npsn, p.jenis_gtk != "Pengawas Sekolah"))
            .outerjoin(m, and_(m.pegawai_id == p.pegawai_id, m.periode == periode))
            .outerjoin(n, and_(n.pegawai_id == p.pegawai_id, n.periode == periode, n.bagian == _latest_bagian(periode)))
            .group_by(key)
            .order_by(key)
        )
        if wilayah is not None:
            query = query.where(s.kode_wilayah.startswith(wilayah))
        if npsn is not None:
            query = query.where(s.npsn == npsn)
        return [
            MonitoringCounts(
                kode=r["kode"],
                # The roster names schools and kabupaten/kota; a province's name comes from the reference table.
                nama=rules.nama_provinsi(r["kode"]) if tingkat == "provinsi" else r["nama"],
                pegawai=r["pegawai"],
                direncanakan=r["direncanakan"],
                disetujui=r["disetujui"],
                siklus_selesai=r["siklus_selesai"],
                dinilai=r["dinilai"],
                predikat={pr.value: r[pr.value] for pr in Predikat},
            )
            for r in (await self._session.execute(query)).mappings().all()
        ]


class MonitoringNamaRepository:
    """The monitoring by name: each phase's state per pegawai and period, fed by the events of the services that
    own the phases and read with appraisal's own penilaian. Every update is guarded by the version of the
    aggregate the event came from, so a repeated or late event changes nothing."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply_langkah(
        self, pegawai_id: uuid.UUID, periode: str, *, langkah: str, version: int, bagian: int = 1
    ) -> None:
        await self.apply_langkah_many([(pegawai_id, periode, langkah, version, bagian)])

    async def apply_langkah_many(self, steps: Sequence[tuple[uuid.UUID, str, str, int, int]]) -> None:
        """`apply_langkah` for many (pegawai, periode, langkah, version, bagian), sent together: sorted by pegawai
        and period (every run locks the rows it upserts in one order), in the order given within one of them."""
        if not steps:
            return
        ordered = sorted(steps, key=lambda step: (str(step[0]), step[1]))
        rows = [
            {
                "pegawai_id": pegawai_id,
                "periode": periode,
                "langkah": langkah,
                "langkah_rank": rules.LANGKAH[langkah],
                "pelaksanaan_version": version,
                "bagian": bagian,
            }
            for pegawai_id, periode, langkah, version, bagian in ordered
        ]
        await self._session.execute(_APPLY_LANGKAH, rows)

    async def apply_push(
        self,
        push_id: uuid.UUID,
        *,
        pegawai_id: uuid.UUID,
        periode: str,
        jenis: str,
        bagian: str,
        status: str,
        kode: str | None,
        fixer: str | None,
        action: str | None,
        version: int,
        at: datetime,
    ) -> None:
        await self._session.execute(
            _APPLY_PUSH,
            {
                "push_id": push_id,
                "pegawai_id": pegawai_id,
                "periode": periode,
                "jenis": jenis,
                "bagian": bagian,
                "status": status,
                "kode": kode,
                "fixer": fixer,
                "action": action,
                "push_version": version,
                "at": at,
            },
        )

    async def apply_koreksi(self, koreksi_id: uuid.UUID, *, pegawai_id: uuid.UUID, terbuka: bool, version: int) -> None:
        await self._session.execute(
            _APPLY_KOREKSI,
            {"koreksi_id": koreksi_id, "pegawai_id": pegawai_id, "terbuka": terbuka, "koreksi_version": version},
        )

    async def rows(
        self,
        *,
        periode: str,
        wilayah: str | None,
        npsn: frozenset[str] | None,
        fase: str | None,
        status: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> list[PegawaiMonitoring]:
        """A page of pegawai in (NPSN, name) order after the pegawai `after`, each with the state of every phase."""
        query = _monitoring_nama(periode)
        p, s = RosterPegawai, RosterSekolah
        if wilayah:
            query = query.where(s.kode_wilayah.startswith(wilayah))
        if npsn is not None:
            query = query.where(p.npsn.in_(sorted(npsn)))
        if fase is not None and status is not None:
            query = query.where(_fase_column(query, fase) == status)
        if after is not None:
            last = (await self._session.execute(select(p.npsn, p.nama).where(p.pegawai_id == after))).first()
            if last is None:
                raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor")
            query = query.where(tuple_(p.npsn, p.nama, p.pegawai_id) > tuple_(last[0], last[1], after))
        query = query.order_by(p.npsn, p.nama, p.pegawai_id).limit(limit)
        result = await self._session.execute(query)
        return [PegawaiMonitoring(**row) for row in result.mappings().all()]


# The monitoring's upserts run for every step, push and report event the consumer applies: built once over the
# tables, where building them per event through the ORM's bulk path was most of their cost in the profile of
# `make bench`.
def _upsert_newer(table: Any, key: list[str], updated: list[str], newer: Any) -> Any:
    """Insert the row, or take the event's `updated` columns when `newer(held, new)` holds."""
    statement = pg_insert(table).values({c.name: bindparam(c.name, type_=c.type) for c in _event_columns(table)})
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=key,
        set_={**{name: new[name] for name in updated}, "updated_at": func.now()},
        where=newer(table.c, new),
    )


def _event_columns(table: Any) -> list[Any]:
    return [c for c in table.c if c.name not in ("updated_at", "created_at")]


_APPLY_LANGKAH = _upsert_newer(
    PelaksanaanMonitor.__table__,
    ["pegawai_id", "periode"],
    ["langkah", "langkah_rank", "pelaksanaan_version", "bagian"],
    # the same rule as rules.newer_langkah
    lambda held, new: or_(
        held.bagian < new.bagian,
        and_(
            held.bagian == new.bagian,
            or_(
                held.pelaksanaan_version < new.pelaksanaan_version,
                and_(held.pelaksanaan_version == new.pelaksanaan_version, held.langkah_rank < new.langkah_rank),
            ),
        ),
    ),
)
_APPLY_PUSH = _upsert_newer(
    BknPushMonitor.__table__,
    ["push_id"],
    ["status", "kode", "fixer", "action", "push_version", "at"],
    lambda held, new: or_(
        held.push_version < new.push_version, and_(held.push_version == new.push_version, held.at < new.at)
    ),
)
_APPLY_KOREKSI = _upsert_newer(
    KoreksiMonitor.__table__,
    ["koreksi_id"],
    ["terbuka", "koreksi_version"],
    lambda held, new: held.koreksi_version < new.koreksi_version,
)


def _latest_bagian(periode: str) -> Any:
    """The monitoring read models show the latest part of a split period per pegawai (docs/domain.md §6)."""
    latest = PenilaianRow.__table__.alias("latest_part")
    return (
        select(func.max(latest.c.bagian))
        .where(latest.c.pegawai_id == PenilaianRow.pegawai_id, latest.c.periode == periode)
        .scalar_subquery()
    )


def _state(column: Any, table: dict[str | None, str]) -> Any:
    """A phase's state in SQL from its rule table (NULL, no event yet, is the table's None)."""
    return case({k: v for k, v in table.items() if k is not None}, value=column, else_=table[None])


def _monitoring_nama(periode: str) -> Any:
    p, s, m, n, lm = RosterPegawai, RosterSekolah, SkpMonitor, PenilaianRow, PelaksanaanMonitor
    b = BknPushMonitor
    # Per pegawai, by index (pegawai_id, periode): an export walks a province a chunk at a time, and aggregating
    # every push or report of the province for each chunk would grow with the square of its size.
    gagal = (
        select(b.kode, b.fixer, b.action)
        .where(b.pegawai_id == p.pegawai_id, b.periode == periode, b.status == "GAGAL")
        .order_by(b.at.desc())
        .limit(1)
        .lateral("gagal")
    )
    sukses = select(b.push_id).where(b.pegawai_id == p.pegawai_id, b.periode == periode, b.status == "SUKSES").exists()
    koreksi = (
        select(func.count()).where(KoreksiMonitor.pegawai_id == p.pegawai_id, KoreksiMonitor.terbuka).scalar_subquery()
    )
    # the same rule as rules.bkn_state
    bkn = case((gagal.c.kode.is_not(None), "gagal"), (sukses, "terkirim"), else_="belum")
    return (
        select(
            p.pegawai_id,
            p.nama,
            p.jenis_gtk,
            p.npsn,
            s.nama.label("nama_sekolah"),
            s.kode_wilayah,
            s.nama_wilayah,
            _state(m.status, rules.PERENCANAAN).label("perencanaan"),
            _state(lm.langkah, rules.PELAKSANAAN).label("pelaksanaan"),
            _state(n.status, rules.PENILAIAN).label("penilaian"),
            case((n.status.in_(("DINILAI", "FINAL")), n.predikat), else_=None).label("predikat"),
            bkn.label("bkn"),
            gagal.c.kode.label("bkn_kode"),
            gagal.c.fixer.label("bkn_perbaikan_oleh"),
            gagal.c.action.label("bkn_tindakan"),
            koreksi.label("koreksi_terbuka"),
            func.greatest(m.updated_at, lm.updated_at, n.updated_at).label("diperbarui"),
        )
        .select_from(p)
        .join(s, s.npsn == p.npsn)
        .outerjoin(m, and_(m.pegawai_id == p.pegawai_id, m.periode == periode))
        .outerjoin(lm, and_(lm.pegawai_id == p.pegawai_id, lm.periode == periode))
        .outerjoin(n, and_(n.pegawai_id == p.pegawai_id, n.periode == periode, n.bagian == _latest_bagian(periode)))
        .outerjoin(gagal, true())
        # A pengawas is in the roster only as the KS's atasan: their own kinerja is not managed here.
        .where(p.jenis_gtk != "Pengawas Sekolah")
    )


def _fase_column(query: Any, fase: str) -> Any:
    if fase == "koreksi":
        terbuka = query.selected_columns.koreksi_terbuka
        return case((terbuka > 0, "terbuka"), else_="tidak")
    return query.selected_columns[fase]


# --- mapping rows and the aggregate --------------------------------------------------------------------------


def periode_of(snapshot: dict[str, Any]) -> Periode:
    """A period as appraisal reads planning's snapshot (`periode.opened`, kept whole in the roster projection)."""
    tahunan = snapshot.get("penilaian_tahunan")
    return Periode(
        kode=snapshot["kode"],
        tahun=snapshot["tahun"],
        jenis=snapshot["jenis"],
        mulai=date.fromisoformat(snapshot["mulai"]),
        selesai=date.fromisoformat(snapshot["selesai"]),
        bulan=snapshot["bulan"],
        penilaian_tahunan=Window(
            tahunan["step"],
            date.fromisoformat(tahunan["opens"]),
            date.fromisoformat(tahunan["closes"]),
            date.fromisoformat(tahunan["late_until"]) if tahunan.get("late_until") else None,
        )
        if tahunan
        else None,
    )


def _columns(penilaian: Penilaian) -> dict[str, Any]:
    final = penilaian.final
    return {
        "id": penilaian.id,
        "pegawai_id": penilaian.pegawai_id,
        "periode": penilaian.periode,
        "bagian": penilaian.bagian,
        "npsn": penilaian.npsn,
        "mulai": penilaian.mulai,
        "selesai": penilaian.selesai,
        "skp_id": penilaian.skp_id,
        "berakhir": penilaian.berakhir,
        "berakhir_disetujui": penilaian.berakhir_disetujui,
        "menimbang_periode": penilaian.menimbang_periode,
        "status": penilaian.status.value,
        "version": penilaian.version,
        "skp_version": penilaian.skp_version,
        "siklus_version": penilaian.siklus_version,
        "hanya_perilaku": penilaian.hanya_perilaku,
        "periodik_menunggu": penilaian.periodik_menunggu,
        "rencana": _rencana_json(penilaian.rencana),
        "siklus": _siklus_json(penilaian.siklus),
        "hasil_periodik": [
            {"periode": h.periode, "predikat": h.predikat.value, "angka_kredit": _dec(h.angka_kredit)}
            for h in penilaian.hasil_periodik
        ],
        "nilai": _nilai_json(penilaian.nilai),
        "final": _final_json(final),
        "predikat": penilaian.nilai.predikat.value if penilaian.nilai else None,
        "jenjang": final.angka_kredit.jenjang if final and final.angka_kredit else None,
        "angka_kredit": final.angka_kredit.nilai if final and final.angka_kredit else None,
        "finalized_at": final.at if final else None,
    }


def to_domain(row: Any) -> Penilaian:
    """A penilaian from its row, mapped or Core (both name the columns as attributes)."""
    return Penilaian(
        id=row.id,
        pegawai_id=row.pegawai_id,
        periode=row.periode,
        bagian=row.bagian,
        npsn=row.npsn,
        mulai=row.mulai,
        selesai=row.selesai,
        skp_id=row.skp_id,
        berakhir=row.berakhir,
        berakhir_disetujui=row.berakhir_disetujui,
        menimbang_periode=row.menimbang_periode,
        status=Status(row.status),
        version=row.version,
        rencana=_rencana(row.rencana),
        skp_version=row.skp_version,
        siklus=_siklus(row.siklus),
        siklus_version=row.siklus_version,
        hanya_perilaku=row.hanya_perilaku,
        hasil_periodik=tuple(
            HasilPeriodik(h["periode"], Predikat(h["predikat"]), _undec(h["angka_kredit"])) for h in row.hasil_periodik
        ),
        periodik_menunggu=row.periodik_menunggu,
        nilai=_nilai(row.nilai),
        final=_final(row.final),
    )


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _rencana_json(rencana: Rencana | None) -> dict[str, Any] | None:
    if rencana is None:
        return None
    return {
        "skp_id": str(rencana.skp_id),
        "indikator_kode": rencana.indikator_kode,
        "indikator_nama": rencana.indikator_nama,
        "rhk": [vars(r) for r in rencana.rhk],
        "perilaku": [list(p) for p in rencana.perilaku],
        "disetujui_at": rencana.disetujui_at.isoformat(),
    }


def _rencana(doc: dict[str, Any] | None) -> Rencana | None:
    if doc is None:
        return None
    return Rencana(
        skp_id=uuid.UUID(doc["skp_id"]),
        indikator_kode=doc["indikator_kode"],
        indikator_nama=doc["indikator_nama"],
        rhk=tuple(RhkRencana(**r) for r in doc["rhk"]),
        perilaku=tuple((k, n) for k, n in doc["perilaku"]),
        disetujui_at=_time(doc["disetujui_at"]),
    )


def _siklus_json(siklus: Siklus | None) -> dict[str, Any] | None:
    if siklus is None:
        return None
    return {
        "pelaksanaan_id": str(siklus.pelaksanaan_id),
        "selesai_at": siklus.selesai_at.isoformat(),
        "bukti_count": siklus.bukti_count,
        "rubrik": dict(siklus.rubrik) if siklus.rubrik is not None else None,
    }


def _siklus(doc: dict[str, Any] | None) -> Siklus | None:
    if doc is None:
        return None
    return Siklus(
        pelaksanaan_id=uuid.UUID(doc["pelaksanaan_id"]),
        selesai_at=_time(doc["selesai_at"]),
        bukti_count=doc["bukti_count"],
        rubrik=doc["rubrik"],
    )


def _nilai_json(nilai: Nilai | None) -> dict[str, Any] | None:
    if nilai is None:
        return None
    return {
        "hasil_kerja": nilai.hasil_kerja.value,
        "perilaku_kerja": nilai.perilaku_kerja.value,
        "predikat": nilai.predikat.value,
        "cell": nilai.cell,
        "umpan_balik": dict(nilai.umpan_balik),
        "catatan": nilai.catatan,
        "penilai_id": str(nilai.penilai_id),
        "at": nilai.at.isoformat(),
    }


def _nilai(doc: dict[str, Any] | None) -> Nilai | None:
    if doc is None:
        return None
    return Nilai(
        hasil_kerja=Rating(doc["hasil_kerja"]),
        perilaku_kerja=Rating(doc["perilaku_kerja"]),
        predikat=Predikat(doc["predikat"]),
        cell=doc["cell"],
        umpan_balik=doc["umpan_balik"],
        catatan=doc["catatan"],
        penilai_id=uuid.UUID(doc["penilai_id"]),
        at=_time(doc["at"]),
    )


def _final_json(final: Finalisasi | None) -> dict[str, Any] | None:
    if final is None:
        return None
    ak = final.angka_kredit
    return {
        "at": final.at.isoformat(),
        "penilai": {**vars(final.penilai), "pegawai_id": str(final.penilai.pegawai_id)},
        "identitas": vars(final.identitas),
        "rentang": vars(final.rentang),
        "angka_kredit": None
        if ak is None
        else {
            "jenjang": ak.jenjang,
            "koefisien": str(ak.koefisien),
            "bulan": ak.bulan,
            "nilai": str(ak.nilai),
            "kumulatif": str(ak.kumulatif),
        },
    }


def _final(doc: dict[str, Any] | None) -> Finalisasi | None:
    if doc is None:
        return None
    ak = doc["angka_kredit"]
    return Finalisasi(
        at=_time(doc["at"]),
        penilai=Penilai(**{**doc["penilai"], "pegawai_id": uuid.UUID(doc["penilai"]["pegawai_id"])}),
        identitas=Identitas(**doc["identitas"]),
        rentang=Rentang(**doc["rentang"]),
        angka_kredit=None
        if ak is None
        else AngkaKreditHasil(
            jenjang=ak["jenjang"],
            koefisien=Decimal(ak["koefisien"]),
            bulan=ak["bulan"],
            nilai=Decimal(ak["nilai"]),
            kumulatif=Decimal(ak["kumulatif"]),
        ),
    )
