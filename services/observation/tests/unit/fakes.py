"""Observation's unit of work in memory, with the repositories its use cases call and a small world to fill them.

Each repository keeps copies: what a use case changed counts only once it is saved, as in PostgreSQL, and what one
use case saved the next one loads. The roster and the periods are what planning's events would have left in the
projection.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from observation.domain.access import Actor
from observation.domain.bagian import relation_day
from observation.domain.bukti import Bukti
from observation.domain.events import IndikatorRef
from observation.domain.pelaksanaan import Pelaksanaan, Tahap
from observation.domain.unggahan import Unggahan
from observation.usecases import Deps
from pmm_kernel.clock import FixedClock
from pmm_kernel.errors import NotFound, StaleVersion
from pmm_kernel.windows import Extension
from pmm_roster.projections import RosterPegawai
from pmm_roster.records import PeriodeWindows
from pmm_testkit.fake_uow import FakeUnitOfWork

# 09:00 WIB on 5 February 2024: the 2024-S1 pelaksanaan window (1 Feb - 30 May) is open.
NOW = datetime(2024, 2, 5, 2, 0, tzinfo=UTC)
KODE_WILAYAH = "3273"
INDIKATOR = IndikatorRef(
    kode="D.1",
    nama="Kualitas pembelajaran",
    perilaku_dianjurkan=("Menyampaikan tujuan pembelajaran", "Memberikan umpan balik yang spesifik"),
    perilaku_dihindari=("Menyampaikan materi satu arah",),
)


def _fresh(aggregate: Any) -> Any:
    """A copy as a repository hands it out: the events of the stored one were harvested already."""
    loaded = copy.deepcopy(aggregate)
    loaded.events = []
    return loaded


class FakePelaksanaanRepository:
    def __init__(self, uow: FakeObservationUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[uuid.UUID, Pelaksanaan] = {}

    async def get(self, pelaksanaan_id: uuid.UUID) -> Pelaksanaan | None:
        stored = self.rows.get(pelaksanaan_id)
        return self._loaded(stored) if stored else None

    async def get_in_context(
        self, pelaksanaan_id: uuid.UUID, *, on: date, for_update: bool = False
    ) -> tuple[Pelaksanaan, RosterPegawai | None, uuid.UUID | None, PeriodeWindows | None, list[Bukti]] | None:
        stored = self.rows.get(pelaksanaan_id)
        if stored is None:
            return None
        roster = self._uow.roster
        atasan_id = await roster.current_atasan(stored.pegawai_id, relation_day(stored.selesai, on=on))
        bukti = sorted(
            (b for b in self._uow.bukti.rows.values() if b.pelaksanaan_id == pelaksanaan_id),
            key=lambda b: (b.created_at, b.id),
        )
        return (
            self._loaded(stored),
            roster.pegawai_by_id.get(stored.pegawai_id),
            atasan_id,
            roster.periodes.get(stored.periode),
            [_fresh(b) for b in bukti],
        )

    async def find(
        self, pegawai_id: uuid.UUID, periode: str, *, bagian: int | None = None, for_update: bool = False
    ) -> Pelaksanaan | None:
        stored = self._latest(pegawai_id, periode, bagian)
        return self._loaded(stored) if stored else None

    async def find_parts(
        self, parts: Sequence[tuple[uuid.UUID, str, int]], *, for_update: bool = False
    ) -> dict[tuple[uuid.UUID, str, int], Pelaksanaan]:
        found = {part: await self.find(*part[:2], bagian=part[2]) for part in parts}
        return {part: pelaksanaan for part, pelaksanaan in found.items() if pelaksanaan is not None}

    def _latest(
        self, pegawai_id: uuid.UUID, periode: str, bagian: int | None = None, *, on: date | None = None
    ) -> Pelaksanaan | None:
        """The part named, else the latest (that has not ended by `on`, when given)."""
        parts = [
            p
            for p in self.rows.values()
            if p.pegawai_id == pegawai_id
            and p.periode == periode
            and bagian in (None, p.bagian)
            and (on is None or not p.is_ended(on))
        ]
        return max(parts, key=lambda p: p.bagian) if parts else None

    def add(self, pelaksanaan: Pelaksanaan) -> None:
        self.rows[pelaksanaan.id] = _fresh(pelaksanaan)
        self._uow.track(pelaksanaan)

    async def save(self, pelaksanaan: Pelaksanaan, *, expected_version: int) -> None:
        if self.rows[pelaksanaan.id].version != expected_version:
            raise StaleVersion("changed meanwhile", rule="pelaksanaan.concurrent_change")
        self.rows[pelaksanaan.id] = _fresh(pelaksanaan)

    async def team_regions(self, *, atasan_id: uuid.UUID, on: date) -> list[str]:
        return sorted({p.kode_wilayah for p in self._uow.roster.appraised(atasan_id)})

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
        found = []
        for pegawai in sorted(self._uow.roster.appraised(atasan_id), key=lambda p: p.pegawai_id):
            cycle = self._latest(pegawai.pegawai_id, periode, on=on)
            if (tahap is not None or unopened) and not (
                (cycle is None and unopened) or (cycle is not None and tahap and cycle.tahap in tahap)
            ):
                continue
            done = cycle is not None and cycle.tahap is Tahap.SELESAI
            if overdue_regions is not None and (pegawai.kode_wilayah not in overdue_regions or done):
                continue
            if not_overdue_regions is not None and pegawai.kode_wilayah in not_overdue_regions and not done:
                continue
            if after is not None and pegawai.pegawai_id <= after:
                continue
            found.append((pegawai, copy.deepcopy(cycle)))
        return found[:limit]

    def _loaded(self, stored: Pelaksanaan) -> Pelaksanaan:
        loaded = _fresh(stored)
        self._uow.track(loaded)
        return loaded


class FakeSkpSeenRepository:
    def __init__(self) -> None:
        self.versions: dict[uuid.UUID, int] = {}

    async def advance(self, skp_id: uuid.UUID, version: int) -> bool:
        if self.versions.get(skp_id, 0) >= version:
            return False
        self.versions[skp_id] = version
        return True

    async def advance_many(self, versions: dict[uuid.UUID, int]) -> set[uuid.UUID]:
        return {skp_id for skp_id, version in versions.items() if await self.advance(skp_id, version)}


class FakeBuktiRepository:
    def __init__(self, uow: FakeObservationUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[uuid.UUID, Bukti] = {}

    def add(self, bukti: Bukti) -> None:
        self.rows[bukti.id] = _fresh(bukti)
        self._uow.track(bukti)

    async def get(self, bukti_id: uuid.UUID) -> Bukti | None:
        stored = self.rows.get(bukti_id)
        return _fresh(stored) if stored else None

    async def confirmation(self, pelaksanaan_id: uuid.UUID, kategori: str) -> Bukti | None:
        for b in self.rows.values():
            if b.pelaksanaan_id == pelaksanaan_id and b.kategori == kategori and b.sumber == "konfirmasi":
                return _fresh(b)
        return None


class FakeUnggahanRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Unggahan] = {}

    def add(self, upload: Unggahan) -> None:
        self.rows[upload.id] = copy.deepcopy(upload)

    async def get(self, upload_id: uuid.UUID, *, for_update: bool = False) -> Unggahan | None:
        stored = self.rows.get(upload_id)
        return copy.deepcopy(stored) if stored else None

    async def save(self, upload: Unggahan) -> None:
        self.rows[upload.id] = copy.deepcopy(upload)

    async def remove(self, upload_id: uuid.UUID) -> None:
        self.rows.pop(upload_id, None)


class FakeRoster:
    """The roster projection: pegawai, who appraises whom today, and the periods with their extensions."""

    def __init__(self) -> None:
        self.pegawai_by_id: dict[uuid.UUID, RosterPegawai] = {}
        self.atasan_of: dict[uuid.UUID, uuid.UUID] = {}
        # Who appraised a pegawai before a day (a transfer): pegawai -> (the first day of today's atasan, the earlier).
        self.atasan_before: dict[uuid.UUID, tuple[date, uuid.UUID]] = {}
        self.periodes: dict[str, PeriodeWindows] = {}

    async def pegawai_by_nip(self, nip: str) -> RosterPegawai | None:
        return next((p for p in self.pegawai_by_id.values() if p.nip == nip), None)

    async def current_atasan(self, pegawai_id: uuid.UUID, on: date) -> uuid.UUID | None:
        earlier = self.atasan_before.get(pegawai_id)
        if earlier is not None and on < earlier[0]:
            return earlier[1]
        return self.atasan_of.get(pegawai_id)

    async def periode(self, kode: str) -> PeriodeWindows:
        if kode not in self.periodes:
            raise NotFound(f"no period {kode}", rule="periode.unknown", field="periode")
        return self.periodes[kode]

    def appraised(self, atasan_id: uuid.UUID) -> list[RosterPegawai]:
        return [self.pegawai_by_id[p] for p, a in self.atasan_of.items() if a == atasan_id]


class FakeObservationUnitOfWork(FakeUnitOfWork):
    service = "observation"

    clock: FixedClock

    def __init__(self, clock: FixedClock | None = None) -> None:
        super().__init__(clock or FixedClock(NOW))
        self.pelaksanaan = FakePelaksanaanRepository(self)
        self.skp_seen = FakeSkpSeenRepository()
        self.bukti = FakeBuktiRepository(self)
        self.unggahan = FakeUnggahanRepository()
        self.roster = FakeRoster()


class FakeStorage:
    """The object store in memory; `fail_listing` makes listing fail, as a store that is down would."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.fail_listing = False

    async def put(self, key: str, data: bytes) -> None:
        self.objects[key] = bytes(data)

    async def get(self, key: str) -> bytes:
        return self.objects[key]

    async def keys(self, prefix: str) -> list[str]:
        if self.fail_listing:
            raise ConnectionError("object store unreachable")
        return sorted(k for k in self.objects if k.startswith(prefix))

    async def delete(self, key: str) -> None:
        self.objects.pop(key, None)


