"""What the evaluation document prints that is a choice rather than a figure (docs/domain.md §6, §8).

The letterhead's instansi and Dinas, what stands in the realisasi column, and the seven BerAKHLAK values are
data (`reference/dokumen.toml`), so that the ministry's correction of any of them changes the file, not the code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType

from appraisal.domain import HEADER_KEYS, ReferenceFileError, header_text, only_keys, read_reference
from appraisal.domain.monitoring import nama_provinsi

BERAKHLAK_COUNT = 7


@dataclass(frozen=True)
class DokumenRules:
    regulation: str
    instansi: str
    bentuk_provinsi: tuple[str, ...]
    dinas_kabupaten_kota: str  # "{wilayah}": the kabupaten/kota's name as the roster carries it
    dinas_provinsi: str  # "{provinsi}": the province's name by the kode wilayah's first two digits
    realisasi_catatan: str
    berakhlak: Mapping[str, str] = field(hash=False)  # kode -> name, in the SE's order

    def dinas(self, sekolah_nama: str, nama_wilayah: str, kode_wilayah: str) -> str:
        """The Dinas Pendidikan a school answers to, read from the school's name (an assumption, §8)."""
        first = re.match(r"\s*([A-Za-z]+)", sekolah_nama)
        if first and first.group(1).upper() in self.bentuk_provinsi and len(kode_wilayah) >= 2:
            return self.dinas_provinsi.format(provinsi=nama_provinsi(kode_wilayah[:2]))
        return self.dinas_kabupaten_kota.format(wilayah=nama_wilayah)


@cache
def default_rules() -> DokumenRules:
    return load_rules()


def load_rules(path: Path | None = None) -> DokumenRules:
    """The document's choices from `path` (default: the packaged reference/dokumen.toml)."""
    doc = read_reference("dokumen", path)
    only_keys(doc, HEADER_KEYS | {"instansi", "dinas", "realisasi", "berakhlak"}, "the dokumen file")
    dinas, realisasi, berakhlak = doc.get("dinas"), doc.get("realisasi"), doc.get("berakhlak")
    if not isinstance(dinas, dict) or not isinstance(realisasi, dict) or not isinstance(berakhlak, dict):
        raise ReferenceFileError("the dokumen file needs [dinas], [realisasi] and [berakhlak] tables")
    only_keys(dinas, {"bentuk_provinsi", "kabupaten_kota", "provinsi"}, "[dinas]")
    only_keys(realisasi, {"catatan"}, "[realisasi]")
    bentuk = dinas.get("bentuk_provinsi")
    if not isinstance(bentuk, list) or not all(isinstance(b, str) and b.strip() for b in bentuk):
        raise ReferenceFileError("[dinas] bentuk_provinsi must be a list of words")
    kabupaten_kota, provinsi = (
        header_text(dinas, "kabupaten_kota", where="[dinas]"),
        header_text(dinas, "provinsi", where="[dinas]"),
    )
    if "{wilayah}" not in kabupaten_kota or "{provinsi}" not in provinsi:
        raise ReferenceFileError("[dinas] kabupaten_kota needs {wilayah}, provinsi needs {provinsi}")
    if len(berakhlak) != BERAKHLAK_COUNT or not all(isinstance(v, str) and v.strip() for v in berakhlak.values()):
        raise ReferenceFileError(f"[berakhlak] needs the {BERAKHLAK_COUNT} values, each with its name")
    return DokumenRules(
        regulation=header_text(doc, "regulation", where="dokumen"),
        instansi=header_text(doc, "instansi", where="dokumen"),
        bentuk_provinsi=tuple(b.strip().upper() for b in bentuk),
        dinas_kabupaten_kota=kabupaten_kota,
        dinas_provinsi=provinsi,
        realisasi_catatan=header_text(realisasi, "catatan", where="[realisasi]"),
        berakhlak=MappingProxyType(dict(berakhlak)),
    )
