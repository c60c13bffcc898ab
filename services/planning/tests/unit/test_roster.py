from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.domain.records import Pegawai
from planning.domain.roster import (
    COLUMNS,
    PEGAWAI_FIELDS,
    PERAN_ATASAN,
    RELASI_RULES,
    PegawaiRow,
    RelasiRow,
    RowError,
    SekolahRow,
    Tenure,
    acting_overlap,
    changed_fields,
    outside_region,
    parse_csv,
    parse_rows,
    pegawai_values,
    relasi_error,
    token_roles,
)
from pmm_kernel.errors import InvalidValue
from pmm_kernel.nip import AsnStatus

TODAY = date(2024, 6, 1)
NIP_GURU = "198609262015051001"
NIP_KS = "197501012000031002"
NIP_PPPK = "199001012021211003"
NUPTK = "1234567890123456"

VALID = {
    "sekolah": {
        "npsn": "20219876",
        "nama": "SD Negeri 1 Bandung",
        "kode_wilayah": "3273",
        "nama_wilayah": "Kota Bandung",
        "prioritas_rapor": "D.1.3;D.4",
    },
    "pegawai": {
        "nip": "19860926 201505 1 001",
        "status": "PNS",
        "nama": "Siti Rahayu",
        "pangkat_golongan": "III/b",
        "jenjang_jabatan": "Ahli Pertama",
        "jenis_gtk": "Guru Kelas",
        "npsn": "20219876",
    },
    "relasi": {
        "nip_pegawai": NIP_GURU,
        "nip_atasan": NIP_KS,
        "peran_atasan": "kepala_sekolah",
        "mulai": "2024-01-01",
        "selesai": "",
    },
}
PPPK = {"nip": NIP_PPPK, "status": "PPPK", "pangkat_golongan": "IX"}
NON_ASN = {"nip": NUPTK, "status": "NON_ASN", "pangkat_golongan": "", "jenjang_jabatan": ""}


def one(kind: str, **changes: str) -> tuple[list, list[RowError]]:
    return parse_rows(kind, [(2, VALID[kind] | changes)], today=TODAY)


@pytest.mark.parametrize(
    ("kind", "changes", "expected"),
    [
        ("sekolah", {}, SekolahRow(2, "20219876", "SD Negeri 1 Bandung", "3273", "Kota Bandung", ("D.1.3", "D.4"))),
        (
            "sekolah",
            {"kode_wilayah": " 32.73 ", "prioritas_rapor": "d.2; D.2;D.1;", "nama": "  SMPN 2  "},
            SekolahRow(2, "20219876", "SMPN 2", "3273", "Kota Bandung", ("D.2", "D.1")),
        ),
        (
            "sekolah",
            {"prioritas_rapor": ""},
            SekolahRow(2, "20219876", "SD Negeri 1 Bandung", "3273", "Kota Bandung", ()),
        ),
        ("relasi", {}, RelasiRow(2, NIP_GURU, NIP_KS, "kepala_sekolah", date(2024, 1, 1), None)),
        (
            "relasi",
            {"nip_pegawai": NUPTK, "peran_atasan": "Plt_Kepala_Sekolah", "selesai": "2024-01-01"},
            RelasiRow(2, NUPTK, NIP_KS, "plt_kepala_sekolah", date(2024, 1, 1), date(2024, 1, 1)),
        ),
    ],
)
def test_valid_rows(kind: str, changes: dict[str, str], expected: object) -> None:
    assert one(kind, **changes) == ([expected], [])


