"""What arrives from planning: an approved plan becomes a push (and the plan a conflict compares BKN's edits
with), a reset plan is a draft again, a part a transfer ended goes again with its shortened period, and a corrected
pegawai or relation or a newly opened period heals the failed pushes that waited for it.

Each part of a period (one per school, docs/domain.md §7) is its own SKP at e-Kinerja: its own plan here, its own
push (`domain/bagian.push_bagian`), its own months (`domain/bagian.part_months`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain.bagian import part_months, push_bagian
from bkn_sync.domain.conflict import Plan
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import JenisPush, Trigger
from bkn_sync.usecases.push import heal, not_asn, queue


@dataclass(frozen=True)
class RhkRow:
    """One row of the approved plan, as far as e-Kinerja holds it (and a conflict compares it)."""

    nama: str
    rhk_atasan: str | None
    aspek: str
    indikator_kinerja_individu: str
    target_kuantitas: int
    satuan: str


@dataclass(frozen=True)
class RecordSkpApproved:
    skp_id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    atasan_id: uuid.UUID | None
    rhk: tuple[RhkRow, ...]
    version: int  # the plan's version: an older event changes nothing
    bagian: int = 1  # the part of the period (one per school)
    npsn: str | None = None  # the part's school (None: the pegawai's in the roster)
    mulai: date | None = None  # the part's first day (None: the period's)
    selesai: date | None = None  # the part's last day (None: the period's)
    cause: uuid.UUID | None = None  # the message it came in, when several are applied together (`answering`)


def _part(npsn: str | None, mulai: date | None, selesai: date | None) -> dict[str, Any]:
    """What an SKP push carries of its part, only where the plan names it: a plan of the period's only part
    carries what it always did."""
    given = {
        "npsn": npsn,
        "mulai": mulai.isoformat() if mulai else None,
        "selesai": selesai.isoformat() if selesai else None,
    }
    return {key: value for key, value in given.items() if value is not None}


async def _months(uow: BknSyncUnitOfWork, periode: str, mulai: date | None, selesai: date | None) -> BknPeriode | None:
    """The part's BKN months; None while planning's period has not arrived (learnt at attempt time)."""
    months = await uow.roster_extra.months_of(periode)
    return None if months is None else part_months(months, mulai, selesai)


async def record_skp_approved(cmds: Sequence[RecordSkpApproved], *, uow: BknSyncUnitOfWork) -> None:
    """Approved plans, several at once (a kepala sekolah approves a school's plans in one sitting): each becomes the
    plan a conflict compares BKN's edits with and, for an ASN, a push. The plans are upserted with their pegawai
    and periods read in one statement, their pushes found and locked in another, the new pushes written together
    at the commit; each push continues the trace of the message that approved it."""
    async with uow:
        for run in _distinct_plans(cmds):
            await _record_approved(run, uow)
        await uow.commit()


def _distinct_plans(cmds: Sequence[RecordSkpApproved]) -> list[list[RecordSkpApproved]]:
    """The commands in order, cut wherever a plan (pegawai, period, part) would come twice: one statement upserts
    each plan once, and a later approval of the same plan is applied after the earlier one, as it came."""
    runs: list[list[RecordSkpApproved]] = [[]]
    keys: set[tuple[uuid.UUID, str, int]] = set()
    for cmd in cmds:
        key = (cmd.pegawai_id, cmd.periode, cmd.bagian)
        if key in keys:
            runs.append([])
            keys.clear()
        runs[-1].append(cmd)
        keys.add(key)
    return [run for run in runs if run]


async def _record_approved(run: list[RecordSkpApproved], uow: BknSyncUnitOfWork) -> None:
    plans = [
        Plan(
            cmd.pegawai_id,
            cmd.periode,
            cmd.skp_id,
            approved=True,
            version=cmd.version,
            rhk=[asdict(row) for row in cmd.rhk],
            bagian=cmd.bagian,
            npsn=cmd.npsn,
            mulai=cmd.mulai,
            selesai=cmd.selesai,
        )
        for cmd in run
    ]
    await uow.plans.save_all(plans, now=uow.clock.now())
    await uow.pushes.lock_keys([(cmd.pegawai_id, JenisPush.SKP, cmd.periode, push_bagian(cmd.bagian)) for cmd in run])
    months_of: dict[str, BknPeriode | None] = {}
    for cmd, plan in zip(run, plans, strict=True):
        with uow.answering(cmd.cause):
            if await not_asn(uow, cmd.pegawai_id):
                continue
            if cmd.periode not in months_of:
                months_of[cmd.periode] = await uow.roster_extra.months_of(cmd.periode)
            months = months_of[cmd.periode]
            atasan_id = None if cmd.atasan_id is None else str(cmd.atasan_id)
            await queue(
                uow,
                pegawai_id=cmd.pegawai_id,
                jenis=JenisPush.SKP,
                periode=cmd.periode,
                bagian=push_bagian(cmd.bagian),
                months=None if months is None else part_months(months, cmd.mulai, cmd.selesai),
                payload={
                    "skp_id": str(cmd.skp_id),
                    "atasan_id": atasan_id,
                    "rhk": plan.rhk,
                    **_part(cmd.npsn, cmd.mulai, cmd.selesai),
                },
                version=cmd.version,
            )


@dataclass(frozen=True)
class RecordSkpReset:
    skp_id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    version: int
    bagian: int = 1
    npsn: str | None = None
    mulai: date | None = None
    selesai: date | None = None


async def record_skp_reset(cmd: RecordSkpReset, *, uow: BknSyncUnitOfWork) -> None:
    """The plan is a draft again: a BKN edit of it is now planning's to apply, not a conflict."""
    async with uow:
        plan = Plan(
            cmd.pegawai_id,
            cmd.periode,
            cmd.skp_id,
            approved=False,
            version=cmd.version,
            rhk=None,
            bagian=cmd.bagian,
            npsn=cmd.npsn,
            mulai=cmd.mulai,
            selesai=cmd.selesai,
        )
        await uow.plans.save(plan, now=uow.clock.now())
        await uow.commit()


@dataclass(frozen=True)
class RecordSkpEnded:
    skp_id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    bagian: int
    npsn: str | None
    mulai: date | None
    selesai: date | None  # the part's last day at the old school
    approved: bool  # the plan was approved when the transfer ended it
    version: int  # the plan's version: an older event changes nothing


async def record_skp_ended(cmd: RecordSkpEnded, *, uow: BknSyncUnitOfWork) -> str:
    """A transfer ended this part on `selesai`: an approved part's SKP covers the months up to that day's month, so
    its push goes again as a new revision with the shortened period (sent or not yet). An older or repeated event
    changes nothing; a part never approved has nothing at BKN to shorten."""
    async with uow:
        plan = Plan(
            cmd.pegawai_id,
            cmd.periode,
            cmd.skp_id,
            approved=cmd.approved,
            version=cmd.version,
            rhk=None,
            bagian=cmd.bagian,
            npsn=cmd.npsn,
            mulai=cmd.mulai,
            selesai=cmd.selesai,
        )
        await uow.plans.save(plan, now=uow.clock.now())
        push = await uow.pushes.by_key(
            pegawai_id=cmd.pegawai_id, jenis=JenisPush.SKP, periode=cmd.periode, bagian=push_bagian(cmd.bagian)
        )
        if not cmd.approved or push is None:
            await uow.commit()
            return "nothing_pushed"
        payload = {**push.payload, **_part(cmd.npsn, cmd.mulai, cmd.selesai)}
        months = await _months(uow, cmd.periode, cmd.mulai, cmd.selesai)
        renewed = push.renew(payload=payload, version=cmd.version, months=months, now=uow.clock.now())
        if renewed:
            uow.pushes.save(push)
        await uow.commit()
    return "shortened" if renewed else "stale"


# The roster projection itself is pmm_roster's (handlers/on_roster.py): it commits these requeues with the
# roster change that fixed them, so neither happens without the other.


@dataclass(frozen=True)
class HealPegawai:
    pegawai_ids: tuple[uuid.UUID, ...]


async def heal_pegawai(cmd: HealPegawai, *, uow: BknSyncUnitOfWork) -> int:
    """Corrected pegawai or relations: the failed pushes about them that wait for a roster fix become due (the
    caller commits them with the corrections)."""
    async with uow:
        return await heal(uow, Trigger.ROSTER, pegawai_ids=cmd.pegawai_ids)


@dataclass(frozen=True)
class HealPeriode:
    periode: str


async def heal_periode(cmd: HealPeriode, *, uow: BknSyncUnitOfWork) -> int:
    """A newly opened period: the failed pushes of it that wait for it become due (the caller commits them with
    the period)."""
    async with uow:
        return await heal(uow, Trigger.PERIODE, periode=cmd.periode)
