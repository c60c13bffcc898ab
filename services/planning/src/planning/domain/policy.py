"""Policy years: which periods a year has, and their windows (docs/domain.md §3).

The rules changed between 2024 and 2025 and will change again, so they are data: one TOML file per
policy, named after the year it applies from (`reference/policy/2024.toml`). A file applies from its
year until a later file exists. Dates in a file are templates relative to the period's year
("MM-DD" that year, "+1:MM-DD" the next year, "-1:MM-DD" the year before), so one file serves every year it
covers.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pmm_kernel.errors import InvalidValue, NotFound
from pmm_kernel.windows import Window

# Steps a policy may give a window to. A closed set, so that a typo in a file fails at load time
# instead of leaving a step without a window.
STEPS = frozenset(
    {
        "pra_perencanaan",
        "pemutakhiran_data",
        "perencanaan_guru",
        "perencanaan_ks",
        "persetujuan",
        "pelaksanaan",
        "penilaian",
    }
)
# Every period has these: a file without one would leave its step refused all year, found only on the day.
REQUIRED_STEPS = ("perencanaan_guru", "perencanaan_ks", "pelaksanaan", "penilaian")
DATA_UPDATE_STEP = "pemutakhiran_data"
# Where a policy gives the atasan's decisions on plans days of their own (2026: 22-31 January); without it they
# are taken in the plan's own planning window (docs/domain.md §3).
APPROVAL_STEP = "persetujuan"
ANNUAL_EVALUATION_STEP = "penilaian_tahunan"
JENIS = frozenset({"semester", "tahunan"})

_TEMPLATE = re.compile(r"(?:([+-][0-9]):)?([0-9]{2})-([0-9]{2})", re.ASCII)
_SUFFIX = re.compile(r"[A-Z0-9]{1,8}", re.ASCII)
_KODE = re.compile(r"([0-9]{4})-([A-Z0-9]{1,8})", re.ASCII)


class PolicyFileError(ValueError):
    """A policy file is malformed: a deployment error, raised when the service starts."""


@dataclass(frozen=True)
class Bacaan:
    """One reading of who appraises a kepala sekolah (docs/domain.md §1, "Pengawas"): the sources disagree."""

    nama: str
    ppk: str  # whom a KS's and a pengawas's documents name as pejabat penilai kinerja: one of PPK
    persetujuan_otomatis_ks: bool  # a kepala sekolah's plan is approved when it is submitted


PPK = frozenset({"kepala_dinas", "pengawas"})


@dataclass(frozen=True)
class Penilai:
    """Who appraises the school leaders in a policy year: whether pengawas sekolah keep a cycle of their own here,
    the default reading and the regions whose Dinas follows another one."""

    siklus_pengawas: bool
    bacaan: str
    bacaan_wilayah: Mapping[str, str] = field(hash=False)  # kode wilayah prefix -> reading
    readings: Mapping[str, Bacaan] = field(hash=False)

    def for_region(self, kode_wilayah: str) -> Bacaan:
        """The reading of the region's Dinas: the longest prefix that names one, else the default."""
        matches = [prefix for prefix in self.bacaan_wilayah if kode_wilayah.startswith(prefix)]
        name = self.bacaan_wilayah[max(matches, key=len)] if matches else self.bacaan
        return self.readings[name]


@dataclass(frozen=True)
class Periode:
    kode: str  # "2024-S1", "2025-T"
    tahun: int
    nama: str  # "Semester 1 2024", "Tahunan 2025"
    jenis: str  # "semester" | "tahunan"
    mulai: date
    selesai: date
    bulan: int  # months in the period (6 or 12): angka kredit is prorated by it
    policy_year: int  # the year the policy file applies from
    evidence_upload: bool
    competence_points: tuple[int, int] | None
    data_update_step: bool
    windows: Mapping[str, Window] = field(hash=False)  # by step
    penilai: Penilai
    # Days before a window's effective close on which whoever has not acted is reminded (none: no reminders).
    pengingat_hari: tuple[int, ...] = ()

    def window(self, step: str) -> Window:
        try:
            return self.windows[step]
        except KeyError:
            raise InvalidValue(f"period {self.kode} has no {step} step", rule="periode.no_step", field="step") from None

    def decision_window(self, planning_step: str) -> Window:
        """The window the atasan approves or returns a plan in: the policy's approval days where it has them,
        else the plan's own planning window."""
        return self.windows.get(APPROVAL_STEP) or self.window(planning_step)


