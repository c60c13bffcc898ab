"""The commands on a penilaian: who may rate, finalise, reopen and mark perilaku only; the version the client read;
the penilaian window; what is saved, published and audited."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from appraisal.domain import events
from appraisal.domain.finalisasi import NO_MONTH_SERVED
from appraisal.domain.penilaian import Penilaian, Status
from appraisal.domain.predikat import Predikat, Rating
from appraisal.usecases.penilaian import (
    FinalizePenilaian,
    RatePenilaian,
    ReopenPenilaian,
    SetHanyaPerilaku,
    finalize,
    rate,
    reopen,
    set_hanya_perilaku,
)
from appraisal.usecases.tahunan import refresh_tahunan
from pmm_kernel.clock import FixedClock
from pmm_kernel.errors import (
    Forbidden,
    InvalidValue,
    NotFound,
    OutsideWindow,
    PreconditionRequired,
    StaleVersion,
    StateConflict,
)
from pmm_kernel.versions import ExpectedVersion, etag
from services.appraisal.tests.unit.fakes import (
    FakeAppraisalUnitOfWork,
    Sekolah,
    as_operator,
    as_pegawai,
    deps_for,
    school,
)
from services.appraisal.tests.unit.penilaian_factory import rating, ready

IN_WINDOW = datetime(2024, 6, 10, 3, 0, tzinfo=UTC)  # 2024-S1's penilaian window: 1-30 June
AFTER_WINDOW = datetime(2024, 7, 2, 3, 0, tzinfo=UTC)


def world(
    now: datetime = IN_WINDOW, status: Status = Status.SIAP, **school_args
) -> tuple[FakeAppraisalUnitOfWork, Sekolah, Penilaian]:
    uow = FakeAppraisalUnitOfWork(FixedClock(now))
    s = school(uow, **school_args)
    p = ready(status)
    p.pegawai_id = s.guru.pegawai_id
    if status is Status.DINILAI:
        p.rate(**rating(penilai_id=s.ks.pegawai_id))
    uow.penilaian.put(p)
    return uow, s, p


def rate_cmd(p: Penilaian, *, if_match: str | None = None, **changes) -> RatePenilaian:
    values = {
        "penilaian_id": p.id,
        "expected": ExpectedVersion(if_match if if_match is not None else etag(p.version)),
        "hasil_kerja": Rating.DI_ATAS,
        "perilaku_kerja": Rating.DI_ATAS,
        "umpan_balik": (("akuntabel", "  tepat waktu  "),),
        "catatan": None,
    }
    return RatePenilaian(**(values | changes))


def stored(uow: FakeAppraisalUnitOfWork, p: Penilaian) -> Penilaian:
    found = uow.penilaian.stored(p.pegawai_id, p.periode)
    assert found is not None
    return found


# --- rating ------------------------------------------------------------------------------------------------


async def test_the_atasan_rates_and_sees_the_predikat_and_the_angka_kredit_it_would_give() -> None:
    uow, s, p = world()
    context = await rate(rate_cmd(p), uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    saved = stored(uow, p)
    assert saved.status is Status.DINILAI and saved.version == p.version + 1
    assert saved.nilai is not None and saved.nilai.predikat is Predikat.SANGAT_BAIK
    assert (saved.nilai.penilai_id, dict(saved.nilai.umpan_balik)) == (s.ks.pegawai_id, {"akuntabel": "tepat waktu"})
    # Ahli Pertama (koefisien 12.5), 6 months, sangat baik (150 %): 12.5 x 1.5 / 2
    assert context.angka_kredit is not None and context.angka_kredit.nilai == Decimal("9.38")
    assert (context.jenis, context.rentang and context.rentang.bulan) == ("periodik", 6)
    assert uow.committed and uow.published == []


@pytest.mark.parametrize(
    ("who", "error", "rule"),
    [
        ("owner", Forbidden, "penilaian.nilai_forbidden"),
        ("operator", Forbidden, "penilaian.nilai_forbidden"),
        ("operator_elsewhere", NotFound, "penilaian.not_found"),
        ("another_ks", NotFound, "penilaian.not_found"),
    ],
)
async def test_only_the_current_atasan_rates(who: str, error: type[Exception], rule: str) -> None:
    uow, s, p = world()
    other = uow.data.add_pegawai("KS lain", jenis_gtk="Kepala Sekolah")
    actor = {
        "owner": as_pegawai(s.guru),
        "operator": as_operator("32"),
        "operator_elsewhere": as_operator("31"),
        "another_ks": as_pegawai(other, "kepala_sekolah"),
    }[who]
    with pytest.raises(error) as refused:
        await rate(rate_cmd(p), uow=uow, deps=deps_for(uow), actor=actor)
    assert refused.value.rule == rule
    assert stored(uow, p) == p and not uow.committed


async def test_an_atasan_whose_relation_ended_is_no_longer_anyone_to_it() -> None:
    uow, s, p = world()
    uow.data.relasi.clear()
    uow.data.relate(s.guru, s.ks, mulai=date(2023, 1, 1), selesai=date(2024, 3, 31))
    with pytest.raises(NotFound):
        await rate(rate_cmd(p), uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))


@pytest.mark.parametrize(
    ("if_match", "error"),
    [(None, PreconditionRequired), ('"v0"', StaleVersion)],
)
async def test_the_version_the_client_read_is_checked(if_match: str | None, error: type[Exception]) -> None:
    uow, s, p = world()
    cmd = rate_cmd(p, expected=ExpectedVersion(if_match))
    with pytest.raises(error):
        await rate(cmd, uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert stored(uow, p).status is Status.SIAP


async def test_a_penilaian_waiting_for_the_cycle_is_not_ratable() -> None:
    uow, s, p = world(status=Status.MENUNGGU)
    with pytest.raises(StateConflict) as refused:
        await rate(rate_cmd(p), uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert (refused.value.rule, refused.value.field) == ("penilaian.belum_siap", "siklus")


async def test_feedback_names_only_the_values_of_the_plan() -> None:
    uow, s, p = world()
    cmd = rate_cmd(p, umpan_balik=(("jujur", "bagus"),))
    with pytest.raises(InvalidValue) as refused:
        await rate(cmd, uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert (refused.value.rule, refused.value.field) == ("penilaian.umpan_balik_unknown_value", "umpan_balik.jujur")


async def test_a_non_asn_guru_is_rated_without_angka_kredit_and_is_told_why() -> None:
    uow, s, p = world(guru_status="Honorer")
    context = await rate(rate_cmd(p), uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert context.angka_kredit is None
    assert context.angka_kredit_catatan == "a non-ASN pegawai earns no angka kredit"


# --- finalising --------------------------------------------------------------------------------------------


async def test_the_atasan_finalises_in_the_window_and_bkn_is_told() -> None:
    uow, s, p = world(status=Status.DINILAI)
    cmd = FinalizePenilaian(p.id, ExpectedVersion(etag(p.version)))
    context = await finalize(cmd, uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    saved = stored(uow, p)
    assert saved.status is Status.FINAL and saved.final is not None
    assert (saved.final.identitas.nip, saved.final.identitas.npsn) == (s.guru.nip, s.sekolah.npsn)
    assert saved.final.angka_kredit is not None and saved.final.angka_kredit.kumulatif == Decimal("6.25")
    (event,) = uow.published_of(events.PenilaianFinalized)
    assert (event.penilaian_id, event.version, event.nip) == (p.id, saved.version, s.guru.nip)
    assert (event.penilai.nip, event.penilai.unor, event.penilai.status_penilai) == (s.ks.nip, s.sekolah.nama, "ASN")
    assert event.penilai.jabatan == "Kepala Sekolah Ahli Madya"
    assert (event.jenjang, event.angka_kredit, event.bulan_mulai, event.bulan_selesai) == (
        "ahli_pertama",
        Decimal("6.25"),
        1,
        6,
    )
    assert context.angka_kredit == saved.final.angka_kredit
    # The year's penilaian tahunan opens in the same transaction, weighing this semester.
    annual = uow.penilaian.stored(s.guru.pegawai_id, "2024-T")
    assert annual is not None and [h.periode for h in annual.hasil_periodik] == ["2024-S1"]


async def test_a_pegawai_who_took_up_their_jenjang_mid_period_earns_the_months_served() -> None:
    uow, s, p = world()
    s.guru.tmt_jabatan = date(2024, 3, 1)  # docs/domain.md §6: March to June of 2024-S1
    ks = as_pegawai(s.ks, "kepala_sekolah")
    shown = await rate(rate_cmd(p), uow=uow, deps=deps_for(uow), actor=ks)
    # Ahli Pertama (12.5), sangat baik (150 %), 4 months: 12.5 x 1.5 x 4 / 12
    assert shown.angka_kredit is not None and (shown.angka_kredit.bulan, shown.angka_kredit.nilai) == (
        4,
        Decimal("6.25"),
    )
    assert shown.rentang is not None and (shown.rentang.bulan_mulai, shown.rentang.bulan_selesai) == (3, 6)
    kept = await finalize(FinalizePenilaian(p.id, ExpectedVersion("*")), uow=uow, deps=deps_for(uow), actor=ks)
    saved = stored(uow, p)
    assert saved.final is not None and saved.final.rentang.bulan == 4
    assert kept.angka_kredit == saved.final.angka_kredit and kept.angka_kredit.nilai == Decimal("6.25")
    (event,) = uow.published_of(events.PenilaianFinalized)
    assert (event.bulan_mulai, event.bulan_selesai, event.angka_kredit) == (3, 6, Decimal("6.25"))


async def test_a_tmt_leaving_no_whole_month_is_rated_without_angka_kredit() -> None:
    uow, s, p = world()
    s.guru.tmt_jabatan = date(2024, 6, 10)
    ks = as_pegawai(s.ks, "kepala_sekolah")
    await rate(rate_cmd(p), uow=uow, deps=deps_for(uow), actor=ks)
    kept = await finalize(FinalizePenilaian(p.id, ExpectedVersion("*")), uow=uow, deps=deps_for(uow), actor=ks)
    assert kept.angka_kredit is None and kept.angka_kredit_catatan == NO_MONTH_SERVED
    (event,) = uow.published_of(events.PenilaianFinalized)
    assert (event.angka_kredit, event.bulan_mulai, event.bulan_selesai) == (None, 1, 6)


async def test_the_cumulative_angka_kredit_adds_what_was_finalised_in_the_same_jenjang() -> None:
    uow, s, p = world(status=Status.DINILAI)
    earlier = ready(Status.FINAL)  # 2023's: 6.25 in ahli_pertama
    earlier.pegawai_id, earlier.periode = s.guru.pegawai_id, "2023-S2"
    uow.penilaian.put(earlier)
    cmd = FinalizePenilaian(p.id, ExpectedVersion("*"))
    await finalize(cmd, uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    (event,) = uow.published_of(events.PenilaianFinalized)
    assert (event.angka_kredit, event.angka_kredit_kumulatif) == (Decimal("6.25"), Decimal("12.50"))


async def test_a_pengawas_appraises_for_the_dinas() -> None:
    uow, s, p = world(status=Status.DINILAI)
    pengawas = uow.data.add_pegawai("Pengawas", npsn="99999999", jenis_gtk="Pengawas Sekolah", jenjang_jabatan=None)
    uow.data.relasi.clear()
    uow.data.relate(s.guru, pengawas, "pengawas")
    cmd = FinalizePenilaian(p.id, ExpectedVersion("*"))
    await finalize(cmd, uow=uow, deps=deps_for(uow), actor=as_pegawai(pengawas, "pengawas"))
    (event,) = uow.published_of(events.PenilaianFinalized)
    assert (event.penilai.unor, event.penilai.jabatan) == ("Dinas Pendidikan Kota Bandung", "Pengawas Sekolah")


async def test_finalising_after_the_window_is_refused_unless_the_region_was_given_more_time() -> None:
    uow, s, p = world(now=AFTER_WINDOW, status=Status.DINILAI)
    cmd = FinalizePenilaian(p.id, ExpectedVersion("*"))
    actor = as_pegawai(s.ks, "kepala_sekolah")
    with pytest.raises(OutsideWindow) as refused:
        await finalize(cmd, uow=uow, deps=deps_for(uow), actor=actor)
    assert refused.value.rule == "window.penilaian"
    assert stored(uow, p).status is Status.DINILAI and uow.published == []
    uow.data.extend("2024-S1", "penilaian", date(2024, 7, 15), wilayah="32")
    await finalize(cmd, uow=uow, deps=deps_for(uow), actor=actor)
    assert stored(uow, p).status is Status.FINAL


async def test_finalising_twice_is_a_state_conflict_even_after_the_window() -> None:
    uow, s, p = world(now=AFTER_WINDOW, status=Status.FINAL)
    cmd = FinalizePenilaian(p.id, ExpectedVersion("*"))
    with pytest.raises(StateConflict) as refused:
        await finalize(cmd, uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert refused.value.rule == "penilaian.finalisasi_not_allowed_in_final"


async def test_the_annual_evaluation_is_finalised_in_its_own_window() -> None:
    uow = FakeAppraisalUnitOfWork(FixedClock(datetime(2025, 1, 10, 3, 0, tzinfo=UTC)))
    s = school(uow)
    for periode in ("2024-S1", "2024-S2"):
        semester = ready(Status.FINAL)
        semester.pegawai_id, semester.periode = s.guru.pegawai_id, periode
        uow.penilaian.put(semester)
    async with uow:
        await refresh_tahunan(uow, deps_for(uow), s.guru.pegawai_id, "2024-S2")  # as the S2 finalisation did
        await uow.commit()
    annual = uow.penilaian.stored(s.guru.pegawai_id, "2024-T")
    assert annual is not None and annual.status is Status.SIAP
    actor = as_pegawai(s.ks, "kepala_sekolah")
    cmd = rate_cmd(annual, hasil_kerja=Rating.SESUAI, umpan_balik=(("kompeten", "konsisten dua semester"),))
    await rate(cmd, uow=uow, deps=deps_for(uow), actor=actor)
    await finalize(FinalizePenilaian(annual.id, ExpectedVersion("*")), uow=uow, deps=deps_for(uow), actor=actor)
    (event,) = uow.published_of(events.PenilaianFinalized)
    assert (event.periode, event.jenis, event.bulan_mulai, event.bulan_selesai) == ("2024-T", "tahunan", 1, 12)
    assert event.angka_kredit is None  # earned per period, not again for the year


# --- the operator's commands -------------------------------------------------------------------------------


async def test_an_operator_of_the_region_reopens_with_a_reason_audited_and_published() -> None:
    uow, s, p = world(status=Status.FINAL)
    cmd = ReopenPenilaian(p.id, ExpectedVersion(etag(p.version)), alasan="  salah input rating  ")
    await reopen(cmd, uow=uow, deps=deps_for(uow), actor=as_operator())
    saved = stored(uow, p)
    assert (saved.status, saved.final) == (Status.DINILAI, None)
    (event,) = uow.published_of(events.PenilaianReopened)
    assert (event.penilaian_id, event.version, event.alasan, event.jenis) == (
        p.id,
        saved.version,
        "salah input rating",
        "periodik",
    )
    assert uow.audit.records == [("penilaian.buka_kembali", str(p.id), {"alasan": "salah input rating"})]


@pytest.mark.parametrize(
    ("alasan", "who", "error", "rule"),
    [
        ("salah input rating", "atasan", Forbidden, "penilaian.buka_kembali_forbidden"),
        ("salah input rating", "owner", Forbidden, "penilaian.buka_kembali_forbidden"),
        ("", "operator", InvalidValue, "penilaian.alasan_required"),
    ],
)
async def test_reopening_is_the_operators_with_a_reason(
    alasan: str, who: str, error: type[Exception], rule: str
) -> None:
    uow, s, p = world(status=Status.FINAL)
    actor = {"atasan": as_pegawai(s.ks, "kepala_sekolah"), "owner": as_pegawai(s.guru), "operator": as_operator()}[who]
    with pytest.raises(error) as refused:
        await reopen(
            ReopenPenilaian(p.id, ExpectedVersion("*"), alasan=alasan), uow=uow, deps=deps_for(uow), actor=actor
        )
    assert refused.value.rule == rule
    assert stored(uow, p).status is Status.FINAL and uow.audit.records == [] and uow.published == []


async def test_marking_perilaku_only_makes_a_penilaian_without_its_cycle_ratable_and_is_audited() -> None:
    uow, s, p = world(status=Status.MENUNGGU)
    cmd = SetHanyaPerilaku(p.id, ExpectedVersion(etag(p.version)), hanya_perilaku=True, alasan="diangkat Juni")
    await set_hanya_perilaku(cmd, uow=uow, deps=deps_for(uow), actor=as_operator())
    saved = stored(uow, p)
    assert (saved.hanya_perilaku, saved.status) == (True, Status.SIAP)
    assert uow.audit.records == [
        ("penilaian.hanya_perilaku", str(p.id), {"hanya_perilaku": True, "alasan": "diangkat Juni"})
    ]


async def test_a_mark_without_a_reason_is_refused_before_the_penilaian_is_looked_up() -> None:
    uow = FakeAppraisalUnitOfWork()
    cmd = SetHanyaPerilaku(uuid.uuid4(), ExpectedVersion("*"), hanya_perilaku=True, alasan=" ab ")
    with pytest.raises(InvalidValue) as refused:
        await set_hanya_perilaku(cmd, uow=uow, deps=deps_for(uow), actor=as_operator())
    assert (refused.value.rule, refused.value.field) == ("penilaian.alasan_required", "alasan")


async def test_the_atasan_may_not_mark_perilaku_only() -> None:
    uow, s, p = world()
    cmd = SetHanyaPerilaku(p.id, ExpectedVersion("*"), hanya_perilaku=True, alasan="diangkat Juni")
    with pytest.raises(Forbidden) as refused:
        await set_hanya_perilaku(cmd, uow=uow, deps=deps_for(uow), actor=as_pegawai(s.ks, "kepala_sekolah"))
    assert refused.value.rule == "penilaian.hanya_perilaku_forbidden"
    assert stored(uow, p).hanya_perilaku is False
