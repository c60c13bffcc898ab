"""A push to BKN as a durable job: what happens to it after each attempt, and what makes a failed one go again.

A push is keyed by (pegawai, kind, PMM period, part) here and by (NIP, BKN period, kind) at BKN, so sending it
again never makes a second record there. Its states:

    pending --accepted--> succeeded
    pending --transient--> pending (later: back-off with jitter, at least BKN's Retry-After)
    pending --typed failure--> failed (rechecked slowly; at once when its fix arrives: HEALED_BY)
    failed --fix arrives / operator / recheck--> pending
    any --new content from upstream--> pending (a new revision; attempts start again)
    pending/failed --not an ASN at attempt time--> skipped

`Push` is that job as an aggregate: the use cases load it through the repository, call one of its transitions
and save it; the transition records `PushSucceeded`/`PushFailed` for the outbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bkn_sync.domain.bkn import Accepted, Outcome, Refused
from bkn_sync.domain.events import PushFailed, PushRef, PushSucceeded
from bkn_sync.domain.failures import FAILURES, FailureType, Retry, failure_type
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.resilience import Backoff
from pmm_kernel.errors import StateConflict


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


NOT_ASN = "not an ASN: nothing goes to BKN"


@dataclass(frozen=True)
class Attempt:
    """One call made for a push, with its outcome: the trail an operator reads."""

    push_id: uuid.UUID
    revision: int
    attempt: int
    started_at: datetime
    duration_ms: int
    outcome: str  # succeeded | transient | failed | superseded
    http_status: int | None = None
    kode: str | None = None
    detail: str | None = None
    trace_id: str | None = None


@dataclass(eq=False)
class Push:
    """One thing BKN must end up holding, worked until it does (the state machine above)."""

    id: uuid.UUID
    pegawai_id: uuid.UUID
    jenis: JenisPush
    periode: str
    bagian: str  # "" for the whole PMM period, the BKN period's label for a triwulan; "2/..." for a second part
    months: BknPeriode | None  # BKN's period; unknown for an SKP whose period planning has not sent yet
    payload: dict[str, Any]  # what to send, in PMM's words; identity is read at attempt time
    created_at: datetime
    updated_at: datetime
    revision: int = 1  # grows when upstream sends new content; an attempt of an older revision changes nothing
    source_version: int = 0  # the aggregate version of the event that gave this content: older ones are dropped
    status: PushStatus = PushStatus.PENDING
    version: int = 1  # grows with every change of state (the events' aggregate_version)
    attempts: int = 0  # since the current revision
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None  # a worker holds it until then
    failure_kode: str | None = None
    failure_detail: str | None = None
    bkn_id: str | None = None
    succeeded_at: datetime | None = None
    # The trace context of the event that gave this content, carried as it is: its BKN call continues that trace.
    trace: dict[str, str] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)

    @classmethod
    def queue(
        cls,
        *,
        pegawai_id: uuid.UUID,
        jenis: JenisPush,
        periode: str,
        bagian: str,
        months: BknPeriode | None,
        payload: dict[str, Any],
        version: int,
        now: datetime,
    ) -> Push:
        """A new job, due at once."""
        return cls(
            id=uuid.uuid4(),
            pegawai_id=pegawai_id,
            jenis=jenis,
            periode=periode,
            bagian=bagian,
            months=months,
            payload=payload,
            created_at=now,
            updated_at=now,
            source_version=version,
            next_attempt_at=now,
        )

    @property
    def failure(self) -> FailureType | None:
        """What its last attempt failed with, and who can fix it; None for a code this version does not know."""
        return None if self.failure_kode is None else FAILURES.get(self.failure_kode)

    @property
    def ref(self) -> PushRef:
        return PushRef(self.id, self.pegawai_id, self.periode, self.jenis.value, self.bagian, self.version)

    def renew(self, *, payload: dict[str, Any], version: int, months: BknPeriode | None, now: datetime) -> bool:
        """New content from a newer event replaces the old and starts its attempts afresh; an older or repeated
        event changes nothing (False)."""
        if self.source_version >= version:
            return False
        if months is not None:
            self.months = months
        self.payload, self.source_version = payload, version
        self.revision += 1
        self.version += 1
        self.status, self.attempts, self.next_attempt_at, self.updated_at = PushStatus.PENDING, 0, now, now
        self.failure_kode = self.failure_detail = None
        return True

    def learn_months(self, months: BknPeriode) -> None:
        """The SKP's period arrived after the SKP: BKN's months are known from now on."""
        self.months = months

    def attempted(
        self,
        outcome: Outcome,
        *,
        revision: int,
        started_at: datetime,
        duration_ms: int,
        trace_id: str | None,
        now: datetime,
        policy: RetryPolicy,
        random: float,
    ) -> Attempt:
        """Record what attempt of `revision` gave, and move on as `decide` says."""
        number = self.attempts + 1
        refused = outcome if isinstance(outcome, Refused) else None

        def attempt(result: str, kode: str | None) -> Attempt:
            return Attempt(
                push_id=self.id,
                revision=revision,
                attempt=number,
                started_at=started_at,
                duration_ms=duration_ms,
                outcome=result,
                http_status=refused.http_status if refused else None,
                kode=kode,
                detail=refused.detail if refused else None,
                trace_id=trace_id,
            )

        self.lease_until = None
        if self.revision != revision or self.status not in (PushStatus.PENDING, PushStatus.FAILED):
            # New content arrived (or the penilaian was reopened) while this one was in flight: the newer state
            # stands and goes on its own; this attempt is only recorded.
            return attempt("superseded", refused.kode if refused else None)
        decision = decide(outcome, attempt=number, previous_kode=self.failure_kode, policy=policy, random=random)
        self.attempts, self.version, self.updated_at = number, self.version + 1, now
        self.status = decision.status
        self.next_attempt_at = None if decision.retry_in is None else now + timedelta(seconds=decision.retry_in)
        if isinstance(outcome, Accepted):
            self.bkn_id, self.succeeded_at = outcome.bkn_id, now
            self.failure_kode = self.failure_detail = None
            self.events.append(PushSucceeded(self.ref, outcome.bkn_id, number, now))
            return attempt("succeeded", None)
        assert refused is not None and decision.failure is not None
        failure = decision.failure
        self.failure_kode, self.failure_detail = failure.kode, refused.detail
        if decision.announce:
            self.events.append(PushFailed(self.ref, failure.kode, failure.fixer.value, failure.action, number, now))
        return attempt("transient" if failure.transient else "failed", failure.kode)

    def skip_not_asn(self, revision: int) -> None:
        """A non-ASN's push: nothing goes to BKN (docs/domain.md §1). A newer revision is left to its own attempt."""
        if self.revision != revision:
            return
        self.status, self.next_attempt_at, self.lease_until = PushStatus.SKIPPED, None, None
        self.failure_kode, self.failure_detail = None, NOT_ASN
        self.version += 1

    def retry_now(self, now: datetime) -> None:
        """An operator's "retry now": due at once, its attempts counted afresh."""
        if self.status == PushStatus.SUCCEEDED:
            raise StateConflict("this push already reached BKN", rule="push.already_succeeded")
        self.status, self.next_attempt_at, self.attempts = PushStatus.PENDING, now, 0
        self.lease_until, self.updated_at, self.version = None, now, self.version + 1

    def send_again(self, now: datetime) -> None:
        """PMM's content goes again as a new revision: an operator kept it against BKN's edit, or BKN no longer
        holds what it acknowledged."""
        self.status, self.next_attempt_at, self.attempts = PushStatus.PENDING, now, 0
        self.revision, self.version, self.updated_at = self.revision + 1, self.version + 1, now

    def due_now(self) -> bool:
        """Pending and due at the moment of its last change: a worker may take it at once."""
        return (
            self.status == PushStatus.PENDING
            and self.next_attempt_at is not None
            and self.next_attempt_at <= self.updated_at
        )