@dataclass(frozen=True)
class DateTemplate:
    years_after: int  # negative: the year before
    month: int
    day: int

    @classmethod
    def parse(cls, text: Any) -> DateTemplate:
        match = _TEMPLATE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{text!r} is not a date template (MM-DD, +N:MM-DD or -N:MM-DD)")
        years_after, month, day = int(match[1] or 0), int(match[2]), int(match[3])
        # Checked against a common year: a template on 29 February would fail three years in four.
        date(2001, month, day)
        return cls(years_after, month, day)

    def resolve(self, year: int) -> date:
        try:
            return date(year + self.years_after, self.month, self.day)
        except (ValueError, OverflowError):
            raise InvalidValue(
                f"year {year} is outside the calendar", rule="periode.year_out_of_range", field="tahun"
            ) from None


@dataclass(frozen=True)
class WindowTemplate:
    step: str
    opens: DateTemplate
    closes: DateTemplate
    late_until: DateTemplate | None

    def resolve(self, year: int) -> Window:
        late_until = self.late_until.resolve(year) if self.late_until else None
        return Window(self.step, self.opens.resolve(year), self.closes.resolve(year), late_until)


@dataclass(frozen=True)
class PeriodTemplate:
    suffix: str
    nama: str  # with a "{year}" placeholder
    jenis: str
    mulai: DateTemplate
    selesai: DateTemplate
    windows: tuple[WindowTemplate, ...]


@dataclass(frozen=True)
class Policy:
    applies_from: int
    source: str
    version: str
    evidence_upload: bool
    competence_points: tuple[int, int] | None
    data_update_step: bool
    annual_evaluation_considers_periods: bool
    periods: tuple[PeriodTemplate, ...]
    annual_evaluation: WindowTemplate | None
    penilai: Penilai
    pengingat_hari: tuple[int, ...] = ()

    def periods_for(self, year: int) -> list[Periode]:
        return [self._periode(template, year) for template in self.periods]

    def periode_for(self, year: int, suffix: str) -> Periode | None:
        for template in self.periods:
            if template.suffix == suffix:
                return self._periode(template, year)
        return None

    def annual_evaluation_window(self, year: int) -> Window | None:
        """The penilaian tahunan of `year`, when the policy has one beyond its periods."""
        return self.annual_evaluation.resolve(year) if self.annual_evaluation else None

    def _periode(self, template: PeriodTemplate, year: int) -> Periode:
        mulai, selesai = template.mulai.resolve(year), template.selesai.resolve(year)
        return Periode(
            kode=f"{year}-{template.suffix}",
            tahun=year,
            nama=template.nama.format(year=year),
            jenis=template.jenis,
            mulai=mulai,
            selesai=selesai,
            bulan=(selesai.year - mulai.year) * 12 + selesai.month - mulai.month + 1,
            policy_year=self.applies_from,
            evidence_upload=self.evidence_upload,
            competence_points=self.competence_points,
            data_update_step=self.data_update_step,
            windows=MappingProxyType({w.step: w.resolve(year) for w in template.windows}),
            pengingat_hari=self.pengingat_hari,
            penilai=self.penilai,
        )


def load_policies(directory: Path | None = None) -> list[Policy]:
    """Every policy file of `directory` (default: the package's reference/policy), oldest first."""
    root: Traversable = directory if directory is not None else _default_directory()
    policies = [
        _load_file(entry.name, entry.read_bytes())
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]
    if not policies:
        raise PolicyFileError(f"no policy files in {root}")
    years = [p.applies_from for p in policies]
    if len(set(years)) != len(years):
        raise PolicyFileError(f"two policy files apply from the same year in {root}")
    return sorted(policies, key=lambda p: p.applies_from)


def policy_for_year(year: int, policies: Sequence[Policy]) -> Policy:
    applicable = [p for p in policies if p.applies_from <= year]
    if not applicable:
        earliest = min((p.applies_from for p in policies), default=None)
        since = f"; the earliest policy applies from {earliest}" if earliest is not None else ""
        raise InvalidValue(f"no policy applies to {year}{since}", rule="periode.no_policy", field="tahun")
    return max(applicable, key=lambda p: p.applies_from)


def periods_for_year(year: int, policies: Sequence[Policy]) -> list[Periode]:
    return policy_for_year(year, policies).periods_for(year)


# Periods found, by code and policy list: a plan's change asks for its period several times (its window, its
# answer), and working a period out from its policy's templates each time showed in the profile of `make bench`.
# A period is immutable; bounded, since codes come from requests.
_FOUND: dict[tuple[str, int], tuple[Sequence[Policy], Periode]] = {}
_FOUND_MAX = 256


