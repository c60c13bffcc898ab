"""What BKN checks on a push, row by row: each typed error from the one input that should cause it."""

from __future__ import annotations

from typing import Any

import pytest

from bkn_sandbox import rules
from bkn_sandbox.store import Record, Store

NIP = "198001012005011001"
ATASAN = "197501012000011001"
PROFILE = {
    "nipBaru": NIP,
    "nama": "Siti Rahmawati",
    "unorId": "20217301",
    "jabatanNama": "Guru Ahli Pertama",
    "atasanNip": ATASAN,
}
IDENTITY = {"pnsDinilaiId": NIP, "nama": "Siti Rahmawati", "unorId": "20217301", "jabatanNama": "Guru Ahli Pertama"}
PENILAI = {
    "penilaiNipNrp": ATASAN,
    "penilaiNama": "Kepala",
    "penilaiGolongan": "IV/a",
    "penilaiJabatanNama": "Guru Ahli Madya",
    "penilaiUnorNama": "SD Negeri 1",
    "statusPenilai": "ASN",
}
MONTHS = {
    "bulanMulaiPenilaian": 1,
    "bulanSelesaiPenilaian": 3,
    "tahunMulaiPenilaian": 2024,
    "tahunSelesaiPenilaian": 2024,
}
PERIODIK = {**IDENTITY, **PENILAI, **MONTHS, "periodikId": 2, "hasilKinerjaNilai": 2, "perilakuKerjaNilai": 2,
            "kuadranKinerjaNilai": 2, "koefisienId": "12.5"}  # fmt: skip
RHK = [{"rhk": "Pelatihan", "aspek": "kuantitas", "indikator": "modul", "target": 4, "satuan": "modul"}]
SKP = {**IDENTITY, "tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6, "penilaiNipNrp": ATASAN, "status": "DISETUJUI",
       "rhk": RHK}  # fmt: skip
APPROVED_SKP = Record("skp", NIP, "2024-01-06", "id-1", {"tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6,
                      "status": "DISETUJUI"}, "pmm", 1, "", "")  # fmt: skip
DRAFT_AT_BKN = Record("skp", NIP, "2024-01-06", "id-1", {**APPROVED_SKP.body, "status": "DRAFT"}, "bkn", 1, "", "")


def run(kind: str, body: dict[str, Any], *, profile=PROFILE, years=frozenset({2024}), skp=(APPROVED_SKP,)) -> None:
    parsed = rules.parse(kind, body)
    rules.check(kind, parsed, profile=profile, open_years=set(years), skp_records=list(skp))


@pytest.mark.parametrize(
    ("kind", "body", "overrides", "code", "status"),
    [
        ("kinerjaperiodik", PERIODIK, {"profile": None}, "PEGAWAI_TIDAK_DITEMUKAN", 404),
        ("kinerjaperiodik", {**PERIODIK, "nama": "Budi Santoso"}, {}, "NIP_TIDAK_SESUAI", 422),
        ("kinerjaperiodik", {**PERIODIK, "unorId": "20217302"}, {}, "UNOR_TIDAK_SESUAI", 422),
        ("kinerjaperiodik", {**PERIODIK, "jabatanNama": "Guru Ahli Muda"}, {}, "JABATAN_TIDAK_SESUAI", 422),
        ("kinerjaperiodik", PERIODIK, {"years": {2025}}, "PERIODE_TIDAK_ADA", 422),
        ("kinerjaperiodik", {**PERIODIK, "penilaiNipNrp": NIP}, {}, "ATASAN_BERBEDA", 422),
        ("kinerjaperiodik", PERIODIK, {"skp": ()}, "SKP_BELUM_DISETUJUI", 409),
        ("kinerjaperiodik", PERIODIK, {"skp": (DRAFT_AT_BKN,)}, "SKP_BELUM_DISETUJUI", 409),
        ("kinerjaperiodik", {**PERIODIK, **MONTHS, "bulanSelesaiPenilaian": 9}, {}, "SKP_BELUM_DISETUJUI", 409),
        ("kinerjaperiodik", {**PERIODIK, "hasilKinerjaNilai": 4}, {}, "VALIDASI_GAGAL", 400),
        ("skp", {**SKP, "rhk": "none"}, {}, "VALIDASI_GAGAL", 400),
        ("skp", {**SKP, "unorId": "x"}, {}, "UNOR_TIDAK_SESUAI", 422),
        (
            "angkakredit",
            {**IDENTITY, **MONTHS, "kreditUtamaBaru": "3.13", "kreditBaruTotal": "3.13"},
            {"skp": ()},
            "SKP_BELUM_DISETUJUI",
            409,
        ),  # fmt: skip
    ],
    ids=lambda v: v if isinstance(v, str) and v.isupper() else None,
)
def test_each_typed_error(kind, body, overrides, code, status):
    with pytest.raises(rules.BknError) as raised:
        run(kind, body, **overrides)
    assert (raised.value.code, raised.value.status) == (code, status)


