"""Planning's SKP events: every step of the plan feeds monitoring; an approved plan opens the penilaian (or completes
one the observation cycle opened), a reset one takes the plan and the ratings away.

Each returns what happened, for the consumer's log; an event older than what the penilaian holds changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain.penilaian import Penilaian, Rencana, RhkRencana
from appraisal.usecases import Deps
from appraisal.usecases.tahunan import load_or_open, refresh_tahunan, refresh_tahunan_of, save_if_changed

SKP_DISETUJUI = "DISETUJUI"  # planning's state of an approved plan (skp.ended carries the state it ended in)


@dataclass(frozen=True)
class Bagian:
    """The part of the period a plan event is about (docs/domain.md §6): a transfer splits a period into one plan
    per school. An older producer's event is part 1, at the pegawai's school, for the whole period."""

    skp_id: uuid.UUID | None = None
    bagian: int = 1
    npsn: str | None = None
    mulai: date | None = None
    selesai: date | None = None


@dataclass(frozen=True)
class ApplySkpSubmitted:
    pegawai_id: uuid.UUID
    periode: str
    skp_version: int
    bagian: Bagian = Bagian()


async def apply_skp_submitted(cmds: Sequence[ApplySkpSubmitted], *, uow: AppraisalUnitOfWork) -> str:
    """Submitted plans, for monitoring: a deadline's many in one go."""
    async with uow:
        await uow.skp_monitor.apply_many(
            [(cmd.pegawai_id, cmd.periode, "DIAJUKAN", cmd.skp_version, cmd.bagian.bagian) for cmd in cmds]
        )
        await uow.commit()
    return "monitored"


@dataclass(frozen=True)
class ApplySkpApproved:
    pegawai_id: uuid.UUID
    periode: str
    skp_version: int
    skp_id: uuid.UUID
    indikator_kode: str
    indikator_nama: str
    rhk: tuple[RhkRencana, ...]
    perilaku: tuple[tuple[str, str], ...]  # (kode, nama) of each BerAKHLAK value
    approved_at: datetime
    bagian: Bagian = Bagian()
    cause: uuid.UUID | None = None  # the message it came in, when several are applied together (`answering`)


async def apply_skp_approved(cmds: Sequence[ApplySkpApproved], *, uow: AppraisalUnitOfWork, deps: Deps) -> list[str]:
    """Approved plans, several at once (a kepala sekolah approves a school's plans in one sitting): their monitoring
    in one statement, their parts locked in one, then each plan's penilaian in the order they came (the outcome of
    each, in order), then the years' penilaian tahunan, once per pegawai and year."""
    async with uow:
        await uow.skp_monitor.apply_many(
            [(cmd.pegawai_id, cmd.periode, "DISETUJUI", cmd.skp_version, cmd.bagian.bagian) for cmd in cmds]
        )
        await uow.penilaian.lock_keys([(cmd.pegawai_id, cmd.periode, cmd.bagian.bagian) for cmd in cmds])
        outcomes = []
        for cmd in cmds:
            with uow.answering(cmd.cause):
                outcomes.append(await _approved(cmd, uow))
        await refresh_tahunan_of(uow, deps, [(cmd.pegawai_id, cmd.periode) for cmd in cmds])
        await uow.commit()
    return outcomes


async def _approved(cmd: ApplySkpApproved, uow: AppraisalUnitOfWork) -> str:
    """An approved plan opens the penilaian of that pegawai, period and part (or completes one the cycle opened);
    an approved later part leaves the earlier parts as they are. The caller keeps the year's penilaian tahunan in
    step.

    A part opened by this plan is inserted with the plan in it: one write, where opening it and then saving the
    plan cost two."""
    found = await uow.penilaian.find(cmd.pegawai_id, cmd.periode, bagian=cmd.bagian.bagian, for_update=True)
    if found is None:
        opened = Penilaian(id=uuid.uuid4(), pegawai_id=cmd.pegawai_id, periode=cmd.periode, bagian=cmd.bagian.bagian)
        outcome, _ = _apply_approved(opened, cmd)
        found = await uow.penilaian.add(opened)
        if found is opened:
            return outcome
        # A concurrent consumer opened this part first: the plan goes to that one.
    outcome, read_version = _apply_approved(found, cmd)
    await save_if_changed(uow, found, read_version=read_version)
    return outcome


