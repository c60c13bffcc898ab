"""An approved plan goes to e-Kinerja; a reset one is a draft again (a BKN edit of it is no conflict)."""

from __future__ import annotations

from bkn_sync import usecases
from bkn_sync.db.uow import BknSyncUnitOfWork
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpApprovedV1, SkpResetV1


async def on_skp_approved(event: Event, uow: BknSyncUnitOfWork) -> None:
    assert isinstance(event.data, SkpApprovedV1)
    await usecases.record_skp_approved(uow, event.data, version=event.envelope.aggregate_version)


async def on_skp_reset(event: Event, uow: BknSyncUnitOfWork) -> None:
    assert isinstance(event.data, SkpResetV1)
    await usecases.record_skp_reset(uow, event.data, version=event.envelope.aggregate_version)