@pytest.mark.parametrize(
    ("changes", "nip", "status", "golongan", "jenjang", "jenis_gtk"),
    [
        ({}, NIP_GURU, AsnStatus.PNS, "III/b", "Ahli Pertama", "Guru Kelas"),
        (
            {"pangkat_golongan": "iv / C", "jenjang_jabatan": "ahli  madya", "jenis_gtk": "guru bk"},
            NIP_GURU,
            AsnStatus.PNS,
            "IV/c",
            "Ahli Madya",
            "Guru BK",
        ),
        (
            {"pangkat_golongan": "IV/e", "jenjang_jabatan": "Ahli Utama", "jenis_gtk": "Pengawas Sekolah"},
            NIP_GURU,
            AsnStatus.PNS,
            "IV/e",
            "Ahli Utama",
            "Pengawas Sekolah",
        ),
        # The jenis GTK the 2026 policy brings in, read case-insensitively like the others.
        ({"jenis_gtk": "penilik"}, NIP_GURU, AsnStatus.PNS, "III/b", "Ahli Pertama", "Penilik"),
        ({"jenis_gtk": "Pamong Belajar"}, NIP_GURU, AsnStatus.PNS, "III/b", "Ahli Pertama", "Pamong Belajar"),
        (
            {"jenis_gtk": "GPK Unit Layanan Disabilitas"},
            NIP_GURU,
            AsnStatus.PNS,
            "III/b",
            "Ahli Pertama",
            "GPK Unit Layanan Disabilitas",
        ),
        (PPPK, NIP_PPPK, AsnStatus.PPPK, "IX", "Ahli Pertama", "Guru Kelas"),
        (
            PPPK | {"pangkat_golongan": "xiii", "jenjang_jabatan": "Ahli Madya"},
            NIP_PPPK,
            AsnStatus.PPPK,
            "XIII",
            "Ahli Madya",
            "Guru Kelas",
        ),
        (NON_ASN | {"status": "non-asn"}, NUPTK, AsnStatus.NON_ASN, None, None, "Guru Kelas"),
    ],
)
def test_valid_pegawai(changes, nip, status, golongan, jenjang, jenis_gtk) -> None:
    rows, errors = one("pegawai", **changes)
    assert errors == []
    [row] = rows
    assert isinstance(row, PegawaiRow)
    assert (row.nip, row.status, row.pangkat_golongan, row.jenjang_jabatan, row.jenis_gtk, row.npsn) == (
        nip,
        status,
        golongan,
        jenjang,
        jenis_gtk,
        "20219876",
    )
    assert (row.identitas is None) == (status is AsnStatus.NON_ASN)
    assert "Siti" not in repr(row) and nip not in repr(row)


