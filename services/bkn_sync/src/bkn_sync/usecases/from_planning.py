"""What arrives from planning: an approved plan becomes a push (and the plan a conflict compares BKN's edits
with), a reset plan is a draft again, and a corrected pegawai or relation or a newly opened period heals the
failed pushes that waited for it."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain.conflict import Plan
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


async def record_skp_approved(cmd: RecordSkpApproved, *, uow: BknSyncUnitOfWork) -> None:
    async with uow:
        rhk = [asdict(row) for row in cmd.rhk]
        plan = Plan(cmd.pegawai_id, cmd.periode, cmd.skp_id, approved=True, version=cmd.version, rhk=rhk)
        await uow.plans.save(plan, now=uow.clock.now())
        if not await not_asn(uow, cmd.pegawai_id):
            atasan_id = None if cmd.atasan_id is None else str(cmd.atasan_id)
            await queue(
                uow,
                pegawai_id=cmd.pegawai_id,
                jenis=JenisPush.SKP,
                periode=cmd.periode,
                bagian="",
                months=await uow.roster_extra.months_of(cmd.periode),
                payload={"skp_id": str(cmd.skp_id), "atasan_id": atasan_id, "rhk": rhk},
                version=cmd.version,
            )
        await uow.commit()


@dataclass(frozen=True)
class RecordSkpReset:
    skp_id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    version: int


async def record_skp_reset(cmd: RecordSkpReset, *, uow: BknSyncUnitOfWork) -> None:
    """The plan is a draft again: a BKN edit of it is now planning's to apply, not a conflict."""
    async with uow:
        plan = Plan(cmd.pegawai_id, cmd.periode, cmd.skp_id, approved=False, version=cmd.version, rhk=None)
        await uow.plans.save(plan, now=uow.clock.now())
        await uow.commit()


# The roster projection itself is pmm_roster's (handlers/on_roster.py): it commits these requeues with the
# roster change that fixed them, so neither happens without the other.


@dataclass(frozen=True)
class HealPegawai:
    pegawai_id: uuid.UUID


async def heal_pegawai(cmd: HealPegawai, *, uow: BknSyncUnitOfWork) -> int:
    """A corrected pegawai or relation: the failed pushes about them that wait for a roster fix become due (the
    caller commits them with the correction)."""
    async with uow:
        return await heal(uow, Trigger.ROSTER, pegawai_id=cmd.pegawai_id)


@dataclass(frozen=True)
class HealPeriode:
    periode: str


async def heal_periode(cmd: HealPeriode, *, uow: BknSyncUnitOfWork) -> int:
    """A newly opened period: the failed pushes of it that wait for it become due (the caller commits them with
    the period)."""
    async with uow:
        return await heal(uow, Trigger.PERIODE, periode=cmd.periode)
