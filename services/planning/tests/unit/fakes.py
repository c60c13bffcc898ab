"""Planning's fake unit of work: in-memory repositories with exactly the methods planning's use cases call.

Repositories are built once, so what one use case saves the next loads; a plan is stored as a copy and loaded as a
copy, as a database would, so a change that is never saved is never seen. `World` seeds a small region (two schools
of Kota Bandung, one of Jakarta Pusat, a pengawas) with the 2024 periods opened, and builds the actors.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from planning.domain.catalog import Catalog, load_catalog
from planning.domain.koreksi import Koreksi, KoreksiStatus
from planning.domain.periode import periode_snapshot
from planning.domain.policy import Policy, load_policies, periods_for_year, policy_for_year
from planning.domain.records import OpenedPeriode, Pegawai, Relasi, Sekolah
from planning.domain.roster import PegawaiRow, SekolahRow
from planning.domain.skp import Skp, SkpListed, peran_of
from planning.usecases import Deps
from pmm_kernel.access import Actor
from pmm_kernel.clock import Clock, today
from pmm_kernel.errors import StaleVersion, StateConflict
from pmm_kernel.windows import Extension
from pmm_testkit.fake_uow import FakeUnitOfWork


class FakeRosterRepository:
    def __init__(self) -> None:
        self.sekolah_by_npsn: dict[str, Sekolah] = {}
        self.pegawai_by_id: dict[uuid.UUID, Pegawai] = {}
        self.relasi_by_id: dict[uuid.UUID, Relasi] = {}  # in the order they were added
        self.penempatan: list[tuple[uuid.UUID, str, date]] = []
        self.lookups_by_nip = 0

    # --- reading ---------------------------------------------------------------------------------------------

    async def pegawai_by_nip(self, nip: str) -> Pegawai | None:
        return next((p for p in self.pegawai_by_id.values() if p.nip == nip), None)

    async def pegawai_id_by_nip(self, nip: str) -> uuid.UUID | None:
        self.lookups_by_nip += 1
        found = await self.pegawai_by_nip(nip)
        return found.id if found else None

    async def pegawai(self, pegawai_id: uuid.UUID) -> Pegawai | None:
        return self.pegawai_by_id.get(pegawai_id)

    async def pegawai_by_nips(self, nips: Sequence[str]) -> dict[str, Pegawai]:
        return {p.nip: p for p in self.pegawai_by_id.values() if p.nip in set(nips)}

    pegawai_of = pegawai_by_nips  # in memory, loaded and read straight are the same

    async def sekolah(self, npsn: str) -> Sekolah | None:
        return self.sekolah_by_npsn.get(npsn)

    async def sekolah_by_npsns(self, npsns: Sequence[str], *, for_change: bool = False) -> dict[str, Sekolah]:
        return {n: self.sekolah_by_npsn[n] for n in npsns if n in self.sekolah_by_npsn}

    async def relasi_for(self, pegawai_ids: Sequence[uuid.UUID]) -> list[Relasi]:
        return [r for r in self.relasi_by_id.values() if r.pegawai_id in set(pegawai_ids)]

    def atasan_on(self, pegawai_id: uuid.UUID, on: date) -> Relasi | None:
        """The relation valid on `on` with the latest start; of two, the one added last (docs/domain.md §1)."""
        valid = [
            (r.mulai, index, r)
            for index, r in enumerate(self.relasi_by_id.values())
            if r.pegawai_id == pegawai_id and r.mulai <= on and (r.selesai is None or r.selesai >= on)
        ]
        return max(valid, key=lambda v: (v[0], v[1]))[2] if valid else None

    async def current_atasan(self, pegawai_id: uuid.UUID, on: date) -> tuple[uuid.UUID, str] | None:
        relasi = self.atasan_on(pegawai_id, on)
        return (relasi.atasan_id, relasi.peran_atasan) if relasi else None

    async def sekolah_in_region(self, scope: str) -> list[Sekolah]:
        found = [s for s in self.sekolah_by_npsn.values() if s.kode_wilayah.startswith(scope)]
        return sorted(found, key=lambda s: (s.nama, s.npsn))

    def _order(self, pegawai: Pegawai) -> tuple[Any, ...]:
        sekolah = self.sekolah_by_npsn[pegawai.npsn]
        return (sekolah.nama, sekolah.npsn, pegawai.nama, pegawai.id)

    async def roster_position(self, scope: str, pegawai_id: uuid.UUID) -> tuple[Any, ...] | None:
        pegawai = self.pegawai_by_id.get(pegawai_id)
        if pegawai is None or not self.sekolah_by_npsn[pegawai.npsn].kode_wilayah.startswith(scope):
            return None
        return self._order(pegawai)

    async def pegawai_in_region(
        self, scope: str, *, npsn: str | None, after: tuple[Any, ...] | None, limit: int
    ) -> list[tuple[Pegawai, Sekolah]]:
        found = [
            p
            for p in self.pegawai_by_id.values()
            if self.sekolah_by_npsn[p.npsn].kode_wilayah.startswith(scope)
            and (npsn is None or p.npsn == npsn)
            and (after is None or self._order(p) > after)
        ]
        return [(p, self.sekolah_by_npsn[p.npsn]) for p in sorted(found, key=self._order)[:limit]]

    async def acting_on(self, atasan_ids: Sequence[uuid.UUID], on: date) -> frozenset[uuid.UUID]:
        return frozenset(
            r.atasan_id
            for r in self.relasi_by_id.values()
            if r.atasan_id in set(atasan_ids)
            and r.peran_atasan == "plt_kepala_sekolah"
            and r.mulai <= on
            and (r.selesai is None or r.selesai >= on)
        )

    # --- writing ---------------------------------------------------------------------------------------------

    def add_sekolah(self, row: SekolahRow) -> Sekolah:
        sekolah = Sekolah(row.npsn, row.nama, row.kode_wilayah, row.nama_wilayah, tuple(row.prioritas_rapor), 1)
        self.sekolah_by_npsn[sekolah.npsn] = sekolah
        return sekolah

    async def update_sekolah(self, current: Sekolah, values: dict[str, Any]) -> Sekolah:
        stored = self.sekolah_by_npsn[current.npsn]
        saved = replace(stored, **values, version=stored.version + 1)
        self.sekolah_by_npsn[saved.npsn] = saved
        return saved

    def add_pegawai(self, row: PegawaiRow, *, placed_on: date) -> Pegawai:
        pegawai = Pegawai(
            uuid.uuid4(),
            row.nip,
            row.status.value,
            row.nama,
            row.pangkat_golongan,
            row.jenjang_jabatan,
            row.jenis_gtk,
            row.npsn,
            1,
            tmt_penempatan=row.tmt_penempatan,
        )
        self.pegawai_by_id[pegawai.id] = pegawai
        self.penempatan.append((pegawai.id, row.npsn, placed_on))
        return pegawai

    def add_penempatan(self, pegawai_id: uuid.UUID, *, npsn: str, mulai: date) -> None:
        self.penempatan.append((pegawai_id, npsn, mulai))

    async def update_pegawai(self, current: Pegawai, values: dict[str, Any]) -> Pegawai:
        stored = self.pegawai_by_id[current.id]
        saved = replace(stored, **values, version=stored.version + 1)
        self.pegawai_by_id[saved.id] = saved
        return saved

    async def save_bkn_changes(self, changes: Mapping[uuid.UUID, Mapping[str, str]]) -> dict[uuid.UUID, Pegawai]:
        return {
            pegawai_id: await self.update_pegawai(self.pegawai_by_id[pegawai_id], dict(values))
            for pegawai_id, values in changes.items()
        }

    def add_relasi(
        self, *, pegawai_id: uuid.UUID, atasan_id: uuid.UUID, peran_atasan: str, mulai: date, selesai: date | None
    ) -> Relasi:
        relasi = Relasi(uuid.uuid4(), pegawai_id, atasan_id, peran_atasan, mulai, selesai, 1)
        self.relasi_by_id[relasi.id] = relasi
        return relasi

    async def end_relasi(self, current: Relasi, *, selesai: date | None) -> Relasi:
        stored = self.relasi_by_id[current.id]
        saved = replace(stored, selesai=selesai, version=stored.version + 1)
        self.relasi_by_id[saved.id] = saved
        return saved

    async def flush(self) -> None:
        pass


class FakePeriodeRepository:
    def __init__(self) -> None:
        self.opened: dict[str, OpenedPeriode] = {}
        self.extension_rows: list[dict[str, Any]] = []

    async def exists(self, kode: str) -> bool:
        return kode in self.opened

    async def all(self) -> list[OpenedPeriode]:
        return [self.opened[kode] for kode in sorted(self.opened)]

    async def known_codes(self) -> set[str]:
        return set(self.opened)

    async def extensions(self, kode: str) -> list[Extension]:
        return [
            Extension(step=e["step"], until=e["until"], region=e["wilayah"], reason=e["alasan"])
            for e in self.extension_rows
            if e["kode"] == kode
        ]

    def add_periode(self, *, kode: str, tahun: int, snapshot: dict[str, Any]) -> None:
        self.opened[kode] = OpenedPeriode(kode=kode, tahun=tahun, snapshot=snapshot)

    def add_extension(
        self, *, kode: str, step: str, until: date, wilayah: str | None, alasan: str, operator: str
    ) -> uuid.UUID:
        extension_id = uuid.uuid4()
        self.extension_rows.append(
            {"id": extension_id, "kode": kode, "step": step, "until": until, "wilayah": wilayah, "alasan": alasan}
            | {"operator": operator}
        )
        return extension_id


class FakeSkpRepository:
    def __init__(self, uow: FakeUnitOfWork, roster: FakeRosterRepository, periode: FakePeriodeRepository) -> None:
        self.plans: dict[uuid.UUID, Skp] = {}
        self._uow = uow
        self._roster = roster
        self._periode = periode

    def _load(self, stored: Skp) -> Skp:
        skp = copy.deepcopy(stored)
        self._uow.track(skp)
        return skp

    async def get(self, skp_id: uuid.UUID, *, for_update: bool = False) -> Skp | None:
        stored = self.plans.get(skp_id)
        return self._load(stored) if stored else None

    async def get_in_context(
        self, skp_id: uuid.UUID, *, on: date, with_extensions: bool, lock: bool = True
    ) -> tuple[Skp, Pegawai, Sekolah, uuid.UUID | None, list[Extension]] | None:
        skp = await self.get(skp_id)
        if skp is None:
            return None
        pegawai = self._roster.pegawai_by_id[skp.pegawai_id]
        atasan = self._roster.atasan_on(pegawai.id, skp.selesai or on)  # an ended part: its last day's atasan
        extensions = await self._periode.extensions(skp.periode) if with_extensions else []
        return (
            skp,
            pegawai,
            self._roster.sekolah_by_npsn[skp.npsn or pegawai.npsn],
            atasan.atasan_id if atasan else None,
            extensions,
        )

    async def find(self, pegawai_id: uuid.UUID, periode: str) -> Skp | None:
        found = [s for s in self.plans.values() if (s.pegawai_id, s.periode) == (pegawai_id, periode)]
        return self._load(max(found, key=lambda s: s.bagian)) if found else None

    async def parts(self, pegawai_id: uuid.UUID, periode: str) -> list[tuple[Skp, Sekolah | None]]:
        found = sorted(
            (s for s in self.plans.values() if (s.pegawai_id, s.periode) == (pegawai_id, periode)),
            key=lambda s: s.bagian,
        )
        return [(self._load(s), self._roster.sekolah_by_npsn.get(s.npsn or "")) for s in found]

    async def running_of(self, pegawai_id: uuid.UUID) -> list[Skp]:
        found = [s for s in self.plans.values() if s.pegawai_id == pegawai_id and s.selesai is None]
        return [self._load(s) for s in sorted(found, key=lambda s: (s.periode, s.bagian))]

    def _store(self, skp: Skp) -> None:
        self.plans[skp.id] = replace(copy.deepcopy(skp), events=[])

    async def add(self, skp: Skp) -> None:
        key = (skp.pegawai_id, skp.periode, skp.bagian)
        if any((s.pegawai_id, s.periode, s.bagian) == key for s in self.plans.values()):
            raise StateConflict(f"you already have a plan for {skp.periode}", rule="skp.exists", field="periode")
        self._store(skp)
        self._uow.track(skp)

    async def save(self, skp: Skp, *, expected_version: int) -> None:
        if self.plans[skp.id].version != expected_version:
            raise StaleVersion("the plan changed while you were editing it; reload", rule="skp.concurrent_change")
        self._store(skp)

    async def queue(
        self,
        *,
        atasan_id: uuid.UUID,
        on: date,
        status: str | None,
        periode: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[SkpListed, Pegawai, Sekolah]]:
        def mine(skp: Skp) -> bool:
            atasan = self._roster.atasan_on(skp.pegawai_id, skp.selesai or on)
            return (
                atasan is not None
                and atasan.atasan_id == atasan_id
                and (status is None or skp.status.value == status)
                and (periode is None or skp.periode == periode)
                and (after is None or (skp.submitted_at is not None and (skp.submitted_at, skp.id) > after))
            )

        found = sorted(
            (s for s in self.plans.values() if mine(s)),
            key=lambda s: (s.submitted_at is None, s.submitted_at or datetime.min, s.id),
        )
        result = []
        for stored in found[:limit]:
            pegawai = self._roster.pegawai_by_id[stored.pegawai_id]
            listed = SkpListed(**{name: getattr(stored, name) for name in SkpListed.__dataclass_fields__})
            result.append((listed, pegawai, self._roster.sekolah_by_npsn[stored.npsn or pegawai.npsn]))
        return result


class FakeKoreksiRepository:
    def __init__(self, uow: FakeUnitOfWork, roster: FakeRosterRepository) -> None:
        self.reports: dict[uuid.UUID, Koreksi] = {}  # in the order they were added
        self._uow = uow
        self._roster = roster

    def _load(self, stored: Koreksi, *, track: bool = True) -> Koreksi:
        koreksi = copy.deepcopy(stored)
        if track:
            self._uow.track(koreksi)
        return koreksi

    async def get(self, koreksi_id: uuid.UUID, *, for_update: bool = False) -> Koreksi | None:
        stored = self.reports.get(koreksi_id)
        return self._load(stored) if stored else None

    async def open_about(self, pegawai_id: uuid.UUID, field: str | None) -> Koreksi | None:
        found = next(
            (k for k in self.reports.values() if k.pegawai_id == pegawai_id and k.is_open and k.field == field), None
        )
        return self._load(found) if found else None

    async def open_for(self, pegawai_ids: Sequence[uuid.UUID]) -> list[Koreksi]:
        found = [k for k in self.reports.values() if k.pegawai_id in set(pegawai_ids) and k.is_open]
        return [self._load(k) for k in sorted(found, key=lambda k: (k.reported_at, k.id))]

    async def of_pegawai(self, pegawai_id: uuid.UUID, *, limit: int) -> list[Koreksi]:
        found = [k for k in self.reports.values() if k.pegawai_id == pegawai_id]
        found.sort(key=lambda k: (k.reported_at, k.id), reverse=True)
        return [self._load(k, track=False) for k in found[:limit]]

    async def worklist(
        self,
        scope: str,
        *,
        status: str | None,
        npsn: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[Koreksi, Pegawai, Sekolah]]:
        found = sorted(
            (
                k
                for k in self.reports.values()
                if k.kode_wilayah.startswith(scope)
                and (status is None or k.status.value == status)
                and (npsn is None or k.npsn == npsn)
                and (after is None or (k.reported_at, k.id) > after)
            ),
            key=lambda k: (k.reported_at, k.id),
        )
        return [
            (self._load(k, track=False), self._roster.pegawai_by_id[k.pegawai_id], self._roster.sekolah_by_npsn[k.npsn])
            for k in found[:limit]
        ]

    async def with_people(self, koreksi: Koreksi) -> tuple[Pegawai, Sekolah | None]:
        return self._roster.pegawai_by_id[koreksi.pegawai_id], self._roster.sekolah_by_npsn.get(koreksi.npsn)

    def _store(self, koreksi: Koreksi) -> None:
        self.reports[koreksi.id] = replace(copy.deepcopy(koreksi), events=[])

    async def add(self, koreksi: Koreksi) -> None:
        if any(
            k.pegawai_id == koreksi.pegawai_id and k.subject == koreksi.subject and k.is_open
            for k in self.reports.values()
        ):
            raise StateConflict("you already have an open report about it", rule="koreksi.exists", field="field")
        self._store(koreksi)
        self._uow.track(koreksi)

    async def save(self, koreksi: Koreksi, *, expected_version: int) -> None:
        if self.reports[koreksi.id].version != expected_version:
            raise StaleVersion("the report changed meanwhile; reload", rule="koreksi.concurrent_change")
        self._store(koreksi)

    def open_reports(self) -> list[Koreksi]:
        return [k for k in self.reports.values() if k.status is KoreksiStatus.DILAPORKAN]


class FakePlanningUnitOfWork(FakeUnitOfWork):
    service = "planning"

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.roster = FakeRosterRepository()
        self.periode = FakePeriodeRepository()
        self.skp = FakeSkpRepository(self, self.roster, self.periode)
        self.koreksi = FakeKoreksiRepository(self, self.roster)


@cache
def catalog() -> Catalog:
    return load_catalog()


@cache
def policies() -> tuple[Policy, ...]:
    return tuple(load_policies())


def deps_for(uow: FakePlanningUnitOfWork) -> Deps:
    return Deps(uow=lambda: uow, clock=uow.clock, catalog=catalog(), policies=policies())


def guru(pegawai: Pegawai) -> Actor:
    return Actor(subject=pegawai.nip, roles=frozenset({"guru"}), pegawai_id=pegawai.id, wilayah=None)


def kepala(pegawai: Pegawai) -> Actor:
    return Actor(subject=pegawai.nip, roles=frozenset({"guru", "kepala_sekolah"}), pegawai_id=pegawai.id, wilayah=None)


def pengawas(pegawai: Pegawai) -> Actor:
    return Actor(subject=pegawai.nip, roles=frozenset({"guru", "pengawas"}), pegawai_id=pegawai.id, wilayah=None)


def operator(wilayah: str = "3273") -> Actor:
    return Actor(subject=f"op-{wilayah or 'nasional'}", roles=frozenset({"operator"}), pegawai_id=None, wilayah=wilayah)


@dataclass
class World:
    """A seeded region: SDN 1 and SDN 2 in Kota Bandung (3273), SDN 9 in Jakarta Pusat (3171); the 2024 periods."""

    uow: FakePlanningUnitOfWork = field(default_factory=FakePlanningUnitOfWork)
    people: dict[str, Pegawai] = field(default_factory=dict)
    _nip: int = 0

    def __post_init__(self) -> None:
        self.deps = deps_for(self.uow)
        self.school("20200001", "SDN 1 Bandung", "3273", prioritas=("D.1.3",))
        self.school("20200002", "SDN 2 Bandung", "3273")
        self.school("31710009", "SDN 9 Jakarta", "3171")
        self.person("ks", "20200001", "Kepala Sekolah")
        self.person("guru", "20200001", "Guru Kelas", atasan="ks")
        self.person("guru2", "20200001", "Guru Mapel", atasan="ks")
        self.person("ks2", "20200002", "Kepala Sekolah")
        self.person("guru_sdn2", "20200002", "Guru Kelas", atasan="ks2")
        self.person("pengawas", "20200002", "Pengawas Sekolah")
        self.relate("ks", "pengawas", "pengawas")
        self.person("guru_jakarta", "31710009", "Guru Kelas")
        self.open_year(2024)

    @property
    def today(self) -> date:
        return today(self.uow.clock)

    def school(self, npsn: str, nama: str, kode_wilayah: str, *, prioritas: tuple[str, ...] = ()) -> Sekolah:
        sekolah = Sekolah(npsn, nama, kode_wilayah, f"Wilayah {kode_wilayah}", prioritas, 1)
        self.uow.roster.sekolah_by_npsn[npsn] = sekolah
        return sekolah

    def person(self, name: str, npsn: str, jenis_gtk: str, *, atasan: str | None = None) -> Pegawai:
        self._nip += 1
        pegawai = Pegawai(
            uuid.uuid4(),
            f"19800101200501{self._nip:04d}",
            "PNS",
            name.title(),
            "III/b",
            "Ahli Pertama",
            jenis_gtk,
            npsn,
            1,
        )
        self.uow.roster.pegawai_by_id[pegawai.id] = pegawai
        self.people[name] = pegawai
        if atasan is not None:
            self.relate(name, atasan, "kepala_sekolah")
        return pegawai

    def relate(self, name: str, atasan: str, peran: str, *, mulai: date = date(2023, 7, 1)) -> Relasi:
        return self.uow.roster.add_relasi(
            pegawai_id=self.people[name].id,
            atasan_id=self.people[atasan].id,
            peran_atasan=peran,
            mulai=mulai,
            selesai=None,
        )

    def open_year(self, year: int) -> None:
        annual = policy_for_year(year, policies()).annual_evaluation_window(year)
        for periode in periods_for_year(year, policies()):
            self.uow.periode.add_periode(kode=periode.kode, tahun=year, snapshot=periode_snapshot(periode, annual))

    def plan(self, name: str, **content: Any) -> Skp:
        """A stored plan of `name` for 2024-S1, as the repository would hold it."""
        pegawai = self.people[name]
        peran = peran_of(pegawai.jenis_gtk, siklus_pengawas=True)
        skp = Skp(id=uuid.uuid4(), pegawai_id=pegawai.id, periode="2024-S1", peran=peran, **content)
        self.uow.skp.plans[skp.id] = skp
        return skp

    def stored(self, skp_id: uuid.UUID) -> Skp:
        return self.uow.skp.plans[skp_id]