@pytest.mark.parametrize(
    ("kind", "changes", "field", "rule"),
    [
        ("sekolah", {"npsn": "2021987"}, "npsn", "sekolah.npsn"),
        ("sekolah", {"npsn": "2021987a"}, "npsn", "sekolah.npsn"),
        ("sekolah", {"npsn": "２０２１９８７６"}, "npsn", "sekolah.npsn"),
        ("sekolah", {"nama": ""}, "nama", "sekolah.nama"),
        ("sekolah", {"nama": "x" * 201}, "nama", "sekolah.nama"),
        ("sekolah", {"kode_wilayah": "327"}, "kode_wilayah", "sekolah.kode_wilayah"),
        ("sekolah", {"kode_wilayah": "327301"}, "kode_wilayah", "sekolah.kode_wilayah"),
        ("sekolah", {"nama_wilayah": "  "}, "nama_wilayah", "sekolah.nama_wilayah"),
        ("sekolah", {"prioritas_rapor": "D.1;E.2"}, "prioritas_rapor", "sekolah.prioritas_rapor"),
        ("sekolah", {"prioritas_rapor": "D.1.2.3"}, "prioritas_rapor", "sekolah.prioritas_rapor"),
        ("sekolah", {"prioritas_rapor": "D.1,D.2"}, "prioritas_rapor", "sekolah.prioritas_rapor"),
        ("sekolah", {"prioritas_rapor": "D.١"}, "prioritas_rapor", "sekolah.prioritas_rapor"),
        ("sekolah", {"nama": "SD\x00"}, "nama", "csv.encoding"),
        ("sekolah", {"nama": "SD \ud800"}, "nama", "csv.encoding"),
        ("pegawai", {"status": "ASN"}, "status", "pegawai.status"),
        ("pegawai", {"status": ""}, "status", "pegawai.status"),
        ("pegawai", {"nip": "19860926 201505 1 00"}, "nip", "nip.format"),
        ("pegawai", {"nip": "19860931 201505 1 001"}, "nip", "nip.birth_date"),
        ("pegawai", {"nip": "19860926 202407 1 001"}, "nip", "nip.tmt_future"),
        ("pegawai", PPPK | {"nip": "19860926 2018 21 1 001"}, "nip", "nip.pppk_year"),
        ("pegawai", NON_ASN | {"nip": NIP_GURU}, "nip", "pegawai.nuptk"),
        ("pegawai", {"nama": ""}, "nama", "pegawai.nama"),
        ("pegawai", {"pangkat_golongan": "III/f"}, "pangkat_golongan", "pegawai.pangkat_golongan"),
        ("pegawai", {"pangkat_golongan": ""}, "pangkat_golongan", "pegawai.pangkat_golongan"),
        ("pegawai", PPPK | {"pangkat_golongan": "III/a"}, "pangkat_golongan", "pegawai.pangkat_golongan"),
        ("pegawai", {"pangkat_golongan": "IX"}, "pangkat_golongan", "pegawai.pangkat_golongan"),
        ("pegawai", {"jenjang_jabatan": "Ahli Super"}, "jenjang_jabatan", "pegawai.jenjang_jabatan"),
        ("pegawai", {"jenjang_jabatan": ""}, "jenjang_jabatan", "pegawai.jenjang_jabatan"),
        ("pegawai", {"pangkat_golongan": "III/c"}, "pangkat_golongan", "pegawai.golongan_jenjang"),
        (
            "pegawai",
            {"pangkat_golongan": "IV/a", "jenjang_jabatan": "Ahli Muda"},
            "pangkat_golongan",
            "pegawai.golongan_jenjang",
        ),
        ("pegawai", {"pangkat_golongan": "II/d"}, "pangkat_golongan", "pegawai.golongan_jenjang"),
        ("pegawai", PPPK | {"jenjang_jabatan": "Ahli Muda"}, "pangkat_golongan", "pegawai.golongan_jenjang"),
        (
            "pegawai",
            PPPK | {"pangkat_golongan": "XV", "jenjang_jabatan": "Ahli Utama"},
            "pangkat_golongan",
            "pegawai.golongan_jenjang",
        ),
        ("pegawai", NON_ASN | {"jenjang_jabatan": "Ahli Pertama"}, "jenjang_jabatan", "pegawai.jenjang_jabatan"),
        ("pegawai", NON_ASN | {"pangkat_golongan": "III/a"}, "pangkat_golongan", "pegawai.pangkat_golongan"),
        ("pegawai", {"jenis_gtk": "Guru Olahraga"}, "jenis_gtk", "pegawai.jenis_gtk"),
        ("pegawai", {"npsn": "123"}, "npsn", "sekolah.npsn"),
        ("relasi", {"nip_pegawai": "123"}, "nip_pegawai", "relasi.nip"),
        ("relasi", {"nip_atasan": NUPTK}, "nip_atasan", "relasi.nip"),
        ("relasi", {"peran_atasan": "wakil_kepala_sekolah"}, "peran_atasan", "relasi.peran_atasan"),
        ("relasi", {"mulai": "01/02/2024"}, "mulai", "relasi.date"),
        ("relasi", {"mulai": "20240101"}, "mulai", "relasi.date"),
        ("relasi", {"mulai": "2024-02-30"}, "mulai", "relasi.date"),
        ("relasi", {"mulai": ""}, "mulai", "relasi.date"),
        ("relasi", {"selesai": "2024-13-01"}, "selesai", "relasi.date"),
        ("relasi", {"selesai": "2023-12-31"}, "selesai", "relasi.dates"),
        ("relasi", {"nip_atasan": "19860926.201505.1.001"}, "nip_atasan", "relasi.self"),
    ],
)
def test_broken_rules(kind: str, changes: dict[str, str], field: str, rule: str) -> None:
    rows, errors = one(kind, **changes)
    assert rows == []
    assert [(e.line, e.field, e.rule) for e in errors] == [(2, field, rule)]
    # Details name the rule, never a NIP or a name: both are personal data.
    for name in ("nip", "nama", "nip_pegawai", "nip_atasan"):
        if changes.get(name, "").strip():
            assert changes[name].strip() not in errors[0].detail


def test_a_row_reports_every_broken_field() -> None:
    _, errors = one("pegawai", nip="123", nama="", jenis_gtk="Guru", npsn="1")
    assert [(e.field, e.rule) for e in errors] == [
        ("nama", "pegawai.nama"),
        ("jenis_gtk", "pegawai.jenis_gtk"),
        ("npsn", "sekolah.npsn"),
        ("nip", "nip.format"),
    ]


