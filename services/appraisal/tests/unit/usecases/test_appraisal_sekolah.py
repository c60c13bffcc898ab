"""A school's predikat organisasi: set by an operator of its region only, audited."""

from __future__ import annotations

import pytest

from appraisal.domain.distribution import PredikatOrganisasi
from appraisal.usecases.sekolah import SetPredikatOrganisasi, set_predikat_organisasi
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound
from services.appraisal.tests.unit.fakes import NPSN, FakeAppraisalUnitOfWork, as_operator, as_pegawai, school


async def test_an_operator_of_the_region_sets_it_audited() -> None:
    uow = FakeAppraisalUnitOfWork()
    school(uow)
    cmd = SetPredikatOrganisasi(npsn=NPSN, tahun=2024, predikat_organisasi="Baik")
    value = await set_predikat_organisasi(cmd, uow=uow, actor=as_operator("3273"))
    assert value.predikat_organisasi is PredikatOrganisasi.BAIK
    assert uow.predikat_organisasi.rows[(NPSN, 2024)] == ("baik", "op-3273")
    assert uow.audit.records == [("sekolah.predikat_organisasi", NPSN, {"tahun": 2024, "predikat_organisasi": "baik"})]
    assert uow.committed


@pytest.mark.parametrize(
    ("who", "npsn", "error", "rule"),
    [
        ("kepala_sekolah", NPSN, Forbidden, "sekolah.tetapkan_predikat_organisasi_forbidden"),
        ("guru", NPSN, NotFound, "sekolah.not_found"),
        ("operator_elsewhere", NPSN, NotFound, "sekolah.not_found"),
        ("operator", "11111111", NotFound, "sekolah.not_found"),
    ],
)
async def test_nobody_else_sets_it(who: str, npsn: str, error: type[Exception], rule: str) -> None:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow)
    actor = {
        "kepala_sekolah": as_pegawai(s.ks, "kepala_sekolah"),
        "guru": as_pegawai(s.guru),
        "operator_elsewhere": as_operator("31"),
        "operator": as_operator("3273"),
    }[who]
    cmd = SetPredikatOrganisasi(npsn=npsn, tahun=2024, predikat_organisasi="istimewa")
    with pytest.raises(error) as refused:
        await set_predikat_organisasi(cmd, uow=uow, actor=actor)
    assert refused.value.rule == rule
    assert uow.predikat_organisasi.rows == {} and uow.audit.records == []


async def test_an_unknown_predikat_is_refused_naming_the_field() -> None:
    uow = FakeAppraisalUnitOfWork()
    school(uow)
    cmd = SetPredikatOrganisasi(npsn=NPSN, tahun=2024, predikat_organisasi="luar biasa")
    with pytest.raises(InvalidValue) as refused:
        await set_predikat_organisasi(cmd, uow=uow, actor=as_operator())
    assert refused.value.field == "predikat_organisasi"
