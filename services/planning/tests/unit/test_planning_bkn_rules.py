"""What SIASN and e-Kinerja say, read in planning's terms (planning.domain.bkn)."""

from __future__ import annotations

import uuid

import pytest

from planning.domain.bkn import BknRhkRow, match_rhk, profile_changes
from planning.domain.catalog import load_catalog
from planning.domain.records import Pegawai
from planning.domain.skp_parts import RhkInput

CATALOG = load_catalog()
PEGAWAI = Pegawai(uuid.uuid4(), "198609262015051001", "PNS", "Siti", "III/b", "Ahli Pertama", "Guru Kelas", "2021", 1)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {}),
        ({"nama": None, "pangkat_golongan": None}, {}),  # SIASN says nothing of them
        ({"pangkat_golongan": "III/b"}, {}),  # already so
        ({"pangkat_golongan": "III/c"}, {"pangkat_golongan": "III/c"}),
        ({"jenjang_jabatan": "Ahli Muda", "nama": "Siti A."}, {"nama": "Siti A.", "jenjang_jabatan": "Ahli Muda"}),
        ({"status": "PPPK", "npsn": "9999"}, {}),  # not SIASN's to say here: the operator's import owns them
    ],
)
def test_profile_changes(changes: dict, expected: dict) -> None:
    found = profile_changes(PEGAWAI, changes)
    assert found == expected and list(found) == list(expected)


PK_01 = CATALOG.rhk["PK-01"]  # target 1-16
TT_04 = CATALOG.rhk["TT-04"]


@pytest.mark.parametrize(
    ("nama", "target", "kategori", "matched"),
    [
        (PK_01.nama, 4, "pengembangan_kompetensi", RhkInput("PK-01", 4, "atasan")),
        (f"  {PK_01.nama.upper()}  ", 4, "pengembangan_kompetensi", RhkInput("PK-01", 4, "atasan")),
        (PK_01.nama.replace(" ", "   "), 1, "pengembangan_kompetensi", RhkInput("PK-01", 1, "atasan")),
        (PK_01.nama, 0, None, None),  # outside the RHK's range: left out, not clamped
        (PK_01.nama, 17, None, None),
        (PK_01.nama + " lanjutan", 4, None, None),  # not the catalogue's name
        (TT_04.nama, 1, "tugas_tambahan", RhkInput("TT-04", 1, "atasan")),
    ],
)
def test_match_rhk_by_name(nama: str, target: int, kategori: str | None, matched: RhkInput | None) -> None:
    chosen = match_rhk(CATALOG, [BknRhkRow(nama, target, "atasan")])
    assert set(chosen) == {"pengembangan_kompetensi", "tugas_tambahan"}
    assert {k: v for k, v in chosen.items() if v} == ({kategori: [matched]} if matched else {})