def _apply_approved(penilaian: Penilaian, cmd: ApplySkpApproved) -> tuple[str, int]:
    """The approved plan and its part's place and days applied to `penilaian`: the outcome, and the version it had."""
    read_version = penilaian.version
    moved = cmd.skp_version > penilaian.skp_version and penilaian.apply_bagian(  # stale: says nothing
        npsn=cmd.bagian.npsn, mulai=cmd.bagian.mulai, selesai=cmd.bagian.selesai, skp_id=cmd.skp_id
    )
    rencana = Rencana(
        skp_id=cmd.skp_id,
        indikator_kode=cmd.indikator_kode,
        indikator_nama=cmd.indikator_nama,
        rhk=cmd.rhk,
        perilaku=cmd.perilaku,
        disetujui_at=cmd.approved_at,
    )
    outcome = penilaian.apply_rencana(rencana, skp_version=cmd.skp_version)
    penilaian.keep_bagian(moved, read_version=read_version)
    return outcome, read_version


@dataclass(frozen=True)
class ApplySkpReset:
    pegawai_id: uuid.UUID
    periode: str
    skp_version: int
    bagian: Bagian = Bagian()


async def apply_skp_reset(cmd: ApplySkpReset, *, uow: AppraisalUnitOfWork, deps: Deps) -> str:
    """The plan went back to draft: monitoring shows it, and the penilaian of its part waits for a new approval."""
    async with uow:
        await uow.skp_monitor.apply(
            cmd.pegawai_id, cmd.periode, status="DRAFT", skp_version=cmd.skp_version, bagian=cmd.bagian.bagian
        )
        penilaian = await uow.penilaian.find(cmd.pegawai_id, cmd.periode, bagian=cmd.bagian.bagian, for_update=True)
        outcome = "no_penilaian"
        if penilaian is not None:
            read_version = penilaian.version
            outcome = penilaian.apply_skp_reset(skp_version=cmd.skp_version)
            await save_if_changed(uow, penilaian, read_version=read_version)
            await refresh_tahunan(uow, deps, cmd.pegawai_id, cmd.periode)
        await uow.commit()
    return outcome


@dataclass(frozen=True)
class ApplySkpReturned:
    pegawai_id: uuid.UUID
    periode: str
    skp_version: int
    bagian: Bagian = Bagian()


async def apply_skp_returned(cmd: ApplySkpReturned, *, uow: AppraisalUnitOfWork) -> str:
    """The atasan returned the plan for changes: monitoring shows it until it is submitted again."""
    async with uow:
        await uow.skp_monitor.apply(
            cmd.pegawai_id, cmd.periode, status="DIKEMBALIKAN", skp_version=cmd.skp_version, bagian=cmd.bagian.bagian
        )
        await uow.commit()
    return "monitored"


@dataclass(frozen=True)
class ApplySkpEnded:
    pegawai_id: uuid.UUID
    periode: str
    skp_version: int
    bagian: Bagian
    selesai: date  # the part's last day: the day before the new placement
    status: str  # the plan's state when it ended


async def apply_skp_ended(cmd: ApplySkpEnded, *, uow: AppraisalUnitOfWork, deps: Deps) -> str:
    """A transfer ended this part on `selesai` (docs/domain.md §6): its last day is kept, which also names its
    appraiser (the atasan of that day). An approved part becomes ratable without waiting for its cycle
    (**assumption**: a cycle cut short by a transfer cannot complete); a part that ended before approval is not
    appraised."""
    async with uow:
        part = cmd.bagian
        penilaian = await load_or_open(uow, cmd.pegawai_id, cmd.periode, part.bagian)
        read_version = penilaian.version
        moved = cmd.skp_version > penilaian.skp_version and penilaian.apply_bagian(
            npsn=part.npsn, mulai=part.mulai, selesai=part.selesai, skp_id=part.skp_id
        )
        outcome = penilaian.apply_berakhir(
            selesai=cmd.selesai, disetujui=cmd.status == SKP_DISETUJUI, skp_version=cmd.skp_version
        )
        penilaian.keep_bagian(moved, read_version=read_version)
        await save_if_changed(uow, penilaian, read_version=read_version)
        await refresh_tahunan(uow, deps, cmd.pegawai_id, cmd.periode)
        await uow.commit()
    return outcome


@dataclass(frozen=True)
class ApplyKoreksi:
    koreksi_id: uuid.UUID
    pegawai_id: uuid.UUID
    terbuka: bool  # reported: open until the operator closes it (done or rejected)
    koreksi_version: int


async def apply_koreksi(cmd: ApplyKoreksi, *, uow: AppraisalUnitOfWork) -> str:
    """A correction report opened or closed: monitoring shows the pegawai blocked while one is open."""
    async with uow:
        await uow.monitoring_nama.apply_koreksi(
            cmd.koreksi_id, pegawai_id=cmd.pegawai_id, terbuka=cmd.terbuka, version=cmd.koreksi_version
        )
        await uow.commit()
    return "monitored"
