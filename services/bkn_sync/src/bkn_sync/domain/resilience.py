"""Being a good client of a fragile upstream: back-off with jitter, a token bucket, a circuit breaker.

Pure: time comes in as an argument (monotonic seconds) and randomness as a number in [0, 1), so every rule here
has a table test. The adapter holds one bucket and one breaker per process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 2.0
    cap_seconds: float = 300.0
    # 0: exact exponential; 1: "full jitter" (anywhere between 0 and the exponential delay).
    jitter: float = 0.5

    def delay(self, attempt: int, random: float, *, retry_after: float | None = None) -> float:
        """Seconds before retry number `attempt` (1 = the first retry). Spreading retries keeps replicas (and
        the many pushes that failed together during an outage) from hitting BKN again in one wave; BKN's own
        Retry-After is a floor."""
        exponential = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        delay = exponential * (1 - self.jitter * random)
        return max(delay, retry_after or 0.0)


@dataclass
class TokenBucket:
    """At most `rate` requests per second on average, bursts up to `capacity`; BKN's 429 pauses it."""

    rate: float
    capacity: float
    tokens: float = field(init=False)
    updated: float | None = field(default=None, init=False)
    paused_until: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.capacity < 1:
            raise ValueError("a token bucket needs a positive rate and a capacity of at least 1")
        self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        if self.updated is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self, now: float) -> float:
        """Take one token: 0.0 if it was there, else the seconds to wait before asking again."""
        if now < self.paused_until:
            return self.paused_until - now
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def pause(self, now: float, seconds: float) -> None:
        """BKN said Retry-After: nobody in this process calls it before then."""
        self.paused_until = max(self.paused_until, now + seconds)
        # One request may go when the pause ends; the rest refill at the normal rate from there.
        self.tokens = 1.0
        self.updated = self.paused_until


class CircuitState(StrEnum):
    CLOSED = "closed"  # calls go through
    OPEN = "open"  # BKN is down: no calls until `open_seconds` have passed
    HALF_OPEN = "half_open"  # one probe call decides


@dataclass
class CircuitBreaker:
    failure_threshold: int = 5
    open_seconds: float = 30.0
    state: CircuitState = field(default=CircuitState.CLOSED, init=False)
    failures: int = field(default=0, init=False)
    opened_at: float = field(default=0.0, init=False)
    probing: bool = field(default=False, init=False)

    def allow(self, now: float) -> bool:
        """May a call go now? In half-open, only one (the probe) until its outcome is known."""
        if self.state is CircuitState.OPEN and now - self.opened_at >= self.open_seconds:
            self.state, self.probing = CircuitState.HALF_OPEN, False
        if self.state is CircuitState.CLOSED:
            return True
        if self.state is CircuitState.HALF_OPEN and not self.probing:
            self.probing = True
            return True
        return False

    def reopens_in(self, now: float) -> float:
        return max(0.0, self.opened_at + self.open_seconds - now) if self.state is CircuitState.OPEN else 0.0

    def record_success(self) -> None:
        self.state, self.failures, self.probing = CircuitState.CLOSED, 0, False

    def record_failure(self, now: float) -> None:
        """A failure of BKN itself (5xx, timeout, refused connection). Any answer below 500 (a refusal of our
        data, a 429) proves BKN is up and counts as a success."""
        self.failures += 1
        if self.state is CircuitState.HALF_OPEN or self.failures >= self.failure_threshold:
            self.state, self.opened_at, self.probing = CircuitState.OPEN, now, False
