"""Appraisal's unit of work in memory, for the use-case tests: the penilaian, the roster projection, the SKP
monitor, the predikat organisasi and the monitoring rows, without PostgreSQL or RabbitMQ.

Each repository implements the methods the use cases call, as the real one answers them: a load hands out a copy
(a change is kept only by `save`), `save` refuses a version someone else moved, the roster answers who appraises
whom on a day. Imported by path (`services.appraisal.tests.unit.fakes`): test directories are not packages, and
other services have their own `fakes` module.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from appraisal.db.repository import PenilaianInContext, periode_of
from appraisal.domain import monitoring
from appraisal.domain.access import Actor
from appraisal.domain.evaluasi import default_rules
from appraisal.domain.monitoring import MonitoringCounts
from appraisal.domain.organisasi import LaporanSekolah
from appraisal.domain.penilaian import Penilaian, Status
from appraisal.domain.periode import Periode, tahun_kode
from appraisal.usecases import Deps
from pmm_kernel.clock import Clock
from pmm_kernel.errors import NotFound, StaleVersion, StateConflict
from pmm_kernel.windows import Extension
from pmm_roster.projections import RosterPegawai, RosterSekolah
from pmm_roster.records import PeriodeWindows
from pmm_testkit.fake_uow import FakeUnitOfWork

NPSN = "20217301"
KODE_WILAYAH = "3273"
NAMA_WILAYAH = "Kota Bandung"


# --- the roster projection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relasi:
    pegawai_id: uuid.UUID
    atasan_id: uuid.UUID
    peran_atasan: str
    mulai: date
    selesai: date | None


@dataclass
class RosterData:
    """What planning's events would have put in the roster projection."""

    sekolah: dict[str, RosterSekolah] = field(default_factory=dict)
    pegawai: dict[uuid.UUID, RosterPegawai] = field(default_factory=dict)
    relasi: list[Relasi] = field(default_factory=list)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)  # periode.opened, as the projection keeps it
    extensions: list[tuple[str, Extension]] = field(default_factory=list)  # (kode, extension)

    def add_sekolah(
        self, npsn: str = NPSN, *, kode_wilayah: str = KODE_WILAYAH, nama_wilayah: str = NAMA_WILAYAH
    ) -> RosterSekolah:
        sekolah = RosterSekolah(
            npsn=npsn, nama=f"SD Negeri {npsn}", kode_wilayah=kode_wilayah, nama_wilayah=nama_wilayah, version=1
        )
        self.sekolah[npsn] = sekolah
        return sekolah

    def add_pegawai(
        self,
        nama: str,
        *,
        npsn: str = NPSN,
        status: str = "PNS",
        jenis_gtk: str = "Guru Kelas",
        jenjang_jabatan: str | None = "Ahli Pertama",
        pangkat_golongan: str | None = "III/a",
    ) -> RosterPegawai:
        sekolah = self.sekolah.get(npsn)
        pegawai = RosterPegawai(
            pegawai_id=uuid.uuid4(),
            nip=str(198_000_000_000_000_000 + len(self.pegawai)),
            status=status,
            nama=nama,
            pangkat_golongan=pangkat_golongan,
            jenjang_jabatan=jenjang_jabatan,
            jenis_gtk=jenis_gtk,
            npsn=npsn,
            kode_wilayah=sekolah.kode_wilayah if sekolah else KODE_WILAYAH,
            version=1,
        )
        self.pegawai[pegawai.pegawai_id] = pegawai
        return pegawai

    def relate(
        self,
        pegawai: RosterPegawai,
        atasan: RosterPegawai,
        peran: str = "kepala_sekolah",
        *,
        mulai: date = date(2023, 1, 1),
        selesai: date | None = None,
    ) -> None:
        self.relasi.append(Relasi(pegawai.pegawai_id, atasan.pegawai_id, peran, mulai, selesai))

    def open_periods(self, *snapshots: dict[str, Any]) -> None:
        for snapshot in snapshots:
            self.snapshots[snapshot["kode"]] = snapshot

    def extend(self, kode: str, step: str, until: date, wilayah: str | None = None) -> None:
        self.extensions.append((kode, Extension(step=step, until=until, region=wilayah, reason="banjir")))


