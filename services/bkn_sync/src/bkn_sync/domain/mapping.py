"""How the roster's words become BKN's and back: jabatan names, the unit id, the profile fields planning takes.

Assumptions (no public specification; one place to correct them): SIASN names a functional position as its
family followed by the jenjang ("Guru Ahli Muda", "Pengawas Sekolah Ahli Madya"), a kepala sekolah keeps their
guru jabatan (the headship is a tugas tambahan), and e-Kinerja's unit id of a school is its NPSN.
"""

from __future__ import annotations

from typing import Any

JABATAN_FAMILY: dict[str, str] = {"Pengawas Sekolah": "Pengawas Sekolah"}
DEFAULT_FAMILY = "Guru"
FAMILIES = ("Pengawas Sekolah", "Guru")

ASN_STATUSES = frozenset({"PNS", "PPPK"})  # nothing of a non-ASN goes to BKN (docs/domain.md §1)

# SIASN profile field -> the roster field planning applies (BknPegawaiChangedV1.changes).
PROFILE_FIELDS: dict[str, str] = {
    "nama": "nama",
    "golRuangAkhir": "pangkat_golongan",
    "jabatanNama": "jenjang_jabatan",
}
# SIASN fields planning does not take, whose change may still fix a failed push (unit, atasan).
HEALING_FIELDS = frozenset({"unorId", "atasanNip", "nama", "jabatanNama", "golRuangAkhir"})


def jabatan_nama(jenis_gtk: str, jenjang: str | None) -> str:
    return f"{JABATAN_FAMILY.get(jenis_gtk, DEFAULT_FAMILY)} {jenjang or ''}".strip()


def jenjang_of(jabatan: str) -> str:
    """`Guru Ahli Muda` -> `Ahli Muda`; a name of another shape is kept whole."""
    for family in FAMILIES:
        if jabatan.startswith(family + " "):
            return jabatan[len(family) + 1 :]
    return jabatan


def unor_id(npsn: str) -> str:
    return npsn


def roster_changes(siasn_changes: dict[str, Any]) -> dict[str, str]:
    """The part of a SIASN profile change that planning applies, in the roster's words."""
    changes = {}
    for field, value in siasn_changes.items():
        target = PROFILE_FIELDS.get(field)
        if target is None or value is None:
            continue
        changes[target] = jenjang_of(value) if field == "jabatanNama" else value
    return changes
