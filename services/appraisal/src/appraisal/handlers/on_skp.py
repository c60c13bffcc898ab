"""Planning's SKP events: an approved plan opens the penilaian; every step of the plan feeds monitoring."""

from __future__ import annotations

import logging

from appraisal import usecases
from appraisal.db.uow import AppraisalUnitOfWork
from pmm_chassis.messaging.consumer import Handler
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpApprovedV1, SkpResetV1, SkpSubmittedV1

logger = logging.getLogger(__name__)


def _log(event: Event, outcome: str) -> None:
    logger.info(f"{event.envelope.type} applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})


async def on_skp_submitted(event: Event, uow: AppraisalUnitOfWork) -> None:
    data = event.data
    assert isinstance(data, SkpSubmittedV1)
    _log(event, await usecases.apply_skp_submitted(uow, data, version=event.envelope.aggregate_version))


def on_skp_approved(deps: usecases.Deps) -> Handler:
    async def handle(event: Event, uow: AppraisalUnitOfWork) -> None:
        data = event.data
        assert isinstance(data, SkpApprovedV1)
        _log(event, await usecases.apply_skp_approved(uow, deps, data, version=event.envelope.aggregate_version))

    return handle


def on_skp_reset(deps: usecases.Deps) -> Handler:
    async def handle(event: Event, uow: AppraisalUnitOfWork) -> None:
        data = event.data
        assert isinstance(data, SkpResetV1)
        _log(event, await usecases.apply_skp_reset(uow, deps, data, version=event.envelope.aggregate_version))

    return handle
