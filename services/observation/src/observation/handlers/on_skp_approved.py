"""Approved plans open the pelaksanaan of each pegawai for that period (or re-open it as a fresh cycle).

Registered `InRuns`: a kepala sekolah approves a school's plans in one sitting, and a run of them is opened in a few
statements."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from observation.db.uow import ObservationUnitOfWork
from observation.usecases.from_planning import OpenPelaksanaan, open_pelaksanaan
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpApprovedV1

logger = logging.getLogger(__name__)


async def on_skp_approved(events: Sequence[Event[SkpApprovedV1]], uow: ObservationUnitOfWork) -> None:
    commands = [_command(event) for event in events]
    outcomes = await open_pelaksanaan(commands, uow=uow)
    for event, outcome in zip(events, outcomes, strict=True):
        logger.info("skp.approved applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})


def _command(event: Event[SkpApprovedV1]) -> OpenPelaksanaan:
    data = event.data
    return OpenPelaksanaan(
        skp_id=data.skp_id,
        skp_version=event.envelope.aggregate_version,
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        atasan_id=data.atasan_id,
        indikator_kode=data.indikator.kode,
        indikator_nama=data.indikator.nama,
        perilaku_dianjurkan=tuple(data.indikator.perilaku_dianjurkan),
        perilaku_dihindari=tuple(data.indikator.perilaku_dihindari),
        bagian=data.bagian,
        npsn=data.npsn,
        mulai=data.mulai,
        selesai=data.selesai,
        cause=event.envelope.event_id,
    )
