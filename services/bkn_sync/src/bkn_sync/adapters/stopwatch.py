"""The stopwatch port on the process's monotonic clock (a wall clock may step back under NTP)."""

from __future__ import annotations

import time


class MonotonicStopwatch:
    def seconds(self) -> float:
        return time.monotonic()
