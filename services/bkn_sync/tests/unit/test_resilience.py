"""Back-off with jitter, the token bucket and the circuit breaker, with time and randomness passed in."""

import pytest

from bkn_sync.domain.resilience import Backoff, CircuitBreaker, CircuitState, TokenBucket

BACKOFF = Backoff(base_seconds=2.0, cap_seconds=60.0, jitter=0.5)


@pytest.mark.parametrize(
    ("attempt", "random", "retry_after", "delay"),
    [
        (1, 0.0, None, 2.0),  # no jitter drawn: the exponential delay
        (2, 0.0, None, 4.0),
        (3, 0.0, None, 8.0),
        (3, 1.0, None, 4.0),  # the most jitter: half of it
        (3, 0.5, None, 6.0),
        (6, 0.0, None, 60.0),  # 64 capped at 60
        (20, 0.0, None, 60.0),
        (1, 0.0, 30.0, 30.0),  # BKN's Retry-After is a floor
        (6, 0.0, 5.0, 60.0),  # ...not a ceiling
        (0, 0.0, None, 2.0),  # defensive: attempt 0 behaves like the first
    ],
)
def test_backoff(attempt, random, retry_after, delay):
    assert BACKOFF.delay(attempt, random, retry_after=retry_after) == pytest.approx(delay)


def test_full_jitter_spreads_between_zero_and_the_delay():
    full = Backoff(base_seconds=1.0, cap_seconds=100.0, jitter=1.0)
    delays = {full.delay(4, r / 10) for r in range(10)}
    assert min(delays) > 0 and max(delays) == 8.0 and len(delays) == 10


@pytest.mark.parametrize(
    ("steps", "waits"),
    [
        # (time, action) -> the wait `take` answers; rate 2/s, capacity 2
        ([(0.0, "take"), (0.0, "take"), (0.0, "take")], [0.0, 0.0, 0.5]),  # a burst of 2, then wait
        ([(0.0, "take"), (0.0, "take"), (0.5, "take")], [0.0, 0.0, 0.0]),  # refilled one after 0.5 s
        ([(0.0, "take"), (10.0, "take"), (10.0, "take"), (10.0, "take")], [0.0, 0.0, 0.0, 0.5]),  # capped at 2
        ([(0.0, "pause3"), (1.0, "take"), (3.0, "take"), (3.0, "take")], [2.0, 0.0, 0.5]),  # Retry-After pause
    ],
    ids=["burst", "refill", "capacity", "pause"],
)
def test_token_bucket(steps, waits):
    bucket = TokenBucket(rate=2.0, capacity=2)
    answers = []
    for now, action in steps:
        if action == "take":
            answer = bucket.take(now)
            answers.append(answer)
        else:
            bucket.pause(now, float(action.removeprefix("pause")))
    assert answers[-len(waits) :] == pytest.approx(waits)


def test_token_bucket_refuses_nonsense():
    with pytest.raises(ValueError):
        TokenBucket(rate=0, capacity=1)


@pytest.mark.parametrize(
    ("events", "state", "allowed"),
    [
        ([("fail", 0)] * 2, CircuitState.CLOSED, True),  # under the threshold
        ([("fail", 0)] * 3, CircuitState.OPEN, False),  # threshold 3: open
        ([("fail", 0), ("fail", 0), ("ok", 0), ("fail", 0)], CircuitState.CLOSED, True),  # success resets the count
        ([("fail", 0)] * 3 + [("allow", 5)], CircuitState.OPEN, False),  # still open before 10 s
        ([("fail", 0)] * 3 + [("allow", 10)], CircuitState.HALF_OPEN, False),  # the probe went; others wait
        ([("fail", 0)] * 3 + [("allow", 10), ("ok", 10)], CircuitState.CLOSED, True),  # probe succeeded: closed
        ([("fail", 0)] * 3 + [("allow", 10), ("fail", 11)], CircuitState.OPEN, False),  # probe failed: open again
        ([("fail", 0)] * 3 + [("allow", 10), ("fail", 11), ("allow", 20)], CircuitState.OPEN, False),  # a full wait
    ],
    ids=["under", "open", "reset", "open-waiting", "half-open", "closed-again", "reopened", "reopened-waits"],
)
def test_circuit_breaker(events, state, allowed):
    breaker = CircuitBreaker(failure_threshold=3, open_seconds=10.0)
    for event, now in events:
        if event == "fail":
            breaker.record_failure(now)
        elif event == "ok":
            breaker.record_success()
        else:
            breaker.allow(now)
    last = events[-1][1]
    assert breaker.state is state
    assert breaker.allow(last) is allowed


def test_circuit_says_when_it_reopens():
    breaker = CircuitBreaker(failure_threshold=1, open_seconds=10.0)
    breaker.record_failure(100.0)
    assert breaker.reopens_in(104.0) == pytest.approx(6.0)
