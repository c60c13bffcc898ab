"""Planning's SKP events: an approved plan opens the penilaian; every step of the plan feeds monitoring, and so do
the correction reports that block a pegawai's data."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain.penilaian import RhkRencana
from appraisal.usecases import Deps
from appraisal.usecases.from_planning import (
    ApplyKoreksi,
    ApplySkpApproved,
    ApplySkpEnded,
    ApplySkpReset,
    ApplySkpReturned,
    ApplySkpSubmitted,
    Bagian,
    apply_koreksi,
    apply_skp_approved,
    apply_skp_ended,
    apply_skp_reset,
    apply_skp_returned,
    apply_skp_submitted,
)
from pmm_chassis.messaging.consumer import Handler, RunHandler
from pmm_contracts import Event
from pmm_contracts.events.planning import (
    KoreksiClosedV1,
    KoreksiReportedV1,
    SkpApprovedV1,
    SkpEndedV1,
    SkpRef,
    SkpResetV1,
    SkpReturnedV1,
    SkpSubmittedV1,
)

logger = logging.getLogger(__name__)


def _bagian(data: SkpRef) -> Bagian:
    return Bagian(skp_id=data.skp_id, bagian=data.bagian, npsn=data.npsn, mulai=data.mulai, selesai=data.selesai)


def _log(event: Event, outcome: str) -> None:
    logger.info(f"{event.envelope.type} applied", extra={"event_id": str(event.envelope.event_id), "outcome": outcome})


async def on_skp_submitted(events: Sequence[Event[SkpSubmittedV1]], uow: AppraisalUnitOfWork) -> None:
    """Registered `InRuns`: a deadline's submissions come one after another, and are monitored a run at a time."""
    cmds = [
        ApplySkpSubmitted(
            pegawai_id=event.data.pegawai_id,
            periode=event.data.periode,
            skp_version=event.envelope.aggregate_version,
            bagian=_bagian(event.data),
        )
        for event in events
    ]
    outcome = await apply_skp_submitted(cmds, uow=uow)
    for event in events:
        _log(event, outcome)


def on_skp_approved(deps: Deps) -> RunHandler:
    """Registered `InRuns`: a kepala sekolah approves a school's plans in one sitting, and a run of them is applied
    in one unit of work."""

    async def handle(events: Sequence[Event[SkpApprovedV1]], uow: AppraisalUnitOfWork) -> None:
        cmds = [_approved(event) for event in events]
        outcomes = await apply_skp_approved(cmds, uow=uow, deps=deps)
        for event, outcome in zip(events, outcomes, strict=True):
            _log(event, outcome)

    return handle


def _approved(event: Event[SkpApprovedV1]) -> ApplySkpApproved:
    data = event.data
    return ApplySkpApproved(
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        skp_version=event.envelope.aggregate_version,
        skp_id=data.skp_id,
        indikator_kode=data.indikator.kode,
        indikator_nama=data.indikator.nama,
        rhk=tuple(
            RhkRencana(
                kode=r.kode,
                nama=r.nama,
                kategori=r.kategori,
                indikator_kinerja_individu=r.indikator_kinerja_individu,
                target_kuantitas=r.target_kuantitas,
                satuan=r.satuan,
            )
            for r in data.rhk
        ),
        perilaku=tuple((p.kode, p.nama) for p in data.perilaku),
        approved_at=data.approved_at,
        bagian=_bagian(data),
        cause=event.envelope.event_id,
    )


def on_skp_reset(deps: Deps) -> Handler:
    async def handle(event: Event[SkpResetV1], uow: AppraisalUnitOfWork) -> None:
        data = event.data
        cmd = ApplySkpReset(
            pegawai_id=data.pegawai_id,
            periode=data.periode,
            skp_version=event.envelope.aggregate_version,
            bagian=_bagian(data),
        )
        _log(event, await apply_skp_reset(cmd, uow=uow, deps=deps))

    return handle


async def on_skp_returned(event: Event[SkpReturnedV1], uow: AppraisalUnitOfWork) -> None:
    data = event.data
    cmd = ApplySkpReturned(
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        skp_version=event.envelope.aggregate_version,
        bagian=_bagian(data),
    )
    _log(event, await apply_skp_returned(cmd, uow=uow))


def on_skp_ended(deps: Deps) -> Handler:
    async def handle(event: Event[SkpEndedV1], uow: AppraisalUnitOfWork) -> None:
        data = event.data
        part = _bagian(data)
        # A part without a last day would be the whole period: a transfer always gives one; the event time's day
        # is the fallback for a producer that left it out.
        selesai = data.selesai or data.ended_at.date()
        cmd = ApplySkpEnded(
            pegawai_id=data.pegawai_id,
            periode=data.periode,
            skp_version=event.envelope.aggregate_version,
            bagian=part,
            selesai=selesai,
            status=data.status,
        )
        _log(event, await apply_skp_ended(cmd, uow=uow, deps=deps))

    return handle


async def on_koreksi_reported(event: Event[KoreksiReportedV1], uow: AppraisalUnitOfWork) -> None:
    data = event.data
    cmd = ApplyKoreksi(
        koreksi_id=data.koreksi_id,
        pegawai_id=data.pegawai_id,
        terbuka=True,
        koreksi_version=event.envelope.aggregate_version,
    )
    _log(event, await apply_koreksi(cmd, uow=uow))


async def on_koreksi_closed(event: Event[KoreksiClosedV1], uow: AppraisalUnitOfWork) -> None:
    data = event.data
    cmd = ApplyKoreksi(
        koreksi_id=data.koreksi_id,
        pegawai_id=data.pegawai_id,
        terbuka=False,
        koreksi_version=event.envelope.aggregate_version,
    )
    _log(event, await apply_koreksi(cmd, uow=uow))
