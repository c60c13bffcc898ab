"""Roster words to BKN's and back: one table each."""

import pytest

from bkn_sync.domain.mapping import jabatan_nama, jenjang_of, roster_changes


@pytest.mark.parametrize(
    ("jenis_gtk", "jenjang", "jabatan"),
    [
        ("Guru Kelas", "Ahli Pertama", "Guru Ahli Pertama"),
        ("Kepala Sekolah", "Ahli Madya", "Guru Ahli Madya"),  # the headship is a tugas tambahan
        ("Pengawas Sekolah", "Ahli Madya", "Pengawas Sekolah Ahli Madya"),
        ("Guru Mapel", None, "Guru"),
    ],
)
def test_jabatan_and_back(jenis_gtk, jenjang, jabatan):
    assert jabatan_nama(jenis_gtk, jenjang) == jabatan
    if jenjang:
        assert jenjang_of(jabatan) == jenjang


def test_an_unknown_jabatan_shape_is_kept_whole():
    assert jenjang_of("Penata Kelola") == "Penata Kelola"


@pytest.mark.parametrize(
    ("siasn", "roster"),
    [
        ({"golRuangAkhir": "III/c"}, {"pangkat_golongan": "III/c"}),
        ({"jabatanNama": "Guru Ahli Muda"}, {"jenjang_jabatan": "Ahli Muda"}),
        ({"nama": "Siti R."}, {"nama": "Siti R."}),
        ({"unorId": "20217302", "atasanNip": "x"}, {}),  # planning does not take these
        ({"golRuangAkhir": None}, {}),
    ],
)
def test_what_planning_takes_from_siasn(siasn, roster):
    assert roster_changes(siasn) == roster
