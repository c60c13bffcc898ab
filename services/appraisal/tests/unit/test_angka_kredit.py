from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.domain import ReferenceFileError
from appraisal.domain.angka_kredit import (
    Jenjang,
    angka_kredit,
    cumulative,
    default_table,
    load_table,
    months_served,
    progress,
)
from appraisal.domain.predikat import Predikat
from pmm_kernel.errors import InvalidValue

D = Decimal
TABLE = default_table()
PACKAGED = Path(__file__).parents[2] / "src/appraisal/domain/reference/angka_kredit.toml"
SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)
AP, MU, MA, UT = Jenjang.AHLI_PERTAMA, Jenjang.AHLI_MUDA, Jenjang.AHLI_MADYA, Jenjang.AHLI_UTAMA


# docs/domain.md §6, the percentage of each predikat.
@pytest.mark.parametrize(("predikat", "percent"), [(SB, 150), (B, 100), (BP, 75), (K, 50), (SK, 25)])
def test_persentase(predikat: Predikat, percent: int) -> None:
    assert TABLE.persentase[predikat] == percent


# docs/domain.md §6, the table of jenjang.
@pytest.mark.parametrize(
    ("jenjang", "label", "golongan", "koefisien", "pangkat", "jenjang_ak", "berikutnya"),
    [
        (AP, "Ahli Pertama", ("III/a", "III/b"), D("12.5"), D(50), D(100), MU),
        (MU, "Ahli Muda", ("III/c", "III/d"), D(25), D(100), D(200), MA),
        (MA, "Ahli Madya", ("IV/a", "IV/b", "IV/c"), D("37.5"), D(150), D(450), UT),
        (UT, "Ahli Utama", ("IV/d", "IV/e"), D(50), D(200), None, None),
    ],
)
def test_jenjang(jenjang, label, golongan, koefisien, pangkat, jenjang_ak, berikutnya) -> None:
    rule = TABLE.jenjang[jenjang]
    assert (jenjang.label, rule.golongan, rule.koefisien) == (label, golongan, koefisien)
    assert (rule.kenaikan_pangkat, rule.kenaikan_jenjang, rule.berikutnya) == (pangkat, jenjang_ak, berikutnya)
    assert isinstance(rule.koefisien, Decimal)  # read exactly, never through a float


def test_table_names_its_regulation() -> None:
    assert (TABLE.regulation, TABLE.version) == ("PermenPANRB 1/2023; Peraturan BKN 3/2023 pasal 13", "2023.1")
    assert list(TABLE.jenjang) == [AP, MU, MA, UT]


@pytest.mark.parametrize(
    ("predikat", "jenjang", "months", "expected"),
    [
        # The worked examples of docs/domain.md §6.
        (SB, AP, 12, "18.75"),
        (B, AP, 2, "2.08"),
        (B, MU, 6, "12.50"),
        (BP, MA, 6, "14.06"),
        # A full year for every predikat and jenjang. 9.375, 3.125 and 28.125 sit exactly on the half
        # cent: half-up gives 9.38, 3.13 and 28.13 where banker's rounding would give 9.38, 3.12, 28.12.
        (SB, AP, 12, "18.75"),
        (B, AP, 12, "12.50"),
        (BP, AP, 12, "9.38"),
        (K, AP, 12, "6.25"),
        (SK, AP, 12, "3.13"),
        (SB, MU, 12, "37.50"),
        (B, MU, 12, "25.00"),
        (BP, MU, 12, "18.75"),
        (K, MU, 12, "12.50"),
        (SK, MU, 12, "6.25"),
        (SB, MA, 12, "56.25"),
        (B, MA, 12, "37.50"),
        (BP, MA, 12, "28.13"),
        (K, MA, 12, "18.75"),
        (SK, MA, 12, "9.38"),
        (SB, UT, 12, "75.00"),
        (B, UT, 12, "50.00"),
        (BP, UT, 12, "37.50"),
        (K, UT, 12, "25.00"),
        (SK, UT, 12, "12.50"),
        # Parts of a year.
        (B, AP, 1, "1.04"),
        (SB, AP, 1, "1.56"),
        (SB, MA, 1, "4.69"),
        (BP, MU, 5, "7.81"),
        (K, UT, 3, "6.25"),
        (SK, AP, 6, "1.56"),
        (K, MA, 7, "10.94"),
        (K, MU, 9, "9.38"),
        (SB, MA, 6, "28.13"),
        (B, AP, 4, "4.17"),
    ],
)
def test_angka_kredit(predikat: Predikat, jenjang: Jenjang, months: int, expected: str) -> None:
    result = angka_kredit(predikat, jenjang, months)
    assert result == D(expected)
    assert str(result) == expected  # exactly two places, as written on the PAK


