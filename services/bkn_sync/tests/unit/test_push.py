"""What follows an attempt, which arrivals heal which failures, and the push's transitions."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bkn_sync.domain.bkn import Accepted, Refused
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import JenisPush, Push, PushStatus, RetryPolicy, Trigger, codes_healed_by, decide
from bkn_sync.domain.resilience import Backoff
from pmm_kernel.errors import StateConflict

F, P, S = PushStatus.FAILED, PushStatus.PENDING, PushStatus.SUCCEEDED
POLICY = RetryPolicy(backoff=Backoff(base_seconds=2.0, cap_seconds=300.0, jitter=0.5), recheck_seconds=3600.0)


@pytest.mark.parametrize(
    ("outcome", "attempt", "previous", "status", "retry_in", "kode", "announce"),
    [
        (Accepted("b-1"), 1, None, S, None, None, False),
        (Accepted("b-1"), 7, "BKN_TIDAK_TERSEDIA", S, None, None, False),
        (Refused(None, 503, "down"), 1, None, P, 2.0, "BKN_TIDAK_TERSEDIA", False),
        (Refused(None, None, "refused"), 4, None, P, 16.0, "BKN_TIDAK_TERSEDIA", False),
        (Refused("BKN_MEMBATASI", 429, "slow", retry_after=30.0), 1, None, P, 30.0, "BKN_MEMBATASI", False),
        (Refused("UNOR_TIDAK_SESUAI", 422, "x"), 1, None, F, 3600.0, "UNOR_TIDAK_SESUAI", True),
        # The slow recheck of the same failure is not announced again; a different one is.
        (Refused("UNOR_TIDAK_SESUAI", 422, "x"), 2, "UNOR_TIDAK_SESUAI", F, 3600.0, "UNOR_TIDAK_SESUAI", False),
        (Refused("JABATAN_TIDAK_SESUAI", 422, "x"), 2, "UNOR_TIDAK_SESUAI", F, 3600.0, "JABATAN_TIDAK_SESUAI", True),
        (Refused("SKP_BELUM_DISETUJUI", 409, "x"), 1, None, F, 3600.0, "SKP_BELUM_DISETUJUI", True),
        (Refused("VALIDASI_GAGAL", 400, "x"), 1, None, F, None, "VALIDASI_GAGAL", True),  # manual only
        (Refused("RESPONS_TIDAK_DIKENALI", 200, "x"), 1, None, F, 3600.0, "RESPONS_TIDAK_DIKENALI", True),
    ],
)  # fmt: skip
def test_decide(outcome, attempt, previous, status, retry_in, kode, announce):
    decision = decide(outcome, attempt=attempt, previous_kode=previous, policy=POLICY, random=0.0)
    assert decision.status is status
    assert decision.retry_in == (None if retry_in is None else pytest.approx(retry_in))
    assert (decision.failure.kode if decision.failure else None) == kode
    assert decision.announce is announce


@pytest.mark.parametrize(
    ("trigger", "heals", "leaves"),
    [
        (Trigger.ROSTER, {"UNOR_TIDAK_SESUAI", "NIP_TIDAK_SESUAI", "PEGAWAI_BELUM_DI_ROSTER"},
         {"SKP_BELUM_DISETUJUI", "VALIDASI_GAGAL"}),
        (Trigger.SIASN, {"ATASAN_BERBEDA", "JABATAN_TIDAK_SESUAI"}, {"SKP_BELUM_DISETUJUI"}),
        (Trigger.SKP_PUSHED, {"SKP_BELUM_DISETUJUI"}, {"UNOR_TIDAK_SESUAI"}),
        (Trigger.PERIODE, {"PERIODE_BELUM_DIKENAL"}, {"DITOLAK_BKN"}),
        (Trigger.OPERATOR, {"VALIDASI_GAGAL", "DITOLAK_BKN", "SKP_BELUM_DISETUJUI", "UNOR_TIDAK_SESUAI"}, set()),
    ],
)  # fmt: skip
def test_what_each_arrival_heals(trigger, heals, leaves):
    codes = set(codes_healed_by(trigger))
    assert heals <= codes
    assert not leaves & codes


# --- the push as an aggregate ------------------------------------------------------------------------------

NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
S1 = BknPeriode(2024, 1, 2024, 6)


def queued(**fields) -> Push:
    push = Push.queue(pegawai_id=uuid.UUID(int=1), jenis=JenisPush.SKP, periode="2024-S1", bagian="", months=S1,
                      payload={"rhk": []}, version=3, now=NOW - timedelta(hours=1))  # fmt: skip
    for name, value in fields.items():
        setattr(push, name, value)
    return push


def attempt(push: Push, outcome, *, revision: int = 1):
    return push.attempted(outcome, revision=revision, started_at=NOW, duration_ms=40, trace_id="t", now=NOW,
                          policy=POLICY, random=0.0)  # fmt: skip


@pytest.mark.parametrize(
    ("start", "outcome", "revision", "result", "status", "version", "events"),
    [
        (P, Accepted("b-1"), 1, "succeeded", S, 2, ["PushSucceeded"]),
        (F, Accepted("b-1"), 1, "succeeded", S, 2, ["PushSucceeded"]),
        (P, Refused(None, 503, "down"), 1, "transient", P, 2, []),
        (P, Refused("UNOR_TIDAK_SESUAI", 422, "x"), 1, "failed", F, 2, ["PushFailed"]),
        (P, Accepted("b-1"), 0, "superseded", P, 1, []),  # newer content arrived meanwhile
        (PushStatus.SKIPPED, Accepted("b-1"), 1, "superseded", PushStatus.SKIPPED, 1, []),  # reopened meanwhile
        (S, Accepted("b-2"), 1, "superseded", S, 1, []),
    ],
)  # fmt: skip
def test_an_attempt(start, outcome, revision, result, status, version, events):
    push = queued(status=start, lease_until=NOW)
    record = attempt(push, outcome, revision=revision)
    assert (record.outcome, push.status, push.version, push.lease_until) == (result, status, version, None)
    assert [type(e).__name__ for e in push.events] == events
    assert (record.attempt, record.revision, record.trace_id) == (1, revision, "t")
    assert push.attempts == (0 if result == "superseded" else 1)


def test_new_content_is_a_new_revision_and_old_content_changes_nothing():
    push = queued(status=F, attempts=3, failure_kode="X", failure_detail="x")
    assert not push.renew(payload={"rhk": [1]}, version=3, months=None, now=NOW)
    assert (push.revision, push.status, push.payload) == (1, F, {"rhk": []})
    assert push.renew(payload={"rhk": [1]}, version=4, months=None, now=NOW)
    assert (push.revision, push.version, push.status, push.attempts) == (2, 2, P, 0)
    assert (push.failure_kode, push.months, push.next_attempt_at) == (None, S1, NOW) and push.due_now()


@pytest.mark.parametrize(("start", "allowed"), [(P, True), (F, True), (PushStatus.SKIPPED, True), (S, False)])
def test_retry_now(start, allowed):
    push = queued(status=start, attempts=5, lease_until=NOW)
    if allowed:
        push.retry_now(NOW)
        assert (push.status, push.attempts, push.next_attempt_at, push.lease_until) == (P, 0, NOW, None)
    else:
        with pytest.raises(StateConflict):
            push.retry_now(NOW)
        assert push.status is S


@pytest.mark.parametrize(("revision", "skipped"), [(1, True), (2, False)])
def test_a_non_asn_push_is_skipped_unless_newer_content_arrived(revision, skipped):
    push = queued(lease_until=NOW)
    push.skip_not_asn(revision)
    assert (push.status is PushStatus.SKIPPED) is skipped
    assert (push.lease_until is None) is skipped


def test_sent_again_as_a_new_revision():
    push = queued(status=S, bkn_id="b-1", attempts=1)
    push.send_again(NOW)
    assert (push.status, push.revision, push.version, push.attempts) == (P, 2, 2, 0) and push.due_now()
