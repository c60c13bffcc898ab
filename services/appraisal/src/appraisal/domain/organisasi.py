"""The predikat kinerja organisasi as an ordered procedure (SE MenPANRB 3/2023; docs/domain.md §6 "Distribution").

Three steps: the kepala sekolah sends the school's results to the Dinas (`laporan_sekolah`), the Dinas sets the
school's predikat organisasi (`predikat_organisasi`), and each atasan finalises their penilaian with the school's
distribution held to that predikat (`finalisasi`). Their order, and which step must be done before the next, is
data per policy year (`reference/organisasi.toml`): a step whose predecessor is `wajib` and not done is refused
(409, the predecessor's rule); a predecessor that is not `wajib` only warns. Finalising is never refused here:
`finalisasi` only ever warns, and the distribution itself is a warning too (`distribution.check`).

This module also computes what a school's distribution would be with one penilaian's predikat, for the warning
the atasan sees before finalising.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appraisal.domain import HEADER_KEYS, ReferenceFileError, is_int, only_keys, read_reference
from appraisal.domain.distribution import DistributionWarning, PredikatOrganisasi, check
from appraisal.domain.predikat import Predikat
from pmm_kernel.errors import StateConflict

FILE = "organisasi.toml"


class Langkah(StrEnum):
    LAPORAN_SEKOLAH = "laporan_sekolah"  # the kepala sekolah sends the school's results to the Dinas
    PREDIKAT_ORGANISASI = "predikat_organisasi"  # the Dinas sets the school's predikat kinerja organisasi
    FINALISASI = "finalisasi"  # an atasan finalises a penilaian of the school

    @property
    def label(self) -> str:
        return LANGKAH_LABEL[self]


LANGKAH_LABEL: Mapping[Langkah, str] = MappingProxyType(
    {
        Langkah.LAPORAN_SEKOLAH: "laporan kinerja sekolah dikirim ke Dinas",
        Langkah.PREDIKAT_ORGANISASI: "predikat kinerja organisasi ditetapkan Dinas",
        Langkah.FINALISASI: "penilaian difinalisasi",
    }
)

# The rule a later step is refused or warned with while this step is not done.
BELUM: Mapping[Langkah, str] = MappingProxyType(
    {
        Langkah.LAPORAN_SEKOLAH: "organisasi.laporan_belum_dikirim",
        Langkah.PREDIKAT_ORGANISASI: "organisasi.predikat_belum_ditetapkan",
    }
)
_BELUM_TEXT: Mapping[Langkah, str] = MappingProxyType(
    {
        Langkah.LAPORAN_SEKOLAH: "the kepala sekolah has not sent the school's results to the Dinas yet",
        Langkah.PREDIKAT_ORGANISASI: "the Dinas has not set the school's predikat organisasi yet",
    }
)
POLICY_YEAR_UNKNOWN = "organisasi.policy_year_unknown"


@dataclass(frozen=True)
class LangkahProsedur:
    langkah: Langkah
    wajib: bool  # the next step is refused until this one is done


@dataclass(frozen=True)
class Prosedur:
    policy_year: int
    langkah: tuple[LangkahProsedur, ...]  # in order, each step once
    assumption: bool
    why: str | None

    def sebelum(self, langkah: Langkah) -> LangkahProsedur | None:
        """The step right before `langkah` in this year's order, if any."""
        names = [s.langkah for s in self.langkah]
        at = names.index(langkah)
        return self.langkah[at - 1] if at > 0 else None


@dataclass(frozen=True)
class OrganisasiTable:
    regulation: str
    source: str
    version: str
    prosedur: Mapping[int, Prosedur] = field(hash=False)  # by policy year

    def policy_year(self, tahun: int, announced: int | None) -> int:
        """The policy year of `tahun`: the one planning's period snapshot announced, else (no period of that year
        has arrived) the newest of this file that applies from `tahun` or before, as planning picks its policy."""
        if announced is not None:
            return announced
        earlier = [y for y in self.prosedur if y <= tahun]
        if not earlier:
            raise _unknown(tahun)
        return max(earlier)

    def of(self, policy_year: int) -> Prosedur:
        """The procedure of a policy year; a year the file lacks is refused naming the file, the key and the rule."""
        try:
            return self.prosedur[policy_year]
        except KeyError:
            raise _unknown(policy_year) from None


def _unknown(policy_year: int) -> StateConflict:
    return StateConflict(
        f"reference file {FILE}: no [[prosedur]] with policy_year = {policy_year}",
        rule=POLICY_YEAR_UNKNOWN,
        field="tahun",
        extra={"file": FILE, "key": "prosedur.policy_year", "policy_year": policy_year},
    )


@dataclass(frozen=True)
class Peringatan:
    """A step taken before one that should come first: shown, never refused."""

    rule: str  # organisasi.laporan_belum_dikirim, organisasi.predikat_belum_ditetapkan, ...policy_year_unknown
    message: str
    langkah: Langkah | None  # the step not done yet


