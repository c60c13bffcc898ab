"""Dates as the ministry states them: in WIB, in Indonesian ("31 Januari 2024", "31 Jan 2024 23.59 WIB")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pmm_kernel.clock import WIB

BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def wib(at: datetime) -> datetime:
    return at.astimezone(WIB)


def _parse(value: Any) -> date | datetime | None:
    if isinstance(value, date | datetime):
        return value
    if not value:
        return None
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else date.fromisoformat(text)
    except ValueError:
        return None


def tanggal(value: Any) -> str:
    """`2024-01-31` -> `31 Januari 2024`; an instant is first put in WIB."""
    parsed = _parse(value)
    if parsed is None:
        return "-"
    if isinstance(parsed, datetime):
        parsed = wib(parsed).date() if parsed.tzinfo else parsed.date()
    return f"{parsed.day} {BULAN[parsed.month - 1]} {parsed.year}"


def waktu(value: Any) -> str:
    """An instant as `31 Januari 2024 pukul 23.59 WIB`."""
    parsed = _parse(value)
    if not isinstance(parsed, datetime):
        return tanggal(value)
    at = wib(parsed) if parsed.tzinfo else parsed
    return f"{tanggal(at.date())} pukul {at:%H.%M} WIB"


def tenggat(value: Any) -> str:
    """A window's last day: it closes at the end of that day in Jakarta."""
    return "-" if _parse(value) is None else f"{tanggal(value)} pukul 23.59 WIB"


FILTERS = {"tanggal": tanggal, "waktu": waktu, "tenggat": tenggat}
