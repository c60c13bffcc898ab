"""Angka kredit of a period and progress towards kenaikan pangkat and jenjang (docs/domain.md §6).

PermenPANRB 1/2023 gives a koefisien per jenjang and a percentage per predikat; Peraturan BKN 3/2023
art. 13 prorates a period by its months. Every figure is a `Decimal` rounded half-up to 2 places per
period, and totals add the rounded figures, because that is how the PAK is written and how BKN adds
it up: rounding the sum instead would disagree with BKN by a cent now and then.

The tables are data (`reference/angka_kredit.toml`). Progress is shown, never decided: kenaikan jenjang
also needs conditions this system does not know (a vacancy, a competence test), listed beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from appraisal.domain import HEADER_KEYS, ReferenceFileError, is_int, only_keys, parse_choice, read_reference
from appraisal.domain.predikat import Predikat
from pmm_kernel.errors import InvalidValue

CENT = Decimal("0.01")
MONTHS_PER_YEAR = 12
ZERO = Decimal("0.00")


class Jenjang(StrEnum):
    AHLI_PERTAMA = "ahli_pertama"
    AHLI_MUDA = "ahli_muda"
    AHLI_MADYA = "ahli_madya"
    AHLI_UTAMA = "ahli_utama"

    @property
    def label(self) -> str:
        return JENJANG_LABEL[self]

    @classmethod
    def parse(cls, value: object, *, field: str = "jenjang") -> Jenjang:
        # The roster carries "Ahli Pertama": accepted as well as the value.
        return parse_choice(cls, value, JENJANG_LABEL, field=field, rule="angka_kredit.unknown_jenjang")


JENJANG_LABEL: Mapping[Jenjang, str] = MappingProxyType(
    {
        Jenjang.AHLI_PERTAMA: "Ahli Pertama",
        Jenjang.AHLI_MUDA: "Ahli Muda",
        Jenjang.AHLI_MADYA: "Ahli Madya",
        Jenjang.AHLI_UTAMA: "Ahli Utama",
    }
)


@dataclass(frozen=True)
class JenjangRule:
    jenjang: Jenjang
    golongan: tuple[str, ...]
    koefisien: Decimal  # angka kredit per year at 100 %
    kenaikan_pangkat: Decimal  # cumulative AK needed for the next pangkat
    kenaikan_jenjang: Decimal | None  # cumulative AK needed for the next jenjang; None at the top
    berikutnya: Jenjang | None


@dataclass(frozen=True)
class Condition:
    kode: str
    deskripsi: str


@dataclass(frozen=True)
class AngkaKreditTable:
    regulation: str
    source: str
    version: str
    persentase: Mapping[Predikat, Decimal] = field(hash=False)
    jenjang: Mapping[Jenjang, JenjangRule] = field(hash=False)
    syarat_kenaikan_jenjang: tuple[Condition, ...]
    # A TMT on this day of its month or earlier counts that month whole; a later day counts from the next month.
    bulan_penuh_dari_hari: int = 1


class MasaKerja(NamedTuple):
    """The months of a period a pegawai served in their jenjang, and the first of them (None: none served)."""

    first_month: date | None
    months: int


@dataclass(frozen=True)
class Target:
    needed: Decimal
    remaining: Decimal  # 0.00 once reached
    reached: bool  # the angka kredit is enough; whether a promotion follows is decided elsewhere


@dataclass(frozen=True)
class Progress:
    jenjang: Jenjang
    total: Decimal
    kenaikan_pangkat: Target
    kenaikan_jenjang: Target | None  # None for the top jenjang
    jenjang_berikutnya: Jenjang | None
    # What kenaikan jenjang needs besides the angka kredit. Nothing here checks them: they are shown
    # so that a reached target reads as "enough angka kredit", never as "promoted".
    conditions_not_decided_here: tuple[Condition, ...]
    regulation: str


def angka_kredit(
    predikat: Predikat | str, jenjang: Jenjang | str, months: int, *, table: AngkaKreditTable | None = None
) -> Decimal:
    """months / 12 x persentase(predikat) x koefisien(jenjang), rounded half-up to 2 places."""
    table = table or default_table()
    rule = table.jenjang[Jenjang.parse(jenjang)]
    pct = table.persentase[Predikat.parse(predikat)]
    _check_months(months)
    with localcontext() as ctx:
        # Multiply first and divide once, with room to spare, so the only rounding is the half-up one.
        ctx.prec = 50
        exact = Decimal(months) * pct * rule.koefisien / (MONTHS_PER_YEAR * 100)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def months_served(
    period_start: date,
    period_end: date,
    tmt_jabatan: date | None,
    *,
    mulai: date | None = None,
    selesai: date | None = None,
    table: AngkaKreditTable | None = None,
) -> MasaKerja:
    """The whole months of the period served since `tmt_jabatan` (Peraturan BKN 3/2023 pasal 13, docs/domain.md §6),
    within the part of the period from `mulai` to `selesai` (a transfer splits a period into parts; None: the
    period's own first or last day).

    One rule for every bound: a month of the period counts when its counting day, the file's
    `bulan_penuh_dari_hari` (day 1: the month's first day), falls on or after the TMT and the part's first day and
    on or before the part's last day. So a TMT or a part starting on or before that day counts its own month, a
    later one counts from the next month, and a part ending before it leaves its last month to the next part: each
    month belongs to exactly one part. No month counted: no angka kredit.
    """
    if period_end < period_start:
        raise InvalidValue("period_end is before period_start", rule="angka_kredit.invalid_period", field="period_end")
    if mulai is not None and selesai is not None and selesai < mulai:
        raise InvalidValue("the part ends before it starts", rule="angka_kredit.invalid_bagian", field="selesai")
    table = table or default_table()
    # A bound on or before the period's start (or after its end) is the period's own: its months are whole.
    starts = [d for d in (tmt_jabatan, mulai) if d is not None and d > period_start]
    ends = [d for d in (selesai,) if d is not None and d < period_end]
    counted = [
        month
        for month in _months(period_start, period_end)
        if all(_counting_day(month, table) >= d for d in starts) and all(_counting_day(month, table) <= d for d in ends)
    ]
    if not counted:
        return MasaKerja(None, 0)
    return MasaKerja(counted[0], len(counted))


def _months(start: date, end: date) -> list[date]:
    """The first day of every month from `start`'s to `end`'s."""
    month, months = start.replace(day=1), []
    while month <= end:
        months.append(month)
        month = _next_month(month)
    return months


def _counting_day(month: date, table: AngkaKreditTable) -> date:
    """The day of `month` a bound is compared with (a short month's last day when the file's day is past it)."""
    last = (_next_month(month) - timedelta(days=1)).day
    return month.replace(day=min(table.bulan_penuh_dari_hari, last))


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == MONTHS_PER_YEAR else date(day.year, day.month + 1, 1)


def cumulative(amounts: Iterable[Decimal]) -> Decimal:
    """The total of per-period figures, each taken at its 2 rounded places (they already are, from
    `angka_kredit`); `InvalidValue` for a float, a negative or a non-finite amount."""
    total = ZERO
    for index, amount in enumerate(amounts):
        total += _amount(amount, field=f"amounts[{index}]").quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def progress(jenjang: Jenjang | str, total: Decimal, *, table: AngkaKreditTable | None = None) -> Progress:
    """How far `total` goes towards kenaikan pangkat and kenaikan jenjang from `jenjang`."""
    table = table or default_table()
    rule = table.jenjang[Jenjang.parse(jenjang)]
    amount = _amount(total, field="total").quantize(CENT, rounding=ROUND_HALF_UP)
    has_next = rule.kenaikan_jenjang is not None
    return Progress(
        jenjang=rule.jenjang,
        total=amount,
        kenaikan_pangkat=_target(rule.kenaikan_pangkat, amount),
        kenaikan_jenjang=_target(rule.kenaikan_jenjang, amount) if rule.kenaikan_jenjang is not None else None,
        jenjang_berikutnya=rule.berikutnya,
        conditions_not_decided_here=table.syarat_kenaikan_jenjang if has_next else (),
        regulation=table.regulation,
    )


@cache
def default_table() -> AngkaKreditTable:
    """The packaged table, read on first use and kept."""
    return load_table()


def load_table(path: Path | None = None) -> AngkaKreditTable:
    """The table of `path` (default: the packaged reference/angka_kredit.toml)."""
    doc = read_reference("angka_kredit", path)
    name = path.name if path is not None else "angka_kredit.toml"
    try:
        return _table(doc)
    except (ReferenceFileError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceFileError(f"reference file {name}: {exc}") from exc


def _target(needed: Decimal, total: Decimal) -> Target:
    needed = needed.quantize(CENT)
    return Target(needed=needed, remaining=max(ZERO, needed - total), reached=total >= needed)


def _check_months(months: object) -> None:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MONTHS_PER_YEAR:
        raise InvalidValue(
            f"months must be a whole number from 1 to {MONTHS_PER_YEAR}, not {months!r}"[:120],
            rule="angka_kredit.months_out_of_range",
            field="months",
        )


def _amount(value: object, *, field: str) -> Decimal:
    # A float has already lost the cents; an int is exact and welcome.
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidValue(
            f"{field} must be a non-negative Decimal, not {value!r}"[:120],
            rule="angka_kredit.invalid_amount",
            field=field,
        )
    return value


# --- reading the file ------------------------------------------------------------------------------

_JENJANG_KEYS = frozenset({"kode", "golongan", "koefisien", "kenaikan_pangkat", "kenaikan_jenjang", "berikutnya"})
_CONDITION_KEYS = frozenset({"kode", "deskripsi"})


def _table(doc: dict[str, Any]) -> AngkaKreditTable:
    only_keys(
        doc, HEADER_KEYS | {"persentase", "jenjang", "syarat_kenaikan_jenjang", "proration"}, "the angka kredit file"
    )
    persentase = doc["persentase"]
    if not isinstance(persentase, dict) or set(persentase) != {p.value for p in Predikat}:
        raise ReferenceFileError(f"[persentase] needs exactly one entry per predikat: {[p.value for p in Predikat]}")
    rules = [_jenjang(entry) for entry in doc["jenjang"]]
    by_jenjang = {rule.jenjang: rule for rule in rules}
    if len(by_jenjang) != len(rules) or set(by_jenjang) != set(Jenjang):
        raise ReferenceFileError(f"[[jenjang]] needs exactly one entry per jenjang: {[j.value for j in Jenjang]}")
    for rule in rules:
        # Kenaikan jenjang leads somewhere, or it is not there: one without the other is a typo.
        if (rule.kenaikan_jenjang is None) != (rule.berikutnya is None):
            raise ReferenceFileError(f"jenjang {rule.jenjang.value}: kenaikan_jenjang and berikutnya go together")
    conditions = tuple(_condition(entry) for entry in doc["syarat_kenaikan_jenjang"])
    if not conditions:
        raise ReferenceFileError("[[syarat_kenaikan_jenjang]] lists at least one condition")
    return AngkaKreditTable(
        regulation=doc["regulation"],
        source=doc["source"],
        version=doc["version"],
        persentase=MappingProxyType({Predikat(k): _positive(v, f"persentase.{k}") for k, v in persentase.items()}),
        jenjang=MappingProxyType({j: by_jenjang[j] for j in Jenjang}),
        syarat_kenaikan_jenjang=conditions,
        bulan_penuh_dari_hari=_proration(doc.get("proration", {})),
    )


def _proration(section: Any) -> int:
    if not isinstance(section, dict):
        raise ReferenceFileError("[proration] is a table")
    only_keys(section, {"bulan_penuh_dari_hari"}, "[proration]")
    day = section.get("bulan_penuh_dari_hari", 1)
    if not is_int(day) or not 1 <= day <= 31:
        raise ReferenceFileError(f"[proration] bulan_penuh_dari_hari must be a day 1-31, not {day!r}")
    return day


def _jenjang(entry: Any) -> JenjangRule:
    if not isinstance(entry, dict):
        raise ReferenceFileError("each [[jenjang]] entry is a table")
    only_keys(entry, _JENJANG_KEYS, "[[jenjang]]")
    kode = entry["kode"]
    if kode not in {j.value for j in Jenjang}:
        raise ReferenceFileError(f"unknown jenjang {kode!r}")
    golongan = entry["golongan"]
    if not isinstance(golongan, list) or not golongan or not all(isinstance(g, str) for g in golongan):
        raise ReferenceFileError(f"jenjang {kode}: golongan is a non-empty list of strings")
    berikutnya = entry.get("berikutnya")
    if berikutnya is not None and berikutnya not in {j.value for j in Jenjang}:
        raise ReferenceFileError(f"jenjang {kode}: berikutnya {berikutnya!r} is not a jenjang")
    jenjang_ak = entry.get("kenaikan_jenjang")
    return JenjangRule(
        jenjang=Jenjang(kode),
        golongan=tuple(golongan),
        koefisien=_positive(entry["koefisien"], f"{kode}.koefisien"),
        kenaikan_pangkat=_positive(entry["kenaikan_pangkat"], f"{kode}.kenaikan_pangkat"),
        kenaikan_jenjang=_positive(jenjang_ak, f"{kode}.kenaikan_jenjang") if jenjang_ak is not None else None,
        berikutnya=Jenjang(berikutnya) if berikutnya is not None else None,
    )


def _condition(entry: Any) -> Condition:
    if not isinstance(entry, dict):
        raise ReferenceFileError("each [[syarat_kenaikan_jenjang]] entry is a table")
    only_keys(entry, _CONDITION_KEYS, "[[syarat_kenaikan_jenjang]]")
    kode, deskripsi = entry["kode"], entry["deskripsi"]
    if not (isinstance(kode, str) and kode and isinstance(deskripsi, str) and deskripsi.strip()):
        raise ReferenceFileError("a condition has a kode and a deskripsi")
    return Condition(kode, deskripsi)


def _positive(value: Any, what: str) -> Decimal:
    if is_int(value):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ReferenceFileError(f"{what} must be a positive number, not {value!r}")
    return value