def test_labels_and_values_are_accepted() -> None:
    # The roster carries "Ahli Pertama"; BKN and the UI may send a label for the predikat.
    assert angka_kredit("Sangat Baik", "Ahli Pertama", 12) == angka_kredit(SB, AP, 12) == D("18.75")
    assert angka_kredit("butuh_perbaikan", " ahli  madya ", 6) == D("14.06")


def test_cumulative_adds_the_rounded_figures() -> None:
    assert cumulative([angka_kredit(SB, AP, 12), angka_kredit(B, AP, 2)]) == D("20.83")
    # Two periods of two months are not one of four: each period is rounded on its own.
    assert cumulative([angka_kredit(B, AP, 2), angka_kredit(B, AP, 2)]) == D("4.16")
    assert angka_kredit(B, AP, 4) == D("4.17")


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [
        ([], "0.00"),
        ([D("18.75")], "18.75"),
        ([D("18.75"), D("2.08")], "20.83"),
        ([D("12.5"), 3], "15.50"),
        ([D("1.005"), D("1.005")], "2.02"),  # an unrounded figure is taken at its half-up cents
    ],
)
def test_cumulative(amounts: list[Decimal], expected: str) -> None:
    assert str(cumulative(amounts)) == expected


@pytest.mark.parametrize(
    ("amounts", "field"),
    [
        ([D("1.00"), 2.08], "amounts[1]"),
        ([D("-1.00")], "amounts[0]"),
        ([D("NaN")], "amounts[0]"),
        ([D("1"), D("Infinity")], "amounts[1]"),
        (["2.08"], "amounts[0]"),
        ([True], "amounts[0]"),
    ],
)
def test_cumulative_refuses_what_is_not_an_amount(amounts: list[object], field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        cumulative(amounts)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field) == ("angka_kredit.invalid_amount", field)


@pytest.mark.parametrize("months", [0, 13, -1, 24, True, 6.0, "6", None])
def test_months_outside_one_to_twelve(months: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        angka_kredit(B, AP, months)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field) == ("angka_kredit.months_out_of_range", "months")


@pytest.mark.parametrize("jenjang", ["ahli_super", "", "Terampil", None, 1])
def test_unknown_jenjang(jenjang: object) -> None:
    for call in (lambda: angka_kredit(B, jenjang, 6), lambda: progress(jenjang, D(0))):  # type: ignore[arg-type]
        with pytest.raises(InvalidValue) as caught:
            call()
        assert (caught.value.rule, caught.value.field) == ("angka_kredit.unknown_jenjang", "jenjang")


@pytest.mark.parametrize("predikat", ["istimewa", "", None, 2])
def test_unknown_predikat(predikat: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        angka_kredit(predikat, AP, 6)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field) == ("predikat.unknown_predikat", "predikat")


@given(
    predikat=st.sampled_from(list(Predikat)),
    jenjang=st.sampled_from(list(Jenjang)),
    months=st.integers(min_value=1, max_value=11),
)
def test_two_places_and_monotonic_in_months(predikat: Predikat, jenjang: Jenjang, months: int) -> None:
    here, next_month = angka_kredit(predikat, jenjang, months), angka_kredit(predikat, jenjang, months + 1)
    for value in (here, next_month):
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2
    # The smallest monthly step (Sangat Kurang, Ahli Pertama) is 0.26, so rounding never flattens it.
    assert next_month > here > 0


