"""Which evaluations a period leads to, and the perilaku-only rule (docs/domain.md §3, §6).

Planning's period snapshots say what a period is (its months, its jenis, its windows, and, for a policy such as
2024's, the year's penilaian tahunan). What appraisal makes of that is data too, in `reference/evaluasi.toml`:

- the jenis of a period's own penilaian (a semester is `periodik`, a one-period year is `tahunan`);
- the year's penilaian tahunan over its periods (2024): its code, the window step operators extend, and
  whether it earns angka kredit of its own (it does not: angka kredit is earned per period);
- how a pegawai appointed at the end of a period, rated on perilaku only, gets a predikat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appraisal.domain import HEADER_KEYS, ReferenceFileError, header_text, only_keys, read_reference
from appraisal.domain.predikat import Rating
from pmm_kernel.errors import InvalidValue


class Jenis(StrEnum):
    PERIODIK = "periodik"  # BKN kinerja periodik
    TAHUNAN = "tahunan"  # BKN skp22: the year's result


@dataclass(frozen=True)
class PenilaianTahunanRule:
    kode_template: str  # "{tahun}-T"
    step: str  # the window step of the annual evaluation, as operators extend it
    angka_kredit: bool  # whether the annual evaluation over periods earns angka kredit of its own
    assumption: bool
    why: str | None

    def kode(self, tahun: int) -> str:
        return self.kode_template.format(tahun=tahun)


@dataclass(frozen=True)
class HanyaPerilakuRule:
    hasil_kerja: Rating  # what the matrix reads for hasil kerja when only perilaku is rated
    assumption: bool
    why: str | None


@dataclass(frozen=True)
class EvaluasiRules:
    regulation: str
    source: str
    version: str
    jenis_penilaian: Mapping[str, Jenis] = field(hash=False)  # by the period snapshot's jenis
    penilaian_tahunan: PenilaianTahunanRule
    hanya_perilaku: HanyaPerilakuRule

    def jenis_of(self, periode_jenis: str) -> Jenis:
        """The jenis of a period's own penilaian; `InvalidValue` for a period jenis this file does not know."""
        try:
            return self.jenis_penilaian[periode_jenis]
        except KeyError:
            raise InvalidValue(
                f"no penilaian is defined for a period of jenis {periode_jenis!r}"[:120],
                rule="evaluasi.unknown_periode_jenis",
                field="periode",
            ) from None


@cache
def default_rules() -> EvaluasiRules:
    """The packaged rules, read on first use and kept."""
    return load_rules()


def load_rules(path: Path | None = None) -> EvaluasiRules:
    """The rules of `path` (default: the packaged reference/evaluasi.toml); `ReferenceFileError` if malformed."""
    doc = read_reference("evaluasi", path)
    name = path.name if path is not None else "evaluasi.toml"
    try:
        return _rules(doc)
    except (ReferenceFileError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceFileError(f"reference file {name}: {exc}") from exc


# --- reading the file ------------------------------------------------------------------------------

_TAHUNAN_KEYS = frozenset({"kode", "step", "angka_kredit", "assumption", "why"})
_PERILAKU_KEYS = frozenset({"hasil_kerja", "assumption", "why"})


def _rules(doc: dict[str, Any]) -> EvaluasiRules:
    only_keys(doc, HEADER_KEYS | {"jenis_penilaian", "penilaian_tahunan", "hanya_perilaku"}, "the evaluasi file")
    jenis = doc["jenis_penilaian"]
    if not isinstance(jenis, dict) or not jenis:
        raise ReferenceFileError("[jenis_penilaian] maps each period jenis to a penilaian jenis")
    known = {j.value for j in Jenis}
    for periode_jenis, value in jenis.items():
        if value not in known:
            raise ReferenceFileError(f"jenis_penilaian.{periode_jenis}: {value!r} is not one of {sorted(known)}")
    return EvaluasiRules(
        regulation=doc["regulation"],
        source=doc["source"],
        version=doc["version"],
        jenis_penilaian=MappingProxyType({k: Jenis(v) for k, v in jenis.items()}),
        penilaian_tahunan=_tahunan(doc["penilaian_tahunan"]),
        hanya_perilaku=_hanya_perilaku(doc["hanya_perilaku"]),
    )


def _tahunan(doc: Any) -> PenilaianTahunanRule:
    if not isinstance(doc, dict):
        raise ReferenceFileError("[penilaian_tahunan] is a table")
    only_keys(doc, _TAHUNAN_KEYS, "[penilaian_tahunan]")
    kode = header_text(doc, "kode", where="[penilaian_tahunan]")
    if "{tahun}" not in kode:
        raise ReferenceFileError("penilaian_tahunan.kode needs a {tahun} placeholder")
    if not isinstance(doc["angka_kredit"], bool):
        raise ReferenceFileError("penilaian_tahunan.angka_kredit is true or false")
    assumption, why = _assumption(doc, "[penilaian_tahunan]")
    return PenilaianTahunanRule(
        kode_template=kode,
        step=header_text(doc, "step", where="[penilaian_tahunan]"),
        angka_kredit=doc["angka_kredit"],
        assumption=assumption,
        why=why,
    )


def _hanya_perilaku(doc: Any) -> HanyaPerilakuRule:
    if not isinstance(doc, dict):
        raise ReferenceFileError("[hanya_perilaku] is a table")
    only_keys(doc, _PERILAKU_KEYS, "[hanya_perilaku]")
    value = doc["hasil_kerja"]
    if value not in {r.value for r in Rating}:
        raise ReferenceFileError(f"hanya_perilaku.hasil_kerja: {value!r} is not a rating")
    assumption, why = _assumption(doc, "[hanya_perilaku]")
    return HanyaPerilakuRule(hasil_kerja=Rating(value), assumption=assumption, why=why)


def _assumption(doc: dict[str, Any], where: str) -> tuple[bool, str | None]:
    assumption = doc.get("assumption", False)
    why = doc.get("why")
    if not isinstance(assumption, bool):
        raise ReferenceFileError(f"{where}: assumption is true or false")
    # An assumption says what it assumes, and only an assumption needs to.
    if assumption != (isinstance(why, str) and bool(why.strip())) or (why is not None and not assumption):
        raise ReferenceFileError(f"{where}: a rule has why exactly when it is an assumption")
    return assumption, why
