"""Observation's cycle events: a completed cycle makes the penilaian ratable; a closed one (plan reset) undoes it."""

from __future__ import annotations

import logging

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


async def on_step_completed(event: Event[StepCompletedV1], uow: AppraisalUnitOfWork) -> None:
    """Monitoring by name: the step of the cycle the pegawai has done."""
    data = event.data
    cmd = ApplyLangkah(
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        langkah=data.step,
        pelaksanaan_version=event.envelope.aggregate_version,
        skp_id=data.skp_id,
    )
    outcome = await apply_langkah(cmd, uow=uow)
    logger.info("step.completed applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})


async def on_observasi_recorded(event: Event[ObservasiRecordedV1], uow: AppraisalUnitOfWork) -> None:
    """Monitoring by name: the atasan observed the lesson."""
    data = event.data
    cmd = ApplyLangkah(
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        langkah="observasi",
        pelaksanaan_version=event.envelope.aggregate_version,
        skp_id=data.skp_id,
    )
    outcome = await apply_langkah(cmd, uow=uow)
    logger.info("observasi.recorded applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})