@pytest.mark.parametrize(
    ("kind", "second", "field"),
    [
        ("sekolah", {"nama": "Another name"}, "npsn"),
        ("pegawai", {"nip": "19860926.201505.1.001", "nama": "Another name"}, "nip"),
        ("relasi", {"selesai": "2024-06-30"}, "nip_pegawai"),
    ],
)
def test_duplicate_key_keeps_the_first(kind: str, second: dict[str, str], field: str) -> None:
    rows, errors = parse_rows(kind, [(2, VALID[kind]), (3, VALID[kind] | second)], today=TODAY)
    assert [r.line for r in rows] == [2]
    assert [(e.line, e.field, e.rule) for e in errors] == [(3, field, "csv.duplicate")]
    assert "line 2" in errors[0].detail


def test_relation_with_another_start_is_not_a_duplicate() -> None:
    later = VALID["relasi"] | {"mulai": "2024-07-01"}
    rows, errors = parse_rows("relasi", [(2, VALID["relasi"]), (3, later)], today=TODAY)
    assert (len(rows), errors) == (2, [])


def test_missing_keys_and_none_values_count_as_empty() -> None:
    values = dict(VALID["sekolah"])
    del values["prioritas_rapor"]
    values["nama_wilayah"] = None  # type: ignore[assignment]
    _, errors = parse_rows("sekolah", [(5, values)], today=TODAY)
    assert [(e.line, e.rule) for e in errors] == [(5, "sekolah.nama_wilayah")]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_csv("guru", "", today=TODAY)
    assert err.value.rule == "roster.kind"


# --- CSV ---------------------------------------------------------------------------------------------

SEKOLAH_HEADER = "npsn,nama,kode_wilayah,nama_wilayah,prioritas_rapor"


@pytest.mark.parametrize(
    ("text", "lines", "errors"),
    [
        (f"{SEKOLAH_HEADER}\n20219876,SD 1,3273,Kota Bandung,D.1\n", [2], []),
        # Indonesian spreadsheets: ';' between cells, CRLF, a BOM, a header in another case.
        ("\ufeffNPSN;Nama;Kode_Wilayah;Nama_Wilayah\r\n20219876;SD 1;3273;Kota Bandung\r\n", [2], []),
        (f"{SEKOLAH_HEADER}\n\n20219876,SD 1,3273,Kota Bandung,\n,,,,\n20219877,SD 2,3273,Kota Bandung,\n", [3, 5], []),
        # A quoted cell may hold the delimiter or a line break: lines stay physical.
        (
            f'{SEKOLAH_HEADER}\n20219876,"SD 1, Bandung",3273,Kota Bandung,"D.1;D.4"\n'
            f'20219877,"SD\n2",3273,Kota Bandung,\n20219878,SD 3,3273,Kota Bandung,\n',
            [2, 3, 5],
            [],
        ),
        (
            f"{SEKOLAH_HEADER},email\n20219876,SD 1,3273,Kota Bandung,,x@y.id\n",
            [2],
            [(1, "email", "csv.unknown_column")],
        ),
        ("npsn,nama,nama_wilayah\n20219876,SD 1,Kota Bandung\n", [], [(1, "kode_wilayah", "csv.missing_column")]),
        (f"{SEKOLAH_HEADER},nama\n", [], [(1, "nama", "csv.duplicate_column")]),
        ("", [], [(1, c, "csv.missing_column") for c in COLUMNS["sekolah"][0]]),
        (f"\n{SEKOLAH_HEADER}\n", [], [(1, c, "csv.missing_column") for c in COLUMNS["sekolah"][0]]),
        (
            f"{SEKOLAH_HEADER}\n20219876,SD 1,3273,Kota Bandung\n20219877,SD 2,3273,Kota Bandung,D.1\n",
            [3],
            [(2, "", "csv.cells")],
        ),
        (
            f"{SEKOLAH_HEADER}\n20219876,SD 1,3273,Kota Bandung,\n20219876,SD 1,3273,Kota Bandung,\n",
            [2],
            [(3, "npsn", "csv.duplicate")],
        ),
        (
            f"{SEKOLAH_HEADER}\n20219876,SD 1,3273,Kota Bandung,\n2021987,,3273,Kota Bandung,\n",
            [2],
            [(3, "npsn", "sekolah.npsn"), (3, "nama", "sekolah.nama")],
        ),
        (
            f"{SEKOLAH_HEADER}\n20219876,SD 1,3273,Kota Bandung,\n20219877,SD\x00,3273,Kota Bandung,\n",
            [],
            [(3, "", "csv.encoding")],
        ),
        (f"{SEKOLAH_HEADER}\n20219876,SD \udcff,3273,Kota Bandung,\n", [], [(2, "", "csv.encoding")]),
        (f"{SEKOLAH_HEADER}\n20219876,{'x' * 200_000},3273,Kota Bandung,\n", [], [(2, "", "csv.syntax")]),
    ],
)
def test_csv(text: str, lines: list[int], errors: list[tuple[int, str, str]]) -> None:
    rows, found = parse_csv("sekolah", text, today=TODAY)
    assert [r.line for r in rows] == lines
    assert [(e.line, e.field, e.rule) for e in found] == errors


