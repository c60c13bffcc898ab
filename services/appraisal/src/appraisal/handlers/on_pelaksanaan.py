"""Observation's cycle events: a completed cycle makes the penilaian ratable; a closed one (plan reset) undoes it."""

from __future__ import annotations

import logging

from appraisal import usecases
from appraisal.db.uow import AppraisalUnitOfWork
from pmm_chassis.messaging.consumer import Handler
from pmm_contracts import Event
from pmm_contracts.events.observation import PelaksanaanClosedV1, PelaksanaanCompletedV1

logger = logging.getLogger(__name__)


def on_pelaksanaan_completed(deps: usecases.Deps) -> Handler:
    async def handle(event: Event, uow: AppraisalUnitOfWork) -> None:
        data = event.data
        assert isinstance(data, PelaksanaanCompletedV1)
        outcome = await usecases.apply_pelaksanaan_completed(uow, deps, data, version=event.envelope.aggregate_version)
        logger.info(
            "pelaksanaan.completed applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome}
        )

    return handle


def on_pelaksanaan_closed(deps: usecases.Deps) -> Handler:
    async def handle(event: Event, uow: AppraisalUnitOfWork) -> None:
        data = event.data
        assert isinstance(data, PelaksanaanClosedV1)
        outcome = await usecases.apply_pelaksanaan_closed(uow, deps, data, version=event.envelope.aggregate_version)
        logger.info("pelaksanaan.closed applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})

    return handle