def _window(step: str, opens: str, closes: str) -> dict[str, Any]:
    return {"step": step, "opens": opens, "closes": closes, "late_until": None}


def semester_2024(n: int) -> dict[str, Any]:
    """2024's semester `n` as planning announces it, with the year's penilaian tahunan (January 2025)."""
    first = n == 1
    return {
        "kode": f"2024-S{n}",
        "tahun": 2024,
        "nama": f"Semester {n} 2024",
        "jenis": "semester",
        "mulai": "2024-01-01" if first else "2024-07-01",
        "selesai": "2024-06-30" if first else "2024-12-31",
        "bulan": 6,
        "windows": [
            _window("pelaksanaan", "2024-02-01", "2024-05-30")
            if first
            else _window("pelaksanaan", "2024-08-01", "2024-11-30"),
            _window("penilaian", "2024-06-01", "2024-06-30")
            if first
            else _window("penilaian", "2024-12-01", "2024-12-31"),
        ],
        "penilaian_tahunan": _window("penilaian_tahunan", "2025-01-01", "2025-01-31"),
    }


def tahunan_2025() -> dict[str, Any]:
    """2025's one period: its own penilaian is the year's result, there is no separate annual evaluation."""
    return {
        "kode": "2025-T",
        "tahun": 2025,
        "nama": "Tahunan 2025",
        "jenis": "tahunan",
        "mulai": "2025-01-01",
        "selesai": "2025-12-31",
        "bulan": 12,
        "windows": [
            _window("pelaksanaan", "2025-02-01", "2025-10-31"),
            _window("penilaian", "2025-11-15", "2025-12-31"),
        ],
        "penilaian_tahunan": None,
    }


class FakeRosterView:
    """`pmm_roster.projections.RosterView`'s reads."""

    def __init__(self, data: RosterData) -> None:
        self._data = data

    async def pegawai(self, pegawai_id: uuid.UUID) -> RosterPegawai | None:
        return self._data.pegawai.get(pegawai_id)

    async def pegawai_by_nip(self, nip: str) -> RosterPegawai | None:
        return next((p for p in self._data.pegawai.values() if p.nip == nip), None)

    async def periode(self, kode: str) -> PeriodeWindows:
        snapshot = self._data.snapshots.get(kode)
        if snapshot is None:
            raise NotFound(f"no period {kode}", rule="periode.unknown", field="periode")
        extensions = tuple(e for k, e in self._data.extensions if k == kode)
        return PeriodeWindows(kode=kode, snapshot=snapshot, extensions=extensions)


class FakeAppraisalRoster:
    """`appraisal.db.repository.AppraisalRoster`."""

    def __init__(self, data: RosterData) -> None:
        self._data = data

    async def sekolah(self, npsn: str) -> RosterSekolah | None:
        return self._data.sekolah.get(npsn)

    async def current_relation(self, pegawai_id: uuid.UUID, on: date) -> tuple[uuid.UUID, str] | None:
        valid = [
            r
            for r in self._data.relasi
            if r.pegawai_id == pegawai_id and r.mulai <= on and (r.selesai is None or r.selesai >= on)
        ]
        if not valid:
            return None
        latest = max(valid, key=lambda r: r.mulai)
        return latest.atasan_id, latest.peran_atasan

    async def sekolah_dinilai(self, atasan_id: uuid.UUID, on: date) -> frozenset[str]:
        schools = set()
        for pegawai in self._data.pegawai.values():
            current = await self.current_relation(pegawai.pegawai_id, on)
            if current is not None and current[0] == atasan_id:
                schools.add(pegawai.npsn)
        return frozenset(schools)

    async def sekolah_plt(self, atasan_id: uuid.UUID, on: date) -> frozenset[str]:
        return frozenset(
            self._data.pegawai[r.pegawai_id].npsn
            for r in self._data.relasi
            if r.atasan_id == atasan_id
            and r.peran_atasan == "plt_kepala_sekolah"
            and r.mulai <= on
            and (r.selesai is None or r.selesai >= on)
        )

    async def find_periode(self, kode: str) -> Periode | None:
        snapshot = self._data.snapshots.get(kode)
        return periode_of(snapshot) if snapshot is not None else None

    async def periods_of_year(self, tahun: int) -> list[Periode]:
        year = [s for s in self._data.snapshots.values() if s["tahun"] == tahun]
        return [periode_of(s) for s in sorted(year, key=lambda s: s["mulai"])]


