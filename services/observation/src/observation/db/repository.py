"""Repositories: load and save observation's aggregates through the unit of work's session."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ARRAY,
    Date,
    Integer,
    String,
    Uuid,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.ext.asyncio import AsyncSession

from observation.db.tables import BuktiRow, PelaksanaanRow, SkpSeen, UnggahanRow
from observation.domain.bukti import Bukti
from observation.domain.events import IndikatorRef, RubrikItem
from observation.domain.pelaksanaan import (
    DiskusiAtasan,
    DiskusiGuru,
    Observasi,
    Pelaksanaan,
    Persiapan,
    Tahap,
    Upaya,
)
from observation.domain.unggahan import Unggahan
from pmm_chassis.db.prefixed import Prefixed
from pmm_kernel.errors import StaleVersion
from pmm_roster.projections import (
    RosterPegawai,
    RosterPeriode,
    RosterRelasi,
    RosterWindowExtension,
    current_atasan_of,
    current_atasan_subquery,
    extensions_from,
    extensions_json,
)
from pmm_roster.records import PegawaiRecord, PeriodeWindows


class PelaksanaanRepository:
    def __init__(self, session: AsyncSession, track: Callable[[Pelaksanaan], None]) -> None:
        self._session = session
        self._track = track
        # Cycles opened in this unit of work, written when it commits, as the session's flush writes its rows.
        self._added: list[dict[str, Any]] = []

    async def get(self, pelaksanaan_id: uuid.UUID) -> Pelaksanaan | None:
        row = (await self._session.execute(_BY_ID, {"id": pelaksanaan_id})).first()
        return self._load(row) if row else None

    async def get_in_context(
        self, pelaksanaan_id: uuid.UUID, *, on: date, for_update: bool = False
    ) -> tuple[Pelaksanaan, PegawaiRecord | None, uuid.UUID | None, PeriodeWindows | None, list[Bukti]] | None:
        """A cycle (locked for a change, if asked) with its pegawai (None until the roster has them), their atasan on
        `on` (for a part a transfer ended before `on`, on its last day), its period with the window extensions (None
        until the period is announced) and its bukti: one round trip, where loading each costs one."""
        parameters = {"id": pelaksanaan_id, "on": on}
        found = (await self._session.execute(_in_context_query(for_update), parameters)).first()
        if found is None:
            return None
        row = found._mapping
        pegawai = _PEGAWAI_PART.of_outer(row)
        snapshot = row["periode_snapshot"]
        periode = (
            None
            if snapshot is None
            else PeriodeWindows(
                kode=row["pelaksanaan_periode"], snapshot=snapshot, extensions=extensions_from(row["extensions"])
            )
        )
        return self._load(_PELAKSANAAN_PART.of(row)), pegawai, row["atasan"], periode, _bukti_of(row)

    async def find(
        self, pegawai_id: uuid.UUID, periode: str, *, bagian: int | None = None, for_update: bool = False
    ) -> Pelaksanaan | None:
        """The pegawai's pelaksanaan of that part of the period (None: of its latest part, the school they are in)."""
        parameters: dict[str, Any] = {"pegawai_id": pegawai_id, "periode": periode}
        if bagian is not None:
            parameters["bagian"] = bagian
        row = (await self._session.execute(_find_query(bagian is not None, for_update), parameters)).first()
        return self._load(row) if row else None

    async def find_parts(
        self, parts: Sequence[tuple[uuid.UUID, str, int]], *, for_update: bool = False
    ) -> dict[tuple[uuid.UUID, str, int], Pelaksanaan]:
        """The pelaksanaan of each (pegawai, period, part) that has one, in one query (`find`, for many)."""
        if not parts:
            return {}
        pegawai_ids, periods, bagian = (list(column) for column in zip(*parts, strict=True))
        query = _FIND_PARTS.with_for_update() if for_update else _FIND_PARTS
        rows = await self._session.execute(query, {"pegawai_ids": pegawai_ids, "periods": periods, "bagian": bagian})
        found = (self._load(row) for row in rows)
        return {(p.pegawai_id, p.periode, p.bagian): p for p in found}

    def add(self, pelaksanaan: Pelaksanaan) -> None:
        self._added.append(_columns(pelaksanaan))
        self._track(pelaksanaan)

    async def write_added(self) -> None:
        """Insert the cycles `add` was given since the last call (the unit of work's commit calls it)."""
        if self._added:
            added, self._added = self._added, []
            await self._session.execute(_INSERT, added)

    def forget_added(self) -> None:
        """Drop the cycles added and not yet written (the unit of work rolled back)."""
        self._added = []

    async def save(self, pelaksanaan: Pelaksanaan, *, expected_version: int) -> None:
        """Write back a changed cycle; refuses if someone else changed it since it was read."""
        parameters = _columns(pelaksanaan)
        parameters["saved_id"] = parameters.pop("id")  # the key it is found by, not a column it sets
        parameters["read_version"] = expected_version
        result = await self._session.execute(_SAVE, parameters)
        if result.rowcount != 1:
            raise StaleVersion(
                "the pelaksanaan changed while you were editing it; reload", rule="pelaksanaan.concurrent_change"
            )

    async def team(
        self,
        *,
        atasan_id: uuid.UUID,
        on: date,
        periode: str,
        tahap: Sequence[Tahap] | None,
        unopened: bool,
        overdue_regions: Sequence[str] | None,
        not_overdue_regions: Sequence[str] | None = None,
        after: uuid.UUID | None,
        limit: int,
    ) -> list[tuple[RosterPegawai, Pelaksanaan | None]]:
        """The pegawai this atasan appraises on `on`, each with their cycle of `periode` (None: not opened).

        `tahap` and `unopened` filter by where a cycle stands (either may match); `overdue_regions` (the regions
        whose window has closed) keeps the pegawai there whose cycle is not done, `not_overdue_regions` the
        others. Keyset pagination by pegawai id.
        """
        current = current_atasan_subquery(RosterRelasi, on)
        # A pegawai transferred during the period has one cycle per part: the team sees the latest part that has
        # not ended by `on` (domain/bagian.is_ended), the one at the school they are in now; until the new school's
        # plan is approved, none (not opened).
        latest = (
            select(func.max(PelaksanaanRow.bagian))
            .where(
                PelaksanaanRow.pegawai_id == RosterPegawai.pegawai_id,
                PelaksanaanRow.periode == periode,
                PelaksanaanRow.selesai.is_(None) | (PelaksanaanRow.selesai >= on),
            )
            .correlate(RosterPegawai)
            .scalar_subquery()
        )
        query = (
            select(RosterPegawai, PelaksanaanRow)
            .join(current, current.c.pegawai_id == RosterPegawai.pegawai_id)
            .outerjoin(
                PelaksanaanRow,
                (PelaksanaanRow.pegawai_id == RosterPegawai.pegawai_id)
                & (PelaksanaanRow.periode == periode)
                & (PelaksanaanRow.bagian == latest),
            )
            .where(current.c.atasan_id == atasan_id)
        )
        if tahap is not None or unopened:
            conditions = []
            if tahap:
                conditions.append(PelaksanaanRow.tahap.in_([t.value for t in tahap]))
            if unopened:
                conditions.append(PelaksanaanRow.id.is_(None))
            query = query.where(conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1])
        if overdue_regions is not None:
            query = query.where(
                RosterPegawai.kode_wilayah.in_(list(overdue_regions)),
                PelaksanaanRow.id.is_(None) | (PelaksanaanRow.tahap != Tahap.SELESAI.value),
            )
        if not_overdue_regions is not None:
            query = query.where(
                RosterPegawai.kode_wilayah.not_in(list(not_overdue_regions))
                | (PelaksanaanRow.tahap == Tahap.SELESAI.value)
            )
        if after is not None:
            query = query.where(RosterPegawai.pegawai_id > after)
        query = query.order_by(RosterPegawai.pegawai_id).limit(limit)
        rows = (await self._session.execute(query)).all()
        return [(pegawai, self._load(row, track=False) if row else None) for pegawai, row in rows]

    async def team_regions(self, *, atasan_id: uuid.UUID, on: date) -> list[str]:
        current = current_atasan_subquery(RosterRelasi, on)
        query = (
            select(RosterPegawai.kode_wilayah)
            .join(current, current.c.pegawai_id == RosterPegawai.pegawai_id)
            .where(current.c.atasan_id == atasan_id)
            .distinct()
        )
        return list((await self._session.execute(query)).scalars())

    def _load(self, row: PelaksanaanRow, *, track: bool = True) -> Pelaksanaan:
        content = row.content
        pelaksanaan = Pelaksanaan(
            id=row.id,
            skp_id=row.skp_id,
            pegawai_id=row.pegawai_id,
            periode=row.periode,
            atasan_id=row.atasan_id,
            indikator=IndikatorRef(
                kode=row.indikator["kode"],
                nama=row.indikator["nama"],
                perilaku_dianjurkan=tuple(row.indikator["perilaku_dianjurkan"]),
                perilaku_dihindari=tuple(row.indikator["perilaku_dihindari"]),
            ),
            skp_version=row.skp_version,
            opened_at=row.opened_at,
            bagian=row.bagian,
            npsn=row.npsn,
            mulai=row.mulai,
            selesai=row.selesai,
            tahap=Tahap(row.tahap),
            version=row.version,
            siklus=row.siklus,
            persiapan=_persiapan(content.get("persiapan")),
            observasi=_observasi(content.get("observasi")),
            diskusi_atasan=_diskusi_atasan(content.get("diskusi_atasan")),
            diskusi_guru=DiskusiGuru(**content["diskusi_guru"]) if content.get("diskusi_guru") else None,
            upaya=tuple(
                Upaya(deskripsi=u["deskripsi"], tempat=u["tempat"], tanggal=date.fromisoformat(u["tanggal"]))
                for u in content.get("upaya", [])
            ),
            refleksi=content.get("refleksi"),
            step_selesai={k: datetime.fromisoformat(v) for k, v in content.get("step_selesai", {}).items()},
            closed_at=row.closed_at,
            completed_at=row.completed_at,
            riwayat=list(row.riwayat),
        )
        if track:
            self._track(pelaksanaan)
        return pelaksanaan