def periksa_urutan(prosedur: Prosedur, langkah: Langkah, selesai: frozenset[Langkah]) -> list[Peringatan]:
    """Whether `langkah` may be taken now, given the steps `selesai` (done) at the school this year.

    Only the step right before it counts: not done and `wajib`, the step is refused (`StateConflict` with that
    step's rule); not done otherwise, a warning. `finalisasi` as a predecessor is never checked: it is each
    penilaian's own step, with no school-wide "done" (the file refuses it as wajib).
    """
    before = prosedur.sebelum(langkah)
    if before is None or before.langkah in selesai or before.langkah is Langkah.FINALISASI:
        return []
    rule = BELUM[before.langkah]
    text = f"{_BELUM_TEXT[before.langkah]} (policy year {prosedur.policy_year})"
    if before.wajib:
        raise StateConflict(
            f"{langkah.value} must wait: {text}",
            rule=rule,
            extra={"langkah": before.langkah.value, "policy_year": prosedur.policy_year},
        )
    return [Peringatan(rule=rule, message=text, langkah=before.langkah)]


# --- the distribution with one more predikat -------------------------------------------------------------------


def dengan_predikat(
    counts: Mapping[Predikat, int], *, dihitung: Predikat | None, calon: Predikat
) -> dict[Predikat, int]:
    """The school's predikat counts were this penilaian given `calon`: `counts` already holds the penilaian under
    `dihitung` when it is rated (a draft counts, as it does for the kepala sekolah's view), so it moves; an unrated
    penilaian is added."""
    tally = {p: counts.get(p, 0) for p in Predikat}
    if dihitung is not None and tally[dihitung] > 0:
        tally[dihitung] -= 1
    tally[calon] += 1
    return tally


@dataclass(frozen=True)
class SebelumFinalisasi:
    """What the atasan sees beside the finalise button."""

    calon: Predikat
    counts: Mapping[Predikat, int]  # the school's distribution with this penilaian's predikat
    predikat_organisasi: PredikatOrganisasi | None
    distribusi: tuple[DistributionWarning, ...]  # against the predikat organisasi (SE MenPANRB 3/2023)
    urutan: tuple[Peringatan, ...]  # a step of the procedure not done yet


def sebelum_finalisasi(
    prosedur: Prosedur | None,
    *,
    counts: Mapping[Predikat, int],
    dihitung: Predikat | None,
    calon: Predikat,
    predikat_organisasi: PredikatOrganisasi | None,
    laporan_dikirim: bool,
    unknown_year: StateConflict | None = None,
) -> SebelumFinalisasi:
    """The warnings before finalising with predikat `calon`: the distribution's against the predikat organisasi
    when there is one, and the procedure's when a step that should come first is not done. Never refuses:
    a wajib step before `finalisasi` warns like any other (finalising is the atasan's decision)."""
    tally = dengan_predikat(counts, dihitung=dihitung, calon=calon)
    urutan: list[Peringatan] = []
    if unknown_year is not None:
        urutan.append(Peringatan(rule=unknown_year.rule, message=unknown_year.detail, langkah=None))
    elif prosedur is not None:
        selesai = frozenset(
            s
            for s, done in (
                (Langkah.LAPORAN_SEKOLAH, laporan_dikirim),
                (Langkah.PREDIKAT_ORGANISASI, predikat_organisasi is not None),
            )
            if done
        )
        before = prosedur.sebelum(Langkah.FINALISASI)
        try:
            urutan = periksa_urutan(prosedur, Langkah.FINALISASI, selesai)
        except StateConflict as refused:
            # Finalising is the atasan's decision: a step the data makes wajib before it still only warns.
            urutan = [Peringatan(refused.rule, refused.detail, before.langkah if before else None)]
    warnings = tuple(check(predikat_organisasi, tally)) if predikat_organisasi is not None else ()
    return SebelumFinalisasi(
        calon=calon, counts=tally, predikat_organisasi=predikat_organisasi, distribusi=warnings, urutan=tuple(urutan)
    )


# --- the school's report -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LaporanSekolah:
    """The school's results as its kepala sekolah sent them to the Dinas: who, when, and the predikat counts of the
    rated and final penilaian of each of the year's evaluations at that moment."""

    npsn: str
    tahun: int
    policy_year: int
    pegawai_id: uuid.UUID  # the kepala sekolah who sent it
    dikirim_at: datetime
    counts: Mapping[str, Mapping[Predikat, int]]  # by periode kode


# --- reading the file --------------------------------------------------------------------------------------------


@cache
def default_table() -> OrganisasiTable:
    """The packaged procedure, read on first use and kept."""
    return load_table()


