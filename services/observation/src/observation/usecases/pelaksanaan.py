"""The five steps of a pelaksanaan, each party's part of each (docs/domain.md §5).

Every step has one shape: load the cycle for change, then who may (a relation from the roster: 404 for someone
else's cycle, 403 for the wrong party), the version the caller read (If-Match), the pelaksanaan window of the
pegawai's region, the domain's transition, save. Which party acts in which step is `domain/access.ALLOWED`; which
step may follow which is `domain/pelaksanaan.TRANSITIONS`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from observation.db.uow import ObservationUnitOfWork
from observation.domain.access import Actor, require_allowed
from observation.domain.pelaksanaan import Aksi, RubrikInput, Upaya
from observation.usecases import Deps
from observation.usecases.cycle import Cycle, load_cycle
from pmm_kernel.clock import today
from pmm_kernel.versions import ExpectedVersion


async def _open_step(
    pelaksanaan_id: uuid.UUID,
    expected: ExpectedVersion,
    aksi: Aksi,
    *,
    uow: ObservationUnitOfWork,
    deps: Deps,
    actor: Actor,
) -> tuple[Cycle, int]:
    """The cycle, locked, once the caller may take `aksi` on the version they read inside the window; with the
    version read, which the save checks again."""
    cycle = await load_cycle(pelaksanaan_id, uow=uow, deps=deps, actor=actor, for_update=True)
    require_allowed(cycle.relation, aksi)
    expected.check(cycle.pelaksanaan.version)
    cycle.check_window(today(deps.clock))
    return cycle, cycle.pelaksanaan.version


# --- step 1: persiapan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SusunPersiapan:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion
    target_perilaku: tuple[str, ...]
    upaya: str
    jadwal: date


async def susun_persiapan(cmd: SusunPersiapan, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.SUSUN_PERSIAPAN, uow=uow, deps=deps, actor=actor
        )
        cycle.pelaksanaan.susun_persiapan(
            target_perilaku=list(cmd.target_perilaku),
            upaya=cmd.upaya,
            jadwal=cmd.jadwal,
            jadwal_range=cycle.jadwal_range(today(deps.clock)),
        )
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle


@dataclass(frozen=True)
class SetujuiJadwal:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion


async def setujui_jadwal(cmd: SetujuiJadwal, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.SETUJUI_JADWAL, uow=uow, deps=deps, actor=actor
        )
        cycle.pelaksanaan.setujui_jadwal(at=deps.clock.now())
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle


@dataclass(frozen=True)
class UsulkanJadwalLain:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion
    jadwal: date
    catatan: str | None


async def usulkan_jadwal_lain(cmd: UsulkanJadwalLain, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.USULKAN_JADWAL_LAIN, uow=uow, deps=deps, actor=actor
        )
        cycle.pelaksanaan.usulkan_jadwal_lain(
            jadwal=cmd.jadwal, catatan=cmd.catatan, jadwal_range=cycle.jadwal_range(today(deps.clock))
        )
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle


@dataclass(frozen=True)
class TerimaJadwal:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion


async def terima_jadwal(cmd: TerimaJadwal, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.TERIMA_JADWAL, uow=uow, deps=deps, actor=actor
        )
        cycle.pelaksanaan.terima_jadwal(at=deps.clock.now())
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle


# --- step 2: observasi ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatatObservasi:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion
    mode: str
    items: tuple[RubrikInput, ...]
    catatan: str | None
    alasan_pindah: str | None = None  # needed when observing before the agreed date (docs/domain.md §5)


async def catat_observasi(cmd: CatatObservasi, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.CATAT_OBSERVASI, uow=uow, deps=deps, actor=actor
        )
        assert actor.pegawai_id is not None  # require_allowed: only the current atasan gets here
        cycle.pelaksanaan.catat_observasi(
            atasan_id=actor.pegawai_id,
            mode=cmd.mode,
            items=list(cmd.items),
            catatan=cmd.catatan,
            at=deps.clock.now(),
            on=today(deps.clock),
            alasan_pindah=cmd.alasan_pindah,
        )
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle


# --- step 3: diskusi -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatatDiskusiAtasan:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion
    catatan: str
    tujuan: str
    langkah: str
    jadwal: date


async def catat_diskusi_atasan(
    cmd: CatatDiskusiAtasan, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor
) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.CATAT_DISKUSI_ATASAN, uow=uow, deps=deps, actor=actor
        )
        cycle.pelaksanaan.catat_diskusi_atasan(
            catatan=cmd.catatan,
            tujuan=cmd.tujuan,
            langkah=cmd.langkah,
            jadwal=cmd.jadwal,
            jadwal_range=cycle.jadwal_range(today(deps.clock)),
            at=deps.clock.now(),
        )
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle


@dataclass(frozen=True)
class CatatDiskusiGuru:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion
    catatan: str


async def catat_diskusi_guru(cmd: CatatDiskusiGuru, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.CATAT_DISKUSI_GURU, uow=uow, deps=deps, actor=actor
        )
        cycle.pelaksanaan.catat_diskusi_guru(catatan=cmd.catatan, at=deps.clock.now())
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle


# --- step 4: upaya tindak lanjut -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CatatUpaya:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion
    items: tuple[Upaya, ...]


async def catat_upaya(cmd: CatatUpaya, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.CATAT_UPAYA, uow=uow, deps=deps, actor=actor
        )
        cycle.pelaksanaan.catat_upaya(
            items=list(cmd.items), tanggal_range=cycle.upaya_range(today(deps.clock)), at=deps.clock.now()
        )
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle


# --- step 5: refleksi ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatatRefleksi:
    pelaksanaan_id: uuid.UUID
    expected: ExpectedVersion
    refleksi: str


async def catat_refleksi(cmd: CatatRefleksi, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    async with uow:
        cycle, read = await _open_step(
            cmd.pelaksanaan_id, cmd.expected, Aksi.CATAT_REFLEKSI, uow=uow, deps=deps, actor=actor
        )
        cycle.pelaksanaan.catat_refleksi(
            refleksi=cmd.refleksi,
            dokumen_kurang=cycle.dokumen_ks_kurang(),
            bukti_count=len(cycle.counted_bukti()),
            at=deps.clock.now(),
        )
        await uow.pelaksanaan.save(cycle.pelaksanaan, expected_version=read)
        await uow.commit()
    return cycle