@pytest.mark.parametrize(
    ("kind", "body", "key"),
    [
        ("kinerjaperiodik", PERIODIK, "2024-01-03"),
        ("skp", SKP, "2024-01-06"),
        (
            "skp22",
            {
                **IDENTITY,
                **PENILAI,
                "tahun": 2024,
                "hasilKinerjaNilai": 1,
                "perilakuKerjaNilai": 2,
                "kuadranKinerjaNilai": 2,
            },
            "2024",
        ),  # fmt: skip
        ("angkakredit", {**IDENTITY, **MONTHS, "kreditUtamaBaru": "3.13", "kreditBaruTotal": "3.13"}, "2024-01-03"),
    ],
)
def test_accepted_pushes_and_their_period_key(kind, body, key):
    run(kind, body)  # no error
    assert rules.periode_key(kind, rules.parse(kind, body)) == key


def test_names_compare_without_case_or_extra_spaces():
    run("kinerjaperiodik", {**PERIODIK, "nama": "  siti   RAHMAWATI "})


# A transfer in March: SIASN places the pegawai at the new school under its KS and keeps the old placement.
NEW_KS = "197601012000011002"
MOVED = {**PROFILE, "unorId": "20217302", "atasanNip": NEW_KS,
         "riwayatPenempatan": [{"unorId": "20217301", "atasanNip": ATASAN}]}  # fmt: skip
OLD_PART = {**SKP, "bulanSelesai": 3}  # the old school's SKP, January to March
NEW_PART = {**SKP, "unorId": "20217302", "bulanMulai": 3, "penilaiNipNrp": NEW_KS}  # March to June


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (OLD_PART, None),  # the old school's part, with its own KS: accepted after the move
        (NEW_PART, None),  # the second SKP of the period, at the new school
        ({**OLD_PART, "penilaiNipNrp": NEW_KS}, "ATASAN_BERBEDA"),  # the old part is not the new KS's
        ({**NEW_PART, "penilaiNipNrp": ATASAN}, "ATASAN_BERBEDA"),
        ({**OLD_PART, "unorId": "20217399"}, "UNOR_TIDAK_SESUAI"),  # a school the pegawai never served at
    ],
)
def test_each_school_of_a_transferred_pegawai_has_its_own_skp(body, code):
    if code is None:
        run("skp", body, profile=MOVED)
        return
    with pytest.raises(rules.BknError) as raised:
        run("skp", body, profile=MOVED)
    assert raised.value.code == code


def test_a_change_of_unit_keeps_the_earlier_placement(tmp_path):
    store = Store(tmp_path / "sandbox.db")
    store.put_profile(PROFILE)
    moved = store.change_profile(NIP, {"unorId": "20217302", "atasanNip": NEW_KS})
    assert moved is not None
    assert moved["riwayatPenempatan"] == [{"unorId": "20217301", "atasanNip": ATASAN}]
    assert store.change_profile(NIP, {"nama": "Siti R."})["riwayatPenempatan"] == moved["riwayatPenempatan"]
    # SIASN's feed tells what changed, not the history.
    assert all("riwayatPenempatan" not in str(entry) for entry in store.feed(0, 10))
