"""Whether a school's predikat follow the pattern its predikat organisasi calls for (SE MenPANRB 3/2023).

The Dinas sets each school's predikat organisasi; the SE gives, for each, a pattern for the predikat of
the school's pegawai (at most 70 % Sangat Baik in an Istimewa school, ...). The patterns are data
(`reference/distribution.toml`), each rule marked as the SE's own figure or as our reading of it.
`check` only ever returns warnings for the kepala sekolah: the atasan decides each predikat, and a
departure from the pattern is something to look at again, not something to refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appraisal.domain import HEADER_KEYS, ReferenceFileError, is_int, only_keys, parse_choice, read_reference
from appraisal.domain.predikat import Predikat
from pmm_kernel.errors import InvalidValue


class PredikatOrganisasi(StrEnum):
    ISTIMEWA = "istimewa"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"

    @property
    def label(self) -> str:
        return PREDIKAT_ORGANISASI_LABEL[self]

    @classmethod
    def parse(cls, value: object, *, field: str = "predikat_organisasi") -> PredikatOrganisasi:
        return parse_choice(
            cls, value, PREDIKAT_ORGANISASI_LABEL, field=field, rule="distribusi.unknown_predikat_organisasi"
        )


PREDIKAT_ORGANISASI_LABEL: Mapping[PredikatOrganisasi, str] = MappingProxyType(
    {
        PredikatOrganisasi.ISTIMEWA: "Istimewa",
        PredikatOrganisasi.BAIK: "Baik",
        PredikatOrganisasi.BUTUH_PERBAIKAN: "Butuh Perbaikan",
        PredikatOrganisasi.KURANG: "Kurang",
        PredikatOrganisasi.SANGAT_KURANG: "Sangat Kurang",
    }
)


class RuleKind(StrEnum):
    AT_MOST = "at_most"  # share <= percent
    AT_LEAST = "at_least"  # share >= percent
    MORE_THAN = "more_than"  # share > percent
    AT_LEAST_ONE = "at_least_one"  # count >= 1, whatever the share ("harus ada")
    NONE = "none"  # count == 0 ("tidak ada")


SHARE_KINDS = frozenset({RuleKind.AT_MOST, RuleKind.AT_LEAST, RuleKind.MORE_THAN})


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    predikat: tuple[Predikat, ...]  # counted together
    percent: int | None  # for the share kinds only
    assumption: bool  # our reading of the SE's words, not a figure of the SE
    why: str | None  # what the assumption reads, when it is one

    def holds(self, count: int, total: int) -> bool:
        # Integers only: 70 % of 3 pegawai is 2.1, and no float rounding may decide which side 2 falls.
        percent = self.percent or 0  # the loader requires a percent for every share kind
        match self.kind:
            case RuleKind.AT_MOST:
                return count * 100 <= percent * total
            case RuleKind.AT_LEAST:
                return count * 100 >= percent * total
            case RuleKind.MORE_THAN:
                return count * 100 > percent * total
            case RuleKind.AT_LEAST_ONE:
                return count >= 1
            case RuleKind.NONE:
                return count == 0

    def expectation(self) -> str:
        names = " or ".join(p.label for p in self.predikat)
        match self.kind:
            case RuleKind.AT_MOST:
                return f"at most {self.percent}% of pegawai should be {names}"
            case RuleKind.AT_LEAST:
                return f"at least {self.percent}% of pegawai should be {names}"
            case RuleKind.MORE_THAN:
                return f"more than {self.percent}% of pegawai should be {names}"
            case RuleKind.AT_LEAST_ONE:
                return f"at least one pegawai should be {names}"
            case RuleKind.NONE:
                return f"no pegawai should be {names}"


@dataclass(frozen=True)
class Pola:
    predikat_organisasi: PredikatOrganisasi
    text: str  # the SE's wording of the pattern, shown beside the warnings
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class DistributionTable:
    regulation: str
    source: str
    version: str
    pola: Mapping[PredikatOrganisasi, Pola] = field(hash=False)


@dataclass(frozen=True)
class DistributionWarning:
    rule: str  # stable id for translation and tests: "distribusi.baik.at_most.baik"
    message: str  # human-readable, in full
    predikat_organisasi: PredikatOrganisasi | None  # None when the input itself was unusable
    predikat: tuple[Predikat, ...] = ()
    count: int = 0
    total: int = 0
    percent: int | None = None
    assumption: bool = False
    regulation: str = ""


# `distribution.Warning` for callers; `DistributionWarning` inside this module, so that the builtin stays usable.
Warning = DistributionWarning


def check(
    predikat_organisasi: PredikatOrganisasi | str,
    counts: Mapping[Predikat, int],
    *,
    table: DistributionTable | None = None,
) -> list[DistributionWarning]:
    """Warnings for each rule of the school's pattern that `counts` (pegawai per predikat) departs from.

    Never raises on its input and never blocks: an unknown predikat organisasi or unusable counts come
    back as a warning too. No pegawai yet means nothing to compare, and no warning.
    """
    table = table or default_table()
    try:
        organisasi = PredikatOrganisasi.parse(predikat_organisasi)
    except InvalidValue as exc:
        return [
            DistributionWarning(exc.rule, f"No distribution pattern: {exc.detail}", None, regulation=table.regulation)
        ]
    tally = _tally(counts)
    if isinstance(tally, str):
        return [
            DistributionWarning(
                "distribusi.invalid_counts",
                f"Predikat counts not checked: {tally}",
                organisasi,
                regulation=table.regulation,
            )
        ]
    total = sum(tally.values())
    if total == 0:
        return []
    pola = table.pola[organisasi]
    warnings = []
    for rule in pola.rules:
        count = sum(tally[p] for p in rule.predikat)
        if rule.holds(count, total):
            continue
        basis = f"assumption: {rule.why}; {table.regulation}" if rule.assumption else table.regulation
        warnings.append(
            DistributionWarning(
                rule=f"distribusi.{organisasi.value}.{rule.kind.value}.{'+'.join(p.value for p in rule.predikat)}",
                message=(
                    f"Predikat organisasi {organisasi.label}: {rule.expectation()}; "
                    f"here {_observed(count, total)} ({basis})."
                ),
                predikat_organisasi=organisasi,
                predikat=rule.predikat,
                count=count,
                total=total,
                percent=rule.percent,
                assumption=rule.assumption,
                regulation=table.regulation,
            )
        )
    return warnings


@cache
def default_table() -> DistributionTable:
    """The packaged patterns, read on first use and kept."""
    return load_table()


def load_table(path: Path | None = None) -> DistributionTable:
    """The patterns of `path` (default: the packaged reference/distribution.toml)."""
    doc = read_reference("distribution", path)
    name = path.name if path is not None else "distribution.toml"
    try:
        return _table(doc)
    except (ReferenceFileError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceFileError(f"reference file {name}: {exc}") from exc


def _tally(counts: object) -> dict[Predikat, int] | str:
    """Pegawai per predikat, every predikat present; or why the counts cannot be used."""
    if not isinstance(counts, Mapping):
        return "counts must map predikat to a number of pegawai"
    tally = dict.fromkeys(Predikat, 0)
    for key, value in counts.items():
        try:
            predikat = Predikat.parse(key, field="counts")
        except InvalidValue as exc:
            return exc.detail
        if not is_int(value) or value < 0:
            return f"the count of {predikat.value} must be a whole number of pegawai, not {value!r}"[:120]
        tally[predikat] += value
    return tally


def _observed(count: int, total: int) -> str:
    if count == 0:
        return f"none of {total}"
    share = (Decimal(count * 100) / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    shown = f"{share:f}".removesuffix(".0")
    return f"{count} of {total} ({shown}%)"


# --- reading the file ------------------------------------------------------------------------------

_POLA_KEYS = frozenset({"predikat_organisasi", "text", "rules"})
_RULE_KEYS = frozenset({"kind", "predikat", "percent", "assumption", "why"})


def _table(doc: dict[str, Any]) -> DistributionTable:
    only_keys(doc, HEADER_KEYS | {"pola"}, "the distribution file")
    entries = [_pola(entry) for entry in doc["pola"]]
    by_organisasi = {p.predikat_organisasi: p for p in entries}
    # One pattern per predikat organisasi, all of them: the Dinas may set any of the five.
    if len(by_organisasi) != len(entries) or set(by_organisasi) != set(PredikatOrganisasi):
        raise ReferenceFileError(
            f"[[pola]] needs exactly one entry per predikat organisasi: {[o.value for o in PredikatOrganisasi]}"
        )
    return DistributionTable(
        regulation=doc["regulation"],
        source=doc["source"],
        version=doc["version"],
        pola=MappingProxyType({o: by_organisasi[o] for o in PredikatOrganisasi}),
    )


def _pola(entry: Any) -> Pola:
    if not isinstance(entry, dict):
        raise ReferenceFileError("each [[pola]] entry is a table")
    only_keys(entry, _POLA_KEYS, "[[pola]]")
    organisasi = entry["predikat_organisasi"]
    if organisasi not in {o.value for o in PredikatOrganisasi}:
        raise ReferenceFileError(f"unknown predikat_organisasi {organisasi!r}")
    text = entry["text"]
    if not isinstance(text, str) or not text.strip():
        raise ReferenceFileError(f"pola {organisasi}: text is the SE's wording and must not be empty")
    rules = tuple(_rule(organisasi, r) for r in entry["rules"])
    if not rules:
        raise ReferenceFileError(f"pola {organisasi}: at least one rule")
    return Pola(PredikatOrganisasi(organisasi), text, rules)


def _rule(organisasi: str, entry: Any) -> Rule:
    where = f"pola {organisasi}"
    if not isinstance(entry, dict):
        raise ReferenceFileError(f"{where}: each [[pola.rules]] entry is a table")
    only_keys(entry, _RULE_KEYS, f"{where} rule")
    kind_text = entry["kind"]
    if kind_text not in {k.value for k in RuleKind}:
        raise ReferenceFileError(f"{where}: unknown kind {kind_text!r}; known: {[k.value for k in RuleKind]}")
    kind = RuleKind(kind_text)
    names = entry["predikat"]
    known = {p.value for p in Predikat}
    if not isinstance(names, list) or not names or len(set(names)) != len(names) or not set(names) <= known:
        raise ReferenceFileError(f"{where}: predikat is a non-empty list of distinct predikat from {sorted(known)}")
    percent = entry.get("percent")
    if kind in SHARE_KINDS:
        if not is_int(percent) or not 0 <= percent <= 100:
            raise ReferenceFileError(f"{where}: {kind.value} needs a whole percent from 0 to 100")
    elif percent is not None:
        raise ReferenceFileError(f"{where}: {kind.value} takes no percent")
    assumption = entry.get("assumption", False)
    why = entry.get("why")
    if not isinstance(assumption, bool):
        raise ReferenceFileError(f"{where}: assumption is true or false")
    # An assumption says what it assumes, and only an assumption needs to.
    if assumption != (isinstance(why, str) and bool(why.strip())) or (why is not None and not assumption):
        raise ReferenceFileError(f"{where}: a rule has why exactly when it is an assumption")
    return Rule(kind, tuple(Predikat(n) for n in names), percent, assumption, why)