def find_periode(kode: str, policies: Sequence[Policy]) -> Periode:
    """The period a code such as "2024-S1" names; `NotFound` if the code names none."""
    found = _FOUND.get((kode, id(policies))) if isinstance(kode, str) else None
    if found is not None and found[0] is policies:
        return found[1]
    periode = _find_periode(kode, policies)
    if len(_FOUND) < _FOUND_MAX:
        _FOUND[(kode, id(policies))] = (policies, periode)
    return periode


def _find_periode(kode: str, policies: Sequence[Policy]) -> Periode:
    text = kode.strip().upper() if isinstance(kode, str) else ""
    unknown = NotFound(f"no period {text[:20]!r}", rule="periode.unknown", field="periode")
    match = _KODE.fullmatch(text)
    if match is None:
        raise unknown
    try:
        periode = policy_for_year(int(match[1]), policies).periode_for(int(match[1]), match[2])
    except InvalidValue:
        raise unknown from None
    if periode is None:
        raise unknown
    return periode


def _default_directory() -> Traversable:
    return resources.files("planning.domain") / "reference" / "policy"


# --- reading a file -------------------------------------------------------------------------------

_POLICY_KEYS = {
    "applies_from",
    "source",
    "version",
    "evidence_upload",
    "competence_points",
    "data_update_step",
    "annual_evaluation_considers_periods",
    "annual_evaluation",
    "periods",
    "pengingat_hari",
    "penilai",
}
_PENILAI_KEYS = {"siklus_pengawas", "bacaan", "wilayah", "bacaan_tersedia"}
_BACAAN_KEYS = {"ppk", "persetujuan_otomatis_ks"}
_PERIOD_KEYS = {"suffix", "nama", "jenis", "mulai", "selesai", "windows"}
_WINDOW_KEYS = {"opens", "closes", "late_until"}


def _load_file(name: str, content: bytes) -> Policy:
    try:
        policy = _policy(tomllib.loads(content.decode("utf-8")))
        _check_resolves(policy)
    except KeyError as exc:
        raise PolicyFileError(f"policy file {name}: missing key {exc}") from exc
    # RecursionError: tomllib recurses per nesting level, so `[[[[...` a few thousand deep escapes as no parse error.
    except (ValueError, TypeError, InvalidValue, RecursionError) as exc:
        raise PolicyFileError(f"policy file {name}: {exc}") from exc
    if name.removesuffix(".toml") != str(policy.applies_from):
        raise PolicyFileError(f"policy file {name} says it applies from {policy.applies_from}")
    return policy


def _policy(doc: dict[str, Any]) -> Policy:
    _only(doc, _POLICY_KEYS, "policy")
    points = doc.get("competence_points")
    if points is not None:
        if not (isinstance(points, list) and len(points) == 2 and all(_is_int(p) for p in points)):
            raise ValueError("competence_points is a [min, max] pair of integers")
        if not 0 <= points[0] <= points[1]:
            raise ValueError("competence_points must satisfy 0 <= min <= max")
    data_update_step = _typed(doc, "data_update_step", bool)
    periods = tuple(_period(p) for p in _typed(doc, "periods", list))
    if not periods:
        raise ValueError("a policy has at least one period")
    if len({p.suffix for p in periods}) != len(periods):
        raise ValueError("period suffixes repeat")
    for period in periods:
        # The flag and the window say the same thing twice; a file where they disagree is wrong.
        if data_update_step != any(w.step == DATA_UPDATE_STEP for w in period.windows):
            raise ValueError(f"period {period.suffix}: data_update_step and its {DATA_UPDATE_STEP} window disagree")
    annual = doc.get("annual_evaluation")
    return Policy(
        pengingat_hari=_reminder_days(doc.get("pengingat_hari")),
        applies_from=_typed(doc, "applies_from", int),
        source=_text(doc, "source"),
        version=_text(doc, "version"),
        evidence_upload=_typed(doc, "evidence_upload", bool),
        competence_points=(points[0], points[1]) if points is not None else None,
        data_update_step=data_update_step,
        annual_evaluation_considers_periods=_typed(doc, "annual_evaluation_considers_periods", bool),
        periods=periods,
        annual_evaluation=_window(ANNUAL_EVALUATION_STEP, annual) if annual is not None else None,
        penilai=_penilai(_typed(doc, "penilai", dict)),
    )


