"""SIASN changed pegawai's profiles: apply them to the roster (planning re-publishes each pegawai changed).

Registered `InRuns`: a batch's consecutive changes are applied together, in a few statements (make bench's planning
consumer is these messages)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from planning.db.uow import PlanningUnitOfWork
from planning.usecases import from_bkn
from pmm_contracts import Event
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1

logger = logging.getLogger(__name__)


async def on_bkn_pegawai_changed(events: Sequence[Event[BknPegawaiChangedV1]], uow: PlanningUnitOfWork) -> None:
    commands = [
        from_bkn.ApplyBknPegawaiChanged(
            nip=event.data.nip, changes=tuple(event.data.changes.model_dump().items()), cause=event.envelope.event_id
        )
        for event in events
    ]
    unknown = set(await from_bkn.apply_bkn_pegawai_changes(commands, uow=uow))
    for event in events:
        if event.data.nip in unknown:
            # Not an error of the message: BKN knows someone the roster does not (yet). Recorded, not retried.
            logger.warning(
                "BKN profile change for a pegawai not in the roster",
                extra={"event_id": str(event.envelope.event_id)},
            )
