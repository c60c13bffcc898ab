"""SIASN changed a pegawai's profile: apply it to the roster (planning re-publishes the pegawai)."""

from __future__ import annotations

import logging

from planning.db.uow import PlanningUnitOfWork
from planning.usecases import from_bkn
from pmm_contracts import Event
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1

logger = logging.getLogger(__name__)


async def on_bkn_pegawai_changed(event: Event[BknPegawaiChangedV1], uow: PlanningUnitOfWork) -> None:
    data = event.data
    command = from_bkn.ApplyBknPegawaiChanged(nip=data.nip, changes=tuple(data.changes.model_dump().items()))
    applied = await from_bkn.apply_bkn_pegawai_changed(command, uow=uow)
    if not applied:
        # Not an error of the message: BKN knows someone the roster does not (yet). Recorded, not retried.
        logger.warning(
            "BKN profile change for a pegawai not in the roster",
            extra={"event_id": str(event.envelope.event_id)},
        )
