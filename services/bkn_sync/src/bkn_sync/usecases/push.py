"""The pushes: queued from what arrives by event, worked by the push worker, healed when their fix arrives, retried
or reconciled by an operator.

The worker claims due pushes (a lease, so that replicas do not take the same), reads who each is about from the
roster as it is now, and attempts each outside any transaction; the outcome is recorded in a transaction of its
own. The tracing of an attempt is the worker's (handlers/loops.py): it hands in the trace id to record.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain import access
from bkn_sync.domain.access import Action, Actor
from bkn_sync.domain.bagian import part_months, unit_npsn
from bkn_sync.domain.bkn import CircuitOpen, Identity, Outcome, Refused
from bkn_sync.domain.mapping import ASN_STATUSES, jabatan_nama, unor_id
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import JenisPush, Push, PushStatus, Trigger, codes_healed_by
from bkn_sync.usecases import Deps
from bkn_sync.usecases.views import authorize, push_view
from pmm_kernel.clock import Clock, today
from pmm_kernel.errors import NotFound

# --- what the other modules of the service layer share --------------------------------------------------


async def not_asn(uow: BknSyncUnitOfWork, pegawai_id: uuid.UUID) -> bool:
    """Known to the roster as a non-ASN: nothing of theirs goes to BKN (docs/domain.md §1)."""
    pegawai = await uow.roster.pegawai(pegawai_id)
    return pegawai is not None and pegawai.status not in ASN_STATUSES


async def queue(
    uow: BknSyncUnitOfWork,
    *,
    pegawai_id: uuid.UUID,
    jenis: JenisPush,
    periode: str,
    bagian: str,
    months: BknPeriode | None,
    payload: dict[str, Any],
    version: int,
) -> None:
    """One durable job per (pegawai, kind, period, part), written in the consuming transaction. New content from
    a newer event replaces the old and starts its attempts afresh; an older or repeated event changes nothing."""
    now = uow.clock.now()
    push = await uow.pushes.by_key(pegawai_id=pegawai_id, jenis=jenis, periode=periode, bagian=bagian)
    if push is None:
        uow.pushes.add(
            Push.queue(
                pegawai_id=pegawai_id,
                jenis=jenis,
                periode=periode,
                bagian=bagian,
                months=months,
                payload=payload,
                version=version,
                now=now,
            )
        )
    elif push.renew(payload=payload, version=version, months=months, now=now):
        uow.pushes.save(push)


async def heal(
    uow: BknSyncUnitOfWork,
    trigger: Trigger,
    *,
    pegawai_ids: Sequence[uuid.UUID] | None = None,
    periode: str | None = None,
) -> int:
    """Failed pushes that `trigger` may have fixed become due now, in the caller's open transaction (the change
    that fixed them)."""
    return await uow.pushes.requeue(
        now=uow.clock.now(), codes=codes_healed_by(trigger), pegawai_ids=pegawai_ids, periode=periode
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# --- the push worker's work ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A leased push, ready to attempt: what to send, and who and when it is about (or why it cannot go)."""

    push_id: uuid.UUID
    revision: int
    jenis: JenisPush
    bagian: str
    payload: dict[str, Any]
    trace: dict[str, str]  # the trace context of the event that gave this content
    who: Identity | None = None
    periode: BknPeriode | None = None
    local_failure: Refused | None = None  # found before calling BKN
    not_asn: bool = False


@dataclass(frozen=True)
class AttemptResult:
    push_id: uuid.UUID
    jenis: str
    outcome: str  # succeeded | transient | failed | superseded | skipped | circuit_open
    kode: str | None


@dataclass(frozen=True)
class ClaimDue:
    limit: int


async def claim_due(cmd: ClaimDue, *, uow: BknSyncUnitOfWork, deps: Deps) -> list[Claimed]:
    """Lease up to `limit` due pushes and read who they are about from the roster (as it is now)."""
    now = deps.clock.now()
    async with uow:
        pushes = await uow.pushes.claim(now=now, lease_seconds=deps.lease_seconds, limit=cmd.limit)
        claimed = [await _prepare(uow, push, deps.clock) for push in pushes]
        await uow.commit()
    return claimed


async def _prepare(uow: BknSyncUnitOfWork, push: Push, clock: Clock) -> Claimed:
    claimed = Claimed(push.id, push.revision, push.jenis, push.bagian, push.payload, push.trace)
    pegawai = await uow.roster.pegawai(push.pegawai_id)
    if pegawai is None:
        refused = Refused("PEGAWAI_BELUM_DI_ROSTER", None, "pegawai not in the roster")
        return replace(claimed, local_failure=refused)
    if pegawai.status not in ASN_STATUSES:
        return replace(claimed, not_asn=True)
    if push.months is None:
        months = await uow.roster_extra.months_of(push.periode)
        if months is None:
            return replace(claimed, local_failure=Refused("PERIODE_BELUM_DIKENAL", None, "period not received"))
        push.learn_months(part_months(months, _day(push.payload.get("mulai")), _day(push.payload.get("selesai"))))
        uow.pushes.save(push)
    penilai_nip = None
    if push.jenis is JenisPush.SKP:
        atasan_id = push.payload.get("atasan_id")
        atasan_uuid = (
            uuid.UUID(atasan_id) if atasan_id else await uow.roster.current_atasan(pegawai.pegawai_id, today(clock))
        )
        atasan = await uow.roster.pegawai(atasan_uuid) if atasan_uuid else None
        penilai_nip = atasan.nip if atasan is not None else None
    who = Identity(
        nip=pegawai.nip,
        nama=pegawai.nama,
        # A part a transfer ended is the SKP of the school it was served at (docs/domain.md §7).
        unor_id=unor_id(
            unit_npsn(pegawai.npsn, part_npsn=push.payload.get("npsn"), part_ended=bool(push.payload.get("selesai")))
        ),
        jabatan_nama=jabatan_nama(pegawai.jenis_gtk, pegawai.jenjang_jabatan),
        penilai_nip=penilai_nip,
    )
    return replace(claimed, who=who, periode=push.months)


