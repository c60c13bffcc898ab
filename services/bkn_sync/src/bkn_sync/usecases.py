"""bkn_sync's service layer: one async function per command.

Three kinds of callers: the event handlers (an approved plan or a finalised penilaian becomes pushes, a roster
correction heals failed ones), the background loops (work the due pushes, read BKN's change feed), and the
operator API (sync state, retry now, conflicts, reconciliation). None of them touches a session or BKN's HTTP.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

from bkn_sync.db.tables import Conflict, Push, PushAttempt
from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain import access, events
from bkn_sync.domain.access import Action, Actor
from bkn_sync.domain.bkn import (
    Accepted,
    CircuitOpen,
    FeedPage,
    HeldRecord,
    Identity,
    Outcome,
    ProfilChange,
    Refused,
    SkpEdit,
)
from bkn_sync.domain.conflict import ConflictStatus, Keputusan, differences
from bkn_sync.domain.failures import FAILURES
from bkn_sync.domain.mapping import ASN_STATUSES, HEALING_FIELDS, jabatan_nama, roster_changes, unor_id
from bkn_sync.domain.periods import BknPeriode, triwulan
from bkn_sync.domain.push import JenisPush, PushStatus, RetryPolicy, Trigger, codes_healed_by, decide
from pmm_contracts.events.appraisal import PenilaianFinalizedV1, PenilaianReopenedV1
from pmm_contracts.events.planning import SkpApprovedV1, SkpResetV1
from pmm_kernel.clock import Clock, today
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound, StateConflict
from pmm_roster.projections import RosterPegawai

logger = logging.getLogger(__name__)

UowFactory = Callable[[], BknSyncUnitOfWork]
FEED = "bkn_feed"


class BknPort(Protocol):
    """What the use cases need from BKN (db/bkn_api.BknClient in production, a fake in unit tests)."""

    async def push(self, jenis: JenisPush, payload: dict[str, Any], who: Identity, periode: BknPeriode) -> Outcome: ...

    async def changes(self, since: int, limit: int) -> FeedPage | Refused: ...

    async def held(self, nip: str) -> list[HeldRecord] | Refused: ...

    def circuit(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Deps:
    """What every use case may need besides its unit of work; built once by the bootstrap."""

    uow: UowFactory
    clock: Clock
    bkn: BknPort
    policy: RetryPolicy = RetryPolicy()
    random: Callable[[], float] = random.random
    lease_seconds: float = 120.0
    tracer: trace.Tracer = field(default_factory=lambda: trace.get_tracer("bkn_sync"))


# --- events in: approved plans, finalised penilaian -----------------------------------------------------


def _rhk_rows(data: SkpApprovedV1) -> list[dict[str, Any]]:
    return [
        {
            "nama": r.nama,
            "rhk_atasan": r.rhk_atasan,
            "aspek": r.aspek,
            "indikator_kinerja_individu": r.indikator_kinerja_individu,
            "target_kuantitas": r.target_kuantitas,
            "satuan": r.satuan,
        }
        for r in data.rhk
    ]


async def _months_of(uow: BknSyncUnitOfWork, periode: str) -> BknPeriode | None:
    row = await uow.roster_extra.periode(periode)
    if row is None:
        return None
    return BknPeriode.of_dates(date.fromisoformat(row.snapshot["mulai"]), date.fromisoformat(row.snapshot["selesai"]))


async def _not_asn(uow: BknSyncUnitOfWork, pegawai_id: uuid.UUID) -> bool:
    pegawai = await uow.roster.pegawai(pegawai_id)
    return pegawai is not None and pegawai.status not in ASN_STATUSES


async def _upsert_push(
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
    trace_headers: dict[str, str] = {}
    propagate.inject(trace_headers)  # the consumer's span: the BKN call will continue this trace
    month_fields = (
        {}
        if months is None
        else {
            "tahun_mulai": months.tahun_mulai,
            "bulan_mulai": months.bulan_mulai,
            "tahun_selesai": months.tahun_selesai,
            "bulan_selesai": months.bulan_selesai,
        }
    )
    push = await uow.pushes.by_key(pegawai_id=pegawai_id, jenis=jenis.value, periode=periode, bagian=bagian)
    if push is None:
        uow.pushes.add(
            Push(
                pegawai_id=pegawai_id,
                jenis=jenis.value,
                periode=periode,
                bagian=bagian,
                payload=payload,
                source_version=version,
                next_attempt_at=now,
                trace_headers=trace_headers,
                created_at=now,
                updated_at=now,
                **month_fields,
            )
        )
        return
    if push.source_version >= version:
        return
    for name, value in month_fields.items():
        setattr(push, name, value)
    push.payload, push.source_version, push.trace_headers = payload, version, trace_headers
    push.revision += 1
    push.version += 1
    push.status, push.attempts, push.next_attempt_at, push.updated_at = PushStatus.PENDING.value, 0, now, now
    push.failure_kode = push.failure_detail = None
    uow.pushes.became_due()


async def record_skp_approved(uow: BknSyncUnitOfWork, data: SkpApprovedV1, *, version: int) -> None:
    rhk = _rhk_rows(data)
    await uow.plans.upsert(
        {
            "pegawai_id": data.pegawai_id,
            "periode": data.periode,
            "skp_id": data.skp_id,
            "approved": True,
            "version": version,
            "rhk": rhk,
            "updated_at": uow.clock.now(),
        }
    )
    if not await _not_asn(uow, data.pegawai_id):
        await _upsert_push(
            uow,
            pegawai_id=data.pegawai_id,
            jenis=JenisPush.SKP,
            periode=data.periode,
            bagian="",
            months=await _months_of(uow, data.periode),
            payload={"skp_id": str(data.skp_id), "atasan_id": _str(data.atasan_id), "rhk": rhk},
            version=version,
        )
    await uow.commit()


async def record_skp_reset(uow: BknSyncUnitOfWork, data: SkpResetV1, *, version: int) -> None:
    """The plan is a draft again: a BKN edit of it is now planning's to apply, not a conflict."""
    await uow.plans.upsert(
        {
            "pegawai_id": data.pegawai_id,
            "periode": data.periode,
            "skp_id": data.skp_id,
            "approved": False,
            "version": version,
            "updated_at": uow.clock.now(),
        }
    )
    await uow.commit()


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