# The cycle's reads and writes, which planning's events and the steps share, are plain Core over the table, built
# once: the ORM's statement building, entity loading and flush were a large share of an approved plan's CPU in the
# consumer's profile of `make bench`.
_PELAKSANAAN = PelaksanaanRow.__table__
_SEEN = SkpSeen.__table__

_INSERT = insert(_PELAKSANAAN)
_SAVE = (
    update(_PELAKSANAAN)
    .where(_PELAKSANAAN.c.id == bindparam("saved_id"), _PELAKSANAAN.c.version == bindparam("read_version"))
    .values(updated_at=func.now())
)
_BY_ID = select(_PELAKSANAAN).where(_PELAKSANAAN.c.id == bindparam("id"))


# A cycle loaded in its context (`PelaksanaanRepository.get_in_context`, every step and every read of one cycle) is one
# statement over the cycle, its bukti, the roster and the period: each table's columns under a prefix of its own
# (pmm_chassis.db.prefixed), taken off again for the mapping functions.
_ROSTER_PEGAWAI = RosterPegawai.__table__
_BUKTI = BuktiRow.__table__
_PELAKSANAAN_PART = Prefixed(_PELAKSANAAN, "pelaksanaan")
_PEGAWAI_PART = Prefixed(_ROSTER_PEGAWAI, "pegawai")
_BUKTI_KEYS = Prefixed(_BUKTI, "bukti").keys
_BUKTI_NAMES = tuple(name for _, name in _BUKTI_KEYS)