# --- appraisal's own tables ----------------------------------------------------------------------------------


class FakePenilaianRepository:
    def __init__(self, track: Callable[[Penilaian], None], roster: RosterData) -> None:
        self._track = track
        self._roster = roster
        self.rows: dict[uuid.UUID, Penilaian] = {}
        self.saves = 0
        self.locked_ahead: dict[tuple[uuid.UUID, str, int], Penilaian | None] = {}

    def put(self, penilaian: Penilaian) -> Penilaian:
        """A penilaian already in the table (the test's starting point)."""
        self.rows[penilaian.id] = replace(penilaian, events=[])
        return penilaian

    def stored(self, pegawai_id: uuid.UUID, periode: str, bagian: int = 1) -> Penilaian | None:
        """What the table holds now, as a copy."""
        key = (pegawai_id, periode, bagian)
        row = next((p for p in self.rows.values() if (p.pegawai_id, p.periode, p.bagian) == key), None)
        return replace(row, events=[]) if row is not None else None

    def _loaded(self, row: Penilaian | None) -> Penilaian | None:
        if row is None:
            return None
        penilaian = replace(row, events=[])
        self._track(penilaian)
        return penilaian

    async def get_in_context(
        self, penilaian_id: uuid.UUID, *, on: date, for_update: bool = False, with_atasan: bool = False
    ) -> PenilaianInContext | None:
        """The penilaian with its pegawai, its part's school, the atasan of the part's day and the periods of its
        year, as the one statement over the roster answers them."""
        penilaian = self._loaded(self.rows.get(penilaian_id))
        if penilaian is None:
            return None
        data = self._roster
        pegawai = data.pegawai.get(penilaian.pegawai_id)
        npsn = penilaian.npsn or (pegawai.npsn if pegawai else None)
        relation = await FakeAppraisalRoster(data).current_relation(penilaian.pegawai_id, penilaian.hari_penilai(on))
        atasan = data.pegawai.get(relation[0]) if with_atasan and relation else None
        # The year of its period, or for the annual evaluation the year its code names.
        named = data.snapshots.get(penilaian.periode)
        tahun = tahun_kode(penilaian.periode) if penilaian.menimbang_periode else (named["tahun"] if named else None)
        year = sorted((s for s in data.snapshots.values() if s["tahun"] == tahun), key=lambda s: s["mulai"])
        return PenilaianInContext(
            penilaian=penilaian,
            pegawai=pegawai,
            sekolah=data.sekolah.get(npsn) if npsn else None,
            relation=relation,
            atasan=atasan,
            atasan_sekolah=data.sekolah.get(atasan.npsn) if atasan else None,
            periods=tuple(
                PeriodeWindows(
                    kode=s["kode"], snapshot=s, extensions=tuple(e for k, e in data.extensions if k == s["kode"])
                )
                for s in year
            ),
        )

    async def find(
        self, pegawai_id: uuid.UUID, periode: str, *, bagian: int = 1, for_update: bool = False
    ) -> Penilaian | None:
        key = (pegawai_id, periode, bagian)
        if for_update and key in self.locked_ahead:
            return self.locked_ahead.pop(key)
        return self._loaded(next((p for p in self.rows.values() if (p.pegawai_id, p.periode, p.bagian) == key), None))

    async def find_by_skp(self, pegawai_id: uuid.UUID, periode: str, skp_id: uuid.UUID) -> Penilaian | None:
        found = sorted(
            (p for p in self.rows.values() if (p.pegawai_id, p.periode, p.skp_id) == (pegawai_id, periode, skp_id)),
            key=lambda p: p.bagian,
        )
        return self._loaded(found[0] if found else None)

    async def parts(self, pegawai_id: uuid.UUID, periode: str) -> list[Penilaian]:
        found = [p for p in self.rows.values() if (p.pegawai_id, p.periode) == (pegawai_id, periode)]
        return [replace(p, events=[]) for p in sorted(found, key=lambda p: p.bagian)]

    async def latest_bagian(self, pegawai_id: uuid.UUID, periode: str) -> int | None:
        return max((p.bagian for p in await self.parts(pegawai_id, periode)), default=None)

    async def parts_of_plans(
        self, plans: Collection[tuple[uuid.UUID, str, uuid.UUID | None]]
    ) -> dict[tuple[uuid.UUID, str, uuid.UUID | None], tuple[int | None, int | None]]:
        found = {}
        for pegawai_id, periode, skp_id in plans:
            parts = await self.parts(pegawai_id, periode)
            named = next((p.bagian for p in parts if skp_id is not None and p.skp_id == skp_id), None)
            found[(pegawai_id, periode, skp_id)] = (named, max((p.bagian for p in parts), default=None))
        return found

    async def add(self, penilaian: Penilaian) -> Penilaian:
        self.locked_ahead.pop((penilaian.pegawai_id, penilaian.periode, penilaian.bagian), None)
        existing = await self.find(penilaian.pegawai_id, penilaian.periode, bagian=penilaian.bagian)
        if existing is not None:
            return existing
        self.rows[penilaian.id] = replace(penilaian, events=[])
        self._track(penilaian)
        return penilaian

    async def save(self, penilaian: Penilaian, *, expected_version: int) -> None:
        self.locked_ahead.pop((penilaian.pegawai_id, penilaian.periode, penilaian.bagian), None)
        row = self.rows.get(penilaian.id)
        if row is None or row.version != expected_version:
            raise StaleVersion("the penilaian changed since it was read", rule="penilaian.concurrent_change")
        self.rows[penilaian.id] = replace(penilaian, events=[])
        self.saves += 1

    async def lock_keys(self, keys: Iterable[tuple[uuid.UUID, str, int]]) -> None:
        """As the repository reads ahead: each key's part as it is now, for `find(for_update=True)` to answer once."""
        self.locked_ahead = {}
        for pegawai_id, periode, bagian in sorted(set(keys)):
            self.locked_ahead[(pegawai_id, periode, bagian)] = await self.find(pegawai_id, periode, bagian=bagian)

    async def of_year(self, pegawai_id: uuid.UUID, periodes: Sequence[str]) -> list[Penilaian]:
        return (await self.of_years([pegawai_id], periodes)).get(pegawai_id, [])

    async def of_years(
        self, pegawai_ids: Sequence[uuid.UUID], periodes: Sequence[str]
    ) -> dict[uuid.UUID, list[Penilaian]]:
        found: dict[uuid.UUID, list[Penilaian]] = {}
        for p in self.rows.values():
            if p.pegawai_id in pegawai_ids and p.periode in periodes:
                found.setdefault(p.pegawai_id, []).append(replace(p, events=[]))
        return found

    async def angka_kredit_total(self, pegawai_id: uuid.UUID, jenjang: str, *, excluding: uuid.UUID) -> Decimal:
        total = sum(
            (
                p.final.angka_kredit.nilai
                for p in self.rows.values()
                if p.pegawai_id == pegawai_id
                and p.id != excluding
                and p.status is Status.FINAL
                and p.final is not None
                and p.final.angka_kredit is not None
                and p.final.angka_kredit.jenjang == jenjang
            ),
            Decimal(0),
        )
        return Decimal(total).quantize(Decimal("0.01"))

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
        appraised = FakeAppraisalRoster(self._roster)

        def region(p: Penilaian, pegawai: RosterPegawai | None) -> str | None:
            school = self._roster.sekolah.get(p.npsn) if p.npsn else None
            return school.kode_wilayah if school else (pegawai.kode_wilayah if pegawai else None)

        async def visible(p: Penilaian) -> bool:
            pegawai = self._roster.pegawai.get(p.pegawai_id)
            relation = await appraised.current_relation(p.pegawai_id, p.hari_penilai(on))
            return (
                (owner is not None and p.pegawai_id == owner)
                or (appraised_by is not None and relation is not None and relation[0] == appraised_by)
                or (wilayah is not None and region(p, pegawai) is not None and region(p, pegawai).startswith(wilayah))
            )

        found = []
        for p in sorted(self.rows.values(), key=lambda p: p.id):
            if (periode is None or p.periode == periode) and (status is None or p.status.value == status):
                if (after is None or p.id > after) and await visible(p):
                    found.append((replace(p, events=[]), self._roster.pegawai.get(p.pegawai_id)))
        return found[:limit]

    async def predikat_counts(self, npsn: str, periode: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.rows.values():
            pegawai = self._roster.pegawai.get(p.pegawai_id)
            rated = p.status in (Status.DINILAI, Status.FINAL) and p.nilai is not None
            school = p.npsn or (pegawai.npsn if pegawai is not None else None)
            if rated and p.periode == periode and school == npsn:
                counts[p.nilai.predikat.value] = counts.get(p.nilai.predikat.value, 0) + 1  # type: ignore[union-attr]
        return counts


class FakeSkpMonitor:
    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, str], tuple[str, int]] = {}  # (pegawai, periode) -> (status, skp_version)
        self.bagian: dict[tuple[uuid.UUID, str], int] = {}  # the latest part shown

    async def apply(
        self, pegawai_id: uuid.UUID, periode: str, *, status: str, skp_version: int, bagian: int = 1
    ) -> None:
        current = self.rows.get((pegawai_id, periode))
        held = self.bagian.get((pegawai_id, periode), 0)
        if current is None or held < bagian or (held == bagian and current[1] < skp_version):
            self.rows[(pegawai_id, periode)] = (status, skp_version)
            self.bagian[(pegawai_id, periode)] = bagian

    async def apply_many(self, steps: Sequence[tuple[uuid.UUID, str, str, int, int]]) -> None:
        for pegawai_id, periode, status, skp_version, bagian in steps:
            await self.apply(pegawai_id, periode, status=status, skp_version=skp_version, bagian=bagian)