def load_table(path: Path | None = None) -> OrganisasiTable:
    """The procedure of `path` (default: the packaged reference/organisasi.toml); `ReferenceFileError` naming the
    file, the key and the rule when malformed."""
    doc = read_reference("organisasi", path)
    name = path.name if path is not None else FILE
    try:
        return _table(doc)
    except (ReferenceFileError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceFileError(f"reference file {name}: {exc}") from exc


def _fail(key: str, rule: str, text: str) -> ReferenceFileError:
    return ReferenceFileError(f"{key}: {text} (rule {rule})")


_PROSEDUR_KEYS = frozenset({"policy_year", "langkah", "assumption", "why"})
_LANGKAH_KEYS = frozenset({"langkah", "wajib"})


def _table(doc: dict[str, Any]) -> OrganisasiTable:
    only_keys(doc, HEADER_KEYS | {"prosedur"}, "the organisasi file")
    entries = doc.get("prosedur")
    if not isinstance(entries, list) or not entries:
        raise _fail("prosedur", "organisasi.prosedur_missing", "at least one [[prosedur]] per policy year")
    by_year: dict[int, Prosedur] = {}
    for index, entry in enumerate(entries):
        prosedur = _prosedur(index, entry)
        if prosedur.policy_year in by_year:
            raise _fail(
                f"prosedur[{index}].policy_year",
                "organisasi.policy_year_duplicate",
                f"policy year {prosedur.policy_year} appears twice",
            )
        by_year[prosedur.policy_year] = prosedur
    years = sorted(by_year)
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if missing:
        raise _fail(
            "prosedur.policy_year",
            "organisasi.policy_year_missing",
            f"policy years run without a gap: missing {missing}",
        )
    return OrganisasiTable(
        regulation=doc["regulation"],
        source=doc["source"],
        version=doc["version"],
        prosedur=MappingProxyType({y: by_year[y] for y in years}),
    )


def _prosedur(index: int, entry: Any) -> Prosedur:
    where = f"prosedur[{index}]"
    if not isinstance(entry, dict):
        raise _fail(where, "organisasi.prosedur_table", "each [[prosedur]] entry is a table")
    only_keys(entry, _PROSEDUR_KEYS, f"[[prosedur]] {index}")
    year = entry.get("policy_year")
    if not is_int(year) or not 2000 <= year <= 2100:
        raise _fail(f"{where}.policy_year", "organisasi.policy_year_missing", "a policy year from 2000 to 2100")
    where = f"prosedur[policy_year={year}]"
    steps = entry.get("langkah")
    if not isinstance(steps, list):
        raise _fail(f"{where}.langkah", "organisasi.langkah_missing", "the steps in order, as a list")
    langkah = tuple(_langkah(f"{where}.langkah[{i}]", s) for i, s in enumerate(steps))
    names = [s.langkah for s in langkah]
    if sorted(names) != sorted(Langkah):
        raise _fail(
            f"{where}.langkah",
            "organisasi.langkah_each_once",
            f"each step exactly once: {[s.value for s in Langkah]}; found {[n.value for n in names]}",
        )
    if langkah[-1].wajib:
        raise _fail(f"{where}.langkah[{len(langkah) - 1}].wajib", "organisasi.wajib_last", "the last step has no next")
    assumption = entry.get("assumption", False)
    why = entry.get("why")
    if not isinstance(assumption, bool):
        raise _fail(f"{where}.assumption", "organisasi.assumption", "assumption is true or false")
    # An assumption says what it assumes, and only an assumption needs to.
    if assumption != (isinstance(why, str) and bool(why.strip())) or (why is not None and not assumption):
        raise _fail(f"{where}.why", "organisasi.assumption", "a procedure has why exactly when it is an assumption")
    return Prosedur(policy_year=year, langkah=langkah, assumption=assumption, why=why)


def _langkah(where: str, entry: Any) -> LangkahProsedur:
    if not isinstance(entry, dict):
        raise _fail(where, "organisasi.langkah_table", "each step is a table { langkah = ..., wajib = ... }")
    only_keys(entry, _LANGKAH_KEYS, where)
    name = entry.get("langkah")
    if name not in {s.value for s in Langkah}:
        raise _fail(
            f"{where}.langkah",
            "organisasi.unknown_langkah",
            f"unknown step {str(name)[:40]!r}; known: {[s.value for s in Langkah]}",
        )
    wajib = entry.get("wajib")
    if not isinstance(wajib, bool):
        raise _fail(f"{where}.wajib", "organisasi.wajib", "wajib is true or false")
    if wajib and name == Langkah.FINALISASI.value:
        # No school-wide step can wait for every penilaian: any final one may be reopened.
        raise _fail(f"{where}.wajib", "organisasi.finalisasi_wajib", "finalisasi is each penilaian's own step")
    return LangkahProsedur(Langkah(name), wajib)
