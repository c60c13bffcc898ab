"""The procedure of the predikat organisasi per policy year and the distribution with one more predikat, row by row."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from appraisal.domain import ReferenceFileError
from appraisal.domain.distribution import PredikatOrganisasi
from appraisal.domain.organisasi import (
    Langkah,
    default_table,
    dengan_predikat,
    load_table,
    periksa_urutan,
    sebelum_finalisasi,
)
from appraisal.domain.predikat import Predikat
from pmm_kernel.errors import StateConflict

PACKAGED = Path(str(resources.files("appraisal.domain") / "reference" / "organisasi.toml"))
LAPORAN, PREDIKAT, FINAL = Langkah.LAPORAN_SEKOLAH, Langkah.PREDIKAT_ORGANISASI, Langkah.FINALISASI
SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)
REFUSED = "refused"


@pytest.mark.parametrize(
    ("policy_year", "order"),
    [
        (2024, (FINAL, LAPORAN, PREDIKAT)),
        (2025, (LAPORAN, PREDIKAT, FINAL)),
        (2026, (LAPORAN, PREDIKAT, FINAL)),
    ],
)
def test_the_packaged_order_per_policy_year(policy_year: int, order: tuple[Langkah, ...]) -> None:
    prosedur = default_table().of(policy_year)
    assert tuple(s.langkah for s in prosedur.langkah) == order
    assert prosedur.assumption and prosedur.why


# (policy year, step taken, steps done) -> refused with a rule, or the warnings' rules.
@pytest.mark.parametrize(
    ("policy_year", "langkah", "selesai", "expected"),
    [
        # 2024: nothing is refused; the predikat organisasi may come after finalising.
        (2024, FINAL, set(), []),
        (2024, LAPORAN, set(), []),
        (2024, PREDIKAT, set(), ["organisasi.laporan_belum_dikirim"]),
        (2024, PREDIKAT, {LAPORAN}, []),
        # 2025 and 2026: the report, then the predikat organisasi, then finalising.
        (2025, LAPORAN, set(), []),
        (2025, PREDIKAT, set(), (REFUSED, "organisasi.laporan_belum_dikirim")),
        (2025, PREDIKAT, {LAPORAN}, []),
        (2025, FINAL, {LAPORAN}, ["organisasi.predikat_belum_ditetapkan"]),
        (2025, FINAL, set(), ["organisasi.predikat_belum_ditetapkan"]),
        (2025, FINAL, {LAPORAN, PREDIKAT}, []),
        (2026, PREDIKAT, set(), (REFUSED, "organisasi.laporan_belum_dikirim")),
        (2026, PREDIKAT, {LAPORAN}, []),
        (2026, FINAL, {LAPORAN}, ["organisasi.predikat_belum_ditetapkan"]),
        (2026, FINAL, {PREDIKAT}, []),  # only the step right before counts
    ],
)
def test_the_order_rules(policy_year: int, langkah: Langkah, selesai: set[Langkah], expected: object) -> None:
    prosedur = default_table().of(policy_year)
    if isinstance(expected, tuple):
        with pytest.raises(StateConflict) as refused:
            periksa_urutan(prosedur, langkah, frozenset(selesai))
        assert refused.value.rule == expected[1]
        assert refused.value.extra["policy_year"] == policy_year
    else:
        assert [w.rule for w in periksa_urutan(prosedur, langkah, frozenset(selesai))] == expected


@pytest.mark.parametrize(
    ("tahun", "announced", "expected"),
    [
        (2024, 2024, 2024),
        (2027, 2026, 2026),  # a later year on the 2026 policy, as planning announced it
        (2025, None, 2025),  # no period yet: the newest policy year from that year or before
        (2030, None, 2026),
        (2023, None, "organisasi.policy_year_unknown"),
    ],
)
def test_the_policy_year_of_a_calendar_year(tahun: int, announced: int | None, expected: object) -> None:
    table = default_table()
    if isinstance(expected, str):
        with pytest.raises(StateConflict) as refused:
            table.policy_year(tahun, announced)
        assert refused.value.rule == expected
    else:
        assert table.policy_year(tahun, announced) == expected


def test_a_policy_year_the_file_lacks_is_refused_naming_file_key_and_rule() -> None:
    with pytest.raises(StateConflict) as refused:
        default_table().of(2027)
    assert refused.value.rule == "organisasi.policy_year_unknown"
    assert refused.value.extra == {"file": "organisasi.toml", "key": "prosedur.policy_year", "policy_year": 2027}
    assert "organisasi.toml" in refused.value.detail


# The school's counts already hold the penilaian under its rated predikat (a draft counts); an unrated one is added.
@pytest.mark.parametrize(
    ("counts", "dihitung", "calon", "expected"),
    [
        ({B: 3, BP: 1}, B, SB, {SB: 1, B: 2, BP: 1}),
        ({B: 3, BP: 1}, B, B, {B: 3, BP: 1}),
        ({B: 3, BP: 1}, None, SB, {SB: 1, B: 3, BP: 1}),
        ({}, None, K, {K: 1}),
        ({SB: 3}, B, SB, {SB: 4}),  # a predikat not counted under the old one is not taken away
    ],
)
def test_the_distribution_with_this_predikat(counts, dihitung, calon, expected) -> None:
    result = dengan_predikat(counts, dihitung=dihitung, calon=calon)
    assert {p: n for p, n in result.items() if n} == expected
    assert set(result) == set(Predikat)


def test_before_finalising_the_pattern_is_checked_with_this_predikat() -> None:
    # 3 Sangat Baik and this guru rated Baik; weighed as Sangat Baik: 4 of 5 in an Istimewa school (at most 70 %).
    seen = sebelum_finalisasi(
        default_table().of(2025),
        counts={SB: 3, B: 2},
        dihitung=B,
        calon=SB,
        predikat_organisasi=PredikatOrganisasi.ISTIMEWA,
        laporan_dikirim=True,
    )
    assert seen.counts[SB] == 4 and sum(seen.counts.values()) == 5
    [warning] = seen.distribusi
    assert (warning.rule, warning.count, warning.total, warning.percent) == (
        "distribusi.istimewa.at_most.sangat_baik",
        4,
        5,
        70,
    )
    assert seen.urutan == ()


@pytest.mark.parametrize(
    ("policy_year", "expected"),
    [(2024, []), (2025, ["organisasi.predikat_belum_ditetapkan"]), (2026, ["organisasi.predikat_belum_ditetapkan"])],
)
def test_before_finalising_without_a_predikat_organisasi(policy_year: int, expected: list[str]) -> None:
    seen = sebelum_finalisasi(
        default_table().of(policy_year),
        counts={B: 1},
        dihitung=B,
        calon=B,
        predikat_organisasi=None,
        laporan_dikirim=False,
    )
    assert seen.distribusi == () and [u.rule for u in seen.urutan] == expected


def test_finalising_only_warns_even_where_the_data_makes_the_step_before_it_wajib(tmp_path: Path) -> None:
    text = PACKAGED.read_text().replace(
        '  { langkah = "predikat_organisasi", wajib = false },\n  { langkah = "finalisasi"',
        '  { langkah = "predikat_organisasi", wajib = true },\n  { langkah = "finalisasi"',
    )
    (tmp_path / "organisasi.toml").write_text(text)
    prosedur = load_table(tmp_path / "organisasi.toml").of(2025)
    with pytest.raises(StateConflict):
        periksa_urutan(prosedur, FINAL, frozenset())
    seen = sebelum_finalisasi(
        prosedur, counts={}, dihitung=None, calon=B, predikat_organisasi=None, laporan_dikirim=True
    )
    assert [u.rule for u in seen.urutan] == ["organisasi.predikat_belum_ditetapkan"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '{ langkah = "laporan_sekolah", wajib = true }',
            '{ langkah = "rapat", wajib = true }',
            "organisasi.unknown_langkah",
        ),
        ('{ langkah = "laporan_sekolah", wajib = true }', '{ langkah = "rapat", wajib = true }', "langkah[0].langkah"),
        (
            '{ langkah = "laporan_sekolah", wajib = true }',
            '{ langkah = "finalisasi", wajib = false }',
            "organisasi.langkah_each_once",
        ),
        (
            '{ langkah = "laporan_sekolah", wajib = true }',
            '{ langkah = "laporan_sekolah", wajib = "ya" }',
            "organisasi.wajib",
        ),
        (
            '{ langkah = "finalisasi", wajib = false },\n  { langkah = "laporan_sekolah", wajib = false }',
            '{ langkah = "finalisasi", wajib = true },\n  { langkah = "laporan_sekolah", wajib = false }',
            "organisasi.finalisasi_wajib",
        ),
        ("policy_year = 2025\n", "", "organisasi.policy_year_missing"),
        ("policy_year = 2025\n", "policy_year = 2024\n", "organisasi.policy_year_duplicate"),
        ("policy_year = 2025\n", "policy_year = 1999\n", "prosedur[1].policy_year"),
        ("policy_year = 2026\n", "policy_year = 2027\n", "missing [2026]"),
        ("policy_year = 2026\n", "policy_year = 2027\n", "organisasi.policy_year_missing"),
        ('why = "as 2025: no later reading of the SE is published"\n', "", "organisasi.assumption"),
        ("policy_year = 2024\n", "policy_year = 2024\nnote = 1\n", "unknown keys"),
    ],
)
def test_malformed_procedure_files_are_refused_naming_file_key_and_rule(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = PACKAGED.read_text()
    assert old in text
    (tmp_path / "organisasi.toml").write_text(text.replace(old, new, 1))
    with pytest.raises(ReferenceFileError) as refused:
        load_table(tmp_path / "organisasi.toml")
    assert message in str(refused.value)
    assert "organisasi.toml" in str(refused.value)
