"""An operator reset the plan: the pelaksanaan opened from it closes."""

from __future__ import annotations

import logging

from observation import usecases
from observation.db.uow import ObservationUnitOfWork
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpResetV1

logger = logging.getLogger(__name__)


async def on_skp_reset(event: Event, uow: ObservationUnitOfWork) -> None:
    data = event.data
    assert isinstance(data, SkpResetV1)
    outcome = await usecases.apply_skp_reset(uow, data, version=event.envelope.aggregate_version)
    logger.info("skp.reset applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})
