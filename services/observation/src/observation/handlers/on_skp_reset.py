"""An operator reset the plan: the pelaksanaan opened from it closes."""

from __future__ import annotations

import logging

from observation.db.uow import ObservationUnitOfWork
from observation.usecases.from_planning import ClosePelaksanaan, close_pelaksanaan
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpResetV1

logger = logging.getLogger(__name__)


async def on_skp_reset(event: Event[SkpResetV1], uow: ObservationUnitOfWork) -> None:
    data = event.data
    command = ClosePelaksanaan(
        skp_id=data.skp_id,
        skp_version=event.envelope.aggregate_version,
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        alasan=data.alasan,
        bagian=data.bagian,
    )
    outcome = await close_pelaksanaan(command, uow=uow)
    logger.info("skp.reset applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})
