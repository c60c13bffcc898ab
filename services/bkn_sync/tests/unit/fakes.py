"""bkn_sync's use cases without PostgreSQL, RabbitMQ or BKN: an in-memory unit of work, a scripted BKN, fixed chance.

The repositories implement exactly the methods the use cases call, with the same meaning as db/repository.py's
(the claim's order and its hold on pushes that wait for their SKP included). They keep copies: what a use case
changes and does not save is lost, as it would be in the database.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bkn_sync.domain.access import Actor
from bkn_sync.domain.bkn import CircuitOpen, FeedPage, HeldRecord, Identity, Outcome, Refused
from bkn_sync.domain.conflict import Conflict, ConflictStatus, Plan
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import Attempt, JenisPush, Push, PushStatus, RetryPolicy
from bkn_sync.usecases import Deps
from pmm_kernel.clock import Clock
from pmm_testkit.fake_uow import FakeUnitOfWork

DUE = (PushStatus.PENDING, PushStatus.FAILED)


@dataclass
class Pegawai:
    """A roster row, as `pmm_roster.projections.RosterPegawai` has it."""

    pegawai_id: uuid.UUID
    nip: str
    nama: str
    npsn: str
    kode_wilayah: str
    status: str = "PNS"
    jenis_gtk: str = "Guru"
    jenjang_jabatan: str | None = "Ahli Pertama"
    pangkat_golongan: str | None = "III/a"


@dataclass
class Sekolah:
    npsn: str
    nama: str
    kode_wilayah: str


class FakeRoster:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Pegawai] = {}
        self.atasan: dict[uuid.UUID, uuid.UUID] = {}

    def add(self, pegawai: Pegawai, *, atasan: Pegawai | None = None) -> Pegawai:
        self.rows[pegawai.pegawai_id] = pegawai
        if atasan is not None:
            self.atasan[pegawai.pegawai_id] = atasan.pegawai_id
        return pegawai

    async def pegawai(self, pegawai_id: uuid.UUID) -> Pegawai | None:
        return self.rows.get(pegawai_id)

    async def pegawai_by_nip(self, nip: str) -> Pegawai | None:
        return next((p for p in self.rows.values() if p.nip == nip), None)

    async def current_atasan(self, pegawai_id: uuid.UUID, on: date) -> uuid.UUID | None:
        return self.atasan.get(pegawai_id)


class FakeRosterExtra:
    def __init__(self) -> None:
        self.schools: dict[str, Sekolah] = {}
        self.months: dict[str, BknPeriode] = {}

    async def sekolah(self, npsn: str) -> Sekolah | None:
        return self.schools.get(npsn)

    async def months_of(self, kode: str) -> BknPeriode | None:
        return self.months.get(kode)

    async def periods(self) -> list[tuple[str, BknPeriode]]:
        return list(self.months.items())


def _copy(aggregate: Any) -> Any:
    twin = copy.deepcopy(aggregate)
    twin.events = []
    return twin


class FakePushRepository:
    def __init__(self, track: Any, roster: FakeRoster) -> None:
        self._track = track
        self._roster = roster
        self.rows: dict[uuid.UUID, Push] = {}
        self.attempts: list[Attempt] = []
        self.touched = False
        # The database's own clock, which leases are measured by: the service's clock does not move it.
        self.database_now = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)

    def _loaded(self, push: Push) -> Push:
        loaded = _copy(push)
        self._track(loaded)
        return loaded

    async def get(self, push_id: uuid.UUID, *, lock: bool = False) -> Push | None:
        push = self.rows.get(push_id)
        return None if push is None else self._loaded(push)

    async def by_key(self, *, pegawai_id: uuid.UUID, jenis: JenisPush, periode: str, bagian: str) -> Push | None:
        for push in self.rows.values():
            if (push.pegawai_id, push.jenis, push.periode, push.bagian) == (pegawai_id, jenis, periode, bagian):
                return self._loaded(push)
        return None

    async def lock_keys(self, keys: Any) -> None:
        """Locking ahead changes nothing here: `by_key` finds the same pushes."""

    def add(self, push: Push) -> None:
        push.trace = {"traceparent": "00-from-the-event"}
        self.rows[push.id] = _copy(push)
        self._track(push)
        self.touched = self.touched or push.due_now()

    def save(self, push: Push) -> None:
        before = self.rows[push.id]
        self.touched = self.touched or (
            push.due_now() and (before.status, before.next_attempt_at) != (push.status, push.next_attempt_at)
        )
        self.rows[push.id] = _copy(push)

    def _waits_for_skp(self, push: Push) -> bool:
        return push.jenis is not JenisPush.SKP and any(
            other.jenis is JenisPush.SKP
            and (other.pegawai_id, other.periode) == (push.pegawai_id, push.periode)
            and other.status in DUE
            for other in self.rows.values()
        )

    async def claim(self, *, now: datetime, lease_seconds: float, limit: int) -> list[Push]:
        lease_until = self.database_now + timedelta(seconds=lease_seconds)
        due = [
            p
            for p in self.rows.values()
            if p.status in DUE
            and p.next_attempt_at is not None
            and p.next_attempt_at <= now
            and (p.lease_until is None or p.lease_until < self.database_now)
            and not self._waits_for_skp(p)
        ]
        due.sort(key=lambda p: (p.jenis is not JenisPush.SKP, p.next_attempt_at))
        for push in due[:limit]:
            push.lease_until = lease_until
        return [self._loaded(push) for push in due[:limit]]

    async def release(self, push_ids: Sequence[uuid.UUID]) -> None:
        for push_id in push_ids:
            self.rows[push_id].lease_until = None

    async def requeue(
        self,
        *,
        now: datetime,
        codes: Sequence[str],
        pegawai_ids: Sequence[uuid.UUID] | None = None,
        periode: str | None = None,
    ) -> int:
        count = 0
        for push in self.rows.values():
            if push.status is PushStatus.FAILED and push.failure_kode in codes:
                if (pegawai_ids is not None and push.pegawai_id not in pegawai_ids) or periode not in (
                    None,
                    push.periode,
                ):
                    continue
                push.status, push.next_attempt_at, push.attempts, push.updated_at = PushStatus.PENDING, now, 0, now
                count += 1
        self.touched = self.touched or bool(count)
        return count

    async def skip_penilaian(self, *, penilaian_id: str, now: datetime) -> int:
        count = 0
        for push in self.rows.values():
            if push.status in DUE and push.payload.get("penilaian_id") == penilaian_id:
                push.status, push.next_attempt_at, push.updated_at = PushStatus.SKIPPED, None, now
                push.version += 1
                count += 1
        return count

    def add_attempt(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)

    async def of_pegawai(self, pegawai_id: uuid.UUID) -> list[tuple[Push, bool]]:
        mine = [p for p in self.rows.values() if p.pegawai_id == pegawai_id]
        ordered = sorted(mine, key=lambda p: (p.periode, p.jenis.value, p.bagian))
        return [(_copy(p), p.status in DUE and self._waits_for_skp(p)) for p in ordered]

    async def attempts_of(self, push_ids: Sequence[uuid.UUID], *, per_push: int) -> dict[uuid.UUID, list[Attempt]]:
        result: dict[uuid.UUID, list[Attempt]] = {}
        for push_id in push_ids:
            theirs = [a for a in self.attempts if a.push_id == push_id][-per_push:]
            if theirs:
                result[push_id] = theirs
        return result

    def _in(self, push: Push, *, kode_wilayah: str | None, npsn: str | None) -> Pegawai | None:
        pegawai = self._roster.rows.get(push.pegawai_id)
        if pegawai is None:
            return None
        if kode_wilayah is not None and not pegawai.kode_wilayah.startswith(kode_wilayah):
            return None
        if npsn is not None and pegawai.npsn != npsn:
            return None
        return pegawai

    async def summary(self, *, kode_wilayah: str | None = None, npsn: str | None = None) -> list[dict[str, Any]]:
        counts: Counter[tuple[str, str, str | None]] = Counter()
        for push in self.rows.values():
            pegawai = self._in(push, kode_wilayah=kode_wilayah, npsn=npsn)
            if pegawai is not None:
                counts[(pegawai.npsn, push.status.value, push.failure_kode)] += 1
        return [
            {"npsn": s, "status": status, "failure_kode": kode, "jumlah": n}
            for (s, status, kode), n in sorted(counts.items(), key=lambda item: str(item[0]))
        ]

    async def backlog(self) -> dict[str, int]:
        return dict(Counter(p.status.value for p in self.rows.values() if p.status in DUE))

    async def waiting_for_skp(self, *, kode_wilayah: str | None = None, npsn: str | None = None) -> set[uuid.UUID]:
        return {
            p.id
            for p in self.rows.values()
            if p.status in DUE and self._waits_for_skp(p) and self._in(p, kode_wilayah=kode_wilayah, npsn=npsn)
        }

    async def per_pegawai(self, *, npsn: str) -> list[dict[str, Any]]:
        counts: Counter[tuple[uuid.UUID, str]] = Counter()
        for push in self.rows.values():
            if self._in(push, kode_wilayah=None, npsn=npsn) is not None:
                counts[(push.pegawai_id, push.status.value)] += 1
        return [
            {"pegawai_id": pid, "nama": self._roster.rows[pid].nama, "status": status, "jumlah": n}
            for (pid, status), n in counts.items()
        ]

    async def succeeded_in(self, *, periode: str, kode_wilayah: str) -> list[tuple[Push, str]]:
        found = []
        for push in self.rows.values():
            pegawai = self._in(push, kode_wilayah=kode_wilayah, npsn=None)
            if pegawai is not None and push.periode == periode and push.status is PushStatus.SUCCEEDED:
                found.append((_copy(push), pegawai.nip))
        return sorted(found, key=lambda row: (row[1], row[0].jenis.value, row[0].bagian))


class FakePlanRepository:
    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, str, int], Plan] = {}  # by (pegawai, period, part)

    async def get(self, pegawai_id: uuid.UUID, periode: str, bagian: int = 1) -> Plan | None:
        return self.rows.get((pegawai_id, periode, bagian))

    async def save(self, plan: Plan, *, now: datetime) -> None:
        key = (plan.pegawai_id, plan.periode, plan.bagian)
        before = self.rows.get(key)
        if before is not None and before.version >= plan.version:
            return
        rhk = plan.rhk if plan.rhk is not None else (before.rhk if before is not None else [])
        self.rows[key] = dataclasses.replace(plan, rhk=rhk)

    async def save_all(self, plans: Any, *, now: datetime) -> None:
        keys = [(plan.pegawai_id, plan.periode, plan.bagian) for plan in plans]
        assert len(set(keys)) == len(keys), "one statement upserts each plan once"
        for plan in plans:
            await self.save(plan, now=now)


class FakeConflictRepository:
    def __init__(self, track: Any, roster: FakeRoster) -> None:
        self._track = track
        self._roster = roster
        self.rows: dict[uuid.UUID, Conflict] = {}

    def _loaded(self, conflict: Conflict) -> Conflict:
        loaded = _copy(conflict)
        self._track(loaded)
        return loaded

    async def get(self, conflict_id: uuid.UUID, *, lock: bool = False) -> Conflict | None:
        conflict = self.rows.get(conflict_id)
        return None if conflict is None else self._loaded(conflict)

    async def open_for(self, *, pegawai_id: uuid.UUID, periode: str, jenis: str) -> Conflict | None:
        for conflict in self.rows.values():
            if (conflict.pegawai_id, conflict.periode, conflict.jenis, conflict.status) == (
                pegawai_id,
                periode,
                jenis,
                ConflictStatus.OPEN,
            ):
                return self._loaded(conflict)
        return None

    def add(self, conflict: Conflict) -> None:
        self.rows[conflict.id] = _copy(conflict)
        self._track(conflict)

    def save(self, conflict: Conflict) -> None:
        assert conflict.id in self.rows
        self.rows[conflict.id] = _copy(conflict)

    async def of_pegawai(self, pegawai_id: uuid.UUID) -> list[Conflict]:
        return [_copy(c) for c in self.rows.values() if c.pegawai_id == pegawai_id]

    async def in_region(self, *, kode_wilayah: str, status: str | None) -> list[tuple[Conflict, str]]:
        found = []
        for conflict in self.rows.values():
            pegawai = self._roster.rows.get(conflict.pegawai_id)
            if pegawai is None or not pegawai.kode_wilayah.startswith(kode_wilayah):
                continue
            if status is None or conflict.status.value == status:
                found.append((_copy(conflict), pegawai.npsn))
        return found


class FakeCursorRepository:
    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    async def position(self, name: str, *, lock: bool = False) -> int:
        return self.positions.get(name, 0)

    async def advance(self, name: str, position: int, *, now: datetime) -> None:
        self.positions[name] = max(self.positions.get(name, 0), position)


class FakeBknSyncUnitOfWork(FakeUnitOfWork):
    service = "bkn_sync"

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.roster = FakeRoster()
        self.roster_extra = FakeRosterExtra()
        self.pushes = FakePushRepository(self.track, self.roster)
        self.plans = FakePlanRepository()
        self.conflicts = FakeConflictRepository(self.track, self.roster)
        self.cursor = FakeCursorRepository()


# --- the ports ---------------------------------------------------------------------------------------------


@dataclass
class FakeBkn:
    """A scripted BKN: answers pushes in order (the last one again when they run out), records what it was sent."""

    answers: list[Outcome | Exception] = field(default_factory=lambda: [])
    pages: list[FeedPage | Refused] = field(default_factory=list)
    holds: dict[str, list[HeldRecord] | Refused | Exception] = field(default_factory=dict)
    state: str = "closed"
    sent: list[tuple[JenisPush, dict[str, Any], Identity, BknPeriode]] = field(default_factory=list)
    asked: list[tuple[int, int]] = field(default_factory=list)

    async def push(self, jenis: JenisPush, payload: dict[str, Any], who: Identity, periode: BknPeriode) -> Outcome:
        self.sent.append((jenis, payload, who, periode))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def changes(self, since: int, limit: int) -> FeedPage | Refused:
        self.asked.append((since, limit))
        return self.pages.pop(0) if self.pages else FeedPage(items=[], position=since)

    async def held(self, nip: str) -> list[HeldRecord] | Refused:
        held = self.holds.get(nip, [])
        if isinstance(held, Exception):
            raise held
        return held

    def circuit(self) -> dict[str, Any]:
        return {"state": self.state, "reopens_in_seconds": 0.0}


@dataclass
class FixedRandom:
    value: float = 0.0

    def random(self) -> float:
        return self.value


@dataclass
class FakeStopwatch:
    """Each reading is `step` seconds after the last: a call takes `step` seconds."""

    step: float = 0.25
    now: float = 100.0

    def seconds(self) -> float:
        self.now += self.step
        return self.now


def fake_deps(uow: FakeBknSyncUnitOfWork, bkn: FakeBkn | None = None, *, random: float = 0.0) -> Deps:
    return Deps(
        uow=lambda: uow,  # type: ignore[arg-type,return-value]
        clock=uow.clock,
        bkn=bkn or FakeBkn(),
        random=FixedRandom(random),
        stopwatch=FakeStopwatch(),
        policy=RetryPolicy(),
        lease_seconds=120.0,
    )


def circuit_open() -> CircuitOpen:
    return CircuitOpen(12.0)


# --- a small world: one school in one region, a teacher and their kepala sekolah ----------------------------

WILAYAH = "327301"
NPSN = "20200001"
PERIODE = "2024-S1"
S1 = BknPeriode(2024, 1, 2024, 6)
GURU_NIP = "198001012005011001"
KS_NIP = "197501012000011001"


@dataclass
class World:
    uow: FakeBknSyncUnitOfWork
    guru: Pegawai
    ks: Pegawai


def world(*, periode_known: bool = True) -> World:
    uow = FakeBknSyncUnitOfWork()
    uow.roster_extra.schools[NPSN] = Sekolah(NPSN, "SD Negeri 1", WILAYAH)
    if periode_known:
        uow.roster_extra.months[PERIODE] = S1
    ks = uow.roster.add(Pegawai(uuid.uuid4(), KS_NIP, "Kepala", NPSN, WILAYAH, jenjang_jabatan="Ahli Madya"))
    guru = uow.roster.add(Pegawai(uuid.uuid4(), GURU_NIP, "Siti", NPSN, WILAYAH), atasan=ks)
    return World(uow, guru, ks)


def operator(wilayah: str = "3273") -> Actor:
    return Actor(subject="op-1", roles=frozenset({"operator"}), pegawai_id=None, npsn=None, wilayah=wilayah)


def as_pegawai(pegawai: Pegawai, *roles: str) -> Actor:
    return Actor(
        subject=pegawai.nip,
        roles=frozenset(roles or {"guru"}),
        pegawai_id=pegawai.pegawai_id,
        npsn=pegawai.npsn,
        wilayah=None,
    )


def stored_push(uow: FakeBknSyncUnitOfWork, pegawai: Pegawai, **fields: Any) -> Push:
    """A push already in the database (its events, if any, long published)."""
    now = uow.clock.now()
    push = Push.queue(
        pegawai_id=pegawai.pegawai_id,
        jenis=fields.pop("jenis", JenisPush.SKP),
        periode=fields.pop("periode", PERIODE),
        bagian=fields.pop("bagian", ""),
        months=fields.pop("months", S1),
        payload=fields.pop("payload", {"skp_id": str(uuid.uuid4()), "atasan_id": None, "rhk": []}),
        version=fields.pop("source_version", 1),
        now=now,
    )
    for name, value in fields.items():
        setattr(push, name, value)
    uow.pushes.rows[push.id] = push
    return push