@pytest.mark.parametrize(
    ("data", "lines", "errors"),
    [
        (f"\ufeff{SEKOLAH_HEADER}\n20219876,SD 1,3273,Kota Bandung,\n".encode(), [2], []),
        (f"{SEKOLAH_HEADER}\n20219876,SD Cibiru é,3273,Kota Bandung,\n".encode(), [2], []),
        (
            f"{SEKOLAH_HEADER}\n20219876,SD 1,3273,Kota Bandung,\n20219877,S\xe9,3273,X,\n".encode("latin-1"),
            [],
            [(3, "", "csv.encoding")],
        ),
    ],
)
def test_csv_bytes(data: bytes, lines: list[int], errors: list[tuple[int, str, str]]) -> None:
    rows, found = parse_csv("sekolah", data, today=TODAY)
    assert [r.line for r in rows] == lines
    assert [(e.line, e.field, e.rule) for e in found] == errors


def test_csv_pegawai_and_relasi() -> None:
    pegawai = (
        "nip;status;nama;pangkat_golongan;jenjang_jabatan;jenis_gtk;npsn\n"
        "19860926 201505 1 001;PNS;Siti Rahayu;III/b;Ahli Pertama;Guru Kelas;20219876\n"
        f"{NUPTK};NON_ASN;Budi;;;Guru Mapel;20219876\n"
    )
    rows, errors = parse_csv("pegawai", pegawai, today=TODAY)
    assert errors == []
    assert [(r.line, r.status) for r in rows] == [(2, AsnStatus.PNS), (3, AsnStatus.NON_ASN)]
    relasi = (
        "nip_pegawai,nip_atasan,peran_atasan,mulai,selesai\n"
        f"{NIP_GURU},{NIP_KS},kepala_sekolah,2024-01-01,\n"
        f"{NIP_GURU},{NIP_GURU},pengawas,2024-01-01,\n"
    )
    rows, errors = parse_csv("relasi", relasi, today=TODAY)
    assert [r.line for r in rows] == [2]
    assert [(e.line, e.field, e.rule) for e in errors] == [(3, "nip_atasan", "relasi.self")]


# --- nothing an operator uploads makes the parser raise ---------------------------------------------

CSV_ALPHABET = st.sampled_from(list(',;"\n\r \x00.-/D0123456789aZ\ufeff١\u2028é')) | st.characters()


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(list(COLUMNS)), body=st.text(alphabet=CSV_ALPHABET, max_size=300), with_header=st.booleans()
)
def test_random_text_only_returns_errors(kind: str, body: str, with_header: bool) -> None:
    required, optional = COLUMNS[kind]
    text = ",".join(required + optional) + "\n" + body if with_header else body
    rows, errors = parse_csv(kind, text, today=TODAY)
    assert all(isinstance(e, RowError) and e.line >= 1 for e in errors)
    assert all(r.line >= 2 for r in rows)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(list(COLUMNS)), data=st.binary(max_size=300))
def test_random_bytes_only_return_errors(kind: str, data: bytes) -> None:
    _, errors = parse_csv(kind, data, today=TODAY)
    assert all(isinstance(e, RowError) for e in errors)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(list(COLUMNS)),
    values=st.dictionaries(
        st.sampled_from([c for r, o in COLUMNS.values() for c in r + o] + ["x"]),
        st.text(max_size=30) | st.none() | st.integers(),
    ),
)
def test_random_rows_only_return_errors(kind: str, values: dict) -> None:
    rows, errors = parse_rows(kind, [(1, values)], today=TODAY)
    assert len(rows) + len({e.line for e in errors}) == 1


