"""Observation's cycle events reaching appraisal: a completed cycle, a closed one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from appraisal.domain.penilaian import Status
from appraisal.usecases.from_observation import (
    ApplyPelaksanaanClosed,
    ApplyPelaksanaanCompleted,
    apply_pelaksanaan_closed,
    apply_pelaksanaan_completed,
)
from services.appraisal.tests.unit.fakes import FakeAppraisalUnitOfWork, deps_for, school
from services.appraisal.tests.unit.penilaian_factory import rating, ready

AT = datetime(2024, 5, 20, 3, 0, tzinfo=UTC)


def completed(pegawai_id: uuid.UUID, version: int = 9) -> ApplyPelaksanaanCompleted:
    return ApplyPelaksanaanCompleted(
        pegawai_id=pegawai_id,
        periode="2024-S1",
        pelaksanaan_version=version,
        pelaksanaan_id=uuid.uuid4(),
        completed_at=AT,
        bukti_count=3,
        rubrik={"mode": "langsung", "efektif": 4, "items": []},
    )


async def test_a_completed_cycle_opens_the_penilaian_with_its_evidence_waiting_for_the_plan() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    cmd = completed(s.guru.pegawai_id)
    assert await apply_pelaksanaan_completed(cmd, uow=uow, deps=deps_for(uow)) == "applied"
    stored = uow.penilaian.stored(s.guru.pegawai_id, "2024-S1")
    assert stored is not None and (stored.status, stored.missing()) == (Status.MENUNGGU, ["skp"])
    assert stored.siklus is not None
    assert (stored.siklus.pelaksanaan_id, stored.siklus.bukti_count, stored.siklus.rubrik) == (
        cmd.pelaksanaan_id,
        3,
        {"mode": "langsung", "efektif": 4, "items": []},
    )
    assert (stored.siklus_version, uow.committed) == (9, True)


async def test_a_completed_cycle_makes_a_planned_penilaian_ratable_once() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    p = ready(Status.MENUNGGU)  # the plan is there, the cycle is not
    p.pegawai_id = s.guru.pegawai_id
    uow.penilaian.put(p)
    deps = deps_for(uow)
    assert await apply_pelaksanaan_completed(completed(s.guru.pegawai_id, version=8), uow=uow, deps=deps) == "ready"
    assert await apply_pelaksanaan_completed(completed(s.guru.pegawai_id, version=8), uow=uow, deps=deps) == "stale"
    stored = uow.penilaian.stored(s.guru.pegawai_id, "2024-S1")
    assert stored is not None and stored.status is Status.SIAP
    assert uow.penilaian.saves == 1


async def test_a_closed_cycle_takes_the_evidence_and_the_ratings_away() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    p = ready(Status.SIAP)
    p.pegawai_id = s.guru.pegawai_id
    p.rate(**rating())
    uow.penilaian.put(p)
    cmd = ApplyPelaksanaanClosed(s.guru.pegawai_id, "2024-S1", pelaksanaan_version=12)
    assert await apply_pelaksanaan_closed(cmd, uow=uow, deps=deps_for(uow)) == "applied"
    stored = uow.penilaian.stored(s.guru.pegawai_id, "2024-S1")
    assert stored is not None
    assert (stored.status, stored.siklus, stored.nilai, stored.siklus_version) == (Status.MENUNGGU, None, None, 12)


async def test_a_closed_cycle_leaves_a_final_penilaian_as_it_went_to_bkn() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    p = ready(Status.FINAL)
    p.pegawai_id = s.guru.pegawai_id
    uow.penilaian.put(p)
    cmd = ApplyPelaksanaanClosed(s.guru.pegawai_id, "2024-S1", pelaksanaan_version=12)
    assert await apply_pelaksanaan_closed(cmd, uow=uow, deps=deps_for(uow)) == "final"
    assert uow.penilaian.stored(s.guru.pegawai_id, "2024-S1") == p


async def test_a_closed_cycle_without_a_penilaian_changes_nothing() -> None:
    uow = FakeAppraisalUnitOfWork()
    cmd = ApplyPelaksanaanClosed(uuid.uuid4(), "2024-S1", pelaksanaan_version=2)
    assert await apply_pelaksanaan_closed(cmd, uow=uow, deps=deps_for(uow)) == "no_penilaian"
    assert uow.committed and uow.penilaian.rows == {}
