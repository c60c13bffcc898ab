"""The pegawai edited their SKP in e-Kinerja: apply it to the plan while they may still edit it."""

from __future__ import annotations

import logging

from planning import usecases
from planning.db.uow import PlanningUnitOfWork
from pmm_contracts import Event
from pmm_contracts.events.bkn_sync import BknSkpReceivedV1

logger = logging.getLogger(__name__)


def on_bkn_skp_received(deps: usecases.Deps):  # noqa: ANN201 (a handler bound to the service's catalogue)
    async def handle(event: Event, uow: PlanningUnitOfWork) -> None:
        data = event.data
        assert isinstance(data, BknSkpReceivedV1)
        if data.periode is None:
            outcome = "no_period"
        else:
            rows = [usecases.BknRhkRow(r.nama, r.target_kuantitas, r.rhk_atasan) for r in data.rhk]
            outcome = await usecases.apply_bkn_skp(uow, deps, nip=data.nip, periode=data.periode, rows=rows)
        # Not errors of the message: recorded, not retried (after approval bkn_sync keeps a conflict instead).
        logger.info("BKN-side SKP edit", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})

    return handle
