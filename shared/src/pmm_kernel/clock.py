"""Time as a dependency: windows depend on today's date, so the domain receives a clock.

Production uses `SystemClock`. Development and tests may use `FileClock`, which reads the current
instant from a file so that one demo can move every service through a policy year together.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

# Windows are published as calendar dates of the ministry, which works in WIB (assumption: a deadline
# "31 Jan" closes at the end of 31 Jan in Jakarta, for every time zone of the country).
WIB = timezone(timedelta(hours=7), "WIB")


class Clock(Protocol):
    def now(self) -> datetime: ...


def today(clock: Clock) -> date:
    """The ministry's calendar date at this instant."""
    return clock.now().astimezone(WIB).date()


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is put; for unit tests."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at


class FileClock:
    """Reads an ISO-8601 instant from a file; the real time passes on from that instant.

    The file holds one line, e.g. `2024-01-10T08:00:00+07:00`. Re-read when its mtime changes, so a
    demo can jump every running service to the next window by writing one file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime: float | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        real = datetime.now(UTC)
        try:
            mtime = os.stat(self.path).st_mtime
        except FileNotFoundError:
            return real
        if mtime != self._mtime:
            at = datetime.fromisoformat(self.path.read_text().strip())
            if at.tzinfo is None:
                at = at.replace(tzinfo=WIB)
            self._offset = at - datetime.fromtimestamp(mtime, UTC)
            self._mtime = mtime
        return real + self._offset
