"""reference/evaluasi.toml: which evaluations a period leads to, and the perilaku-only rule, row by row."""

from __future__ import annotations

from pathlib import Path

import pytest

from appraisal.domain import ReferenceFileError
from appraisal.domain.evaluasi import Jenis, default_rules, load_rules
from appraisal.domain.predikat import Predikat, Rating, predikat
from pmm_kernel.errors import InvalidValue

PACKAGED = Path(__file__).parents[2] / "src/appraisal/domain/reference/evaluasi.toml"


@pytest.mark.parametrize(("periode_jenis", "jenis"), [("semester", Jenis.PERIODIK), ("tahunan", Jenis.TAHUNAN)])
def test_jenis_of_a_periods_own_penilaian(periode_jenis: str, jenis: Jenis) -> None:
    assert default_rules().jenis_of(periode_jenis) is jenis


def test_an_unknown_period_jenis_is_refused_naming_the_rule() -> None:
    with pytest.raises(InvalidValue) as refused:
        default_rules().jenis_of("triwulan")
    assert (refused.value.rule, refused.value.field) == ("evaluasi.unknown_periode_jenis", "periode")


def test_the_years_penilaian_tahunan() -> None:
    rule = default_rules().penilaian_tahunan
    assert (rule.kode(2024), rule.step, rule.angka_kredit, rule.assumption) == (
        "2024-T",
        "penilaian_tahunan",
        False,
        True,
    )


# Perilaku only: the predikat follows perilaku through the matrix's "sesuai" column.
@pytest.mark.parametrize(
    ("perilaku", "expected"),
    [(Rating.DI_ATAS, Predikat.BAIK), (Rating.SESUAI, Predikat.BAIK), (Rating.DI_BAWAH, Predikat.KURANG)],
)
def test_perilaku_only(perilaku: Rating, expected: Predikat) -> None:
    rule = default_rules().hanya_perilaku
    assert (rule.hasil_kerja, rule.assumption) == (Rating.SESUAI, True)
    assert predikat(rule.hasil_kerja, perilaku).predikat is expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('semester = "periodik"', 'semester = "bulanan"'), "jenis_penilaian.semester"),
        (('kode = "{tahun}-T"', 'kode = "T"'), "{tahun} placeholder"),
        (("angka_kredit = false", 'angka_kredit = "no"'), "true or false"),
        (('hasil_kerja = "sesuai"', 'hasil_kerja = "cukup"'), "not a rating"),
        (("[hanya_perilaku]", "[hanya_perilaku]\nwhat = 1"), "unknown keys"),
        (('why = "the Juknis', 'reason = "the Juknis'), "unknown keys"),
    ],
)
def test_a_malformed_file_is_refused_at_load(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = PACKAGED.read_text()
    assert change[0] in text
    broken = tmp_path / "evaluasi.toml"
    broken.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(ReferenceFileError, match=message.replace("{", r"\{").replace("}", r"\}")):
        load_rules(broken)


def test_the_packaged_file_loads_as_the_default() -> None:
    assert load_rules(PACKAGED) == default_rules()