@pytest.mark.parametrize(
    ("jenis_gtk", "roles"),
    [
        ("Kepala Sekolah", ("guru", "kepala_sekolah")),
        ("Pengawas Sekolah", ("guru", "pengawas")),
        ("Guru Mapel", ("guru",)),
        ("Guru Kelas", ("guru",)),
        ("Guru BK", ("guru",)),
        ("Kindergarten Teacher", ("guru",)),
        ("Penilik", ("guru",)),
        ("Pamong Belajar", ("guru",)),
        ("GPK Unit Layanan Disabilitas", ("guru",)),
    ],
)
def test_token_roles_by_jenis_gtk(jenis_gtk: str, roles: tuple[str, ...]) -> None:
    assert token_roles(jenis_gtk) == roles


EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples" / "roster"


@pytest.mark.parametrize("kind", sorted(COLUMNS))
def test_the_documented_example_files_are_valid(kind: str) -> None:
    """The README's roster example (docs/examples/roster) is a file an operator can import as it is."""
    rows, errors = parse_csv(kind, (EXAMPLES / f"{kind}.csv").read_bytes(), today=TODAY)
    assert errors == []
    assert rows


# --- applying rows: the operator's region and who may appraise whom ------------------------------------------


def _person(jenis_gtk: str, npsn: str = "20219876") -> Pegawai:
    return Pegawai(uuid.uuid4(), NIP_GURU, "PNS", "Nama", "III/b", "Ahli Pertama", jenis_gtk, npsn, 1)


def _relasi_row(peran: str) -> RelasiRow:
    return RelasiRow(7, NIP_GURU, NIP_KS, peran, date(2024, 1, 1), None)


def test_every_peran_atasan_a_row_may_name_has_a_rule() -> None:
    assert set(RELASI_RULES) == set(PERAN_ATASAN)


@pytest.mark.parametrize(
    ("peran", "pegawai", "atasan", "expected"),
    [
        ("kepala_sekolah", "Guru Kelas", "Kepala Sekolah", None),
        ("kepala_sekolah", "Guru Kelas", "Guru Mapel", ("nip_atasan", "relasi.atasan_jenis")),
        ("kepala_sekolah", "Guru Kelas", "Kepala Sekolah@other", ("nip_atasan", "relasi.other_school")),
        ("plt_kepala_sekolah", "Guru Kelas", "Guru Mapel", None),  # a Plt. KS is a teacher of the school
        ("plt_kepala_sekolah", "Guru Kelas", "Guru Mapel@other", ("nip_atasan", "relasi.other_school")),
        ("plt_kepala_sekolah", "Guru Kelas", "Kepala Sekolah@other", None),  # the KS of a neighbouring school
        ("plt_kepala_sekolah", "Guru Kelas", "Pengawas Sekolah@other", None),  # a pengawas acting as KS
        ("kepala_sekolah", "Guru Kelas", "Pengawas Sekolah@other", ("nip_atasan", "relasi.other_school")),
        ("koordinator_pengawas", "Pengawas Sekolah", "Pengawas Sekolah@other", None),
        ("koordinator_pengawas", "Kepala Sekolah", "Pengawas Sekolah@other", ("nip_pegawai", "relasi.pegawai_jenis")),
        ("koordinator_pengawas", "Pengawas Sekolah", "Kepala Sekolah@other", ("nip_atasan", "relasi.other_school")),
        ("pengawas", "Kepala Sekolah", "Pengawas Sekolah@other", None),  # the pengawas works elsewhere
        ("pengawas", "Guru Kelas", "Pengawas Sekolah", ("nip_pegawai", "relasi.pegawai_jenis")),
        ("pengawas", "Kepala Sekolah", "Kepala Sekolah", ("nip_atasan", "relasi.atasan_jenis")),
    ],
)
def test_relasi_rules(peran: str, pegawai: str, atasan: str, expected: tuple[str, str] | None) -> None:
    jenis, _, elsewhere = atasan.partition("@")
    error = relasi_error(
        _relasi_row(peran), pegawai=_person(pegawai), atasan=_person(jenis, "20219999" if elsewhere else "20219876")
    )
    assert (None if error is None else (error.line, error.field, error.rule)) == (
        None if expected is None else (7, *expected)
    )


