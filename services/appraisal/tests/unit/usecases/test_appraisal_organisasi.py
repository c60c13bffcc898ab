"""The procedure of the predikat organisasi: the KS's report, the Dinas's predikat in its order, the warnings the
atasan sees before finalising; with the fake unit of work."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from appraisal.domain.penilaian import Penilaian, Status
from appraisal.domain.predikat import Predikat
from appraisal.usecases import organisasi, views
from appraisal.usecases.organisasi import GetPeringatanDistribusi, GetProsedur, KirimLaporan
from appraisal.usecases.sekolah import SetPredikatOrganisasi, set_predikat_organisasi
from appraisal.usecases.views import GetPenilaian
from pmm_kernel.clock import FixedClock
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound, StateConflict
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

NOW = datetime(2025, 12, 1, 2, 0, tzinfo=UTC)


def world(
    periode: str = "2025-T", status: Status = Status.DINILAI
) -> tuple[FakeAppraisalUnitOfWork, Sekolah, Penilaian]:
    uow = FakeAppraisalUnitOfWork(FixedClock(NOW))
    s = school(uow)
    p = ready(status)
    p.pegawai_id, p.periode = s.guru.pegawai_id, periode
    uow.penilaian.put(p)
    return uow, s, p


def ks(s: Sekolah):
    return as_pegawai(s.ks, "guru", "kepala_sekolah")


# --- step 1: the report ------------------------------------------------------------------------------------------


async def test_the_kepala_sekolah_sends_the_schools_results_once_audited() -> None:
    uow, s, _ = world()
    view = await organisasi.kirim_laporan(KirimLaporan(NPSN, 2025), uow=uow, deps=deps_for(uow), actor=ks(s))
    assert uow.committed
    laporan = uow.laporan_organisasi.rows[(NPSN, 2025)]
    assert (laporan.pegawai_id, laporan.dikirim_at, laporan.policy_year) == (s.ks.pegawai_id, NOW, 2025)
    assert laporan.counts["2025-T"][Predikat.BAIK] == 1 and sum(laporan.counts["2025-T"].values()) == 1
    assert (view.laporan, view.pengirim, view.peringatan) == (laporan, "Kepala", [])
    [(action, target, detail)] = uow.audit.records
    assert (action, target, detail["tahun"], detail["counts"]["2025-T"]["baik"]) == (
        "sekolah.laporan_kinerja",
        NPSN,
        2025,
        1,
    )
    with pytest.raises(StateConflict) as again:
        await organisasi.kirim_laporan(KirimLaporan(NPSN, 2025), uow=uow, deps=deps_for(uow), actor=ks(s))
    assert again.value.rule == "organisasi.laporan_sudah_dikirim"


async def test_a_2024_report_counts_each_semester_and_the_annual_evaluation() -> None:
    uow, s, _ = world("2024-S1")
    await organisasi.kirim_laporan(KirimLaporan(NPSN, 2024), uow=uow, deps=deps_for(uow), actor=ks(s))
    counts = uow.laporan_organisasi.rows[(NPSN, 2024)].counts
    assert list(counts) == ["2024-S1", "2024-S2", "2024-T"]
    assert counts["2024-S1"][Predikat.BAIK] == 1 and sum(counts["2024-S2"].values()) == 0


@pytest.mark.parametrize(
    ("who", "error", "rule"),
    [
        ("operator", Forbidden, "sekolah.kirim_laporan_kinerja_forbidden"),
        ("guru", NotFound, "sekolah.not_found"),
        ("other_ks", NotFound, "sekolah.not_found"),
    ],
)
async def test_only_the_schools_kepala_sekolah_sends_it(who: str, error: type, rule: str) -> None:
    uow, s, _ = world()
    other = school(uow, "20217399")
    actor = {"operator": as_operator(), "guru": as_pegawai(s.guru), "other_ks": ks(other)}[who]
    with pytest.raises(error) as refused:
        await organisasi.kirim_laporan(KirimLaporan(NPSN, 2025), uow=uow, deps=deps_for(uow), actor=actor)
    assert refused.value.rule == rule
    assert uow.laporan_organisasi.rows == {} and uow.audit.records == []


@pytest.mark.parametrize("acting_until", [date(2025, 12, 31), date(2025, 11, 30)])
async def test_a_plt_from_another_school_sends_it_while_acting(acting_until: date) -> None:
    """The Plt. kepala sekolah heads the school for the dates of the appointment, wherever they come from."""
    uow, s, _ = world()
    other = school(uow, "20217399")
    uow.data.relate(s.guru, other.ks, "plt_kepala_sekolah", mulai=date(2025, 10, 1), selesai=acting_until)
    send = organisasi.kirim_laporan(KirimLaporan(NPSN, 2025), uow=uow, deps=deps_for(uow), actor=ks(other))
    if acting_until >= NOW.date():
        assert (await send).laporan is not None
        assert uow.laporan_organisasi.rows[(NPSN, 2025)].pegawai_id == other.ks.pegawai_id
    else:  # the acting ended: the school is not theirs any more
        with pytest.raises(NotFound):
            await send
        assert uow.laporan_organisasi.rows == {}


async def test_a_year_without_periods_has_no_results_to_send() -> None:
    uow, s, _ = world()
    with pytest.raises(InvalidValue) as refused:
        await organisasi.kirim_laporan(KirimLaporan(NPSN, 2026), uow=uow, deps=deps_for(uow), actor=ks(s))
    assert (refused.value.rule, refused.value.field) == ("organisasi.tahun_tanpa_periode", "tahun")


# --- step 2: the Dinas's predikat organisasi, in the year's order ----------------------------------------------


async def test_2025_the_predikat_organisasi_waits_for_the_report() -> None:
    uow, s, _ = world()
    cmd = SetPredikatOrganisasi(npsn=NPSN, tahun=2025, predikat_organisasi="baik")
    with pytest.raises(StateConflict) as refused:
        await set_predikat_organisasi(cmd, uow=uow, actor=as_operator())
    assert refused.value.rule == "organisasi.laporan_belum_dikirim"
    assert uow.predikat_organisasi.rows == {} and uow.audit.records == []
    await organisasi.kirim_laporan(KirimLaporan(NPSN, 2025), uow=uow, deps=deps_for(uow), actor=ks(s))
    done = await set_predikat_organisasi(cmd, uow=uow, actor=as_operator())
    assert (done.policy_year, done.peringatan) == (2025, [])
    assert uow.predikat_organisasi.rows[(NPSN, 2025)][0] == "baik"


async def test_2024_the_predikat_organisasi_before_the_report_is_set_with_a_warning() -> None:
    uow, _, _ = world("2024-S1")
    cmd = SetPredikatOrganisasi(npsn=NPSN, tahun=2024, predikat_organisasi="baik")
    done = await set_predikat_organisasi(cmd, uow=uow, actor=as_operator())
    assert [p.rule for p in done.peringatan] == ["organisasi.laporan_belum_dikirim"]
    assert uow.predikat_organisasi.rows[(NPSN, 2024)][0] == "baik"


async def test_the_policy_year_comes_from_plannings_snapshot() -> None:
    # 2025's period announced on the 2024 policy: the 2024 order holds, nothing waits.
    uow, _, _ = world()
    uow.data.snapshots["2025-T"]["policy_year"] = 2024
    done = await set_predikat_organisasi(
        SetPredikatOrganisasi(npsn=NPSN, tahun=2025, predikat_organisasi="baik"), uow=uow, actor=as_operator()
    )
    assert done.policy_year == 2024


async def test_a_policy_year_the_reference_file_lacks_is_refused() -> None:
    uow, _, _ = world()
    uow.data.snapshots["2025-T"]["policy_year"] = 2031
    with pytest.raises(StateConflict) as refused:
        await set_predikat_organisasi(
            SetPredikatOrganisasi(npsn=NPSN, tahun=2025, predikat_organisasi="baik"), uow=uow, actor=as_operator()
        )
    assert refused.value.rule == "organisasi.policy_year_unknown"
    assert refused.value.extra["file"] == "organisasi.toml"


async def test_the_dinas_sees_whether_the_report_was_sent_and_its_counts() -> None:
    uow, s, _ = world()
    before = await organisasi.get_prosedur(GetProsedur(NPSN, 2025), uow=uow, actor=as_operator())
    assert before.laporan is None and [x.langkah.value for x in before.prosedur.langkah] == [
        "laporan_sekolah",
        "predikat_organisasi",
        "finalisasi",
    ]
    await organisasi.kirim_laporan(KirimLaporan(NPSN, 2025), uow=uow, deps=deps_for(uow), actor=ks(s))
    after = await organisasi.get_prosedur(GetProsedur(NPSN, 2025), uow=uow, actor=as_operator())
    assert after.laporan is not None and after.laporan.counts["2025-T"][Predikat.BAIK] == 1
    with pytest.raises(NotFound):
        await organisasi.get_prosedur(GetProsedur(NPSN, 2025), uow=uow, actor=as_operator("35"))


# --- step 3: before finalising ---------------------------------------------------------------------------------


async def test_before_the_predikat_organisasi_the_atasan_is_told_it_is_not_set_yet() -> None:
    uow, s, p = world()
    query = GetPeringatanDistribusi(p.id)
    view = await organisasi.get_peringatan_distribusi(query, uow=uow, deps=deps_for(uow), actor=ks(s))
    assert view.policy_year == 2025 and view.sebelum.calon is Predikat.BAIK
    assert [u.rule for u in view.sebelum.urutan] == ["organisasi.predikat_belum_ditetapkan"]
    assert view.sebelum.distribusi == () and view.sebelum.counts[Predikat.BAIK] == 1


async def test_2024_finalising_before_the_predikat_organisasi_is_in_order() -> None:
    uow, s, p = world("2024-S1")
    view = await organisasi.get_peringatan_distribusi(
        GetPeringatanDistribusi(p.id), uow=uow, deps=deps_for(uow), actor=ks(s)
    )
    assert (view.sebelum.urutan, view.sebelum.distribusi) == ((), ())


async def test_the_warning_counts_the_school_with_this_predikat() -> None:
    uow, s, p = world()
    for _ in range(3):  # three more Baik teachers, rated
        guru = uow.data.add_pegawai("Guru lain")
        other = ready(Status.DINILAI)
        other.pegawai_id, other.periode = guru.pegawai_id, "2025-T"
        uow.penilaian.put(other)
    await organisasi.kirim_laporan(KirimLaporan(NPSN, 2025), uow=uow, deps=deps_for(uow), actor=ks(s))
    await set_predikat_organisasi(
        SetPredikatOrganisasi(npsn=NPSN, tahun=2025, predikat_organisasi="istimewa"), uow=uow, actor=as_operator()
    )
    query = GetPeringatanDistribusi(p.id, predikat="sangat_baik")
    view = await organisasi.get_peringatan_distribusi(query, uow=uow, deps=deps_for(uow), actor=ks(s))
    assert (view.sebelum.counts[Predikat.SANGAT_BAIK], view.sebelum.counts[Predikat.BAIK]) == (1, 3)
    assert view.sebelum.urutan == ()
    # 1 of 4 Sangat Baik in an Istimewa school: not "sebagian besar".
    assert "distribusi.istimewa.more_than.sangat_baik" in {w.rule for w in view.sebelum.distribusi}


async def test_the_penilaian_view_carries_the_warning_for_the_atasan_only_while_rated() -> None:
    uow, s, p = world()
    deps = deps_for(uow)
    seen = await views.get_penilaian(GetPenilaian(p.id), uow=uow, deps=deps, actor=ks(s))
    assert seen.peringatan is not None and seen.peringatan.sebelum.calon is Predikat.BAIK
    owner = await views.get_penilaian(GetPenilaian(p.id), uow=uow, deps=deps, actor=as_pegawai(s.guru))
    assert owner.peringatan is None
    uow_final, s_final, p_final = world(status=Status.FINAL)
    final = await views.get_penilaian(
        GetPenilaian(p_final.id), uow=uow_final, deps=deps_for(uow_final), actor=ks(s_final)
    )
    assert final.peringatan is None


@pytest.mark.parametrize(("who", "error"), [("owner", Forbidden), ("stranger", NotFound)])
async def test_the_pegawai_and_strangers_do_not_see_the_schools_warning(who: str, error: type) -> None:
    uow, s, p = world()
    stranger = school(uow, "20217399").guru
    actor = {"owner": as_pegawai(s.guru), "stranger": as_pegawai(stranger)}[who]
    with pytest.raises(error):
        await organisasi.get_peringatan_distribusi(
            GetPeringatanDistribusi(p.id), uow=uow, deps=deps_for(uow), actor=actor
        )


async def test_an_unrated_penilaian_needs_a_predikat_to_weigh() -> None:
    uow, s, p = world(status=Status.SIAP)
    with pytest.raises(InvalidValue) as refused:
        await organisasi.get_peringatan_distribusi(
            GetPeringatanDistribusi(p.id), uow=uow, deps=deps_for(uow), actor=ks(s)
        )
    assert (refused.value.rule, refused.value.field) == ("peringatan.belum_dinilai", "predikat")
    view = await organisasi.get_peringatan_distribusi(
        GetPeringatanDistribusi(p.id, predikat="Sangat Baik"), uow=uow, deps=deps_for(uow), actor=ks(s)
    )
    assert view.sebelum.counts[Predikat.SANGAT_BAIK] == 1 and sum(view.sebelum.counts.values()) == 1