@given(months=st.integers(min_value=1, max_value=12))
def test_better_predikat_never_earns_less(months: int) -> None:
    for jenjang in Jenjang:
        values = [angka_kredit(p, jenjang, months) for p in (SK, K, BP, B, SB)]
        assert values == sorted(values)


# Progress: needed, remaining and reached towards pangkat, then jenjang.
@pytest.mark.parametrize(
    ("jenjang", "total", "pangkat", "jenjang_target", "berikutnya"),
    [
        (AP, "0", ("50.00", "50.00", False), ("100.00", "100.00", False), MU),
        (AP, "20.83", ("50.00", "29.17", False), ("100.00", "79.17", False), MU),
        (AP, "49.99", ("50.00", "0.01", False), ("100.00", "50.01", False), MU),
        (AP, "50.00", ("50.00", "0.00", True), ("100.00", "50.00", False), MU),
        (AP, "100", ("50.00", "0.00", True), ("100.00", "0.00", True), MU),
        (MU, "150.25", ("100.00", "0.00", True), ("200.00", "49.75", False), MA),
        (MA, "449.99", ("150.00", "0.00", True), ("450.00", "0.01", False), UT),
        (MA, "500", ("150.00", "0.00", True), ("450.00", "0.00", True), UT),
        (UT, "120", ("200.00", "80.00", False), None, None),
        (UT, "200", ("200.00", "0.00", True), None, None),
    ],
)
def test_progress(jenjang, total, pangkat, jenjang_target, berikutnya) -> None:
    result = progress(jenjang, D(total))
    assert (result.jenjang, result.total, result.jenjang_berikutnya) == (jenjang, D(total), berikutnya)
    got = result.kenaikan_pangkat
    assert (str(got.needed), str(got.remaining), got.reached) == pangkat
    if jenjang_target is None:
        assert result.kenaikan_jenjang is None
        assert result.conditions_not_decided_here == ()
    else:
        got = result.kenaikan_jenjang
        assert got is not None
        assert (str(got.needed), str(got.remaining), got.reached) == jenjang_target


def test_progress_shows_the_conditions_it_does_not_decide() -> None:
    # Even with far more than enough angka kredit, the conditions stay listed: never a promotion.
    result = progress(AP, D("1000"))
    assert result.kenaikan_jenjang is not None and result.kenaikan_jenjang.reached
    assert [c.kode for c in result.conditions_not_decided_here] == [
        "masa_jabatan",
        "predikat_minimal_baik",
        "formasi",
        "uji_kompetensi",
    ]
    assert all(c.deskripsi for c in result.conditions_not_decided_here)
    assert result.regulation == TABLE.regulation


def test_progress_follows_the_worked_cumulative() -> None:
    total = cumulative([angka_kredit(SB, AP, 12), angka_kredit(B, AP, 2)])
    assert progress("Ahli Pertama", total).kenaikan_pangkat.remaining == D("29.17")


