"""What the reads return: a person's, a school's and a region's sync state, the conflicts of a region, the backlog
ops watch, the link to BKN; and who the caller is.

Another's record is reported as not found, so that its existence does not leak (domain/access.py).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain import access
from bkn_sync.domain.access import Action, Actor
from bkn_sync.domain.bagian import bagian_of
from bkn_sync.domain.conflict import Conflict, ConflictStatus
from bkn_sync.domain.failures import FAILURES
from bkn_sync.domain.push import Attempt, Push, PushStatus
from bkn_sync.usecases import Deps
from pmm_kernel.errors import Forbidden, NotFound
from pmm_roster.records import PegawaiRecord

# --- who is calling ----------------------------------------------------------------------------------------


async def resolve_actor(deps: Deps, *, subject: str, roles: frozenset[str], wilayah: str | None) -> Actor:
    """An operator acts within the wilayah their token names; anyone else as their roster row (by NIP), with its
    school, which a kepala sekolah's view of their school needs (remembered: every request of a teacher at a
    deadline asks it again; a transfer shows within the cache's minute)."""

    async def load() -> tuple[uuid.UUID, str] | None:
        async with deps.uow().reading() as uow:
            pegawai = await uow.roster.pegawai_by_nip(subject)
            return (pegawai.pegawai_id, pegawai.npsn) if pegawai is not None else None

    pegawai_id, npsn = None, None
    if roles - {"operator"}:
        found = await deps.actors.get(subject, load)
        if found is not None:
            pegawai_id, npsn = found
    return Actor(
        subject=subject,
        roles=roles,
        pegawai_id=pegawai_id,
        npsn=npsn,
        wilayah=wilayah if "operator" in roles else None,
    )


async def authorize(
    uow: BknSyncUnitOfWork, actor: Actor, pegawai_id: uuid.UUID, action: Action, *, what: str
) -> PegawaiRecord:
    """The roster pegawai a record is about, if the actor may take `action` on it (404 if they may not see it)."""
    pegawai = await uow.roster.pegawai(pegawai_id)
    relation = (
        access.Relation.NONE
        if pegawai is None
        else access.relation_to(actor, pegawai_id=pegawai_id, npsn=pegawai.npsn, kode_wilayah=pegawai.kode_wilayah)
    )
    access.require(relation, action, what=what)
    assert pegawai is not None
    return pegawai


# --- shapes ------------------------------------------------------------------------------------------------


def _failure_view(push: Push) -> dict[str, Any] | None:
    if push.failure_kode is None:
        return None
    failure = push.failure
    return {
        "kode": push.failure_kode,
        "fixer": failure.fixer.value if failure else None,
        "action": failure.action if failure else None,
        "transient": failure.transient if failure else None,
        "detail": push.failure_detail,
    }


def push_view(push: Push, attempts: list[Attempt], *, waiting_for_skp: bool = False) -> dict[str, Any]:
    return {
        "push_id": push.id,
        "jenis": push.jenis.value,
        "periode": push.periode,
        "bagian": push.bagian,  # the key's part: "", a triwulan's label, prefixed "2/" for the period's second part
        "skp_bagian": bagian_of(push.bagian),  # the part of the period (one SKP per school at e-Kinerja)
        "status": push.status.value,
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


def conflict_view(conflict: Conflict) -> dict[str, Any]:
    return {
        "conflict_id": conflict.id,
        "pegawai_id": conflict.pegawai_id,
        "periode": conflict.periode,
        "jenis": conflict.jenis,
        "status": conflict.status.value,
        "fields": conflict.fields,
        "pmm": conflict.pmm,
        "bkn": conflict.bkn,
        "keputusan": None if conflict.keputusan is None else conflict.keputusan.value,
        "opened_at": conflict.opened_at,
        "decided_at": conflict.decided_at,
    }


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


# --- sync state -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PegawaiSyncState:
    pegawai_id: uuid.UUID


async def pegawai_sync_state(query: PegawaiSyncState, *, uow: BknSyncUnitOfWork, actor: Actor) -> dict[str, Any]:
    """A pegawai's pushes with their recent attempts, and their conflicts: for them, their kepala sekolah and an
    operator of their region."""
    async with uow.reading():
        pegawai = await uow.roster.pegawai(query.pegawai_id)
        if pegawai is None:
            raise NotFound("no such pegawai", rule="pegawai.not_found")
        relation = access.relation_to(
            actor, pegawai_id=query.pegawai_id, npsn=pegawai.npsn, kode_wilayah=pegawai.kode_wilayah
        )
        access.require(relation, Action.VIEW)
        pushes = await uow.pushes.of_pegawai(query.pegawai_id)
        attempts = await uow.pushes.attempts_of([p.id for p, _ in pushes], per_push=5)
        conflicts = await uow.conflicts.of_pegawai(query.pegawai_id)
    counts = Counter(p.status.value for p, _ in pushes)
    return {
        "pegawai_id": query.pegawai_id,
        "npsn": pegawai.npsn,
        "counts": dict(counts),
        "pushes": [push_view(p, attempts.get(p.id, []), waiting_for_skp=waiting) for p, waiting in pushes],
        "conflicts": [conflict_view(c) for c in conflicts],
    }


async def own_sync_state(*, uow: BknSyncUnitOfWork, actor: Actor) -> dict[str, Any]:
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster", rule="pegawai.not_found")
    return await pegawai_sync_state(PegawaiSyncState(actor.pegawai_id), uow=uow, actor=actor)


@dataclass(frozen=True)
class SekolahSyncState:
    npsn: str


async def sekolah_sync_state(query: SekolahSyncState, *, uow: BknSyncUnitOfWork, actor: Actor) -> dict[str, Any]:
    """A school's counts by state and failure type, and each pegawai's: for its kepala sekolah and an operator of
    its region."""
    npsn = query.npsn
    async with uow.reading():
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


@dataclass(frozen=True)
class WilayahSyncState:
    kode_wilayah: str


async def wilayah_sync_state(
    query: WilayahSyncState, *, uow: BknSyncUnitOfWork, deps: Deps, actor: Actor
) -> dict[str, Any]:
    """A region's counts, the same per school, its open conflicts and this process's link to BKN: for an operator
    whose region contains it."""
    kode_wilayah = query.kode_wilayah
    access.require_operator_for(actor, kode_wilayah)
    async with uow.reading():
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


@dataclass(frozen=True)
class ListConflicts:
    kode_wilayah: str
    status: str | None  # open | resolved | None: both


async def list_conflicts(query: ListConflicts, *, uow: BknSyncUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    access.require_operator_for(actor, query.kode_wilayah)
    async with uow.reading():
        rows = await uow.conflicts.in_region(kode_wilayah=query.kode_wilayah, status=query.status)
    return [{**conflict_view(c), "npsn": npsn} for c, npsn in rows]


async def push_backlog(*, uow: BknSyncUnitOfWork) -> dict[str, int]:
    """What is still owed to BKN, by status (pending, failed), zero included: the sync backlog ops watch."""
    async with uow.reading():
        counts = await uow.pushes.backlog()
    return {status.value: counts.get(status.value, 0) for status in (PushStatus.PENDING, PushStatus.FAILED)}


async def bkn_status(*, deps: Deps, actor: Actor) -> dict[str, Any]:
    if "operator" not in actor.roles or actor.wilayah is None:
        raise Forbidden("only an operator may see the link's state", rule="role.operator_required")
    return deps.bkn.circuit()
