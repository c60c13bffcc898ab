"""The consumers build each command from the contract's fields: what planning and observation sent reaches the
penilaian whole, with the aggregate version of the envelope."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from appraisal.domain.penilaian import RhkRencana, Status
from appraisal.handlers import handlers
from pmm_contracts import Event, EventData
from pmm_contracts.envelope import Envelope
from pmm_contracts.events import bkn_sync as bkn
from pmm_contracts.events import observation as obs
from pmm_contracts.events import planning
from services.appraisal.tests.unit.fakes import FakeAppraisalUnitOfWork, deps_for, school

AT = datetime(2024, 5, 20, 3, 0, tzinfo=UTC)


def event(data: EventData, version: int) -> Event:
    envelope = Envelope.wrap(data, event_id=uuid.uuid4(), occurred_at=AT, aggregate_id="x", aggregate_version=version)
    return Event(envelope=envelope, data=data)


async def test_an_approved_plan_and_a_completed_cycle_reach_the_penilaian_whole() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    registry = handlers(deps_for(uow))
    skp_id, pelaksanaan_id = uuid.uuid4(), uuid.uuid4()
    ref = {"skp_id": skp_id, "pegawai_id": s.guru.pegawai_id, "periode": "2024-S1", "atasan_id": s.ks.pegawai_id}
    approved = planning.SkpApprovedV1(
        **ref,
        approved_at=AT,
        indikator=planning.IndikatorPart(kode="D.1.3", nama="Metode", perilaku_dianjurkan=[], perilaku_dihindari=[]),
        rhk=[
            planning.RhkPart(
                kode="PK-01",
                nama="Pelatihan mandiri",
                kategori="pengembangan_kompetensi",
                rhk_atasan=None,
                aspek="kuantitas",
                indikator_kinerja_individu="topik selesai",
                target_kuantitas=4,
                satuan="topik",
                poin=8,
            )
        ],
        perilaku=[planning.PerilakuPart(kode="akuntabel", nama="Akuntabel", ekspektasi_khusus=None)],
    )
    completed = obs.PelaksanaanCompletedV1(
        pelaksanaan_id=pelaksanaan_id,
        skp_id=skp_id,
        pegawai_id=s.guru.pegawai_id,
        periode="2024-S1",
        atasan_id=s.ks.pegawai_id,
        rubric=obs.RubricSummary(mode="langsung", belum_dilakukan=0, belum_efektif=1, efektif=2, items=[]),
        bukti_count=3,
        completed_at=AT,
    )
    await registry[planning.SkpApprovedV1](event(approved, 6), uow)
    await registry[obs.PelaksanaanCompletedV1](event(completed, 11), uow)
    p = uow.penilaian.stored(s.guru.pegawai_id, "2024-S1")
    assert p is not None and p.status is Status.SIAP
    assert p.rencana is not None and p.siklus is not None
    assert (p.rencana.skp_id, p.rencana.indikator_kode, p.rencana.perilaku) == (
        skp_id,
        "D.1.3",
        (("akuntabel", "Akuntabel"),),
    )
    assert p.rencana.rhk == (
        RhkRencana("PK-01", "Pelatihan mandiri", "pengembangan_kompetensi", "topik selesai", 4, "topik"),
    )
    assert (p.skp_version, p.siklus_version, p.siklus.pelaksanaan_id, p.siklus.bukti_count) == (
        6,
        11,
        pelaksanaan_id,
        3,
    )
    assert p.siklus.rubrik == {"mode": "langsung", "belum_dilakukan": 0, "belum_efektif": 1, "efektif": 2, "items": []}


async def test_submitted_and_reset_plans_feed_monitoring_with_the_envelopes_version() -> None:
    uow = FakeAppraisalUnitOfWork()
    registry = handlers(deps_for(uow))
    pegawai_id = uuid.uuid4()
    ref = {"skp_id": uuid.uuid4(), "pegawai_id": pegawai_id, "periode": "2024-S1", "atasan_id": None}
    await registry[planning.SkpSubmittedV1](event(planning.SkpSubmittedV1(**ref, submitted_at=AT), 3), uow)
    assert uow.skp_monitor.rows[(pegawai_id, "2024-S1")] == ("DIAJUKAN", 3)
    reset = planning.SkpResetV1(**ref, reset_at=AT, alasan="salah indikator")
    await registry[planning.SkpResetV1](event(reset, 8), uow)
    assert uow.skp_monitor.rows[(pegawai_id, "2024-S1")] == ("DRAFT", 8)
    closed = obs.PelaksanaanClosedV1(
        pelaksanaan_id=uuid.uuid4(), skp_id=ref["skp_id"], pegawai_id=pegawai_id, periode="2024-S1",
        reason="plan reset", closed_at=AT,
    )  # fmt: skip
    await registry[obs.PelaksanaanClosedV1](event(closed, 4), uow)
    assert uow.committed and uow.penilaian.rows == {}


async def test_monitoring_by_name_is_fed_from_each_contract_with_the_envelopes_version() -> None:
    uow = FakeAppraisalUnitOfWork()
    registry = handlers(deps_for(uow))
    pegawai_id, skp_id, pelaksanaan_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    skp = {"skp_id": skp_id, "pegawai_id": pegawai_id, "periode": "2024-S1", "atasan_id": None}
    returned = planning.SkpReturnedV1(**skp, returned_at=AT, catatan="target belum terukur")
    await registry[planning.SkpReturnedV1](event(returned, 4), uow)
    assert uow.skp_monitor.rows[(pegawai_id, "2024-S1")] == ("DIKEMBALIKAN", 4)

    cycle = {"pelaksanaan_id": pelaksanaan_id, "skp_id": skp_id, "pegawai_id": pegawai_id, "periode": "2024-S1"}
    step = obs.StepCompletedV1(**cycle, step="persiapan", completed_at=AT)
    await registry[obs.StepCompletedV1](event(step, 3), uow)
    assert uow.monitoring_nama.langkah[(pegawai_id, "2024-S1")] == ("persiapan", 3)
    rubric = obs.RubricSummary(mode="rekaman", belum_dilakukan=1, belum_efektif=0, efektif=0, items=[])
    observed = obs.ObservasiRecordedV1(**cycle, atasan_id=uuid.uuid4(), rubric=rubric, observed_at=AT)
    await registry[obs.ObservasiRecordedV1](event(observed, 4), uow)
    assert uow.monitoring_nama.langkah[(pegawai_id, "2024-S1")] == ("observasi", 4)

    push = {"push_id": uuid.uuid4(), "pegawai_id": pegawai_id, "periode": "2024-S1", "jenis": "skp", "bagian": ""}
    failed = bkn.PushFailedV1(
        **push, kode="UNOR_TIDAK_SESUAI", fixer="dinas", action="perbaiki unor", attempts=3, failed_at=AT
    )
    await registry[bkn.PushFailedV1](event(failed, 5), uow)
    held = uow.monitoring_nama.pushes[push["push_id"]]
    assert (held["status"], held["kode"], held["fixer"], held["action"], held["version"]) == (
        "GAGAL", "UNOR_TIDAK_SESUAI", "dinas", "perbaiki unor", 5,
    )  # fmt: skip
    succeeded = bkn.PushSucceededV1(**push, bkn_id="B-1", attempts=4, succeeded_at=AT)
    await registry[bkn.PushSucceededV1](event(succeeded, 6), uow)
    held = uow.monitoring_nama.pushes[push["push_id"]]
    assert (held["status"], held["kode"], held["version"]) == ("SUKSES", None, 6)

    ref = {"koreksi_id": uuid.uuid4(), "pegawai_id": pegawai_id, "npsn": "20217301", "kode_wilayah": "3273"}
    reported = planning.KoreksiReportedV1(**ref, jenis="atasan", field=None, reported_at=AT)
    await registry[planning.KoreksiReportedV1](event(reported, 1), uow)
    assert uow.monitoring_nama.koreksi[ref["koreksi_id"]] == (pegawai_id, True, 1)
    closed = planning.KoreksiClosedV1(**ref, status="DITOLAK", closed_at=AT)
    await registry[planning.KoreksiClosedV1](event(closed, 2), uow)
    assert uow.monitoring_nama.koreksi[ref["koreksi_id"]] == (pegawai_id, False, 2)
