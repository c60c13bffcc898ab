"""An approved plan goes to e-Kinerja; a reset one is a draft again (a BKN edit of it is no conflict); a part a
transfer ended goes again with its shortened period."""

from __future__ import annotations

from collections.abc import Sequence

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.usecases import from_planning
from pmm_contracts import Event
from pmm_contracts.events.planning import SkpApprovedV1, SkpEndedV1, SkpResetV1


async def on_skp_approved(events: Sequence[Event[SkpApprovedV1]], uow: BknSyncUnitOfWork) -> None:
    """Registered `InRuns`: a kepala sekolah approves a school's plans in one sitting, and a run of them goes to
    e-Kinerja's queue in a few statements."""
    await from_planning.record_skp_approved([_approved(event) for event in events], uow=uow)


def _approved(event: Event[SkpApprovedV1]) -> from_planning.RecordSkpApproved:
    data = event.data
    rhk = tuple(
        from_planning.RhkRow(
            nama=r.nama,
            rhk_atasan=r.rhk_atasan,
            aspek=r.aspek,
            indikator_kinerja_individu=r.indikator_kinerja_individu,
            target_kuantitas=r.target_kuantitas,
            satuan=r.satuan,
        )
        for r in data.rhk
    )
    return from_planning.RecordSkpApproved(
        skp_id=data.skp_id,
        pegawai_id=data.pegawai_id,
        periode=data.periode,
        atasan_id=data.atasan_id,
        rhk=rhk,
        version=event.envelope.aggregate_version,
        bagian=data.bagian,
        npsn=data.npsn,
        mulai=data.mulai,
        selesai=data.selesai,
        cause=event.envelope.event_id,
    )


async def on_skp_reset(event: Event[SkpResetV1], uow: BknSyncUnitOfWork) -> None:
    data = event.data
    await from_planning.record_skp_reset(
        from_planning.RecordSkpReset(
            skp_id=data.skp_id,
            pegawai_id=data.pegawai_id,
            periode=data.periode,
            version=event.envelope.aggregate_version,
            bagian=data.bagian,
            npsn=data.npsn,
            mulai=data.mulai,
            selesai=data.selesai,
        ),
        uow=uow,
    )


async def on_skp_ended(event: Event[SkpEndedV1], uow: BknSyncUnitOfWork) -> None:
    data = event.data
    await from_planning.record_skp_ended(
        from_planning.RecordSkpEnded(
            skp_id=data.skp_id,
            pegawai_id=data.pegawai_id,
            periode=data.periode,
            bagian=data.bagian,
            npsn=data.npsn,
            mulai=data.mulai,
            selesai=data.selesai,
            approved=data.status == "DISETUJUI",
            version=event.envelope.aggregate_version,
        ),
        uow=uow,
    )