class FakePredikatOrganisasi:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], tuple[str, str]] = {}  # (npsn, tahun) -> (predikat, operator)

    async def get(self, npsn: str, tahun: int) -> str | None:
        row = self.rows.get((npsn, tahun))
        return row[0] if row else None

    async def set(self, npsn: str, tahun: int, predikat_organisasi: str, *, operator: str) -> None:
        self.rows[(npsn, tahun)] = (predikat_organisasi, operator)


class FakeLaporanOrganisasi:
    """`appraisal.db.organisasi.LaporanOrganisasiRepository`: the school's report, once a year, and the policy year
    planning's period snapshots announce for a calendar year."""

    def __init__(self, roster: RosterData) -> None:
        self._roster = roster
        self.rows: dict[tuple[str, int], LaporanSekolah] = {}

    async def get(self, npsn: str, tahun: int) -> LaporanSekolah | None:
        return self.rows.get((npsn, tahun))

    async def add(self, laporan: LaporanSekolah) -> None:
        if (laporan.npsn, laporan.tahun) in self.rows:
            raise StateConflict("already sent", rule="organisasi.laporan_sudah_dikirim", field="tahun")
        self.rows[(laporan.npsn, laporan.tahun)] = laporan

    async def policy_year(self, tahun: int) -> int | None:
        return next(
            (s["policy_year"] for s in self._roster.snapshots.values() if s["tahun"] == tahun and s.get("policy_year")),
            None,
        )


