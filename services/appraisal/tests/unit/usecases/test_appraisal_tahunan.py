"""The year's penilaian tahunan over its periods (2024), kept in step with the periodic penilaian it weighs."""

from __future__ import annotations

import uuid

import pytest

from appraisal.domain.penilaian import Penilaian, Status
from appraisal.domain.predikat import Predikat
from appraisal.usecases.tahunan import load_or_open, refresh_tahunan, save_if_changed
from pmm_kernel.errors import StaleVersion
from services.appraisal.tests.unit.fakes import FakeAppraisalUnitOfWork, deps_for, school
from services.appraisal.tests.unit.penilaian_factory import ready


def periodic(uow: FakeAppraisalUnitOfWork, pegawai_id: uuid.UUID, periode: str, status: Status) -> Penilaian:
    p = ready(status)
    p.pegawai_id, p.periode = pegawai_id, periode
    return uow.penilaian.put(p)


async def refresh(uow: FakeAppraisalUnitOfWork, pegawai_id: uuid.UUID, periode: str) -> Penilaian | None:
    async with uow:
        await refresh_tahunan(uow, deps_for(uow), pegawai_id, periode)
        await uow.commit()
    return uow.penilaian.stored(pegawai_id, "2024-T")


async def test_no_annual_evaluation_before_a_semester_is_final() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    periodic(uow, s.guru.pegawai_id, "2024-S1", Status.DINILAI)
    assert await refresh(uow, s.guru.pegawai_id, "2024-S1") is None


async def test_the_first_final_semester_opens_it_waiting_for_the_other() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    periodic(uow, s.guru.pegawai_id, "2024-S1", Status.FINAL)
    periodic(uow, s.guru.pegawai_id, "2024-S2", Status.SIAP)
    annual = await refresh(uow, s.guru.pegawai_id, "2024-S1")
    assert annual is not None and annual.menimbang_periode
    assert [(h.periode, h.predikat) for h in annual.hasil_periodik] == [("2024-S1", Predikat.BAIK)]
    assert (annual.periodik_menunggu, annual.status, annual.missing()) == (1, Status.MENUNGGU, ["periodik"])


async def test_it_is_ratable_once_every_semester_is_final_and_a_reopen_takes_one_away() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    periodic(uow, s.guru.pegawai_id, "2024-S1", Status.FINAL)
    s2 = periodic(uow, s.guru.pegawai_id, "2024-S2", Status.FINAL)
    annual = await refresh(uow, s.guru.pegawai_id, "2024-S2")
    assert annual is not None and (annual.status, annual.periodik_menunggu) == (Status.SIAP, 0)
    assert [h.periode for h in annual.hasil_periodik] == ["2024-S1", "2024-S2"]
    assert [h.angka_kredit is not None for h in annual.hasil_periodik] == [True, True]
    reopened = ready(Status.DINILAI)
    reopened.id, reopened.pegawai_id, reopened.periode = s2.id, s.guru.pegawai_id, "2024-S2"
    uow.penilaian.put(reopened)
    annual = await refresh(uow, s.guru.pegawai_id, "2024-S2")
    assert annual is not None and (annual.status, annual.periodik_menunggu) == (Status.MENUNGGU, 1)
    assert [h.periode for h in annual.hasil_periodik] == ["2024-S1"]


async def test_a_year_without_a_penilaian_tahunan_window_or_a_period_not_arrived_gets_none() -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    periodic(uow, s.guru.pegawai_id, "2025-T", Status.FINAL)
    async with uow:
        await refresh_tahunan(uow, deps_for(uow), s.guru.pegawai_id, "2025-T")
        await refresh_tahunan(uow, deps_for(uow), s.guru.pegawai_id, "2026-S1")  # planning has not announced it
    assert [p.periode for p in uow.penilaian.rows.values()] == ["2025-T"]


async def test_load_or_open_opens_once_and_save_if_changed_writes_only_a_change() -> None:
    uow = FakeAppraisalUnitOfWork()
    pegawai_id = uuid.uuid4()
    async with uow:
        opened = await load_or_open(uow, pegawai_id, "2024-S1")
        again = await load_or_open(uow, pegawai_id, "2024-S1")
        assert again.id == opened.id and again is not opened
        await save_if_changed(uow, again, read_version=again.version)
        assert uow.penilaian.saves == 0
        again.set_hanya_perilaku(True)
        await save_if_changed(uow, again, read_version=1)
        assert uow.penilaian.saves == 1
        opened.set_hanya_perilaku(True)  # a copy read before the save above
        with pytest.raises(StaleVersion):
            await save_if_changed(uow, opened, read_version=1)
