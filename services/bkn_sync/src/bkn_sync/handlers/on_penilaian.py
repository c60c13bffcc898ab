"""A finalised penilaian goes to e-Kinerja (kinerja periodik per triwulan or the annual result, and the angka
kredit); a reopened one stops what has not gone yet."""

from __future__ import annotations

from bkn_sync import usecases
from bkn_sync.db.uow import BknSyncUnitOfWork
from pmm_contracts import Event
from pmm_contracts.events.appraisal import PenilaianFinalizedV1, PenilaianReopenedV1


async def on_penilaian_finalized(event: Event, uow: BknSyncUnitOfWork) -> None:
    assert isinstance(event.data, PenilaianFinalizedV1)
    await usecases.record_penilaian_finalized(uow, event.data, version=event.envelope.aggregate_version)


async def on_penilaian_reopened(event: Event, uow: BknSyncUnitOfWork) -> None:
    assert isinstance(event.data, PenilaianReopenedV1)
    await usecases.record_penilaian_reopened(uow, event.data)