class FakeMonitoring:
    """The aggregate query is PostgreSQL's (the integration suite covers it): here, the scope it was asked for."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []
        self.answer: list[MonitoringCounts] = []

    async def rows(
        self, *, periode: str, tingkat: str, wilayah: str | None, npsn: str | None
    ) -> list[MonitoringCounts]:
        self.asked.append({"periode": periode, "tingkat": tingkat, "wilayah": wilayah, "npsn": npsn})
        return list(self.answer)


class FakeMonitoringNama:
    """The monitoring by name in memory: the version guards of the real upserts (the domain's rules) and the rows
    composed from the roster, the SKP monitor and the penilaian, so the use cases' scope and filters are tested
    without PostgreSQL."""

    def __init__(self, roster: RosterData, skp: FakeSkpMonitor, penilaian: FakePenilaianRepository) -> None:
        self._roster, self._skp, self._penilaian = roster, skp, penilaian
        self.langkah: dict[tuple[uuid.UUID, str], tuple[str, int]] = {}
        self.langkah_bagian: dict[tuple[uuid.UUID, str], int] = {}  # the part whose cycle is shown
        self.pushes: dict[uuid.UUID, dict[str, Any]] = {}
        self.koreksi: dict[uuid.UUID, tuple[uuid.UUID, bool, int]] = {}  # id -> (pegawai, terbuka, version)
        self.asked: list[dict[str, Any]] = []

    async def apply_langkah(
        self, pegawai_id: uuid.UUID, periode: str, *, langkah: str, version: int, bagian: int = 1
    ) -> None:
        key = (pegawai_id, periode)
        held_bagian = self.langkah_bagian.get(key, 1)
        if monitoring.newer_langkah(self.langkah.get(key), langkah, version, bagian=bagian, held_bagian=held_bagian):
            self.langkah[key] = (langkah, version)
            self.langkah_bagian[key] = bagian

    async def apply_langkah_many(self, steps: Sequence[tuple[uuid.UUID, str, str, int, int]]) -> None:
        for pegawai_id, periode, langkah, version, bagian in steps:
            await self.apply_langkah(pegawai_id, periode, langkah=langkah, version=version, bagian=bagian)

    async def apply_push(self, push_id: uuid.UUID, *, version: int, at: datetime, **fields: Any) -> None:
        held = self.pushes.get(push_id)
        if held is None or (held["version"], held["at"]) < (version, at):
            self.pushes[push_id] = {**fields, "version": version, "at": at}

    async def apply_koreksi(self, koreksi_id: uuid.UUID, *, pegawai_id: uuid.UUID, terbuka: bool, version: int) -> None:
        held = self.koreksi.get(koreksi_id)
        if held is None or held[2] < version:
            self.koreksi[koreksi_id] = (pegawai_id, terbuka, version)

    def row(self, pegawai: RosterPegawai, periode: str) -> monitoring.PegawaiMonitoring:
        sekolah = self._roster.sekolah[pegawai.npsn]
        skp = self._skp.rows.get((pegawai.pegawai_id, periode))
        langkah = self.langkah.get((pegawai.pegawai_id, periode))
        parts = [p for p in self._penilaian.rows.values() if (p.pegawai_id, p.periode) == (pegawai.pegawai_id, periode)]
        penilaian = max(parts, key=lambda p: p.bagian) if parts else None  # the latest part is shown
        pushes = sorted(
            (p for p in self.pushes.values() if (p["pegawai_id"], p["periode"]) == (pegawai.pegawai_id, periode)),
            key=lambda p: p["at"],
        )
        gagal = [p for p in pushes if p["status"] == "GAGAL"]
        rated = penilaian is not None and penilaian.nilai is not None
        return monitoring.PegawaiMonitoring(
            pegawai_id=pegawai.pegawai_id,
            nama=pegawai.nama,
            jenis_gtk=pegawai.jenis_gtk,
            npsn=pegawai.npsn,
            nama_sekolah=sekolah.nama,
            kode_wilayah=sekolah.kode_wilayah,
            nama_wilayah=sekolah.nama_wilayah,
            perencanaan=monitoring.PERENCANAAN[skp[0] if skp else None],
            pelaksanaan=monitoring.PELAKSANAAN[langkah[0] if langkah else None],
            penilaian=monitoring.PENILAIAN[penilaian.status.value if penilaian else None],
            predikat=penilaian.nilai.predikat.value if rated and penilaian and penilaian.nilai else None,
            bkn=monitoring.bkn_state([p["status"] for p in pushes]),
            bkn_kode=gagal[-1]["kode"] if gagal else None,
            bkn_perbaikan_oleh=gagal[-1]["fixer"] if gagal else None,
            bkn_tindakan=gagal[-1]["action"] if gagal else None,
            koreksi_terbuka=sum(1 for p, t, _ in self.koreksi.values() if p == pegawai.pegawai_id and t),
            diperbarui=None,
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
    ) -> list[monitoring.PegawaiMonitoring]:
        self.asked.append({"periode": periode, "wilayah": wilayah, "npsn": npsn, "fase": fase, "status": status})
        out = []
        for pegawai in self._roster.pegawai.values():
            sekolah = self._roster.sekolah.get(pegawai.npsn)
            if sekolah is None or pegawai.jenis_gtk == "Pengawas Sekolah":
                continue
            if wilayah and not sekolah.kode_wilayah.startswith(wilayah):
                continue
            if npsn is not None and pegawai.npsn not in npsn:
                continue
            row = self.row(pegawai, periode)
            state = {"koreksi": "terbuka" if row.koreksi_terbuka else "tidak"}.get(fase or "", None)
            if fase is not None and status is not None and (state or getattr(row, fase)) != status:
                continue
            if after is not None:
                last = self._roster.pegawai[after]
                if (row.npsn, row.nama, str(row.pegawai_id)) <= (last.npsn, last.nama, str(after)):
                    continue
            out.append(row)
        out.sort(key=lambda r: (r.npsn, r.nama, str(r.pegawai_id)))
        return out[:limit]


class FakeAppraisalUnitOfWork(FakeUnitOfWork):
    service = "appraisal"

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.data = RosterData()
        self.penilaian = FakePenilaianRepository(self.track, self.data)
        self.roster = FakeRosterView(self.data)
        self.roster_extra = FakeAppraisalRoster(self.data)
        self.skp_monitor = FakeSkpMonitor()
        self.predikat_organisasi = FakePredikatOrganisasi()
        self.laporan_organisasi = FakeLaporanOrganisasi(self.data)
        self.monitoring = FakeMonitoring()
        self.monitoring_nama = FakeMonitoringNama(self.data, self.skp_monitor, self.penilaian)


def deps_for(uow: FakeAppraisalUnitOfWork) -> Deps:
    """The use cases' dependencies over one fake unit of work (every `deps.uow()` is that one)."""
    return Deps(uow=lambda: uow, clock=uow.clock, rules=default_rules())  # type: ignore[arg-type, return-value]


# --- callers -------------------------------------------------------------------------------------------------


def as_pegawai(pegawai: RosterPegawai, *roles: str) -> Actor:
    return Actor(subject=pegawai.nip, roles=frozenset(roles or ("guru",)), pegawai_id=pegawai.pegawai_id, wilayah=None)


def as_operator(wilayah: str = KODE_WILAYAH) -> Actor:
    return Actor(subject=f"op-{wilayah}", roles=frozenset({"operator"}), pegawai_id=None, wilayah=wilayah)


# --- a school to appraise in -----------------------------------------------------------------------------------


@dataclass
class Sekolah:
    """A school in the roster with its kepala sekolah and one guru they appraise, 2024's and 2025's periods open."""

    sekolah: RosterSekolah
    ks: RosterPegawai
    guru: RosterPegawai


def school(
    uow: FakeAppraisalUnitOfWork,
    npsn: str = NPSN,
    *,
    kode_wilayah: str = KODE_WILAYAH,
    guru_status: str = "PNS",
    guru_jenjang: str | None = "Ahli Pertama",
) -> Sekolah:
    sekolah = uow.data.add_sekolah(npsn, kode_wilayah=kode_wilayah)
    ks = uow.data.add_pegawai(
        "Kepala", npsn=npsn, jenis_gtk="Kepala Sekolah", jenjang_jabatan="Ahli Madya", pangkat_golongan="IV/a"
    )
    guru = uow.data.add_pegawai("Guru", npsn=npsn, status=guru_status, jenjang_jabatan=guru_jenjang)
    uow.data.relate(guru, ks)
    uow.data.open_periods(semester_2024(1), semester_2024(2), tahunan_2025())
    return Sekolah(sekolah=sekolah, ks=ks, guru=guru)