# --- a world to act in ---------------------------------------------------------------------------------------


def periode(
    kode: str = "2024-S1",
    *,
    evidence_upload: bool = True,
    mulai: date = date(2024, 1, 1),
    selesai: date = date(2024, 6, 30),
    opens: date = date(2024, 2, 1),
    closes: date = date(2024, 5, 30),
    extensions: tuple[Extension, ...] = (),
) -> PeriodeWindows:
    snapshot = {
        "mulai": mulai.isoformat(),
        "selesai": selesai.isoformat(),
        "evidence_upload": evidence_upload,
        "windows": [{"step": "pelaksanaan", "opens": opens.isoformat(), "closes": closes.isoformat()}],
    }
    return PeriodeWindows(kode=kode, snapshot=snapshot, extensions=extensions)


def actor(pegawai_id: uuid.UUID | None, *roles: str, wilayah: str | None = None) -> Actor:
    return Actor(subject=f"nip-{pegawai_id}", roles=frozenset(roles), pegawai_id=pegawai_id, wilayah=wilayah)


@dataclass
class World:
    """One school in the roster (a kepala sekolah appraising a guru, under a pengawas) and one open cycle."""

    uow: FakeObservationUnitOfWork = field(default_factory=FakeObservationUnitOfWork)
    storage: FakeStorage = field(default_factory=FakeStorage)
    upload_max_bytes: int = 1024

    def __post_init__(self) -> None:
        self.roster = self.uow.roster
        self.roster.periodes["2024-S1"] = periode()
        self.roster.periodes["2025-T"] = periode(
            "2025-T",
            evidence_upload=False,
            mulai=date(2025, 1, 1),
            selesai=date(2025, 12, 31),
            opens=date(2025, 2, 1),
            closes=date(2025, 10, 31),
        )
        self.pengawas_id = self.person("Pengawas Sekolah")
        self.ks_id = self.person("Kepala Sekolah", atasan=self.pengawas_id)
        self.guru_id = self.person("Guru", atasan=self.ks_id)

    def today_is(self, day: date) -> None:
        """Move the clock to 09:00 WIB of `day`."""
        self.uow.clock.at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)

    @property
    def deps(self) -> Deps:
        return Deps(
            uow=lambda: self.uow,
            clock=self.uow.clock,
            storage=self.storage,
            upload_max_bytes=self.upload_max_bytes,
        )

    @property
    def guru(self) -> Actor:
        return actor(self.guru_id, "guru")

    @property
    def ks(self) -> Actor:
        return actor(self.ks_id, "guru", "kepala_sekolah")

    @property
    def pengawas(self) -> Actor:
        return actor(self.pengawas_id, "pengawas")

    def person(self, jenis_gtk: str, *, atasan: uuid.UUID | None = None, wilayah: str = KODE_WILAYAH) -> uuid.UUID:
        pegawai_id = uuid.uuid4()
        self.roster.pegawai_by_id[pegawai_id] = RosterPegawai(
            pegawai_id=pegawai_id,
            nip=f"nip-{pegawai_id}",
            status="PNS",
            nama=f"{jenis_gtk} {str(pegawai_id)[:4]}",
            jenis_gtk=jenis_gtk,
            npsn="20200001",
            kode_wilayah=wilayah,
            version=1,
        )
        if atasan is not None:
            self.roster.atasan_of[pegawai_id] = atasan
        return pegawai_id

    def cycle(
        self,
        pegawai_id: uuid.UUID,
        periode: str = "2024-S1",
        *,
        tahap: Tahap = Tahap.PERSIAPAN,
        bagian: int = 1,
        selesai: date | None = None,
    ) -> Pelaksanaan:
        """A cycle opened from an approved plan (of part `bagian`, ending on `selesai`), already standing at
        `tahap`, stored as a commit would leave it."""
        pelaksanaan = Pelaksanaan.open(
            id=uuid.uuid4(),
            skp_id=uuid.uuid4(),
            pegawai_id=pegawai_id,
            periode=periode,
            atasan_id=self.roster.atasan_of.get(pegawai_id),
            indikator=INDIKATOR,
            skp_version=3,
            at=NOW,
            bagian=bagian,
            selesai=selesai,
        )
        pelaksanaan.tahap = tahap
        pelaksanaan.events.clear()
        self.uow.pelaksanaan.rows[pelaksanaan.id] = copy.deepcopy(pelaksanaan)
        return pelaksanaan

    def stored(self, pelaksanaan_id: uuid.UUID) -> Pelaksanaan:
        return self.uow.pelaksanaan.rows[pelaksanaan_id]
