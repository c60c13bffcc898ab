"""SIASN profiles from a roster: the demo region as BKN would hold it, with deliberate mismatches on request.

Takes any object shaped like `tools.demo_roster.Region` (schools with a kepala and guru, a pengawas), so the
sandbox does not depend on the tools package.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# How SIASN names a teacher's functional position: the jenjang under the jabatan's family (assumption: a KS
# keeps their guru jabatan, the headship is a tugas tambahan).
JABATAN_FAMILY = {"Pengawas Sekolah": "Pengawas Sekolah"}
DEFAULT_FAMILY = "Guru"


def jabatan_nama(jenis_gtk: str, jenjang: str | None) -> str:
    return f"{JABATAN_FAMILY.get(jenis_gtk, DEFAULT_FAMILY)} {jenjang or ''}".strip()


def profile(person: Any, *, unor_nama: str, atasan_nip: str | None) -> dict[str, Any]:
    return {
        "nipBaru": person.nip,
        "nama": person.nama,
        "statusPegawai": person.status,
        "golRuangAkhir": person.golongan,
        "jabatanNama": jabatan_nama(person.jenis_gtk, person.jenjang),
        "unorId": person.npsn,
        "unorNama": unor_nama,
        "atasanNip": atasan_nip,
        "updatedAt": datetime.now(UTC).isoformat(),
    }


def profiles_from_region(region: Any, *, mismatches: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict]:
    """One profile per ASN pegawai of the region; `mismatches` overrides fields of some NIPs (the deliberate
    differences between the roster and SIASN that a demo or a test wants to see)."""
    mismatches = mismatches or {}
    school_names = {s.npsn: s.nama for s in region.schools}
    profiles = []
    for school in region.schools:
        kepala = school.kepala
        people = [(kepala, region.pengawas.nip)] if kepala is not None else []
        people += [(g, kepala.nip if kepala is not None else None) for g in school.guru]
        for person, atasan in people:
            if person.status not in ("PNS", "PPPK"):
                continue  # nothing of a non-ASN goes to BKN
            profiles.append(profile(person, unor_nama=school.nama, atasan_nip=atasan))
    pengawas = region.pengawas
    profiles.append(profile(pengawas, unor_nama=school_names.get(pengawas.npsn, "Dinas Pendidikan"), atasan_nip=None))
    return [{**p, **mismatches.get(p["nipBaru"], {})} for p in profiles]
