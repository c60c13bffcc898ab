"""The roster projection, plus healing: a corrected pegawai, a changed relation or a newly opened period may be
exactly what failed pushes wait for, so they become due in the same transaction that records the change (the
projection's handler commits both). Each takes a run of its events, as the projection does (`InRuns`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.usecases import from_planning
from pmm_chassis.messaging.consumer import RunHandler
from pmm_contracts import Event
from pmm_contracts.events import planning
from pmm_roster import projections


def _healing(projection: RunHandler) -> RunHandler:
    """The projection of a run of pegawai or relation events, after the pushes waiting for those pegawai heal."""

    async def handle(events: Sequence[Event[Any]], uow: BknSyncUnitOfWork) -> None:
        healed = from_planning.HealPegawai(tuple(event.data.pegawai_id for event in events))
        await from_planning.heal_pegawai(healed, uow=uow)
        await projection(events, uow)

    return handle


on_pegawai = _healing(projections.on_pegawai)  # planning.PegawaiRegisteredV1 | PegawaiUpdatedV1
on_atasan = _healing(projections.on_atasan)  # planning.AtasanAssignedV1 | AtasanUpdatedV1


async def on_periode_opened(events: Sequence[Event[planning.PeriodeOpenedV1]], uow: BknSyncUnitOfWork) -> None:
    for event in events:  # a year's few periods: one statement each is nothing
        await from_planning.heal_periode(from_planning.HealPeriode(event.data.kode), uow=uow)
    await projections.on_periode_opened(events, uow)