def _bukti_of(row: Any) -> list[Bukti]:
    """The cycle's bukti from their columns' arrays (each NULL when it has none), in the arrays' order."""
    columns = [row[label] or () for label, _ in _BUKTI_KEYS]
    return [
        _bukti(SimpleNamespace(**dict(zip(_BUKTI_NAMES, values, strict=True)))) for values in zip(*columns, strict=True)
    ]


@cache
def _in_context_query(for_update: bool) -> Any:
    pelaksanaan, pegawai, bukti = _PELAKSANAAN, _ROSTER_PEGAWAI, _BUKTI
    periode, window = RosterPeriode.__table__, RosterWindowExtension.__table__
    # The day whose relation decides who the cycle's atasan is (domain/bagian.relation_day): today, or the last day
    # of a part that ended before today. LEAST skips a NULL: a part without a last day reads today.
    relation_day = func.least(pelaksanaan.c.selesai, bindparam("on", type_=Date))
    extensions = extensions_json(window, pelaksanaan.c.periode)
    # The bukti as one array per column, oldest first: one row for the cycle however many it has, each value of its
    # column's own type (a JSON document would hand dates and times back as text).
    order = (bukti.c.created_at, bukti.c.id)
    bukti_of = (
        select(
            *(
                array_agg(aggregate_order_by(c, *order)).label(label)
                for (label, _), c in zip(_BUKTI_KEYS, bukti.c, strict=True)
            )
        )
        .where(bukti.c.pelaksanaan_id == pelaksanaan.c.id)
        .lateral("bukti_of")
    )
    query = (
        select(
            *_PELAKSANAAN_PART.columns(),
            *_PEGAWAI_PART.columns(),
            current_atasan_of(RosterRelasi.__table__.c, pelaksanaan.c.pegawai_id, relation_day).label("atasan"),
            periode.c.snapshot.label("periode_snapshot"),
            extensions.label("extensions"),
            *bukti_of.c,
        )
        .select_from(
            pelaksanaan.outerjoin(pegawai, pegawai.c.pegawai_id == pelaksanaan.c.pegawai_id)
            .outerjoin(periode, periode.c.kode == pelaksanaan.c.periode)
            .join(bukti_of, true())
        )
        .where(pelaksanaan.c.id == bindparam("id"))
    )
    # Only the cycle's row is locked: the roster's and the period's rows change with planning's events, which a step
    # must not hold up.
    return query.with_for_update(of=pelaksanaan) if for_update else query


