"""What SIASN and e-Kinerja say about a pegawai, read in planning's terms (docs/domain.md §7).

SIASN is the source of truth for a pegawai's data diri; e-Kinerja names an RHK by its text, so a BKN-side SKP row is
matched to the catalogue by name (case and spacing ignored), and a row the catalogue does not know, or whose target
breaks its range, is left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from planning.domain.catalog import KATEGORI_RHK, Catalog
from planning.domain.records import Pegawai
from planning.domain.skp_parts import RhkInput

# The data diri SIASN owns: what planning takes from it over the operator's import.
BKN_FIELDS = ("nama", "pangkat_golongan", "jenjang_jabatan")


def profile_changes(pegawai: Pegawai, changes: Mapping[str, str | None]) -> dict[str, str]:
    """The fields SIASN gives a new value for, in `BKN_FIELDS` order; a field it leaves out (None) stays."""
    found: dict[str, str] = {}
    for name in BKN_FIELDS:
        value = changes.get(name)
        if value is not None and getattr(pegawai, name) != value:
            found[name] = value
    return found


@dataclass(frozen=True)
class BknRhkRow:
    nama: str
    target_kuantitas: int
    rhk_atasan: str | None


def _key(nama: str) -> str:
    return " ".join(nama.lower().split())


def match_rhk(catalog: Catalog, rows: Sequence[BknRhkRow]) -> dict[str, list[RhkInput]]:
    """The rows the catalogue knows by name, with a target inside the RHK's range, by kategori."""
    by_name = {_key(entry.nama): entry for entry in catalog.rhk.values()}
    chosen: dict[str, list[RhkInput]] = {kategori: [] for kategori in KATEGORI_RHK}
    for row in rows:
        entry = by_name.get(_key(row.nama))
        if entry is not None and entry.target_min <= row.target_kuantitas <= entry.target_max:
            chosen[entry.kategori].append(RhkInput(entry.kode, row.target_kuantitas, row.rhk_atasan))
    return chosen
