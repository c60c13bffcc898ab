"""The roster's optional tmt_penempatan column (planning.domain.roster): the day a pegawai took up their placement
at the row's school, which splits a plan when a transfer falls inside a period (docs/domain.md §1, §4). CSV and JSON
rows share `parse_rows`, so the rules are read the same from both."""

from __future__ import annotations

from datetime import date

import pytest

from planning.domain.roster import parse_csv, parse_rows, pegawai_values

TODAY = date(2024, 6, 1)
NIP_GURU = "198609262015051001"  # TMT CPNS 2015-05
NIP_PPPK = "199001012021211003"  # first PPPK appointment 2021
NUPTK = "1234567890123456"
PEGAWAI = {
    "nip": "19860926 201505 1 001",
    "status": "PNS",
    "nama": "Siti Rahayu",
    "pangkat_golongan": "III/b",
    "jenjang_jabatan": "Ahli Pertama",
    "jenis_gtk": "Guru Kelas",
    "npsn": "20219876",
}
PPPK = {"nip": NIP_PPPK, "status": "PPPK", "pangkat_golongan": "IX"}
NON_ASN = {"nip": NUPTK, "status": "NON_ASN", "pangkat_golongan": "", "jenjang_jabatan": ""}


@pytest.mark.parametrize(
    ("row", "stored", "error"),
    [
        ({}, None, None),  # no column: the roster keeps the date it has
        ({"tmt_penempatan": ""}, None, None),
        ({"tmt_penempatan": "2024-04-15"}, date(2024, 4, 15), None),
        ({"tmt_penempatan": " 2024-04-15 "}, date(2024, 4, 15), None),  # trimmed, as every cell
        ({"tmt_penempatan": TODAY.isoformat()}, TODAY, None),  # today is not the future
        ({"tmt_penempatan": "2015-05-01"}, date(2015, 5, 1), None),  # the NIP's TMT CPNS month itself
        ({"tmt_penempatan": "15/04/2024"}, None, "pegawai.tmt_penempatan"),
        ({"tmt_penempatan": "2024-02-30"}, None, "pegawai.tmt_penempatan"),
        ({"tmt_penempatan": "2024-06-02"}, None, "pegawai.tmt_penempatan_future"),
        ({"tmt_penempatan": "2015-04-30"}, None, "pegawai.tmt_penempatan_before_appointment"),
        (PPPK | {"tmt_penempatan": "2021-01-01"}, date(2021, 1, 1), None),  # the appointment year's first day
        (PPPK | {"tmt_penempatan": "2020-12-31"}, None, "pegawai.tmt_penempatan_before_appointment"),
        (NON_ASN | {"tmt_penempatan": "2010-07-15"}, date(2010, 7, 15), None),  # no appointment to be before
        (NON_ASN | {"tmt_penempatan": "2024-07-15"}, None, "pegawai.tmt_penempatan_future"),
    ],
)
def test_the_optional_tmt_penempatan_column(row: dict[str, str], stored: date | None, error: str | None) -> None:
    rows, errors = parse_rows("pegawai", [(2, PEGAWAI | row)], today=TODAY)
    if error is None:
        assert errors == [] and rows[0].tmt_penempatan == stored
    else:
        assert rows == [] and [(e.line, e.field, e.rule) for e in errors] == [(2, "tmt_penempatan", error)]


@pytest.mark.parametrize(
    ("row", "named"),
    [
        ({"tmt_penempatan": "2010-01-01"}, ("tmt_penempatan", "nip", "TMT CPNS", "2015-05")),
        (PPPK | {"tmt_penempatan": "2019-06-01"}, ("tmt_penempatan", "nip", "appointment year", "2021")),
        ({"tmt_penempatan": "2030-01-01"}, ("tmt_penempatan", "import", TODAY.isoformat())),
    ],
)
def test_a_refused_tmt_penempatan_names_what_it_contradicts(row: dict[str, str], named: tuple[str, ...]) -> None:
    _, (error,) = parse_rows("pegawai", [(2, PEGAWAI | row)], today=TODAY)
    assert all(word in error.detail for word in named)
    assert NIP_GURU not in error.detail and NIP_PPPK not in error.detail  # never the number itself


def test_a_tmt_penempatan_is_set_but_an_empty_cell_keeps_the_one_on_file() -> None:
    dated = parse_rows("pegawai", [(2, PEGAWAI | {"tmt_penempatan": "2024-04-15"})], today=TODAY)[0][0]
    without = parse_rows("pegawai", [(2, PEGAWAI)], today=TODAY)[0][0]
    assert pegawai_values(dated)["tmt_penempatan"] == date(2024, 4, 15)
    assert "tmt_penempatan" not in pegawai_values(without)


def test_the_tmt_penempatan_column_is_read_from_a_csv_with_its_line_errors() -> None:
    text = (
        "nip;status;nama;pangkat_golongan;jenjang_jabatan;jenis_gtk;npsn;tmt_penempatan\n"
        f"{NIP_GURU};PNS;Siti Rahayu;III/b;Ahli Pertama;Guru Kelas;20219876;2024-04-15\n"
        f"{NIP_PPPK};PPPK;Budi;IX;Ahli Pertama;Guru Mapel;20219876;2020-07-01\n"
    )
    rows, errors = parse_csv("pegawai", text, today=TODAY)
    assert [r.tmt_penempatan for r in rows] == [date(2024, 4, 15)]
    assert [(e.line, e.field, e.rule) for e in errors] == [
        (3, "tmt_penempatan", "pegawai.tmt_penempatan_before_appointment")
    ]
