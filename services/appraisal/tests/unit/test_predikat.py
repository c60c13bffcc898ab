from __future__ import annotations

import re
from pathlib import Path

import pytest

from appraisal.domain import ReferenceFileError
from appraisal.domain.predikat import Predikat, PredikatMatrix, Rating, default_matrix, load_matrix, predikat
from pmm_kernel.errors import InvalidValue

PACKAGED = Path(__file__).parents[2] / "src/appraisal/domain/reference/predikat.toml"


# docs/domain.md §6, row by row: rows are perilaku, columns hasil kerja (di bawah, sesuai, di atas).
@pytest.mark.parametrize(
    ("perilaku", "hasil_kerja", "expected"),
    [
        ("di_atas", "di_bawah", Predikat.BUTUH_PERBAIKAN),
        ("di_atas", "sesuai", Predikat.BAIK),
        ("di_atas", "di_atas", Predikat.SANGAT_BAIK),
        ("sesuai", "di_bawah", Predikat.BUTUH_PERBAIKAN),
        ("sesuai", "sesuai", Predikat.BAIK),
        ("sesuai", "di_atas", Predikat.BAIK),
        ("di_bawah", "di_bawah", Predikat.SANGAT_KURANG),
        ("di_bawah", "sesuai", Predikat.KURANG),
        ("di_bawah", "di_atas", Predikat.KURANG),
    ],
)
def test_matrix(perilaku: str, hasil_kerja: str, expected: Predikat) -> None:
    result = predikat(hasil_kerja=Rating(hasil_kerja), perilaku=Rating(perilaku))
    assert result.predikat is expected
    assert (result.hasil_kerja, result.perilaku) == (Rating(hasil_kerja), Rating(perilaku))
    assert result.cell == f"perilaku {perilaku} x hasil_kerja {hasil_kerja}"
    assert (result.regulation, result.version) == ("PermenPANRB 6/2022", "2022.1")


def test_the_two_ratings_are_not_interchangeable() -> None:
    # The matrix is not symmetric: swapping the arguments must change the answer.
    assert predikat(hasil_kerja="di_atas", perilaku="di_bawah").predikat is Predikat.KURANG
    assert predikat(hasil_kerja="di_bawah", perilaku="di_atas").predikat is Predikat.BUTUH_PERBAIKAN


@pytest.mark.parametrize(
    ("rating", "code", "label"),
    [
        (Rating.DI_ATAS, 1, "Di atas ekspektasi"),
        (Rating.SESUAI, 2, "Sesuai ekspektasi"),
        (Rating.DI_BAWAH, 3, "Di bawah ekspektasi"),
    ],
)
def test_rating_bkn_codes(rating: Rating, code: int, label: str) -> None:
    assert (rating.bkn_code, rating.label) == (code, label)
    assert Rating.from_bkn_code(code) is rating


@pytest.mark.parametrize(
    ("member", "code", "label"),
    [
        (Predikat.SANGAT_BAIK, 1, "Sangat Baik"),
        (Predikat.BAIK, 2, "Baik"),
        (Predikat.BUTUH_PERBAIKAN, 3, "Butuh Perbaikan"),
        (Predikat.KURANG, 4, "Kurang/Misconduct"),
        (Predikat.SANGAT_KURANG, 5, "Sangat Kurang"),
    ],
)
def test_predikat_bkn_codes(member: Predikat, code: int, label: str) -> None:
    assert (member.bkn_code, member.label) == (code, label)
    assert Predikat.from_bkn_code(code) is member
    assert Predikat.parse(label) is member
    assert Predikat.parse(member.value) is member


def test_enum_values_are_the_stored_words() -> None:
    assert [r.value for r in Rating] == ["di_atas", "sesuai", "di_bawah"]
    assert [p.value for p in Predikat] == ["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"]


@pytest.mark.parametrize("code", [0, 4, -1, True, "1"])
def test_unknown_rating_code(code: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        Rating.from_bkn_code(code)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field) == ("predikat.unknown_rating_code", "rating")


@pytest.mark.parametrize("code", [0, 6, True])
def test_unknown_predikat_code(code: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        Predikat.from_bkn_code(code)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field) == ("predikat.unknown_predikat_code", "predikat")


@pytest.mark.parametrize(
    ("hasil_kerja", "perilaku", "field"),
    [
        ("luar_biasa", "sesuai", "hasil_kerja"),
        ("sesuai", "", "perilaku"),
        (None, "sesuai", "hasil_kerja"),
        ("sesuai", 1, "perilaku"),  # a BKN code is not a rating: from_bkn_code says which one it means
    ],
)
def test_unknown_rating_names_its_field(hasil_kerja: object, perilaku: object, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        predikat(hasil_kerja, perilaku)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field) == ("predikat.unknown_rating", field)


def test_ratings_are_read_from_value_or_label() -> None:
    assert predikat(" Di atas ekspektasi ", "SESUAI").predikat is Predikat.BAIK


def test_default_matrix_is_loaded_once() -> None:
    assert default_matrix() is default_matrix()
    assert isinstance(default_matrix(), PredikatMatrix)


def test_a_matrix_file_can_be_swapped(tmp_path: Path) -> None:
    # A corrected regulation is a new file, not new code: the result names the file's version.
    text = (
        PACKAGED.read_text()
        .replace('version = "2022.1"', 'version = "2099.1"')
        .replace('di_atas = "sangat_baik"', 'di_atas = "baik"')
    )
    path = tmp_path / "predikat.toml"
    path.write_text(text)
    result = predikat("di_atas", "di_atas", matrix=load_matrix(path))
    assert (result.predikat, result.version) == (Predikat.BAIK, "2099.1")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('sesuai = "kurang", ', "", "needs exactly the columns"),  # a missing cell
        ('"sangat_kurang"', '"misconduct"', "is not a predikat"),
        ("di_bawah = { di_bawah", "dibawah = { di_bawah", "unknown keys in [matrix]"),
        ('version = "2022.1"', 'version = ""', "version must be a non-empty string"),
        ('version = "2022.1"', 'version = "2022.1"\nyear = 2022', "unknown keys in the predikat file"),
        ("[matrix]", "[matriks]", "unknown keys"),
        ("[matrix]", "[matrix", "predikat.toml"),  # not TOML at all
    ],
)
def test_malformed_matrix_files_are_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = PACKAGED.read_text()
    assert old in text
    path = tmp_path / "predikat.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ReferenceFileError, match=re.escape(message)):
        load_matrix(path)