@cache
def _find_query(of_bagian: bool, for_update: bool) -> Any:
    c = _PELAKSANAAN.c
    query = select(_PELAKSANAAN).where(c.pegawai_id == bindparam("pegawai_id"), c.periode == bindparam("periode"))
    if of_bagian:
        query = query.where(c.bagian == bindparam("bagian"))
    query = query.order_by(c.bagian.desc()).limit(1)
    return query.with_for_update() if for_update else query


# Each column one array: a statement of constant text for any number of plans or parts. A plan's version is recorded
# only if newer than the one applied; its id comes back when it was.
_ADVANCE = text(
    "INSERT INTO skp_seen (skp_id, version)"
    " SELECT * FROM unnest(CAST(:skp_ids AS uuid[]), CAST(:versions AS integer[]))"
    " ON CONFLICT (skp_id) DO UPDATE SET version = excluded.version WHERE skp_seen.version < excluded.version"
    " RETURNING skp_id"
)
_FIND_PARTS = select(_PELAKSANAAN).where(
    tuple_(_PELAKSANAAN.c.pegawai_id, _PELAKSANAAN.c.periode, _PELAKSANAAN.c.bagian).in_(
        select(
            func.unnest(bindparam("pegawai_ids", type_=ARRAY(Uuid()))),
            func.unnest(bindparam("periods", type_=ARRAY(String()))),
            func.unnest(bindparam("bagian", type_=ARRAY(Integer()))),
        )
    )
)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _persiapan(raw: dict[str, Any] | None) -> Persiapan | None:
    if not raw:
        return None
    return Persiapan(
        target_perilaku=tuple(raw["target_perilaku"]),
        upaya=raw["upaya"],
        jadwal_usulan=date.fromisoformat(raw["jadwal_usulan"]),
        jadwal_atasan=_date(raw.get("jadwal_atasan")),
        catatan_atasan=raw.get("catatan_atasan"),
        jadwal_disepakati=_date(raw.get("jadwal_disepakati")),
    )