_A, _B, _P = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("peran", "mulai", "selesai", "held", "expected"),
    [
        # another Plt. for the same teacher, overlapping
        ("plt_kepala_sekolah", "2025-03-01", "2025-05-31", [(_B, "2025-05-01", "2025-08-31")], "relasi.plt_overlap"),
        ("plt_kepala_sekolah", "2025-03-01", None, [(_B, "2025-05-01", "2025-08-31")], "relasi.plt_overlap"),
        ("plt_kepala_sekolah", "2025-06-01", "2025-06-30", [(_B, "2025-01-01", None)], "relasi.plt_overlap"),
        ("plt_kepala_sekolah", "2025-03-01", "2025-04-30", [(_B, "2025-04-30", "2025-05-31")], "relasi.plt_overlap"),
        # one after the other, the same atasan's dates again, or not an acting appointment
        ("plt_kepala_sekolah", "2025-03-01", "2025-04-29", [(_B, "2025-04-30", "2025-05-31")], None),
        ("plt_kepala_sekolah", "2025-03-01", "2025-12-31", [(_A, "2025-01-01", "2025-06-30")], None),
        ("kepala_sekolah", "2025-03-01", None, [(_B, "2025-01-01", None)], None),
        ("plt_kepala_sekolah", "2025-03-01", None, [], None),
    ],
)
def test_one_acting_appointment_at_a_time(
    peran: str, mulai: str, selesai: str | None, held: list[tuple[uuid.UUID, str, str | None]], expected: str | None
) -> None:
    day = date.fromisoformat
    row = RelasiRow(9, NIP_GURU, NIP_KS, peran, day(mulai), day(selesai) if selesai else None)
    new = Tenure(_P, _A, row.mulai, row.selesai, 9)
    tenures = [Tenure(_P, atasan, day(m), day(s) if s else None) for atasan, m, s in held]
    error = acting_overlap(row, new, tenures)
    assert (None if error is None else (error.line, error.field, error.rule)) == (
        None if expected is None else (9, "mulai", expected)
    )
    if error is not None:
        assert "selesai" in error.detail and "mulai" in error.detail


@pytest.mark.parametrize(
    ("jenis_gtk", "acting", "roles"),
    [
        ("Guru Kelas", False, ("guru",)),
        ("Guru Kelas", True, ("guru", "kepala_sekolah")),
        ("Kepala Sekolah", True, ("guru", "kepala_sekolah")),
        ("Pengawas Sekolah", True, ("guru", "pengawas", "kepala_sekolah")),
    ],
)
def test_a_plt_signs_in_as_kepala_sekolah_while_acting(jenis_gtk: str, acting: bool, roles: tuple[str, ...]) -> None:
    assert token_roles(jenis_gtk, acting=acting) == roles


@pytest.mark.parametrize(
    ("scope", "kode_wilayah", "outside"),
    [("", "3273", False), ("32", "3273", False), ("3273", "3273", False), ("3273", "3204", True), ("31", "3273", True)],
)
def test_outside_region(scope: str, kode_wilayah: str, outside: bool) -> None:
    assert outside_region(scope, kode_wilayah) is outside


def test_changed_fields_name_what_a_row_changes_in_its_order() -> None:
    current = _person("Guru Kelas")
    values = {"status": "PNS", "nama": "Nama Baru", "jenis_gtk": "Guru Kelas", "npsn": "20219999"}
    assert changed_fields(current, values) == ["nama", "npsn"]
    assert changed_fields(current, {"status": "PNS", "nama": "Nama"}) == []
    with_address = VALID["pegawai"] | {
        "email": "guru@belajar.id",
        "tmt_jabatan": "2024-03-01",
        "tmt_penempatan": "2024-04-15",
    }
    assert tuple(PEGAWAI_FIELDS) == tuple(pegawai_values(parse_rows("pegawai", [(2, with_address)], today=TODAY)[0][0]))


@pytest.mark.parametrize(
    ("cell", "stored", "error"),
    [
        ("", None, None),  # no address: the roster keeps the one it has
        ("Siti.Rahayu@Guru.SD.Belajar.ID", "siti.rahayu@guru.sd.belajar.id", None),
        ("  ks.001@belajar.id ", "ks.001@belajar.id", None),
        ("siti rahayu@belajar.id", None, "pegawai.email"),
        ("siti@belajar", None, "pegawai.email"),
        ("Siti <siti@belajar.id>", None, "pegawai.email"),
        ("a,b@belajar.id", None, "pegawai.email"),
        ("x" * 250 + "@belajar.id", None, "pegawai.email"),
    ],
)
def test_the_optional_email_column(cell: str, stored: str | None, error: str | None) -> None:
    rows, errors = parse_rows("pegawai", [(2, VALID["pegawai"] | {"email": cell})], today=TODAY)
    if error is None:
        assert errors == [] and rows[0].email == stored
    else:
        assert rows == [] and [(e.field, e.rule) for e in errors] == [("email", error)]


