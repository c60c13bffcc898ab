"""The months a penilaian covers, and the year's penilaian tahunan over its periods (docs/domain.md §6), row by row."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from appraisal.db.repository import periode_of
from appraisal.domain import tahunan
from appraisal.domain.evaluasi import Jenis, default_rules
from appraisal.domain.penilaian import HasilPeriodik, Penilaian, Status
from appraisal.domain.periode import Periode, months, rentang_periode, tahun_kode, tahun_of
from appraisal.domain.predikat import Predikat
from pmm_kernel.errors import InvalidValue
from pmm_kernel.windows import Window
from services.appraisal.tests.unit.fakes import semester_2024, tahunan_2025
from services.appraisal.tests.unit.penilaian_factory import RENCANA, ready

S1, S2, T2025 = periode_of(semester_2024(1)), periode_of(semester_2024(2)), periode_of(tahunan_2025())


@pytest.mark.parametrize(
    ("jenis", "mulai", "selesai", "expected"),
    [
        (Jenis.PERIODIK, date(2024, 1, 1), date(2024, 6, 30), ("periodik", 6, 1, 6, 2024, 2024)),
        (Jenis.PERIODIK, date(2024, 7, 1), date(2024, 12, 31), ("periodik", 6, 7, 12, 2024, 2024)),
        (Jenis.TAHUNAN, date(2025, 1, 1), date(2025, 12, 31), ("tahunan", 12, 1, 12, 2025, 2025)),
        (Jenis.PERIODIK, date(2024, 11, 15), date(2025, 2, 1), ("periodik", 4, 11, 2, 2024, 2025)),  # whole months
        (Jenis.PERIODIK, date(2024, 3, 10), date(2024, 3, 20), ("periodik", 1, 3, 3, 2024, 2024)),
    ],
)
def test_months(jenis: Jenis, mulai: date, selesai: date, expected: tuple) -> None:
    r = months(jenis, mulai, selesai)
    assert (r.jenis, r.bulan, r.bulan_mulai, r.bulan_selesai, r.tahun_mulai, r.tahun_selesai) == expected


@pytest.mark.parametrize(
    ("periode", "jenis", "bulan"),
    [(S1, "periodik", 6), (S2, "periodik", 6), (T2025, "tahunan", 12)],
)
def test_a_periods_own_penilaian(periode: Periode, jenis: str, bulan: int) -> None:
    r = rentang_periode(periode, default_rules())
    assert (r.jenis, r.bulan) == (jenis, bulan)


def test_planning_counts_the_months_that_prorate_angka_kredit() -> None:
    appointed_late = Periode("2024-S1", 2024, "semester", date(2024, 1, 1), date(2024, 6, 30), bulan=4)
    assert rentang_periode(appointed_late, default_rules()).bulan == 4


def test_a_period_jenis_nobody_defined_is_refused() -> None:
    odd = Periode("2024-Q1", 2024, "triwulan", date(2024, 1, 1), date(2024, 3, 31), bulan=3)
    with pytest.raises(InvalidValue) as refused:
        rentang_periode(odd, default_rules())
    assert refused.value.rule == "evaluasi.unknown_periode_jenis"


@pytest.mark.parametrize(
    ("kode", "rentang_from", "expected"),
    [("2024-S1", S1, 2024), ("2024-S2", None, 2024), ("2025-T", T2025, 2025), ("lama", None, None)],
)
def test_the_year_a_distribution_compares_with(kode: str, rentang_from: Periode | None, expected: int | None) -> None:
    rentang = rentang_periode(rentang_from, default_rules()) if rentang_from else None
    assert tahun_of(kode, rentang) == expected


@pytest.mark.parametrize(("kode", "tahun"), [("2024-S1", 2024), ("2024-T", 2024), ("2025-T", 2025)])
def test_the_year_of_a_code(kode: str, tahun: int) -> None:
    assert tahun_kode(kode) == tahun


def test_the_snapshot_as_appraisal_reads_it() -> None:
    assert (S1.kode, S1.tahun, S1.jenis, S1.mulai, S1.selesai, S1.bulan) == (
        "2024-S1",
        2024,
        "semester",
        date(2024, 1, 1),
        date(2024, 6, 30),
        6,
    )
    assert S1.penilaian_tahunan == Window("penilaian_tahunan", date(2025, 1, 1), date(2025, 1, 31))
    assert T2025.penilaian_tahunan is None


# --- the year's penilaian tahunan --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "has", "rentang"),
    [
        ([S1, S2], True, ("tahunan", 12, 1, 12)),
        ([S2, S1], True, ("tahunan", 12, 1, 12)),  # in calendar order whatever order they came in
        ([S1], True, ("tahunan", 6, 1, 6)),  # the second semester not announced yet
        ([T2025], False, ("tahunan", 12, 1, 12)),
        ([], False, None),
    ],
)
def test_which_year_has_one_and_its_months(year: list[Periode], has: bool, rentang: tuple | None) -> None:
    assert tahunan.has_penilaian_tahunan(year) is has
    r = tahunan.rentang_tahun(year)
    assert (r and (r.jenis, r.bulan, r.bulan_mulai, r.bulan_selesai)) == rentang


@pytest.mark.parametrize(
    ("year", "window"),
    [
        ([S1, S2], Window("extended_step", date(2025, 1, 1), date(2025, 1, 31))),
        ([T2025], None),
    ],
)
def test_its_window_under_the_step_operators_extend(year: list[Periode], window: Window | None) -> None:
    assert tahunan.tahunan_window(year, "extended_step") == window


def periodic(periode: str, status: Status) -> Penilaian:
    p = ready(status)
    p.periode = periode
    return p


@pytest.mark.parametrize(
    ("statuses", "hasil", "menunggu"),
    [
        ({}, (), 0),
        ({"2024-S1": Status.DINILAI}, (), 1),
        ({"2024-S2": Status.FINAL, "2024-S1": Status.SIAP}, (("2024-S2", Predikat.BAIK, Decimal("6.25")),), 1),
        (
            {"2024-S2": Status.FINAL, "2024-S1": Status.FINAL},
            (("2024-S1", Predikat.BAIK, Decimal("6.25")), ("2024-S2", Predikat.BAIK, Decimal("6.25"))),
            0,
        ),
    ],
)
def test_what_it_weighs(statuses: dict[str, Status], hasil: tuple, menunggu: int) -> None:
    weighed, waiting = tahunan.hasil_periodik(periodic(k, s) for k, s in statuses.items())
    assert weighed == tuple(HasilPeriodik(*h) for h in hasil)
    assert waiting == menunggu


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("with_plan", {k for k, _ in RENCANA.perilaku}),
        ("annual", {"akuntabel", "kompeten"}),
        ("no_plan", set()),
    ],
)
def test_the_berakhlak_values_feedback_may_name(case: str, expected: set[str]) -> None:
    own = Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2024-S1")
    if case == "with_plan":
        own.rencana = RENCANA
    s1, s2 = periodic("2024-S1", Status.FINAL), periodic("2024-S2", Status.FINAL)
    s1.rencana = replace(RENCANA, perilaku=(("akuntabel", "Akuntabel"),))
    s2.rencana = replace(RENCANA, perilaku=(("kompeten", "Kompeten"),))
    annual = Penilaian(id=uuid.uuid4(), pegawai_id=own.pegawai_id, periode="2024-T", menimbang_periode=True)
    subject = annual if case == "annual" else own
    assert tahunan.berakhlak(subject, [s1, s2]) == expected
