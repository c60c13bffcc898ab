"""A per-user limit on writes: a token bucket keyed by the verified token's subject, in this process.

Keyed by the *verified* subject, never by a header read before verification: otherwise anyone could empty a
teacher's bucket with forged tokens naming them. In-process on purpose (the design has no shared store such as
Redis): with N replicas behind a load balancer a user gets up to N times the limit, which still stops a runaway
script or a double-clicking client, the cases it is for.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _Bucket:
    tokens: float
    updated: float


class WriteRateLimiter:
    """`rate` writes per second sustained, `burst` at once; `take()` answers 0 or the seconds to wait."""

    def __init__(
        self,
        *,
        rate: float,
        burst: int,
        monotonic: Callable[[], float] = time.monotonic,
        max_subjects: int = 10_000,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._max_subjects = max_subjects
        self._buckets: dict[str, _Bucket] = {}

    def take(self, subject: str) -> int:
        """Spend one write of `subject`'s bucket: 0 if allowed, else the whole seconds until one is available."""
        now = self._monotonic()
        bucket = self._buckets.get(subject)
        if bucket is None:
            if len(self._buckets) >= self._max_subjects:
                self._forget_full(now)
            bucket = self._buckets[subject] = _Bucket(tokens=float(self.burst), updated=now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping it bounds memory without loosening the limit.
        full = [s for s, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for subject in full:
            del self._buckets[subject]
