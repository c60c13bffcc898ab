"""What the GET routes show: who sees a penilaian and its figures, the list, the document, the distribution and the
monitoring."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from appraisal.domain.monitoring import MonitoringCounts
from appraisal.domain.penilaian import Penilaian, Status
from appraisal.domain.predikat import Predikat
from appraisal.usecases import views
from appraisal.usecases.views import GetDistribusi, GetMonitoring, GetPenilaian, ListPenilaian
from pmm_kernel.access import Relation
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound
from services.appraisal.tests.unit.fakes import (
    NPSN,
    FakeAppraisalUnitOfWork,
    Sekolah,
    as_operator,
    as_pegawai,
    deps_for,
    school,
)
from services.appraisal.tests.unit.penilaian_factory import ready


def world(status: Status = Status.DINILAI, **school_args) -> tuple[FakeAppraisalUnitOfWork, Sekolah, Penilaian]:
    uow = FakeAppraisalUnitOfWork()
    s = school(uow, **school_args)
    p = ready(status)
    p.pegawai_id = s.guru.pegawai_id
    uow.penilaian.put(p)
    return uow, s, p


# --- one penilaian -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "relation"),
    [("owner", Relation.OWNER), ("atasan", Relation.ATASAN), ("operator", Relation.OPERATOR)],
)
async def test_the_pegawai_their_atasan_and_the_regions_operator_see_it(who: str, relation: Relation) -> None:
    uow, s, p = world()
    actor = {"owner": as_pegawai(s.guru), "atasan": as_pegawai(s.ks, "kepala_sekolah"), "operator": as_operator()}[who]
    context = await views.get_penilaian(GetPenilaian(p.id), uow=uow, deps=deps_for(uow), actor=actor)
    assert (context.penilaian.id, context.relation, context.atasan_id) == (p.id, relation, s.ks.pegawai_id)
    assert context.jenis == "periodik" and context.rentang is not None and context.rentang.bulan == 6
    # Ahli Pertama, 6 months, baik (100 %): 12.5 / 2
    assert context.angka_kredit is not None and context.angka_kredit.nilai == Decimal("6.25")
    assert context.progress is not None and context.progress.total == Decimal("6.25")
    assert context.distribusi is not None and context.distribusi.counts[Predikat.BAIK] == 1


@pytest.mark.parametrize("who", ["another_guru", "operator_elsewhere", "unknown_id"])
async def test_to_anyone_else_it_does_not_exist(who: str) -> None:
    uow, s, p = world()
    other = uow.data.add_pegawai("Guru lain")
    actor = as_operator("31") if who == "operator_elsewhere" else as_pegawai(other)
    query = GetPenilaian(uuid.uuid4() if who == "unknown_id" else p.id)
    with pytest.raises(NotFound) as refused:
        await views.get_penilaian(query, uow=uow, deps=deps_for(uow), actor=actor)
    assert refused.value.rule == "penilaian.not_found"


@pytest.mark.parametrize(
    ("status", "jenjang", "catatan"),
    [
        ("Honorer", "Ahli Pertama", "a non-ASN pegawai earns no angka kredit"),
        ("PNS", None, "no jenjang jabatan in the roster"),
        ("PPPK", "Ahli Sedang", "the roster's jenjang jabatan is not a jenjang of the guru position"),
    ],
)
async def test_no_angka_kredit_says_why(status: str, jenjang: str | None, catatan: str) -> None:
    uow, s, p = world(guru_status=status, guru_jenjang=jenjang)
    context = await views.get_penilaian(GetPenilaian(p.id), uow=uow, deps=deps_for(uow), actor=as_pegawai(s.guru))
    assert (context.angka_kredit, context.angka_kredit_catatan, context.progress) == (None, catatan, None)


async def test_a_final_penilaian_shows_what_was_kept_not_what_the_roster_says_now() -> None:
    uow, s, p = world(Status.FINAL, guru_status="Honorer")
    context = await views.get_penilaian(GetPenilaian(p.id), uow=uow, deps=deps_for(uow), actor=as_pegawai(s.guru))
    assert p.final is not None and context.angka_kredit == p.final.angka_kredit
    assert context.rentang == p.final.rentang


async def test_a_period_not_arrived_yet_leaves_the_figures_open() -> None:
    uow, s, p = world()
    uow.data.snapshots.clear()
    context = await views.get_penilaian(GetPenilaian(p.id), uow=uow, deps=deps_for(uow), actor=as_pegawai(s.guru))
    assert (context.jenis, context.rentang, context.angka_kredit) == (None, None, None)
    assert context.angka_kredit_catatan == "the period has not arrived from planning yet"
    assert context.distribusi is not None and context.distribusi.tahun == 2024  # the year its code names


# --- the list ------------------------------------------------------------------------------------------------


async def test_the_list_holds_my_own_those_i_appraise_and_my_regions() -> None:
    uow, s, p = world()
    mine = ready(Status.SIAP)
    mine.pegawai_id = s.ks.pegawai_id  # the KS's own penilaian, appraised by a pengawas
    uow.penilaian.put(mine)
    deps = deps_for(uow)
    query = ListPenilaian(periode="2024-S1", status=None, after=None, limit=10)
    as_ks = await views.list_penilaian(query, uow=uow, deps=deps, actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert {row[0].id for row in as_ks} == {p.id, mine.id}
    as_guru = await views.list_penilaian(query, uow=uow, deps=deps, actor=as_pegawai(s.guru))
    assert [row[0].id for row in as_guru] == [p.id] and as_guru[0][1] == s.guru
    assert len(await views.list_penilaian(query, uow=uow, deps=deps, actor=as_operator())) == 2
    assert await views.list_penilaian(query, uow=uow, deps=deps, actor=as_operator("31")) == []
    final_only = ListPenilaian(periode=None, status="FINAL", after=None, limit=10)
    assert await views.list_penilaian(final_only, uow=uow, deps=deps, actor=as_operator()) == []


# --- the evaluation document ---------------------------------------------------------------------------------


async def test_the_document_is_the_pegawais_and_their_atasans_once_rated() -> None:
    uow, s, p = world()
    deps = deps_for(uow)
    context = await views.dokumen(GetPenilaian(p.id), uow=uow, deps=deps, actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert context.angka_kredit is not None
    with pytest.raises(Forbidden) as refused:
        await views.dokumen(GetPenilaian(p.id), uow=uow, deps=deps, actor=as_operator())
    assert refused.value.rule == "penilaian.unduh_forbidden"


async def test_there_is_no_document_before_the_atasan_rates() -> None:
    uow, s, p = world(Status.SIAP)
    with pytest.raises(InvalidValue) as refused:
        await views.dokumen(GetPenilaian(p.id), uow=uow, deps=deps_for(uow), actor=as_pegawai(s.guru))
    assert (refused.value.rule, refused.value.field) == ("dokumen.belum_dinilai", "status")


# --- the distribution ----------------------------------------------------------------------------------------


async def test_the_distribution_warns_where_it_departs_from_the_pattern_of_the_predikat_organisasi() -> None:
    uow, s, _ = world()
    await uow.predikat_organisasi.set(NPSN, 2024, "baik", operator="op-3273")
    query = GetDistribusi(npsn=NPSN, periode="2024-S1")
    view = await views.get_distribusi(query, uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert (view.tahun, view.predikat_organisasi, view.counts[Predikat.BAIK]) == (2024, "baik", 1)
    assert "distribusi.baik.at_least_one.butuh_perbaikan+kurang" in {w.rule for w in view.warnings}
    assert view.pola is not None and view.pola.startswith("sebagian besar")


async def test_without_a_predikat_organisasi_there_is_nothing_to_compare() -> None:
    uow, s, _ = world()
    view = await views.get_distribusi(
        GetDistribusi(npsn=NPSN, periode="2024-S1"), uow=uow, deps=deps_for(uow), actor=as_operator()
    )
    assert (view.predikat_organisasi, view.warnings, view.pola) == (None, [], None)


@pytest.mark.parametrize(("who", "error"), [("guru", NotFound), ("operator_elsewhere", NotFound)])
async def test_a_guru_or_another_regions_operator_sees_no_distribution(who: str, error: type[Exception]) -> None:
    uow, s, _ = world()
    actor = as_pegawai(s.guru) if who == "guru" else as_operator("31")
    with pytest.raises(error):
        await views.get_distribusi(GetDistribusi(NPSN, "2024-S1"), uow=uow, deps=deps_for(uow), actor=actor)


# --- monitoring ----------------------------------------------------------------------------------------------


async def test_an_operator_monitors_their_region_and_a_kepala_sekolah_their_school() -> None:
    uow, s, _ = world()
    row = MonitoringCounts("3273", "Kota Bandung", 2, 2, 1, 1, 0, {p.value: 0 for p in Predikat})
    uow.monitoring.answer = [row]
    query = GetMonitoring(periode="2024-S1", tingkat="kabupaten")
    assert await views.get_monitoring(query, uow=uow, actor=as_operator("32")) == [row]
    await views.get_monitoring(query, uow=uow, actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert uow.monitoring.asked == [
        {"periode": "2024-S1", "tingkat": "kabupaten", "wilayah": "32", "npsn": None},
        {"periode": "2024-S1", "tingkat": "kabupaten", "wilayah": None, "npsn": NPSN},
    ]


@pytest.mark.parametrize(
    ("who", "tingkat", "error", "rule"),
    [
        ("guru", "sekolah", Forbidden, "monitoring.forbidden"),
        ("ks_not_in_roster", "sekolah", NotFound, "pegawai.not_in_roster"),
        ("operator", "kecamatan", InvalidValue, "monitoring.tingkat"),
    ],
)
async def test_nobody_else_monitors(who: str, tingkat: str, error: type[Exception], rule: str) -> None:
    uow, s, _ = world()
    stranger = uow.data.add_pegawai("Kepala baru", jenis_gtk="Kepala Sekolah")
    del uow.data.pegawai[stranger.pegawai_id]
    actor = {
        "guru": as_pegawai(s.guru),
        "ks_not_in_roster": as_pegawai(stranger, "kepala_sekolah"),
        "operator": as_operator(),
    }[who]
    with pytest.raises(error) as refused:
        await views.get_monitoring(GetMonitoring(periode="2024-S1", tingkat=tingkat), uow=uow, actor=actor)
    assert refused.value.rule == rule
    assert uow.monitoring.asked == []


async def test_the_callers_roster_id_is_found_by_nip() -> None:
    uow, s, _ = world()
    deps = deps_for(uow)
    assert await views.pegawai_id_by_nip(deps, s.guru.nip) == s.guru.pegawai_id
    assert await views.pegawai_id_by_nip(deps, "199001012020121001") is None
