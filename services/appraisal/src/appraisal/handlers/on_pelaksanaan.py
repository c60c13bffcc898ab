"""Observation's cycle events: a completed cycle makes the penilaian ratable; a closed one (plan reset) undoes it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.usecases import Deps
from appraisal.usecases.from_observation import (
    ApplyLangkah,
    ApplyPelaksanaanClosed,
    ApplyPelaksanaanCompleted,
    apply_langkah,
    apply_pelaksanaan_closed,
    apply_pelaksanaan_completed,
)
from pmm_chassis.messaging.consumer import Handler
from pmm_contracts import Event
from pmm_contracts.events.observation import (
    ObservasiRecordedV1,
    PelaksanaanClosedV1,
    PelaksanaanCompletedV1,
    StepCompletedV1,
)

logger = logging.getLogger(__name__)


def on_pelaksanaan_completed(deps: Deps) -> Handler:
    async def handle(event: Event[PelaksanaanCompletedV1], uow: AppraisalUnitOfWork) -> None:
        data = event.data
        cmd = ApplyPelaksanaanCompleted(
            pegawai_id=data.pegawai_id,
            periode=data.periode,
            pelaksanaan_version=event.envelope.aggregate_version,
            pelaksanaan_id=data.pelaksanaan_id,
            completed_at=data.completed_at,
            bukti_count=data.bukti_count,
            rubrik=data.rubric.model_dump(mode="json") if data.rubric is not None else None,
            skp_id=data.skp_id,
        )
        outcome = await apply_pelaksanaan_completed(cmd, uow=uow, deps=deps)
        logger.info(
            "pelaksanaan.completed applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome}
        )

    return handle


def on_pelaksanaan_closed(deps: Deps) -> Handler:
    async def handle(event: Event[PelaksanaanClosedV1], uow: AppraisalUnitOfWork) -> None:
        data = event.data
        cmd = ApplyPelaksanaanClosed(
            pegawai_id=data.pegawai_id,
            periode=data.periode,
            pelaksanaan_version=event.envelope.aggregate_version,
            skp_id=data.skp_id,
        )
        outcome = await apply_pelaksanaan_closed(cmd, uow=uow, deps=deps)
        logger.info("pelaksanaan.closed applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})

    return handle


def _langkah(event: Event[StepCompletedV1] | Event[ObservasiRecordedV1]) -> ApplyLangkah:
    data = event.data
    return ApplyLangkah(
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        # an observation recorded is the atasan's step of the cycle
        langkah=data.step if isinstance(data, StepCompletedV1) else "observasi",
        pelaksanaan_version=event.envelope.aggregate_version,
        skp_id=data.skp_id,
    )


async def on_langkah(
    events: Sequence[Event[StepCompletedV1] | Event[ObservasiRecordedV1]], uow: AppraisalUnitOfWork
) -> None:
    """Monitoring by name: the step of the cycle each pegawai has done. Registered `InRuns` for both events: the
    cycles of a school move on together, and a run of their steps is read and written in two statements."""
    outcome = await apply_langkah([_langkah(event) for event in events], uow=uow)
    for event in events:
        logger.info(
            f"{event.envelope.type} applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome}
        )