@pytest.mark.parametrize("total", [D("-0.01"), D("NaN"), 20.83, "20.83", None])
def test_progress_refuses_what_is_not_a_total(total: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        progress(AP, total)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field) == ("angka_kredit.invalid_amount", "total")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("sangat_kurang = 25\n", "", "needs exactly one entry per predikat"),
        ("koefisien = 37.5", "koefisien = 0", "ahli_madya.koefisien must be a positive number"),
        ("koefisien = 25", 'koefisien = "25"', "ahli_muda.koefisien must be a positive number"),
        ('kode = "ahli_utama"', 'kode = "ahli_muda"', "needs exactly one entry per jenjang"),
        ('kode = "ahli_utama"', 'kode = "ahli_luar_biasa"', "unknown jenjang"),
        ('berikutnya = "ahli_muda"', "", "kenaikan_jenjang and berikutnya go together"),
        ('berikutnya = "ahli_muda"', 'berikutnya = "ahli_atas"', "is not a jenjang"),
        ("kenaikan_pangkat = 50", "kenaikan_pangkat = 50\nkenaikan_golongan = 1", "unknown keys in [[jenjang]]"),
        ('golongan = ["III/a", "III/b"]', "golongan = []", "golongan is a non-empty list"),
        ('deskripsi = "a vacancy (formasi) in the next jenjang"', 'deskripsi = " "', "has a kode and a deskripsi"),
        ('regulation = "PermenPANRB 1/2023; Peraturan BKN 3/2023 pasal 13"\n', "", "regulation must be"),
    ],
)
def test_malformed_table_files_are_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = PACKAGED.read_text()
    assert old in text
    path = tmp_path / "angka_kredit.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ReferenceFileError, match=re.escape(message)):
        load_table(path)


def test_a_table_file_can_be_swapped(tmp_path: Path) -> None:
    path = tmp_path / "angka_kredit.toml"
    path.write_text(PACKAGED.read_text().replace("koefisien = 12.5", "koefisien = 15"))
    assert angka_kredit(B, AP, 12, table=load_table(path)) == D("15.00")
    assert angka_kredit(B, AP, 12) == D("12.50")  # the packaged table is untouched


# docs/domain.md §6, part of a period: the whole months served since the TMT jabatan (day rule in the file).
S1 = (date(2024, 1, 1), date(2024, 6, 30))
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("period", "tmt", "first_month", "months"),
    [
        (S1, None, date(2024, 1, 1), 6),  # no TMT on file: the whole period
        (S1, date(2019, 5, 17), date(2024, 1, 1), 6),  # long before the period
        (S1, date(2024, 1, 1), date(2024, 1, 1), 6),  # on the period's first day
        (S1, date(2024, 3, 1), date(2024, 3, 1), 4),  # the first of a month counts that month
        (S1, date(2024, 3, 2), date(2024, 4, 1), 3),  # a later day counts from the next month
        (S1, date(2024, 6, 1), date(2024, 6, 1), 1),  # the last month, taken up on its first day
        (S1, date(2024, 6, 15), None, 0),  # inside the last month, past its first day: nothing served
        (S1, date(2024, 7, 1), None, 0),  # after the period's end
        (YEAR, date(2025, 3, 1), date(2025, 3, 1), 10),
        (YEAR, date(2025, 12, 31), None, 0),  # the next month is past the year
        (YEAR, date(2025, 11, 20), date(2025, 12, 1), 1),
    ],
)
def test_months_served(period, tmt, first_month, months) -> None:
    assert months_served(*period, tmt) == (first_month, months)


# docs/domain.md §6, the parts of a split period: a part counts the months whose first day falls within it, and
# within it the TMT jabatan rule still holds.
@pytest.mark.parametrize(
    ("period", "mulai", "selesai", "tmt", "first_month", "months"),
    [
        (YEAR, None, date(2025, 4, 14), None, date(2025, 1, 1), 4),  # transfer effective 15 Apr: part 1, Jan-Apr
        (YEAR, date(2025, 4, 15), None, None, date(2025, 5, 1), 8),  # part 2, May-Dec
        (YEAR, None, date(2025, 3, 31), None, date(2025, 1, 1), 3),  # transfer effective 1 Apr: part 1, Jan-Mar
        (YEAR, date(2025, 4, 1), None, None, date(2025, 4, 1), 9),  # part 2, Apr-Dec
        (YEAR, date(2025, 1, 1), date(2025, 12, 31), None, date(2025, 1, 1), 12),  # the period's own days
        (YEAR, date(2025, 4, 15), date(2025, 9, 10), None, date(2025, 5, 1), 5),  # a middle part: May-Sep
        (YEAR, date(2025, 4, 15), None, date(2025, 7, 1), date(2025, 7, 1), 6),  # TMT inside part 2: Jul-Dec
        (YEAR, date(2025, 4, 15), None, date(2025, 2, 1), date(2025, 5, 1), 8),  # TMT before the part: the part
        (YEAR, None, date(2025, 4, 14), date(2025, 3, 2), date(2025, 4, 1), 1),  # TMT 2 Mar, part to 14 Apr: Apr
        (YEAR, None, date(2025, 4, 14), date(2025, 5, 1), None, 0),  # TMT after the part: nothing
        (YEAR, date(2025, 12, 2), None, None, None, 0),  # a part starting after the last month's first day
        (S1, None, date(2024, 1, 20), None, date(2024, 1, 1), 1),
    ],
)
def test_months_served_in_a_part(period, mulai, selesai, tmt, first_month, months) -> None:
    assert months_served(*period, tmt, mulai=mulai, selesai=selesai) == (first_month, months)