def test_an_address_is_set_but_an_empty_cell_keeps_the_one_on_file() -> None:
    with_address = parse_rows("pegawai", [(2, VALID["pegawai"] | {"email": "guru@belajar.id"})], today=TODAY)[0][0]
    without = parse_rows("pegawai", [(2, VALID["pegawai"])], today=TODAY)[0][0]
    assert pegawai_values(with_address)["email"] == "guru@belajar.id"
    assert "email" not in pegawai_values(without)


@pytest.mark.parametrize(
    ("row", "stored", "error"),
    [
        ({"tmt_jabatan": ""}, None, None),  # no date: the roster keeps the one it has
        ({"tmt_jabatan": "2024-03-01"}, date(2024, 3, 1), None),
        ({"tmt_jabatan": " 2024-06-01 "}, date(2024, 6, 1), None),  # cells are trimmed, as every cell
        ({"tmt_jabatan": TODAY.isoformat()}, TODAY, None),  # today is not the future
        ({"tmt_jabatan": "2015-05-01"}, date(2015, 5, 1), None),  # the TMT CPNS month of the NIP itself
        ({"tmt_jabatan": "01/03/2024"}, None, "pegawai.tmt_jabatan"),
        ({"tmt_jabatan": "2024-02-30"}, None, "pegawai.tmt_jabatan"),
        ({"tmt_jabatan": "2024-06-02"}, None, "pegawai.tmt_future"),
        ({"tmt_jabatan": "2015-04-30"}, None, "pegawai.tmt_before_cpns"),  # NIP TMT CPNS 2015-05
        (
            {"nip": NIP_PPPK, "status": "PPPK", "pangkat_golongan": "IX", "tmt_jabatan": "2020-01-01"},
            date(2020, 1, 1),
            None,  # the CPNS rule is a PNS's: an NI PPPK encodes no TMT CPNS
        ),
        (
            {
                "nip": NUPTK,
                "status": "NON_ASN",
                "pangkat_golongan": "",
                "jenjang_jabatan": "",
                "tmt_jabatan": "2024-03-01",
            },
            None,
            "pegawai.tmt_jabatan",
        ),
    ],
)
def test_the_optional_tmt_jabatan_column(row: dict[str, str], stored: date | None, error: str | None) -> None:
    rows, errors = parse_rows("pegawai", [(2, VALID["pegawai"] | row)], today=TODAY)
    if error is None:
        assert errors == [] and rows[0].tmt_jabatan == stored
    else:
        assert rows == [] and [(e.line, e.field, e.rule) for e in errors] == [(2, "tmt_jabatan", error)]


def test_a_tmt_before_cpns_names_both_fields() -> None:
    _, errors = parse_rows("pegawai", [(2, VALID["pegawai"] | {"tmt_jabatan": "2010-01-01"})], today=TODAY)
    assert "tmt_jabatan" in errors[0].detail and "nip" in errors[0].detail


def test_a_tmt_is_set_but_an_empty_cell_keeps_the_one_on_file() -> None:
    dated = parse_rows("pegawai", [(2, VALID["pegawai"] | {"tmt_jabatan": "2024-03-01"})], today=TODAY)[0][0]
    without = parse_rows("pegawai", [(2, VALID["pegawai"])], today=TODAY)[0][0]
    assert pegawai_values(dated)["tmt_jabatan"] == date(2024, 3, 1)
    assert "tmt_jabatan" not in pegawai_values(without)


def test_the_tmt_column_is_read_from_a_csv() -> None:
    text = (
        "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn,tmt_jabatan\n"
        f"{NIP_GURU},PNS,Siti Rahayu,III/b,Ahli Pertama,Guru Kelas,20219876,2024-03-01\n"
    )
    rows, errors = parse_csv("pegawai", text, today=TODAY)
    assert errors == [] and rows[0].tmt_jabatan == date(2024, 3, 1)
