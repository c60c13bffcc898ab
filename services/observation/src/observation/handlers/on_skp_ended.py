"""A transfer ended a part of the period at the old school: that part's pelaksanaan stops after its last day."""

from __future__ import annotations

import logging

from observation.db.uow import ObservationUnitOfWork
from observation.usecases.from_planning import EndPelaksanaan, end_pelaksanaan
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpEndedV1

logger = logging.getLogger(__name__)


async def on_skp_ended(event: Event[SkpEndedV1], uow: ObservationUnitOfWork) -> None:
    data = event.data
    command = EndPelaksanaan(
        skp_id=data.skp_id,
        skp_version=event.envelope.aggregate_version,
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        bagian=data.bagian,
        selesai=data.selesai,
    )
    outcome = await end_pelaksanaan(command, uow=uow)
    logger.info("skp.ended applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})
