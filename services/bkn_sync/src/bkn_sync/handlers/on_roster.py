"""The roster projection, plus healing: a corrected pegawai, a changed relation or a newly opened period may be
exactly what failed pushes wait for, so they become due in the same transaction that records the change (the
projection's handler commits both)."""

from __future__ import annotations

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.usecases import from_planning
from pmm_contracts import Event
from pmm_contracts.events import planning
from pmm_roster import projections


async def on_pegawai(
    event: Event[planning.PegawaiRegisteredV1 | planning.PegawaiUpdatedV1], uow: BknSyncUnitOfWork
) -> None:
    await from_planning.heal_pegawai(from_planning.HealPegawai(event.data.pegawai_id), uow=uow)
    await projections.on_pegawai(event, uow)


async def on_atasan(event: Event[planning.AtasanAssignedV1 | planning.AtasanUpdatedV1], uow: BknSyncUnitOfWork) -> None:
    await from_planning.heal_pegawai(from_planning.HealPegawai(event.data.pegawai_id), uow=uow)
    await projections.on_atasan(event, uow)


async def on_periode_opened(event: Event[planning.PeriodeOpenedV1], uow: BknSyncUnitOfWork) -> None:
    await from_planning.heal_periode(from_planning.HealPeriode(event.data.kode), uow=uow)
    await projections.on_periode_opened(event, uow)