async def record_penilaian_finalized(uow: BknSyncUnitOfWork, data: PenilaianFinalizedV1, *, version: int) -> None:
    """A periodic penilaian goes as kinerja periodik per triwulan, an annual one as the skp22 result; the angka
    kredit goes for the whole period when there is one."""
    if await _not_asn(uow, data.pegawai_id):
        await uow.commit()
        return
    whole = BknPeriode(data.tahun_mulai, data.bulan_mulai, data.tahun_selesai, data.bulan_selesai)
    rating = {
        "penilaian_id": str(data.penilaian_id),
        "hasil_kerja_kode": data.hasil_kerja_kode,
        "perilaku_kerja_kode": data.perilaku_kerja_kode,
        "predikat_kode": data.predikat_kode,
        "koefisien": _str(data.koefisien),
        "jenjang": data.jenjang,
        "penilai": data.penilai.model_dump(mode="json", exclude={"pegawai_id"}),
    }
    common = {"uow": uow, "pegawai_id": data.pegawai_id, "periode": data.periode, "version": version}
    if data.jenis == "periodik":
        for piece in triwulan(whole):
            await _upsert_push(
                **common, jenis=JenisPush.KINERJA_PERIODIK, bagian=piece.label, months=piece, payload=rating
            )
    else:
        await _upsert_push(**common, jenis=JenisPush.SKP22, bagian="", months=whole, payload=rating)
    if data.angka_kredit is not None:
        kredit = {
            "penilaian_id": str(data.penilaian_id),
            "angka_kredit": str(data.angka_kredit),
            "angka_kredit_kumulatif": _str(data.angka_kredit_kumulatif),
        }
        await _upsert_push(**common, jenis=JenisPush.ANGKA_KREDIT, bagian="", months=whole, payload=kredit)
    await uow.commit()


async def record_penilaian_reopened(uow: BknSyncUnitOfWork, data: PenilaianReopenedV1) -> None:
    """What has not reached BKN yet stops; the next finalisation sends the new values (a new revision)."""
    await uow.pushes.skip_penilaian(penilaian_id=str(data.penilaian_id), now=uow.clock.now())
    await uow.commit()