def test_the_parts_of_a_period_share_its_months_out() -> None:
    # Whatever the transfer day, every month of the year belongs to exactly one part.
    for day in range(1, 366):
        transfer = date(2025, 1, 1) + timedelta(days=day)
        first = months_served(*YEAR, None, selesai=transfer - timedelta(days=1))
        second = months_served(*YEAR, None, mulai=transfer)
        assert first.months + second.months == 12


def test_a_part_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidValue) as exc:
        months_served(*YEAR, None, mulai=date(2025, 5, 1), selesai=date(2025, 4, 30))
    assert exc.value.rule == "angka_kredit.invalid_bagian"


def test_a_part_follows_the_day_in_the_file() -> None:
    fifteenth = replace(TABLE, bulan_penuh_dari_hari=15)
    assert months_served(*YEAR, None, selesai=date(2025, 4, 14), table=fifteenth) == (date(2025, 1, 1), 3)
    assert months_served(*YEAR, None, mulai=date(2025, 4, 15), table=fifteenth) == (date(2025, 4, 1), 9)


def test_months_served_follows_the_day_in_the_file() -> None:
    # A ministry ruling that a TMT up to the 15th counts its month changes the file, not the code.
    fifteenth = replace(TABLE, bulan_penuh_dari_hari=15)
    assert months_served(*S1, date(2024, 3, 15), table=fifteenth) == (date(2024, 3, 1), 4)
    assert months_served(*S1, date(2024, 3, 16), table=fifteenth) == (date(2024, 4, 1), 3)


def test_packaged_day_rule() -> None:
    assert TABLE.bulan_penuh_dari_hari == 1


def test_months_served_prorates_angka_kredit() -> None:
    # Ahli Muda, Baik, from 1 March of semester 1: 4/12 x 100 % x 25 = 8.33.
    _, months = months_served(*S1, date(2024, 3, 1))
    assert angka_kredit(B, MU, months) == D("8.33")


def test_months_served_rejects_an_inverted_period() -> None:
    with pytest.raises(InvalidValue) as exc:
        months_served(date(2024, 6, 30), date(2024, 1, 1), None)
    assert exc.value.rule == "angka_kredit.invalid_period"


@pytest.mark.parametrize("day", [0, 32, "1", True])
def test_proration_day_must_be_a_day(tmp_path: Path, day: object) -> None:
    text = PACKAGED.read_text().replace("bulan_penuh_dari_hari = 1", f"bulan_penuh_dari_hari = {day!r}".lower())
    path = tmp_path / "angka_kredit.toml"
    path.write_text(text.replace("= 'true'", "= true").replace("'1'", '"1"'))
    with pytest.raises(ReferenceFileError, match="bulan_penuh_dari_hari"):
        load_table(path)


def test_proration_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "angka_kredit.toml"
    path.write_text(PACKAGED.read_text().replace("bulan_penuh_dari_hari = 1", "bulan_penuh_dari_hari = 1\nhari = 2"))
    with pytest.raises(ReferenceFileError, match="hari"):
        load_table(path)
