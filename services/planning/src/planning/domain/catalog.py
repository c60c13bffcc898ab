"""Reference catalogues a SKP is built from (docs/domain.md §4): Rapor Pendidikan indicators, the RHK
catalogue and the BerAKHLAK values.

They are data in `reference/catalog/*.toml`, versioned, so that the ministry can correct a text or
a point value without a release of code, and an SKP can record which catalogue it was built with.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pmm_kernel.errors import InvalidValue

# A Rapor Pendidikan indicator code: "D.1" or a sub-indicator "D.1.3". The roster checks a school's
# priorities with the same pattern.
INDICATOR_CODE = re.compile(r"D\.[0-9]+(?:\.[0-9]+)?", re.ASCII)
PERAN = ("guru", "kepala_sekolah", "pengawas")
KATEGORI_RHK = ("pengembangan_kompetensi", "tugas_tambahan")
ASPEK = ("kuantitas", "kualitas", "waktu")
# The observation rubric rates each behaviour: enough to focus on, few enough to observe in a lesson.
DIANJURKAN_COUNT = range(3, 5)
DIHINDARI_COUNT = range(2, 4)
BERAKHLAK_COUNT = 7


class CatalogFileError(ValueError):
    """A catalogue file is malformed: a deployment error, raised when the service starts."""


@dataclass(frozen=True)
class Indicator:
    kode: str
    nama: str
    peran: str  # one of PERAN
    induk: str | None  # the parent indicator of a sub-indicator
    perilaku_dianjurkan: tuple[str, ...]
    perilaku_dihindari: tuple[str, ...]


@dataclass(frozen=True)
class RhkEntry:
    kode: str
    nama: str
    kategori: str  # "pengembangan_kompetensi" | "tugas_tambahan"
    satuan: str
    indikator_kinerja_individu: str
    aspek: str
    poin: int | None  # points per unit of target under the 2024 policy; None for tugas tambahan
    target_min: int
    target_max: int
    target_default: int


@dataclass(frozen=True)
class BerakhlakValue:
    kode: str
    nama: str
    panduan: tuple[str, str, str]


@dataclass(frozen=True)
class Catalog:
    version: str  # the versions of the three files, e.g. "indikator:2024.1,rhk:2024.1,berakhlak:2021.1"
    indicators: Mapping[str, Indicator] = field(hash=False)  # in file order: parents before children
    rhk: Mapping[str, RhkEntry] = field(hash=False)
    berakhlak: tuple[BerakhlakValue, ...]
    default_indicator: Mapping[str, str] = field(hash=False)  # by peran, when a school has no priority
    # A role whose praktik kinerja is accompanying another role picks that role's indicators: the pengawas works on
    # the leadership indicators of the schools they accompany (indikator.toml, [indikator_dari]).
    indicators_from: Mapping[str, str] = field(hash=False, default_factory=dict)

    def indicator_role(self, peran: str) -> str:
        """Whose indicators a plan of `peran` picks from."""
        _check_peran(peran)
        return self.indicators_from.get(peran, peran)

    def indicator(self, kode: str, *, field: str) -> Indicator:
        found = self.indicators.get(kode)
        if found is None:
            raise InvalidValue(
                f"{kode[:20]!r} is not an indicator of the catalogue",
                rule="katalog.indikator_unknown",
                field=field,
            )
        return found

    def rhk_entry(self, kode: str, *, field: str) -> RhkEntry:
        found = self.rhk.get(kode)
        if found is None:
            raise InvalidValue(f"{kode[:20]!r} is not an RHK of the catalogue", rule="katalog.rhk_unknown", field=field)
        return found

    def indicators_for(self, peran: str) -> list[Indicator]:
        """Every indicator of a role: the "lihat indikator lainnya" list."""
        role = self.indicator_role(peran)
        return [i for i in self.indicators.values() if i.peran == role]

    def recommended_indicators(self, peran: str, priorities: Sequence[str]) -> list[Indicator]:
        """The indicators to recommend to `peran`, from the school's Rapor Pendidikan priorities.

        Priorities keep the school's order; a priority that is a parent indicator brings its
        sub-indicators after it. Priorities of the other role, or unknown to the catalogue, are
        skipped. When nothing is left, the role's default (D.1 for guru, D.3 for KS) and its
        sub-indicators are recommended.
        """
        role = self.indicator_role(peran)
        chosen: dict[str, Indicator] = {}
        for kode in priorities:
            self._add_family(chosen, kode.strip().upper(), role)
        if not chosen:
            self._add_family(chosen, self.default_indicator[role], role)
        return list(chosen.values())

    def _add_family(self, chosen: dict[str, Indicator], kode: str, peran: str) -> None:
        top = self.indicators.get(kode)
        if top is None or top.peran != peran:
            return
        chosen.setdefault(kode, top)
        for child in self.indicators.values():
            if child.induk == kode:
                chosen.setdefault(child.kode, child)


def load_catalog(directory: Path | None = None) -> Catalog:
    """The catalogues in `directory` (default: the package's reference/catalog)."""
    root: Traversable = directory if directory is not None else _default_directory()
    docs = {name: _read(root, name) for name in ("indikator", "rhk", "berakhlak")}
    try:
        indicators, defaults, indicators_from = _indicators(docs["indikator"])
        rhk = _rhk(docs["rhk"])
        berakhlak = _berakhlak(docs["berakhlak"])
    except KeyError as exc:
        raise CatalogFileError(f"catalogue: missing key {exc}") from exc
    version = ",".join(f"{name}:{_text(doc, 'version')}" for name, doc in docs.items())
    return Catalog(
        version=version,
        indicators=MappingProxyType(indicators),
        rhk=MappingProxyType(rhk),
        berakhlak=berakhlak,
        default_indicator=MappingProxyType(defaults),
        indicators_from=MappingProxyType(indicators_from),
    )


def _check_peran(peran: str) -> None:
    if peran not in PERAN:
        raise InvalidValue(f"peran must be one of {', '.join(PERAN)}", rule="katalog.peran_unknown", field="peran")


def _default_directory() -> Traversable:
    return resources.files("planning.domain") / "reference" / "catalog"


# --- reading the files -----------------------------------------------------------------------------


def _read(root: Traversable, name: str) -> dict[str, Any]:
    try:
        doc = tomllib.loads((root / f"{name}.toml").read_text(encoding="utf-8"))
    # RecursionError: tomllib recurses per nesting level, so `[[[[...` a few thousand deep escapes as no parse error.
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise CatalogFileError(f"catalogue {name}.toml: {exc}") from exc
    _text(doc, "version")
    _text(doc, "source")
    return doc


def _indicators(doc: dict[str, Any]) -> tuple[dict[str, Indicator], dict[str, str], dict[str, str]]:
    indicators: dict[str, Indicator] = {}
    for entry in _tables(doc, "indikator"):
        kode = _text(entry, "kode")
        if not INDICATOR_CODE.fullmatch(kode):
            raise CatalogFileError(f"indicator code {kode!r} is not like D.1 or D.1.1")
        if kode in indicators:
            raise CatalogFileError(f"indicator {kode} appears twice")
        peran = _text(entry, "peran")
        if peran not in PERAN:
            raise CatalogFileError(f"indicator {kode}: peran must be one of {PERAN}")
        induk = kode.rsplit(".", 1)[0] if kode.count(".") == 2 else None
        if induk is not None:
            parent = indicators.get(induk)
            if parent is None or parent.peran != peran:
                raise CatalogFileError(f"indicator {kode} needs {induk} of the same peran listed before it")
        indicators[kode] = Indicator(
            kode=kode,
            nama=_text(entry, "nama"),
            peran=peran,
            induk=induk,
            perilaku_dianjurkan=_texts(entry, "perilaku_dianjurkan", DIANJURKAN_COUNT, kode),
            perilaku_dihindari=_texts(entry, "perilaku_dihindari", DIHINDARI_COUNT, kode),
        )
    borrowed = doc.get("indikator_dari", {})
    if not isinstance(borrowed, dict) or any(
        peran not in PERAN or source not in PERAN or source in borrowed for peran, source in borrowed.items()
    ):
        raise CatalogFileError(f"indikator_dari maps a role of {PERAN} to another role that has indicators of its own")
    owners = tuple(p for p in PERAN if p not in borrowed)
    defaults = doc["rekomendasi_bawaan"]
    if not isinstance(defaults, dict) or set(defaults) != set(owners):
        raise CatalogFileError(f"rekomendasi_bawaan names one indicator for each of {owners}")
    for peran, kode in defaults.items():
        if kode not in indicators or indicators[kode].peran != peran:
            raise CatalogFileError(f"rekomendasi_bawaan.{peran} = {kode!r} is not an indicator of {peran}")
    return indicators, dict(defaults), dict(borrowed)


def _rhk(doc: dict[str, Any]) -> dict[str, RhkEntry]:
    entries: dict[str, RhkEntry] = {}
    for entry in _tables(doc, "rhk"):
        kode = _text(entry, "kode")
        if kode in entries:
            raise CatalogFileError(f"RHK {kode} appears twice")
        kategori, aspek = _text(entry, "kategori"), _text(entry, "aspek")
        if kategori not in KATEGORI_RHK or aspek not in ASPEK:
            raise CatalogFileError(f"RHK {kode}: kategori must be in {KATEGORI_RHK}, aspek in {ASPEK}")
        poin = entry.get("poin")
        if poin is not None and not (_is_int(poin) and poin > 0):
            raise CatalogFileError(f"RHK {kode}: poin is a positive integer")
        low, default, high = (entry[k] for k in ("target_min", "target_default", "target_max"))
        if not (all(_is_int(v) for v in (low, default, high)) and 1 <= low <= default <= high):
            raise CatalogFileError(f"RHK {kode}: targets need 1 <= min <= default <= max")
        entries[kode] = RhkEntry(
            kode=kode,
            nama=_text(entry, "nama"),
            kategori=kategori,
            satuan=_text(entry, "satuan"),
            indikator_kinerja_individu=_text(entry, "indikator_kinerja_individu"),
            aspek=aspek,
            poin=poin,
            target_min=low,
            target_max=high,
            target_default=default,
        )
    return entries


def _berakhlak(doc: dict[str, Any]) -> tuple[BerakhlakValue, ...]:
    values = []
    for entry in _tables(doc, "nilai"):
        kode = _text(entry, "kode")
        a, b, c = _texts(entry, "panduan", range(3, 4), kode)
        values.append(BerakhlakValue(kode=kode, nama=_text(entry, "nama"), panduan=(a, b, c)))
    if len(values) != BERAKHLAK_COUNT or len({v.kode for v in values}) != BERAKHLAK_COUNT:
        raise CatalogFileError(f"BerAKHLAK has exactly {BERAKHLAK_COUNT} distinct values")
    return tuple(values)


def _tables(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = doc.get(key)
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise CatalogFileError(f"expected a non-empty [[{key}]] list")
    return entries


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogFileError(f"{key} must be a non-empty string")
    return value


def _texts(doc: dict[str, Any], key: str, count: range, kode: str) -> tuple[str, ...]:
    values = doc.get(key)
    if (
        not isinstance(values, list)
        or len(values) not in count
        or not all(isinstance(v, str) and v.strip() for v in values)
    ):
        raise CatalogFileError(f"{kode}: {key} needs {count.start}-{count.stop - 1} non-empty texts")
    return tuple(values)