async def heal(
    uow: BknSyncUnitOfWork, trigger: Trigger, *, pegawai_id: uuid.UUID | None = None, periode: str | None = None
) -> int:
    """Failed pushes that `trigger` may have fixed become due now. Does not commit: it joins the caller's
    transaction (the roster change that fixed them)."""
    return await uow.pushes.requeue(
        now=uow.clock.now(), codes=codes_healed_by(trigger), pegawai_id=pegawai_id, periode=periode
    )


# --- the push worker's work ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    push: Push
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


async def claim_due(deps: Deps, *, limit: int) -> list[Claimed]:
    """Lease up to `limit` due pushes and read who they are about from the roster (as it is now)."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        rows = await uow.pushes.claim(now=now, lease_until=now + timedelta(seconds=deps.lease_seconds), limit=limit)
        claimed = [await _prepare(uow, push, now) for push in rows]
        await uow.commit()
    return claimed


async def push_backlog(deps: Deps) -> dict[str, int]:
    """What is still owed to BKN, by status (pending, failed), zero included: the sync backlog ops watch."""
    async with deps.uow() as uow:
        counts = await uow.pushes.backlog()
    return {status.value: counts.get(status.value, 0) for status in (PushStatus.PENDING, PushStatus.FAILED)}


async def _prepare(uow: BknSyncUnitOfWork, push: Push, now: datetime) -> Claimed:
    pegawai = await uow.roster.pegawai(push.pegawai_id)
    if pegawai is None:
        return Claimed(push, local_failure=Refused("PEGAWAI_BELUM_DI_ROSTER", None, "pegawai not in the roster"))
    if pegawai.status not in ASN_STATUSES:
        return Claimed(push, not_asn=True)
    if push.tahun_mulai is None:
        months = await _months_of(uow, push.periode)
        if months is None:
            return Claimed(push, local_failure=Refused("PERIODE_BELUM_DIKENAL", None, "period not received"))
        push.tahun_mulai, push.bulan_mulai = months.tahun_mulai, months.bulan_mulai
        push.tahun_selesai, push.bulan_selesai = months.tahun_selesai, months.bulan_selesai
    penilai_nip = None
    if push.jenis == JenisPush.SKP.value:
        atasan_id = push.payload.get("atasan_id")
        atasan_uuid = (
            uuid.UUID(atasan_id) if atasan_id else await uow.roster.current_atasan(pegawai.pegawai_id, today(uow.clock))
        )
        atasan = await uow.roster.pegawai(atasan_uuid) if atasan_uuid else None
        penilai_nip = atasan.nip if atasan is not None else None
    who = Identity(
        nip=pegawai.nip,
        nama=pegawai.nama,
        unor_id=unor_id(pegawai.npsn),
        jabatan_nama=jabatan_nama(pegawai.jenis_gtk, pegawai.jenjang_jabatan),
        penilai_nip=penilai_nip,
    )
    assert push.tahun_mulai and push.bulan_mulai and push.tahun_selesai and push.bulan_selesai
    periode = BknPeriode(push.tahun_mulai, push.bulan_mulai, push.tahun_selesai, push.bulan_selesai)
    return Claimed(push, who=who, periode=periode)


async def attempt(deps: Deps, claimed: Claimed) -> AttemptResult:
    """One attempt of one claimed push, in the trace of the event that caused it, recorded with its outcome."""
    push = claimed.push
    token = otel_context.attach(propagate.extract(push.trace_headers or {}))
    try:
        with deps.tracer.start_as_current_span(
            f"bkn_sync push {push.jenis}",
            attributes={"pmm.push_id": str(push.id), "pmm.push.jenis": push.jenis, "pmm.push.bagian": push.bagian},
        ) as span:
            trace_id = trace.format_trace_id(span.get_span_context().trace_id)
            started, clock_started = time.monotonic(), deps.clock.now()
            if claimed.not_asn:
                return await _record_skipped(deps, push)
            outcome: Outcome
            if claimed.local_failure is not None:
                outcome = claimed.local_failure
            else:
                assert claimed.who is not None and claimed.periode is not None
                try:
                    outcome = await deps.bkn.push(JenisPush(push.jenis), push.payload, claimed.who, claimed.periode)
                except CircuitOpen:
                    await release(deps, [push.id])
                    return AttemptResult(push.id, push.jenis, "circuit_open", None)
            duration_ms = int((time.monotonic() - started) * 1000)
            return await record_outcome(
                deps, push, outcome, started_at=clock_started, duration_ms=duration_ms, trace_id=trace_id
            )
    finally:
        otel_context.detach(token)


async def release(deps: Deps, push_ids: list[uuid.UUID]) -> None:
    """Claimed but not attempted (the circuit is open): free them for the next pass."""
    async with deps.uow() as uow:
        await uow.pushes.release(push_ids)
        await uow.commit()


def _push_ref(push: Push) -> events.PushRef:
    return events.PushRef(push.id, push.pegawai_id, push.periode, push.jenis, push.bagian, push.version)


async def record_outcome(
    deps: Deps, claimed: Push, outcome: Outcome, *, started_at: datetime, duration_ms: int, trace_id: str | None
) -> AttemptResult:
    async with deps.uow() as uow:
        push = await uow.pushes.get(claimed.id, lock=True)
        assert push is not None
        now = deps.clock.now()
        number = push.attempts + 1
        refused = outcome if isinstance(outcome, Refused) else None
        record = PushAttempt(
            push_id=push.id,
            revision=claimed.revision,
            attempt=number,
            started_at=started_at,
            duration_ms=duration_ms,
            outcome="",
            http_status=refused.http_status if refused else None,
            kode=refused.kode if refused else None,
            detail=refused.detail if refused else None,
            trace_id=trace_id,
        )
        push.lease_until = None
        if push.revision != claimed.revision or push.status not in (PushStatus.PENDING, PushStatus.FAILED):
            # New content arrived (or the penilaian was reopened) while this one was in flight: the newer state
            # stands and goes on its own; this attempt is only recorded.
            record.outcome = "superseded"
            uow.pushes.add_attempt(record)
            await uow.commit()
            return AttemptResult(push.id, push.jenis, "superseded", record.kode)
        decision = decide(
            outcome, attempt=number, previous_kode=push.failure_kode, policy=deps.policy, random=deps.random()
        )
        push.attempts, push.version, push.updated_at = number, push.version + 1, now
        push.status = decision.status.value
        push.next_attempt_at = None if decision.retry_in is None else now + timedelta(seconds=decision.retry_in)
        if isinstance(outcome, Accepted):
            record.outcome = "succeeded"
            push.bkn_id, push.succeeded_at = outcome.bkn_id, now
            push.failure_kode = push.failure_detail = None
            uow.record(events.PushSucceeded(_push_ref(push), outcome.bkn_id, number, now))
            if push.jenis == JenisPush.SKP.value:
                await heal(uow, Trigger.SKP_PUSHED, pegawai_id=push.pegawai_id, periode=push.periode)
        else:
            assert refused is not None and decision.failure is not None
            failure = decision.failure
            record.outcome = "transient" if failure.transient else "failed"
            record.kode = failure.kode
            push.failure_kode, push.failure_detail = failure.kode, refused.detail
            if decision.announce:
                uow.record(
                    events.PushFailed(_push_ref(push), failure.kode, failure.fixer.value, failure.action, number, now)
                )
        uow.pushes.add_attempt(record)
        await uow.commit()
        return AttemptResult(push.id, push.jenis, record.outcome, record.kode)


async def _record_skipped(deps: Deps, claimed: Push) -> AttemptResult:
    async with deps.uow() as uow:
        push = await uow.pushes.get(claimed.id, lock=True)
        assert push is not None
        if push.revision == claimed.revision:
            push.status, push.next_attempt_at, push.lease_until = PushStatus.SKIPPED.value, None, None
            push.failure_kode, push.failure_detail = None, "not an ASN: nothing goes to BKN"
            push.version += 1
        await uow.commit()
    return AttemptResult(claimed.id, claimed.jenis, "skipped", None)


# --- the pull of BKN's change feed -------------------------------------------------------------------------


async def pull_changes(deps: Deps, *, batch: int) -> int:
    """Read one page of BKN's feed and handle each entry in its own transaction with the cursor's advance, so an
    entry is applied once even if the process dies half-way. Returns how many entries were handled."""
    async with deps.uow() as uow:
        since = await uow.cursor.position(FEED)
    page = await deps.bkn.changes(since, batch)
    if isinstance(page, Refused):
        logger.warning("BKN change feed unavailable", extra={"kode": page.kode, "status": page.http_status})
        return 0
    handled = 0
    for item in page.items:
        async with deps.uow() as uow:
            if item.seq <= await uow.cursor.position(FEED, lock=True):
                continue  # another replica handled it
            if isinstance(item, ProfilChange):
                await _apply_profile_change(uow, item)
            else:
                await _apply_skp_edit(uow, item)
            await uow.cursor.advance(FEED, item.seq, now=deps.clock.now())
            await uow.commit()
            handled += 1
    if not page.items and page.position > since:
        async with deps.uow() as uow:
            await uow.cursor.advance(FEED, page.position, now=deps.clock.now())
            await uow.commit()
    return handled


async def _apply_profile_change(uow: BknSyncUnitOfWork, item: ProfilChange) -> None:
    changes = roster_changes(item.changes)
    if changes:
        uow.record(events.BknPegawaiChanged(nip=item.nip, changes=changes, at=item.at, seq=item.seq))
    if HEALING_FIELDS & set(item.changes):
        pegawai = await uow.roster.pegawai_by_nip(item.nip)
        if pegawai is not None:
            await heal(uow, Trigger.SIASN, pegawai_id=pegawai.pegawai_id)


async def _periode_of(uow: BknSyncUnitOfWork, months: BknPeriode) -> str | None:
    for row in await uow.roster_extra.periods():
        mulai, selesai = (date.fromisoformat(row.snapshot[k]) for k in ("mulai", "selesai"))
        if BknPeriode.of_dates(mulai, selesai) == months:
            return row.kode
    return None


async def _apply_skp_edit(uow: BknSyncUnitOfWork, item: SkpEdit) -> None:
    pegawai = await uow.roster.pegawai_by_nip(item.nip)
    periode = await _periode_of(uow, item.periode)
    plan = await uow.plans.get(pegawai.pegawai_id, periode) if pegawai is not None and periode else None
    if plan is None or not plan.approved:
        # Before approval the plan is still the teacher's to change: planning applies BKN's version.
        uow.record(_skp_received(item, pegawai.pegawai_id if pegawai else None, periode))
        return
    assert pegawai is not None and periode is not None
    fields = differences(plan.rhk, item.rhk)
    if not fields:
        return  # BKN holds what was approved: nothing to decide
    now = uow.clock.now()
    bkn = {"seq": item.seq, "status": item.status, "rhk": item.rhk, "at": item.at.isoformat(),
           "tahun": item.periode.tahun_mulai, "bulan_mulai": item.periode.bulan_mulai,
           "bulan_selesai": item.periode.bulan_selesai}  # fmt: skip
    conflict = await uow.conflicts.open_for(pegawai_id=pegawai.pegawai_id, periode=periode, jenis=JenisPush.SKP.value)
    if conflict is None:
        conflict = Conflict(
            pegawai_id=pegawai.pegawai_id,
            periode=periode,
            jenis=JenisPush.SKP.value,
            fields=fields,
            pmm={"rhk": plan.rhk, "skp_id": str(plan.skp_id), "version": plan.version},
            bkn=bkn,
            opened_at=now,
        )
        uow.conflicts.add(conflict)
    else:
        conflict.fields, conflict.bkn, conflict.version = fields, bkn, conflict.version + 1
    uow.record(
        events.ConflictOpened(
            conflict.id, pegawai.pegawai_id, periode, JenisPush.SKP.value, fields, now, conflict.version
        )
    )


def _skp_received(
    item: SkpEdit, pegawai_id: uuid.UUID | None, periode: str | None, conflict_id: uuid.UUID | None = None
) -> events.BknSkpReceived:
    return events.BknSkpReceived(
        nip=item.nip,
        pegawai_id=pegawai_id,
        periode=periode,
        tahun=item.periode.tahun_mulai,
        bulan_mulai=item.periode.bulan_mulai,
        bulan_selesai=item.periode.bulan_selesai,
        status_bkn=item.status,
        rhk=item.rhk,
        at=item.at,
        seq=item.seq,
        conflict_id=conflict_id,
    )


# --- who is calling ----------------------------------------------------------------------------------------


async def resolve_actor(deps: Deps, *, subject: str, roles: frozenset[str], wilayah: str | None) -> Actor:
    pegawai_id, npsn = None, None
    if roles - {"operator"}:
        async with deps.uow() as uow:
            pegawai = await uow.roster.pegawai_by_nip(subject)
            if pegawai is not None:
                pegawai_id, npsn = pegawai.pegawai_id, pegawai.npsn
    return Actor(
        subject=subject,
        roles=roles,
        pegawai_id=pegawai_id,
        npsn=npsn,
        wilayah=wilayah if "operator" in roles else None,
    )


# --- sync state -------------------------------------------------------------------------------------------


def _failure_view(push: Push) -> dict[str, Any] | None:
    if push.failure_kode is None:
        return None
    failure = FAILURES.get(push.failure_kode)
    return {
        "kode": push.failure_kode,
        "fixer": failure.fixer.value if failure else None,
        "action": failure.action if failure else None,
        "transient": failure.transient if failure else None,
        "detail": push.failure_detail,
    }


def _push_view(push: Push, attempts: list[PushAttempt], *, waiting_for_skp: bool = False) -> dict[str, Any]:
    return {
        "push_id": push.id,
        "jenis": push.jenis,
        "periode": push.periode,
        "bagian": push.bagian,
        "status": push.status,
        "attempts": push.attempts,
        "next_attempt_at": push.next_attempt_at,
        "bkn_id": push.bkn_id,
        "succeeded_at": push.succeeded_at,
        "updated_at": push.updated_at,
        "failure": _failure_view(push),
        # Held back until the SKP of the same period reaches BKN (e-Kinerja refuses kinerja periodik before it).
        "waiting_for": "skp" if waiting_for_skp else None,
        "recent_attempts": [
            {
                "attempt": a.attempt,
                "started_at": a.started_at,
                "duration_ms": a.duration_ms,
                "outcome": a.outcome,
                "http_status": a.http_status,
                "kode": a.kode,
                "trace_id": a.trace_id,
            }
            for a in attempts
        ],
    }


def _conflict_view(conflict: Conflict) -> dict[str, Any]:
    return {
        "conflict_id": conflict.id,
        "pegawai_id": conflict.pegawai_id,
        "periode": conflict.periode,
        "jenis": conflict.jenis,
        "status": conflict.status,
        "fields": conflict.fields,
        "pmm": conflict.pmm,
        "bkn": conflict.bkn,
        "keputusan": conflict.keputusan,
        "opened_at": conflict.opened_at,
        "decided_at": conflict.decided_at,
    }


async def pegawai_sync_state(deps: Deps, actor: Actor, pegawai_id: uuid.UUID) -> dict[str, Any]:
    async with deps.uow() as uow:
        pegawai = await uow.roster.pegawai(pegawai_id)
        if pegawai is None:
            raise NotFound("no such pegawai", rule="pegawai.not_found")
        relation = access.relation_to(
            actor, pegawai_id=pegawai_id, npsn=pegawai.npsn, kode_wilayah=pegawai.kode_wilayah
        )
        access.require(relation, Action.VIEW)
        pushes = await uow.pushes.of_pegawai(pegawai_id)
        attempts = await uow.pushes.attempts_of([p.id for p in pushes], per_push=5)
        waiting = await uow.pushes.waiting_for_skp(pegawai_id=pegawai_id)
        conflicts = await uow.conflicts.of_pegawai(pegawai_id)
    counts = Counter(p.status for p in pushes)
    return {
        "pegawai_id": pegawai_id,
        "npsn": pegawai.npsn,
        "counts": dict(counts),
        "pushes": [_push_view(p, attempts.get(p.id, []), waiting_for_skp=p.id in waiting) for p in pushes],
        "conflicts": [_conflict_view(c) for c in conflicts],
    }


async def own_sync_state(deps: Deps, actor: Actor) -> dict[str, Any]:
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster", rule="pegawai.not_found")
    return await pegawai_sync_state(deps, actor, actor.pegawai_id)


def _tally(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_status: Counter[str] = Counter()
    by_failure: Counter[str] = Counter()
    for row in rows:
        by_status[row["status"]] += row["jumlah"]
        if row["failure_kode"] and row["status"] in (PushStatus.PENDING, PushStatus.FAILED):
            by_failure[row["failure_kode"]] += row["jumlah"]
    return {
        "counts": dict(by_status),
        "failures": [
            {"kode": kode, "jumlah": n, "fixer": FAILURES[kode].fixer.value if kode in FAILURES else None}
            for kode, n in sorted(by_failure.items())
        ],
    }


async def sekolah_sync_state(deps: Deps, actor: Actor, npsn: str) -> dict[str, Any]:
    async with deps.uow() as uow:
        sekolah = await uow.roster_extra.sekolah(npsn)
        if sekolah is None:
            raise NotFound("no such school", rule="sekolah.not_found", field="npsn")
        is_ks = "kepala_sekolah" in actor.roles and actor.npsn == npsn
        if not is_ks and not access.in_region(actor, sekolah.kode_wilayah):
            raise NotFound("no such school", rule="sekolah.not_found", field="npsn")
        rows = await uow.pushes.summary(npsn=npsn)
        waiting = await uow.pushes.waiting_for_skp(npsn=npsn)
        per_pegawai = await uow.pushes.per_pegawai(npsn=npsn)
    pegawai: dict[uuid.UUID, dict[str, Any]] = {}
    for row in per_pegawai:
        entry = pegawai.setdefault(
            row["pegawai_id"], {"pegawai_id": row["pegawai_id"], "nama": row["nama"], "counts": {}}
        )
        entry["counts"][row["status"]] = row["jumlah"]
    return {
        "npsn": npsn,
        "nama": sekolah.nama,
        **_tally(rows),
        "waiting_for_skp": len(waiting),
        "pegawai": list(pegawai.values()),
    }


async def wilayah_sync_state(deps: Deps, actor: Actor, kode_wilayah: str) -> dict[str, Any]:
    access.require_operator_for(actor, kode_wilayah)
    async with deps.uow() as uow:
        rows = await uow.pushes.summary(kode_wilayah=kode_wilayah)
        waiting = await uow.pushes.waiting_for_skp(kode_wilayah=kode_wilayah)
        conflicts = await uow.conflicts.in_region(kode_wilayah=kode_wilayah, status=ConflictStatus.OPEN.value)
    by_school: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_school[row["npsn"]].append(row)
    return {
        "kode_wilayah": kode_wilayah,
        **_tally(rows),
        "waiting_for_skp": len(waiting),
        "open_conflicts": len(conflicts),
        "sekolah": [{"npsn": npsn, **_tally(school_rows)} for npsn, school_rows in sorted(by_school.items())],
        "bkn": deps.bkn.circuit(),
    }


# --- operator actions -------------------------------------------------------------------------------------


async def _authorize(
    uow: BknSyncUnitOfWork, actor: Actor, pegawai_id: uuid.UUID, action: Action, *, what: str
) -> RosterPegawai:
    """The pegawai a record is about, if the actor may take `action` on it (404 if they may not see it)."""
    pegawai = await uow.roster.pegawai(pegawai_id)
    relation = (
        access.Relation.NONE
        if pegawai is None
        else access.relation_to(actor, pegawai_id=pegawai_id, npsn=pegawai.npsn, kode_wilayah=pegawai.kode_wilayah)
    )
    access.require(relation, action, what=what)
    assert pegawai is not None
    return pegawai


async def retry_push(deps: Deps, actor: Actor, push_id: uuid.UUID) -> dict[str, Any]:
    """ "Retry now": a failed or waiting push becomes due at once, its attempts counted afresh."""
    async with deps.uow() as uow:
        push = await uow.pushes.get(push_id, lock=True)
        if push is None:
            raise NotFound("no such push", rule="push.not_found")
        await _authorize(uow, actor, push.pegawai_id, Action.RETRY, what="push")
        if push.status == PushStatus.SUCCEEDED:
            raise StateConflict("this push already reached BKN", rule="push.already_succeeded")
        now = deps.clock.now()
        push.status, push.next_attempt_at, push.attempts = PushStatus.PENDING.value, now, 0
        push.lease_until, push.updated_at, push.version = None, now, push.version + 1
        uow.pushes.became_due()
        await uow.commit()
        return _push_view(push, [])


async def list_conflicts(deps: Deps, actor: Actor, *, kode_wilayah: str, status: str | None) -> list[dict[str, Any]]:
    access.require_operator_for(actor, kode_wilayah)
    async with deps.uow() as uow:
        rows = await uow.conflicts.in_region(kode_wilayah=kode_wilayah, status=status)
    return [{**_conflict_view(c), "npsn": p.npsn} for c, p in rows]


async def decide_conflict(
    deps: Deps, actor: Actor, conflict_id: uuid.UUID, *, keputusan: Keputusan, alasan: str
) -> dict[str, Any]:
    async with deps.uow() as uow:
        conflict = await uow.conflicts.get(conflict_id, lock=True)
        if conflict is None:
            raise NotFound("no such conflict", rule="conflict.not_found")
        pegawai = await _authorize(uow, actor, conflict.pegawai_id, Action.DECIDE, what="conflict")
        if len((alasan or "").strip()) < 5:
            raise InvalidValue(
                "a decision needs a reason for the audit", rule="conflict.alasan_required", field="alasan"
            )
        if conflict.status != ConflictStatus.OPEN:
            raise StateConflict("this conflict is already decided", rule="conflict.already_decided")
        now = deps.clock.now()
        conflict.status, conflict.keputusan, conflict.alasan = ConflictStatus.RESOLVED.value, keputusan.value, alasan
        conflict.decided_by, conflict.decided_at, conflict.version = actor.subject, now, conflict.version + 1
        if keputusan is Keputusan.PERTAHANKAN_PMM:
            push = await uow.pushes.by_key(
                pegawai_id=conflict.pegawai_id, jenis=JenisPush.SKP.value, periode=conflict.periode, bagian=""
            )
            if push is not None:
                push.status, push.next_attempt_at, push.attempts = PushStatus.PENDING.value, now, 0
                push.revision, push.version, push.updated_at = push.revision + 1, push.version + 1, now
                uow.pushes.became_due()
        else:
            bkn = conflict.bkn
            edit = SkpEdit(
                seq=bkn["seq"],
                nip=pegawai.nip,
                periode=BknPeriode(bkn["tahun"], bkn["bulan_mulai"], bkn["tahun"], bkn["bulan_selesai"]),
                status=bkn["status"],
                rhk=bkn["rhk"],
                at=datetime.fromisoformat(bkn["at"]),
            )
            uow.record(_skp_received(edit, pegawai.pegawai_id, conflict.periode, conflict_id=conflict.id))
        uow.record(
            events.ConflictResolved(
                conflict.id, conflict.pegawai_id, conflict.periode, keputusan.value, now, conflict.version
            )
        )
        await uow.commit()
        return _conflict_view(conflict)


async def reconcile(deps: Deps, actor: Actor, *, periode: str, kode_wilayah: str) -> dict[str, Any]:
    """Compare what BKN holds with what it should hold for a period and region: re-queue what is missing, report
    what differs. One request to BKN per pegawai, through the same rate limit and circuit as the pushes."""
    access.require_operator_for(actor, kode_wilayah)
    async with deps.uow() as uow:
        succeeded = await uow.pushes.succeeded_in(periode=periode, kode_wilayah=kode_wilayah)
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
            assert push.tahun_mulai and push.bulan_mulai and push.tahun_selesai and push.bulan_selesai
            key = (push.jenis, BknPeriode(push.tahun_mulai, push.bulan_mulai, push.tahun_selesai, push.bulan_selesai))
            record = at_bkn.get(key)
            if record is None:
                missing.append(push)
            elif record.bkn_id != push.bkn_id:
                different.append((push, ["id"]))
    if missing:
        async with deps.uow() as uow:
            now = deps.clock.now()
            for stale in missing:
                push = await uow.pushes.get(stale.id, lock=True)
                if push is not None and push.status == PushStatus.SUCCEEDED:
                    push.status, push.next_attempt_at, push.attempts = PushStatus.PENDING.value, now, 0
                    push.revision, push.version, push.updated_at = push.revision + 1, push.version + 1, now
                    uow.pushes.became_due()
            await uow.commit()

    def ref(push: Push) -> dict[str, Any]:
        return {"push_id": push.id, "pegawai_id": push.pegawai_id, "jenis": push.jenis, "bagian": push.bagian}

    return {
        "periode": periode,
        "kode_wilayah": kode_wilayah,
        "checked": len(succeeded),
        "missing": [ref(p) for p in missing],
        "requeued": len(missing),
        "different": [{**ref(p), "fields": fields} for p, fields in different],
        "unreachable": unreachable,
    }


async def bkn_status(deps: Deps, actor: Actor) -> dict[str, Any]:
    if "operator" not in actor.roles or actor.wilayah is None:
        raise Forbidden("only an operator may see the link's state", rule="role.operator_required")
    return deps.bkn.circuit()
