"""The roster projection, plus healing: a corrected pegawai, a changed relation or a newly opened period may be
exactly what failed pushes wait for, so they become due in the same transaction that records the change."""

from __future__ import annotations

from bkn_sync import usecases
from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain.push import Trigger
from pmm_contracts import Event
from pmm_contracts.events import planning
from pmm_roster import projections


async def on_pegawai(event: Event, uow: BknSyncUnitOfWork) -> None:
    data = event.data
    assert isinstance(data, planning.PegawaiSnapshot)
    await usecases.heal(uow, Trigger.ROSTER, pegawai_id=data.pegawai_id)
    await projections.on_pegawai(event, uow)  # upserts and commits both


async def on_atasan(event: Event, uow: BknSyncUnitOfWork) -> None:
    data = event.data
    assert isinstance(data, planning.AtasanSnapshot)
    await usecases.heal(uow, Trigger.ROSTER, pegawai_id=data.pegawai_id)
    await projections.on_atasan(event, uow)


async def on_periode_opened(event: Event, uow: BknSyncUnitOfWork) -> None:
    data = event.data
    assert isinstance(data, planning.PeriodeOpenedV1)
    await usecases.heal(uow, Trigger.PERIODE, periode=data.kode)
    await projections.on_periode_opened(event, uow)
