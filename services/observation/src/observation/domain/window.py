"""The pelaksanaan window: what every step, and every bukti added, is checked against (docs/domain.md §5).

Only the `pelaksanaan` window (with its extensions) admits the five steps, the refleksi included: accepting a
refleksi in the penilaian window would let a cycle finish while the atasan is already rating it; a region that is
late gets an operator's audited extension instead, as in planning. An upload is checked when it starts; once
started it may finish after the close (a slow link at the deadline).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

WINDOW = "pelaksanaan"  # the step of the period's windows that the cycle lives in


def jadwal_range(*, today: date, opens: date, closes: date) -> tuple[date, date]:
    """Dates a schedule may name (the observation, the follow-up): from today, or the window's opening if later,
    to the window's effective close for the pegawai's region."""
    return max(today, opens), closes


def upaya_range(*, today: date, opens: date) -> tuple[date, date]:
    """Dates an effort may carry: done inside the window, not in the future."""
    return opens, today


def regions_past_close(closes: Mapping[str, date], *, on: date) -> list[str]:
    """The regions whose effective close is past on `on`: a cycle there that is not done is overdue."""
    return [region for region, close in closes.items() if on > close]
