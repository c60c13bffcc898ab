"""bkn_sync's push events: monitoring by name shows each pegawai's BKN state, and a failure's reason and fixer."""

from __future__ import annotations

import logging

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.usecases.from_bkn_sync import ApplyPush, apply_push
from pmm_contracts import Event
from pmm_contracts.events.bkn_sync import PushFailedV1, PushSucceededV1

logger = logging.getLogger(__name__)


async def on_push_succeeded(event: Event[PushSucceededV1], uow: AppraisalUnitOfWork) -> None:
    data = event.data
    cmd = ApplyPush(
        push_id=data.push_id,
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        jenis=data.jenis,
        bagian=data.bagian,
        berhasil=True,
        kode=None,
        fixer=None,
        action=None,
        push_version=event.envelope.aggregate_version,
        at=data.succeeded_at,
    )
    outcome = await apply_push(cmd, uow=uow)
    logger.info("push.succeeded applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})


async def on_push_failed(event: Event[PushFailedV1], uow: AppraisalUnitOfWork) -> None:
    data = event.data
    cmd = ApplyPush(
        push_id=data.push_id,
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        jenis=data.jenis,
        bagian=data.bagian,
        berhasil=False,
        kode=data.kode,
        fixer=data.fixer,
        action=data.action,
        push_version=event.envelope.aggregate_version,
        at=data.failed_at,
    )
    outcome = await apply_push(cmd, uow=uow)
    logger.info("push.failed applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})
