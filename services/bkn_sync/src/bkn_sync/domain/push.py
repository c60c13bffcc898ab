"""A push to BKN as a durable job: what happens to it after each attempt, and what makes a failed one go again.

A push is keyed by (pegawai, kind, PMM period, part) here and by (NIP, BKN period, kind) at BKN, so sending it
again never makes a second record there. Its states:

    pending --accepted--> succeeded
    pending --transient--> pending (later: back-off with jitter, at least BKN's Retry-After)
    pending --typed failure--> failed (rechecked slowly; at once when its fix arrives: HEALED_BY)
    failed --fix arrives / operator / recheck--> pending
    any --new content from upstream--> pending (a new revision; attempts start again)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bkn_sync.domain.bkn import Accepted, Outcome
from bkn_sync.domain.failures import FAILURES, FailureType, Retry, failure_type
from bkn_sync.domain.resilience import Backoff


class JenisPush(StrEnum):
    SKP = "skp"
    KINERJA_PERIODIK = "kinerjaperiodik"
    SKP22 = "skp22"  # the annual result
    ANGKA_KREDIT = "angkakredit"


class PushStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # a typed failure that someone has to fix
    SKIPPED = "skipped"  # nothing to send any more (the penilaian was reopened); a new revision revives it


@dataclass(frozen=True)
class RetryPolicy:
    backoff: Backoff = Backoff()
    # Failures that wait for a fix are tried again this often anyway: a fix made where no event reaches us
    # (SIASN corrected without a feed entry, a period opened at BKN) still gets picked up.
    recheck_seconds: float = 6 * 3600.0


@dataclass(frozen=True)
class Decision:
    status: PushStatus
    retry_in: float | None  # seconds until the next automatic attempt; None: none
    failure: FailureType | None
    announce: bool  # publish bkn_sync.push.failed: a new typed failure, not a recheck of the same one


def decide(
    outcome: Outcome, *, attempt: int, previous_kode: str | None, policy: RetryPolicy, random: float
) -> Decision:
    """What follows attempt number `attempt` (1-based, counted since the current revision) of a push."""
    if isinstance(outcome, Accepted):
        return Decision(PushStatus.SUCCEEDED, None, None, False)
    failure = failure_type(outcome.kode, outcome.http_status)
    if failure.transient:
        delay = policy.backoff.delay(attempt, random, retry_after=outcome.retry_after)
        return Decision(PushStatus.PENDING, delay, failure, False)
    retry_in = None if failure.retry is Retry.MANUAL else policy.recheck_seconds
    return Decision(PushStatus.FAILED, retry_in, failure, announce=failure.kode != previous_kode)


class Trigger(StrEnum):
    """Something that may have fixed what failed pushes wait for."""

    ROSTER = "roster"  # planning sent a corrected pegawai or relation
    SIASN = "siasn"  # BKN's feed says the pegawai's profile changed
    SKP_PUSHED = "skp_pushed"  # the SKP of the same pegawai and period reached BKN
    PERIODE = "periode"  # planning opened a period
    OPERATOR = "operator"  # "retry now"


HEALED_BY: dict[Trigger, frozenset[Retry]] = {
    Trigger.ROSTER: frozenset({Retry.ON_CHANGE}),
    Trigger.SIASN: frozenset({Retry.ON_CHANGE}),
    Trigger.SKP_PUSHED: frozenset({Retry.AFTER_SKP}),
    Trigger.PERIODE: frozenset({Retry.ON_CHANGE}),
    Trigger.OPERATOR: frozenset(Retry),
}


def codes_healed_by(trigger: Trigger) -> list[str]:
    return sorted(f.kode for f in FAILURES.values() if f.retry in HEALED_BY[trigger])