@dataclass(frozen=True)
class AttemptPush:
    claimed: Claimed
    trace_id: str | None  # the attempt's trace, kept with its record for an operator to follow


async def attempt_push(cmd: AttemptPush, *, uow: BknSyncUnitOfWork, deps: Deps) -> AttemptResult:
    """One attempt of one claimed push: BKN is called outside any transaction, its outcome recorded in one."""
    claimed = cmd.claimed
    started, started_at = deps.stopwatch.seconds(), deps.clock.now()
    if claimed.not_asn:
        async with uow:
            push = await _locked(uow, claimed.push_id)
            push.skip_not_asn(claimed.revision)
            uow.pushes.save(push)
            await uow.commit()
        return AttemptResult(claimed.push_id, claimed.jenis.value, "skipped", None)
    outcome: Outcome
    if claimed.local_failure is not None:
        outcome = claimed.local_failure
    else:
        assert claimed.who is not None and claimed.periode is not None
        try:
            outcome = await deps.bkn.push(claimed.jenis, claimed.payload, claimed.who, claimed.periode)
        except CircuitOpen:  # nothing was attempted: free it for the next pass
            async with uow:
                await uow.pushes.release([claimed.push_id])
                await uow.commit()
            return AttemptResult(claimed.push_id, claimed.jenis.value, "circuit_open", None)
    duration_ms = int((deps.stopwatch.seconds() - started) * 1000)
    async with uow:
        push = await _locked(uow, claimed.push_id)
        attempt = push.attempted(
            outcome,
            revision=claimed.revision,
            started_at=started_at,
            duration_ms=duration_ms,
            trace_id=cmd.trace_id,
            now=deps.clock.now(),
            policy=deps.policy,
            random=deps.random.random(),
        )
        uow.pushes.save(push)
        uow.pushes.add_attempt(attempt)
        if attempt.outcome == "succeeded" and push.jenis is JenisPush.SKP:
            # BKN refuses kinerja periodik before the SKP: those that failed for it may go now.
            await heal(uow, Trigger.SKP_PUSHED, pegawai_ids=[push.pegawai_id], periode=push.periode)
        await uow.commit()
    return AttemptResult(push.id, push.jenis.value, attempt.outcome, attempt.kode)


async def _locked(uow: BknSyncUnitOfWork, push_id: uuid.UUID) -> Push:
    push = await uow.pushes.get(push_id, lock=True)
    assert push is not None  # pushes are never deleted
    return push


# --- operator actions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPush:
    push_id: uuid.UUID


async def retry_push(cmd: RetryPush, *, uow: BknSyncUnitOfWork, deps: Deps, actor: Actor) -> dict[str, Any]:
    """ "Retry now": a failed or waiting push becomes due at once, its attempts counted afresh."""
    async with uow:
        push = await uow.pushes.get(cmd.push_id, lock=True)
        if push is None:
            raise NotFound("no such push", rule="push.not_found")
        await authorize(uow, actor, push.pegawai_id, Action.RETRY, what="push")
        push.retry_now(deps.clock.now())
        uow.pushes.save(push)
        await uow.commit()
        return push_view(push, [])


@dataclass(frozen=True)
class Reconcile:
    periode: str
    kode_wilayah: str


async def reconcile(cmd: Reconcile, *, uow: BknSyncUnitOfWork, deps: Deps, actor: Actor) -> dict[str, Any]:
    """Compare what BKN holds with what it should hold for a period and region: re-queue what is missing, report
    what differs. One request to BKN per pegawai, through the same rate limit and circuit as the pushes, and no
    transaction open meanwhile."""
    access.require_operator_for(actor, cmd.kode_wilayah)
    async with uow:
        succeeded = await uow.pushes.succeeded_in(periode=cmd.periode, kode_wilayah=cmd.kode_wilayah)
    by_nip: dict[str, list[Push]] = defaultdict(list)
    for push, nip in succeeded:
        by_nip[nip].append(push)
    missing: list[Push] = []
    different: list[tuple[Push, list[str]]] = []
    unreachable = 0
    for nip, pushes in by_nip.items():
        try:
            held = await deps.bkn.held(nip)
        except CircuitOpen:  # BKN is down: what is left is reported as unchecked, not guessed
            held = Refused(None, None, "circuit open")
        if isinstance(held, Refused):
            unreachable += len(pushes)
            continue
        at_bkn = {(h.jenis, h.periode): h for h in held}
        for push in pushes:
            record = at_bkn.get((push.jenis.value, push.months))
            if record is None:
                missing.append(push)
            elif record.bkn_id != push.bkn_id:
                different.append((push, ["id"]))
    if missing:
        async with uow:
            now = deps.clock.now()
            for stale in missing:
                push = await uow.pushes.get(stale.id, lock=True)
                if push is not None and push.status == PushStatus.SUCCEEDED:
                    push.send_again(now)
                    uow.pushes.save(push)
            await uow.commit()

    def ref(push: Push) -> dict[str, Any]:
        return {"push_id": push.id, "pegawai_id": push.pegawai_id, "jenis": push.jenis.value, "bagian": push.bagian}

    return {
        "periode": cmd.periode,
        "kode_wilayah": cmd.kode_wilayah,
        "checked": len(succeeded),
        "missing": [ref(p) for p in missing],
        "requeued": len(missing),
        "different": [{**ref(p), "fields": fields} for p, fields in different],
        "unreachable": unreachable,
    }
