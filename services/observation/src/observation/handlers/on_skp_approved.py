"""An approved plan opens the pelaksanaan of that pegawai for that period (or re-opens it as a fresh cycle)."""

from __future__ import annotations

import logging

from observation import usecases
from observation.db.uow import ObservationUnitOfWork
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpApprovedV1

logger = logging.getLogger(__name__)


async def on_skp_approved(event: Event, uow: ObservationUnitOfWork) -> None:
    data = event.data
    assert isinstance(data, SkpApprovedV1)
    outcome = await usecases.apply_skp_approved(uow, data, version=event.envelope.aggregate_version)
    logger.info("skp.approved applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})
