"""A transfer (mutasi) during a period splits the pegawai's plan, as e-Kinerja keeps one SKP per school
(docs/domain.md §1, §4): the part at the old school ends on the day before the new placement, and the pegawai plans
a new part at the new school for the rest of the period.

Pure rules: which parts a transfer ends and on which day, and where the next part of a period starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from pmm_kernel.windows import Window

ALASAN_MUTASI = "mutasi"

# How long the pegawai has to plan, submit and have approved the part a transfer starts, counted from its first day
# (**assumption**, docs/domain.md §4): the period's planning window has usually closed by then.
PLANNING_DAYS_AFTER_TRANSFER = 30


@dataclass(frozen=True)
class Mutasi:
    """A pegawai moved from one school to another, taking up the new placement on `tmt`."""

    npsn_lama: str
    npsn_baru: str
    tmt: date


@dataclass(frozen=True)
class PartOfPeriod:
    """One part of a pegawai's plan for a period, as far as a transfer is concerned."""

    skp_id: UUID
    bagian: int
    npsn: str | None  # None: the pegawai's school before the transfer (an older plan, made before parts existed)
    mulai: date | None  # None: the period's first day
    selesai: date | None  # None: runs to the period's last day (not ended)
    periode_mulai: date
    periode_selesai: date


def inside_period(tmt: date, periode_mulai: date, periode_selesai: date) -> bool:
    """Whether a placement taken up on `tmt` splits a period: after its first day, on or before its last. A transfer
    on the first day (or before it) leaves the whole period to the new school."""
    return periode_mulai < tmt <= periode_selesai


def parts_ended_by(mutasi: Mutasi, parts: Iterable[PartOfPeriod]) -> list[tuple[UUID, date]]:
    """The parts a transfer ends, each with its last day (the day before the new placement): every part at the old
    school, not ended yet, of a period the transfer falls inside. A part that begins on or after the transfer's day
    is not ended by it (it cannot end before it began)."""
    if mutasi.npsn_baru == mutasi.npsn_lama:
        return []
    last_day = mutasi.tmt - timedelta(days=1)
    ended = []
    for part in parts:
        if part.selesai is not None:
            continue  # ended already: frozen
        if (part.npsn or mutasi.npsn_lama) != mutasi.npsn_lama:
            continue
        if not inside_period(mutasi.tmt, part.periode_mulai, part.periode_selesai):
            continue
        if part.mulai is not None and part.mulai > last_day:
            continue
        ended.append((part.skp_id, last_day))
    return ended


@dataclass(frozen=True)
class NextPart:
    bagian: int
    mulai: date | None  # None: the period's first day


def next_part(latest: PartOfPeriod | None) -> NextPart | None:
    """Where a new plan of the period starts: the first part when there is none, the next one from the day after
    the latest part ended; None when the latest part still runs (the pegawai already has a plan)."""
    if latest is None:
        return NextPart(bagian=1, mulai=None)
    if latest.selesai is None:
        return None
    return NextPart(bagian=latest.bagian + 1, mulai=latest.selesai + timedelta(days=1))


def latest_part(parts: Sequence[PartOfPeriod]) -> PartOfPeriod | None:
    return max(parts, key=lambda p: p.bagian) if parts else None


def window_for_part(window: Window, mulai: date | None) -> Window:
    """The window a part guards its planning and decisions with: the period's own, or for a part a transfer started
    (it has a first day of its own) open until `PLANNING_DAYS_AFTER_TRANSFER` days after that day when that is later."""
    if mulai is None:
        return window
    until = mulai + timedelta(days=PLANNING_DAYS_AFTER_TRANSFER)
    if until <= window.closes:
        return window
    late = window.late_until if window.late_until is not None and window.late_until > until else None
    return Window(window.step, window.opens, until, late)