def _observasi(raw: dict[str, Any] | None) -> Observasi | None:
    if not raw:
        return None
    return Observasi(
        atasan_id=uuid.UUID(raw["atasan_id"]),
        mode=raw["mode"],
        items=tuple(RubrikItem(**item) for item in raw["items"]),
        catatan=raw.get("catatan"),
        observed_at=datetime.fromisoformat(raw["observed_at"]),
        alasan_pindah=raw.get("alasan_pindah"),
    )


def _diskusi_atasan(raw: dict[str, Any] | None) -> DiskusiAtasan | None:
    if not raw:
        return None
    return DiskusiAtasan(
        catatan=raw["catatan"], tujuan=raw["tujuan"], langkah=raw["langkah"], jadwal=date.fromisoformat(raw["jadwal"])
    )


def _columns(p: Pelaksanaan) -> dict[str, Any]:
    persiapan = p.persiapan
    observasi = p.observasi
    diskusi = p.diskusi_atasan
    return {
        "id": p.id,
        "skp_id": p.skp_id,
        "pegawai_id": p.pegawai_id,
        "periode": p.periode,
        "bagian": p.bagian,
        "npsn": p.npsn,
        "mulai": p.mulai,
        "selesai": p.selesai,
        "atasan_id": p.atasan_id,
        "tahap": p.tahap.value,
        "version": p.version,
        "siklus": p.siklus,
        "skp_version": p.skp_version,
        "indikator": {
            "kode": p.indikator.kode,
            "nama": p.indikator.nama,
            "perilaku_dianjurkan": list(p.indikator.perilaku_dianjurkan),
            "perilaku_dihindari": list(p.indikator.perilaku_dihindari),
        },
        "content": {
            "persiapan": None
            if persiapan is None
            else {
                "target_perilaku": list(persiapan.target_perilaku),
                "upaya": persiapan.upaya,
                "jadwal_usulan": _iso(persiapan.jadwal_usulan),
                "jadwal_atasan": _iso(persiapan.jadwal_atasan),
                "catatan_atasan": persiapan.catatan_atasan,
                "jadwal_disepakati": _iso(persiapan.jadwal_disepakati),
            },
            "observasi": None
            if observasi is None
            else {
                "atasan_id": str(observasi.atasan_id),
                "mode": observasi.mode,
                "items": [
                    {"perilaku": i.perilaku, "jenis": i.jenis, "nilai": i.nilai, "catatan": i.catatan}
                    for i in observasi.items
                ],
                "catatan": observasi.catatan,
                "observed_at": observasi.observed_at.isoformat(),
                "alasan_pindah": observasi.alasan_pindah,
            },
            "diskusi_atasan": None
            if diskusi is None
            else {
                "catatan": diskusi.catatan,
                "tujuan": diskusi.tujuan,
                "langkah": diskusi.langkah,
                "jadwal": _iso(diskusi.jadwal),
            },
            "diskusi_guru": None if p.diskusi_guru is None else {"catatan": p.diskusi_guru.catatan},
            "upaya": [
                {"deskripsi": u.deskripsi, "tempat": u.tempat, "tanggal": u.tanggal.isoformat()} for u in p.upaya
            ],
            "refleksi": p.refleksi,
            "step_selesai": {k: v.isoformat() for k, v in p.step_selesai.items()},
        },
        "riwayat": p.riwayat,
        "opened_at": p.opened_at,
        "closed_at": p.closed_at,
        "completed_at": p.completed_at,
    }


class SkpSeenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def advance(self, skp_id: uuid.UUID, version: int) -> bool:
        """Record `version` of the plan; False when this or a newer version was applied already."""
        return skp_id in await self.advance_many({skp_id: version})

    async def advance_many(self, versions: dict[uuid.UUID, int]) -> set[uuid.UUID]:
        """`advance` for many plans at once: the plans whose version was newer than the one applied."""
        if not versions:
            return set()
        parameters = {"skp_ids": list(versions), "versions": list(versions.values())}
        return set((await self._session.execute(_ADVANCE, parameters)).scalars())


