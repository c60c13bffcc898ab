"""An approved plan opens the pelaksanaan of that pegawai for that period (or re-opens it as a fresh cycle)."""

from __future__ import annotations

import logging

from observation.db.uow import ObservationUnitOfWork
from observation.usecases.from_planning import OpenPelaksanaan, open_pelaksanaan
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpApprovedV1

logger = logging.getLogger(__name__)


async def on_skp_approved(event: Event[SkpApprovedV1], uow: ObservationUnitOfWork) -> None:
    data = event.data
    command = OpenPelaksanaan(
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
    )
    outcome = await open_pelaksanaan(command, uow=uow)
    logger.info("skp.approved applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})
