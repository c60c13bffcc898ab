"""Planning's SKP events reaching appraisal: monitoring, opening the penilaian, a reset plan."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from appraisal.domain.penilaian import Penilaian, RhkRencana, Status
from appraisal.usecases.from_observation import ApplyPelaksanaanCompleted, apply_pelaksanaan_completed
from appraisal.usecases.from_planning import (
    ApplySkpApproved,
    ApplySkpReset,
    ApplySkpSubmitted,
    apply_skp_approved,
    apply_skp_reset,
    apply_skp_submitted,
)
from services.appraisal.tests.unit.fakes import FakeAppraisalUnitOfWork, deps_for, school
from services.appraisal.tests.unit.penilaian_factory import rating, ready

AT = datetime(2024, 1, 20, 3, 0, tzinfo=UTC)


def approved(pegawai_id: uuid.UUID, version: int = 5, periode: str = "2024-S1") -> ApplySkpApproved:
    return ApplySkpApproved(
        pegawai_id=pegawai_id,
        periode=periode,
        skp_version=version,
        skp_id=uuid.uuid4(),
        indikator_kode="D.1.3",
        indikator_nama="Kualitas pembelajaran: metode",
        rhk=(RhkRencana("PK-01", "Pelatihan mandiri", "pengembangan_kompetensi", "jumlah topik", 4, "topik"),),
        perilaku=(("akuntabel", "Akuntabel"), ("kompeten", "Kompeten")),
        approved_at=AT,
    )


def put_final(uow: FakeAppraisalUnitOfWork, pegawai_id: uuid.UUID, periode: str) -> Penilaian:
    """A final penilaian of `pegawai_id` in `periode`, already in the table."""
    final = ready(Status.FINAL)
    final.pegawai_id, final.periode = pegawai_id, periode
    return uow.penilaian.put(final)


def completed(pegawai_id: uuid.UUID, version: int = 9) -> ApplyPelaksanaanCompleted:
    return ApplyPelaksanaanCompleted(
        pegawai_id=pegawai_id,
        periode="2024-S1",
        pelaksanaan_version=version,
        pelaksanaan_id=uuid.uuid4(),
        completed_at=AT,
        bukti_count=2,
        rubrik={"efektif": 3},
    )


async def test_a_submitted_plan_is_monitored_and_an_older_event_does_not_overwrite_a_newer_state() -> None:
    uow = FakeAppraisalUnitOfWork()
    pegawai_id = uuid.uuid4()
    assert await apply_skp_submitted([ApplySkpSubmitted(pegawai_id, "2024-S1", 6)], uow=uow) == "monitored"
    assert uow.committed
    await apply_skp_submitted([ApplySkpSubmitted(pegawai_id, "2024-S1", 3)], uow=uow)
    assert uow.skp_monitor.rows[(pegawai_id, "2024-S1")] == ("DIAJUKAN", 6)
    assert uow.penilaian.rows == {}  # a submitted plan opens no penilaian


async def test_an_approved_plan_opens_the_penilaian_waiting_for_the_cycle() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    [outcome] = await apply_skp_approved([approved(s.guru.pegawai_id)], uow=uow, deps=deps_for(uow))
    assert outcome == "applied"
    stored = uow.penilaian.stored(s.guru.pegawai_id, "2024-S1")
    assert stored is not None and stored.status is Status.MENUNGGU
    assert stored.missing() == ["siklus"]
    assert stored.rencana is not None and stored.rencana.perilaku == (
        ("akuntabel", "Akuntabel"),
        ("kompeten", "Kompeten"),
    )
    assert (stored.skp_version, uow.skp_monitor.rows[(s.guru.pegawai_id, "2024-S1")]) == (5, ("DISETUJUI", 5))
    assert uow.committed and uow.published == []


async def test_a_run_of_approvals_opens_each_penilaian_in_one_unit_of_work_in_the_order_they_came() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    deps = deps_for(uow)
    await apply_pelaksanaan_completed(completed(s.guru.pegawai_id), uow=uow, deps=deps)
    commits = uow.commits
    run = [approved(s.guru.pegawai_id), approved(s.ks.pegawai_id), approved(s.guru.pegawai_id, version=4)]
    assert await apply_skp_approved(run, uow=uow, deps=deps) == ["ready", "applied", "stale"]
    assert uow.commits == commits + 1
    for pegawai, status in ((s.guru, Status.SIAP), (s.ks, Status.MENUNGGU)):
        stored = uow.penilaian.stored(pegawai.pegawai_id, "2024-S1")
        assert stored is not None and (stored.status, stored.skp_version) == (status, 5)
        assert uow.skp_monitor.rows[(pegawai.pegawai_id, "2024-S1")] == ("DISETUJUI", 5)


async def test_an_approval_whose_part_a_concurrent_consumer_opened_first_goes_to_that_part() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    deps = deps_for(uow)
    await apply_pelaksanaan_completed(completed(s.guru.pegawai_id), uow=uow, deps=deps)
    opened_first = uow.penilaian.stored(s.guru.pegawai_id, "2024-S1")
    real_find = uow.penilaian.find

    async def not_yet_there(*args, **kwargs):  # read before the other consumer's insert committed
        uow.penilaian.find = real_find
        return None

    uow.penilaian.find = not_yet_there
    assert await apply_skp_approved([approved(s.guru.pegawai_id)], uow=uow, deps=deps) == ["ready"]
    [stored] = uow.penilaian.rows.values()
    assert opened_first is not None and stored.id == opened_first.id
    assert (stored.status, stored.skp_version, stored.version) == (Status.SIAP, 5, opened_first.version + 1)


async def test_a_run_keeps_each_pegawais_penilaian_tahunan_in_step_with_every_period_of_the_year() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    deps = deps_for(uow)
    put_final(uow, s.guru.pegawai_id, "2024-S1")
    run = [approved(s.guru.pegawai_id, periode="2024-S2"), approved(s.ks.pegawai_id, periode="2024-S2")]
    assert await apply_skp_approved(run, uow=uow, deps=deps) == ["applied", "applied"]
    # The guru's year: the final first semester weighed, the second still waited for.
    annual = uow.penilaian.stored(s.guru.pegawai_id, "2024-T")
    assert annual is not None
    assert ([h.periode for h in annual.hasil_periodik], annual.periodik_menunggu) == (["2024-S1"], 1)
    # The kepala sekolah has nothing final in 2024: no penilaian tahunan yet.
    assert uow.penilaian.stored(s.ks.pegawai_id, "2024-T") is None
    assert uow.commits == 1


async def test_the_plan_after_the_completed_cycle_makes_it_ratable() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    deps = deps_for(uow)
    await apply_pelaksanaan_completed(completed(s.guru.pegawai_id), uow=uow, deps=deps)
    assert await apply_skp_approved([approved(s.guru.pegawai_id)], uow=uow, deps=deps) == ["ready"]
    stored = uow.penilaian.stored(s.guru.pegawai_id, "2024-S1")
    assert stored is not None and stored.status is Status.SIAP
    assert len(uow.penilaian.rows) == 1  # one penilaian per pegawai and period, whichever event came first


async def test_an_older_approval_or_one_reaching_a_final_penilaian_changes_nothing() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    deps = deps_for(uow)
    p = ready(Status.SIAP)
    p.pegawai_id = s.guru.pegawai_id
    uow.penilaian.put(p)
    stale = await apply_skp_approved([approved(s.guru.pegawai_id, version=p.skp_version)], uow=uow, deps=deps)
    assert stale == ["stale"]
    final = put_final(uow, s.guru.pegawai_id, "2024-S2")
    later = approved(s.guru.pegawai_id, version=99, periode="2024-S2")
    assert await apply_skp_approved([later], uow=uow, deps=deps) == ["final"]
    assert uow.penilaian.stored(s.guru.pegawai_id, "2024-S2") == final
    # Only the year's penilaian tahunan moved: it weighs the final semester.
    annual = uow.penilaian.stored(s.guru.pegawai_id, "2024-T")
    assert annual is not None and [h.periode for h in annual.hasil_periodik] == ["2024-S2"]
    assert uow.penilaian.saves == 1


async def test_a_reset_plan_takes_the_plan_and_the_ratings_away() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    p = ready(Status.SIAP)
    p.pegawai_id = s.guru.pegawai_id
    p.rate(**rating())
    uow.penilaian.put(p)
    outcome = await apply_skp_reset(ApplySkpReset(s.guru.pegawai_id, "2024-S1", 10), uow=uow, deps=deps_for(uow))
    assert outcome == "applied"
    stored = uow.penilaian.stored(s.guru.pegawai_id, "2024-S1")
    assert stored is not None
    assert (stored.status, stored.rencana, stored.nilai, stored.skp_version) == (Status.MENUNGGU, None, None, 10)
    assert uow.skp_monitor.rows[(s.guru.pegawai_id, "2024-S1")] == ("DRAFT", 10)


async def test_a_reset_without_a_penilaian_is_only_monitored() -> None:
    uow = FakeAppraisalUnitOfWork()
    pegawai_id = uuid.uuid4()
    outcome = await apply_skp_reset(ApplySkpReset(pegawai_id, "2024-S1", 4), uow=uow, deps=deps_for(uow))
    assert outcome == "no_penilaian"
    assert uow.committed and uow.penilaian.rows == {}
    assert uow.skp_monitor.rows[(pegawai_id, "2024-S1")] == ("DRAFT", 4)