class BuktiRepository:
    def __init__(self, session: AsyncSession, track: Callable[[Bukti], None]) -> None:
        self._session = session
        self._track = track

    def add(self, bukti: Bukti) -> None:
        self._session.add(
            BuktiRow(
                id=bukti.id,
                pelaksanaan_id=bukti.pelaksanaan_id,
                pegawai_id=bukti.pegawai_id,
                periode=bukti.periode,
                kategori=bukti.kategori,
                sumber=bukti.sumber,
                nama_file=bukti.nama_file,
                media_type=bukti.media_type,
                size_bytes=bukti.size_bytes,
                sha256=bukti.sha256,
                storage_key=bukti.storage_key,
                tanggal_dokumen=bukti.tanggal_dokumen,
                outside_period=bukti.outside_period,
                catatan=bukti.catatan,
                added_by=bukti.added_by,
                created_at=bukti.created_at,
            )
        )
        self._track(bukti)

    async def get(self, bukti_id: uuid.UUID) -> Bukti | None:
        row = await self._session.get(BuktiRow, bukti_id)
        return _bukti(row) if row else None

    async def confirmation(self, pelaksanaan_id: uuid.UUID, kategori: str) -> Bukti | None:
        query = select(BuktiRow).where(
            BuktiRow.pelaksanaan_id == pelaksanaan_id, BuktiRow.kategori == kategori, BuktiRow.sumber == "konfirmasi"
        )
        row = (await self._session.execute(query)).scalar_one_or_none()
        return _bukti(row) if row else None


def _bukti(row: BuktiRow) -> Bukti:
    return Bukti(
        id=row.id,
        pelaksanaan_id=row.pelaksanaan_id,
        pegawai_id=row.pegawai_id,
        periode=row.periode,
        kategori=row.kategori,
        sumber=row.sumber,
        added_by=row.added_by,
        created_at=row.created_at,
        nama_file=row.nama_file,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        storage_key=row.storage_key,
        tanggal_dokumen=row.tanggal_dokumen,
        outside_period=row.outside_period,
        catatan=row.catatan,
    )


class UnggahanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, upload: Unggahan) -> None:
        self._session.add(
            UnggahanRow(
                id=upload.id,
                pelaksanaan_id=upload.pelaksanaan_id,
                pegawai_id=upload.pegawai_id,
                kategori=upload.kategori,
                nama_file=upload.nama_file,
                tanggal_dokumen=upload.tanggal_dokumen,
                length=upload.length,
                offset=upload.offset,
                head=upload.head,
                parts=list(upload.parts),
                media_type=upload.media_type,
            )
        )

    async def get(self, upload_id: uuid.UUID, *, for_update: bool = False) -> Unggahan | None:
        query = select(UnggahanRow).where(UnggahanRow.id == upload_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        return Unggahan(
            id=row.id,
            pelaksanaan_id=row.pelaksanaan_id,
            pegawai_id=row.pegawai_id,
            kategori=row.kategori,
            nama_file=row.nama_file,
            tanggal_dokumen=row.tanggal_dokumen,
            length=row.length,
            offset=row.offset,
            head=bytes(row.head),
            parts=tuple(row.parts),
            media_type=row.media_type,
        )

    async def save(self, upload: Unggahan) -> None:
        """Where the upload stands after a committed chunk: its offset, first bytes, media type and parts."""
        await self._session.execute(
            update(UnggahanRow)
            .where(UnggahanRow.id == upload.id)
            .values(
                offset=upload.offset,
                head=upload.head,
                media_type=upload.media_type,
                parts=list(upload.parts),
                updated_at=func.now(),
            )
        )

    async def remove(self, upload_id: uuid.UUID) -> None:
        await self._session.execute(delete(UnggahanRow).where(UnggahanRow.id == upload_id))