def _penilai(doc: dict[str, Any]) -> Penilai:
    _only(doc, _PENILAI_KEYS, "penilai")
    readings: dict[str, Bacaan] = {}
    for name, reading in _typed(doc, "bacaan_tersedia", dict).items():
        if not isinstance(reading, dict):
            raise ValueError(f"penilai.bacaan_tersedia.{name} is a table")
        _only(reading, _BACAAN_KEYS, f"penilai.bacaan_tersedia.{name}")
        ppk = _text(reading, "ppk")
        if ppk not in PPK:
            raise ValueError(f"penilai.bacaan_tersedia.{name}.ppk must be one of {sorted(PPK)}")
        readings[name] = Bacaan(name, ppk, _typed(reading, "persetujuan_otomatis_ks", bool))
    default = _text(doc, "bacaan")
    regions = _typed(doc, "wilayah", dict) if "wilayah" in doc else {}
    for prefix, name in {"": default, **regions}.items():
        if name not in readings:
            raise ValueError(f"penilai: reading {name!r} (wilayah {prefix or 'default'}) is not in bacaan_tersedia")
        if prefix and not (prefix.isascii() and prefix.isdigit() and len(prefix) in (2, 4)):
            raise ValueError(f"penilai.wilayah: {prefix!r} is not a province (2 digits) or kabupaten/kota (4) code")
    return Penilai(
        siklus_pengawas=_typed(doc, "siklus_pengawas", bool),
        bacaan=default,
        bacaan_wilayah=MappingProxyType(dict(regions)),
        readings=MappingProxyType(readings),
    )


def _period(doc: Any) -> PeriodTemplate:
    if not isinstance(doc, dict):
        raise ValueError("each [[periods]] entry is a table")
    _only(doc, _PERIOD_KEYS, "period")
    suffix = _text(doc, "suffix")
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"period suffix {suffix!r} must be 1-8 of A-Z and 0-9")
    jenis = _text(doc, "jenis")
    if jenis not in JENIS:
        raise ValueError(f"period {suffix}: jenis must be one of {sorted(JENIS)}")
    nama = _text(doc, "nama")
    if "{year}" not in nama:
        raise ValueError(f"period {suffix}: nama needs a {{year}} placeholder")
    windows = _typed(doc, "windows", dict)
    unknown = set(windows) - STEPS
    if unknown:
        raise ValueError(f"period {suffix}: unknown steps {sorted(unknown)}; known: {sorted(STEPS)}")
    for step in REQUIRED_STEPS:
        if step not in windows:
            raise ValueError(
                f"period {suffix}: missing key periods.windows.{step} (rule policy.window_required: every period "
                f"defines {', '.join(REQUIRED_STEPS)})"
            )
    return PeriodTemplate(
        suffix=suffix,
        nama=nama,
        jenis=jenis,
        mulai=DateTemplate.parse(doc["mulai"]),
        selesai=DateTemplate.parse(doc["selesai"]),
        windows=tuple(_window(step, w) for step, w in windows.items()),
    )


def _reminder_days(value: Any) -> tuple[int, ...]:
    """`pengingat_hari`: distinct whole days before a close (1 to 60), kept largest first."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(_is_int(v) and 1 <= v <= 60 for v in value):
        raise ValueError("pengingat_hari is a list of whole days between 1 and 60")
    if len(set(value)) != len(value):
        raise ValueError("pengingat_hari repeats a day")
    return tuple(sorted(value, reverse=True))


def _window(step: str, doc: Any) -> WindowTemplate:
    if not isinstance(doc, dict):
        raise ValueError(f"window {step} is a table")
    _only(doc, _WINDOW_KEYS, f"window {step}")
    late = doc.get("late_until")
    return WindowTemplate(
        step=step,
        opens=DateTemplate.parse(doc["opens"]),
        closes=DateTemplate.parse(doc["closes"]),
        late_until=DateTemplate.parse(late) if late is not None else None,
    )


def _check_resolves(policy: Policy) -> None:
    """Resolve the file once so that disordered dates fail at start-up, not on the day they matter."""
    previous_end: date | None = None
    for periode in policy.periods_for(policy.applies_from):
        if periode.selesai < periode.mulai:
            raise ValueError(f"period {periode.kode} ends before it starts")
        if previous_end is not None and periode.mulai <= previous_end:
            raise ValueError(f"period {periode.kode} overlaps the one before it")
        previous_end = periode.selesai
    policy.annual_evaluation_window(policy.applies_from)


def _only(doc: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(doc) - allowed
    if unknown:
        raise ValueError(f"unknown keys in {what}: {sorted(unknown)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _typed(doc: dict[str, Any], key: str, kind: type) -> Any:
    value = doc[key]
    ok = _is_int(value) if kind is int else isinstance(value, kind)
    if not ok:
        raise ValueError(f"{key} must be a {kind.__name__}")
    return value


def _text(doc: dict[str, Any], key: str) -> str:
    value = _typed(doc, key, str)
    if not value.strip():
        raise ValueError(f"{key} must not be empty")
    return str(value)
