"""The pegawai edited their SKP in e-Kinerja: apply it to the plan while they may still edit it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from planning.db.uow import PlanningUnitOfWork
from planning.domain.bkn import BknRhkRow
from planning.usecases import Deps, from_bkn
from pmm_contracts import Event
from pmm_contracts.events.bkn_sync import BknSkpReceivedV1

logger = logging.getLogger(__name__)


def on_bkn_skp_received(deps: Deps) -> Callable[[Event[BknSkpReceivedV1], PlanningUnitOfWork], Awaitable[None]]:
    """The handler, bound to the service's catalogue and policies."""

    async def handle(event: Event[BknSkpReceivedV1], uow: PlanningUnitOfWork) -> None:
        data = event.data
        command = from_bkn.ApplyBknSkp(
            nip=data.nip,
            periode=data.periode,
            rows=tuple(BknRhkRow(r.nama, r.target_kuantitas, r.rhk_atasan) for r in data.rhk),
        )
        outcome = await from_bkn.apply_bkn_skp(command, uow=uow, deps=deps)
        # Not errors of the message: recorded, not retried (after approval bkn_sync keeps a conflict instead).
        logger.info("BKN-side SKP edit", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})

    return handle
