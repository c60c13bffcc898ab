"""bkn_sync's repositories: keyword-only data access over one unit of work's session.

They hand the use cases domain objects (`Push`, `Conflict`, `Plan`, `Attempt`, BKN periods) and take them back:
turning a domain object into its row, and a row into a domain object, happens here and nowhere else.

The consumer's hot path (an approved plan: its plan upserted, its pegawai and period read, its push found and
written) and the push worker's are plain Core over the tables, their statements built once: the ORM's entity
loading, statement building and flush were most of a message's CPU in the profile of `make bench`. The views and
the conflicts, read or changed an operator's request at a time, keep the ORM.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from opentelemetry import propagate
from sqlalchemy import (
    Float,
    String,
    Uuid,
    any_,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bkn_sync.db.tables import Conflict as ConflictRow
from bkn_sync.db.tables import PullCursor, PushAttempt, SkpPlan
from bkn_sync.db.tables import Push as PushRow
from bkn_sync.domain.conflict import Conflict, ConflictStatus, Keputusan, Plan
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import Attempt, JenisPush, Push, PushStatus
from pmm_chassis.db.arrays import array_parameters, unnested
from pmm_roster.projections import RosterPegawai, RosterPeriode, RosterSekolah, RosterView
from pmm_roster.records import PegawaiRecord

Track = Callable[[Any], None]
_ATTEMPT_FIELDS = tuple(name for name in PushAttempt.model_fields if name != "id")

DUE = (PushStatus.PENDING.value, PushStatus.FAILED.value)

_PUSH = PushRow.__table__
_ATTEMPT = PushAttempt.__table__
_PLAN = SkpPlan.__table__
_PEGAWAI = RosterPegawai.__table__
_PERIODE = RosterPeriode.__table__

# A push held back because the SKP of the same pegawai and period has not reached BKN: BKN refuses kinerja periodik
# without an approved SKP, so the SKP goes first. The claim skips these; the views show them as waiting.
_SKP = _PUSH.alias("skp")
_WAITS_FOR_SKP = (
    _PUSH.c.status.in_(DUE)
    & (_PUSH.c.jenis != JenisPush.SKP.value)
    & select(_SKP.c.id)
    .where(
        _SKP.c.pegawai_id == _PUSH.c.pegawai_id,
        _SKP.c.periode == _PUSH.c.periode,
        _SKP.c.jenis == JenisPush.SKP.value,
        _SKP.c.status.in_(DUE),
    )
    .exists()
)
# A push that is due, not held by another worker and not waiting for its SKP, leased; the leased rows come back
# whole, so the worker loads them in the same round trip.
# Due is the service's clock (retry times are the product's time); a lease is PostgreSQL's, one clock for every
# replica that no setting of the service's clock moves: were it the service's, a clock set forward (a replica's
# drift, a demo's or a test's day) would expire a lease while its attempt is in flight, and BKN would get it twice.
_DUE = (
    select(_PUSH.c.id)
    .where(
        _PUSH.c.status.in_(DUE),
        _PUSH.c.next_attempt_at <= bindparam("now"),
        or_(_PUSH.c.lease_until.is_(None), _PUSH.c.lease_until < func.now()),
        ~_WAITS_FOR_SKP,
    )
    .order_by(_PUSH.c.jenis != JenisPush.SKP.value, _PUSH.c.next_attempt_at)
    .limit(bindparam("limit"))
    .with_for_update(of=_PUSH, skip_locked=True)
    .cte("due")
)
_LEASE = func.make_interval(0, 0, 0, 0, 0, 0, bindparam("lease_seconds", type_=Float))
_CLAIM = update(_PUSH).where(_PUSH.c.id == _DUE.c.id).values(lease_until=func.now() + _LEASE).returning(*_PUSH.c)

_BY_ID = select(_PUSH).where(_PUSH.c.id == bindparam("push_id"))
_BY_ID_LOCKED = _BY_ID.with_for_update()
# The push of one key, locked: a newer event's content and an attempt's outcome do not cross.
_BY_KEY = (
    select(_PUSH)
    .where(
        _PUSH.c.pegawai_id == bindparam("pegawai_id"),
        _PUSH.c.jenis == bindparam("jenis"),
        _PUSH.c.periode == bindparam("periode"),
        _PUSH.c.bagian == bindparam("bagian"),
    )
    .with_for_update()
)
# The pushes of several keys, locked (a run of approved plans): the keys as one array per column (one statement text
# for any number of keys), the rows locked in the order of their ids, as every run locks them.
_LOCK_KEY_COLUMNS = {"pegawai_id": Uuid(), "jenis": String(), "periode": String(), "bagian": String()}
_KEYS = unnested("keys", "key", _LOCK_KEY_COLUMNS)
_BY_KEYS = (
    select(_PUSH)
    .join(
        _KEYS,
        (_PUSH.c.pegawai_id == _KEYS.c.pegawai_id)
        & (_PUSH.c.jenis == _KEYS.c.jenis)
        & (_PUSH.c.periode == _KEYS.c.periode)
        & (_PUSH.c.bagian == _KEYS.c.bagian),
    )
    .order_by(_PUSH.c.id)
    .with_for_update(of=_PUSH)
)
_INSERT_PUSH = insert(_PUSH)
# Its SET clause is the parameters given: every column a push's state has (`_push_values`), not its key.
_SAVE_PUSH = update(_PUSH).where(_PUSH.c.id == bindparam("saved_id"))
_RELEASE = update(_PUSH).where(_PUSH.c.id == any_(bindparam("push_ids", type_=ARRAY(Uuid)))).values(lease_until=None)
_SKIP_PENILAIAN = (
    update(_PUSH)
    .where(_PUSH.c.status.in_(DUE), _PUSH.c.payload["penilaian_id"].astext == bindparam("penilaian_id"))
    .values(
        status=PushStatus.SKIPPED.value,
        next_attempt_at=None,
        updated_at=bindparam("now"),
        version=_PUSH.c.version + 1,
    )
)
_INSERT_ATTEMPT = insert(_ATTEMPT)
# A pegawai's pushes, each with whether it waits for the SKP: one statement for the page a pegawai opens most.
_OF_PEGAWAI = (
    select(_PUSH, _WAITS_FOR_SKP.label("waiting_for_skp"))
    .where(_PUSH.c.pegawai_id == bindparam("pegawai_id"))
    .order_by(_PUSH.c.periode, _PUSH.c.jenis, _PUSH.c.bagian)
)
_RANKED_ATTEMPTS = (
    select(
        _ATTEMPT, func.row_number().over(partition_by=_ATTEMPT.c.push_id, order_by=_ATTEMPT.c.id.desc()).label("rank")
    )
    .where(_ATTEMPT.c.push_id == any_(bindparam("push_ids", type_=ARRAY(Uuid))))
    .subquery()
)
_RECENT_ATTEMPTS = (
    select(_RANKED_ATTEMPTS)
    .where(_RANKED_ATTEMPTS.c.rank <= bindparam("per_push"))
    .order_by(_RANKED_ATTEMPTS.c.push_id, _RANKED_ATTEMPTS.c.id)
)
_CONFLICTS_OF_PEGAWAI = (
    select(ConflictRow).where(ConflictRow.pegawai_id == bindparam("pegawai_id")).order_by(ConflictRow.opened_at)
)
_KEY_COLUMNS = frozenset({"id", "pegawai_id", "jenis", "periode", "bagian", "created_at"})


@cache
def _requeue(by_pegawai: bool, by_periode: bool) -> Any:
    """Failed pushes waiting for one of `codes` become due now, of some pegawai, one period, both or all."""
    conditions = [
        _PUSH.c.status == PushStatus.FAILED.value,
        # One array parameter, not an IN list: an expanding list is rendered anew at every execution.
        _PUSH.c.failure_kode == any_(bindparam("codes", type_=ARRAY(String))),
    ]
    if by_pegawai:
        conditions.append(_PUSH.c.pegawai_id == any_(bindparam("of_pegawai", type_=ARRAY(Uuid))))
    if by_periode:
        conditions.append(_PUSH.c.periode == bindparam("of_periode"))
    return (
        update(_PUSH)
        .where(*conditions)
        .values(
            status=PushStatus.PENDING.value,
            next_attempt_at=bindparam("now"),
            attempts=0,
            updated_at=bindparam("now"),
        )
    )


_MONTHS = ("tahun_mulai", "bulan_mulai", "tahun_selesai", "bulan_selesai")


def _push(row: Any) -> Push:
    parts = (row.tahun_mulai, row.bulan_mulai, row.tahun_selesai, row.bulan_selesai)
    months = None if None in parts else BknPeriode(*parts)  # type: ignore[arg-type]
    return Push(
        id=row.id,
        pegawai_id=row.pegawai_id,
        jenis=JenisPush(row.jenis),
        periode=row.periode,
        bagian=row.bagian,
        months=months,
        payload=row.payload,
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
        source_version=row.source_version,
        status=PushStatus(row.status),
        version=row.version,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        lease_until=row.lease_until,
        failure_kode=row.failure_kode,
        failure_detail=row.failure_detail,
        bkn_id=row.bkn_id,
        succeeded_at=row.succeeded_at,
        trace=dict(row.trace_headers or {}),
    )


def _push_values(push: Push) -> dict[str, Any]:
    """A push as its row's columns."""
    months = push.months
    return {
        "id": push.id,
        "pegawai_id": push.pegawai_id,
        "jenis": push.jenis.value,
        "periode": push.periode,
        "bagian": push.bagian,
        **{name: None if months is None else getattr(months, name) for name in _MONTHS},
        "payload": push.payload,
        "revision": push.revision,
        "source_version": push.source_version,
        "status": push.status.value,
        "version": push.version,
        "attempts": push.attempts,
        "next_attempt_at": push.next_attempt_at,
        "lease_until": push.lease_until,
        "failure_kode": push.failure_kode,
        "failure_detail": push.failure_detail,
        "bkn_id": push.bkn_id,
        "trace_headers": push.trace,
        "created_at": push.created_at,
        "updated_at": push.updated_at,
        "succeeded_at": push.succeeded_at,
    }


def _trace_here() -> dict[str, str]:
    """The current trace context (the consumer's span): the BKN call for this content will continue it."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers


class Writes:
    """What the repositories write without waiting for the database (a new push, a push's new state, an attempt):
    sent in the order it was written, before the unit of work's next read of the pushes (which must see it) and at
    its commit. A conflict's change pending in the session (the conflicts keep the ORM) goes first, so the tables
    and their audit trail get the changes in the order the use case made them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._pending: list[tuple[Any, dict[str, Any]]] = []

    def add(self, statement: Any, parameters: dict[str, Any]) -> None:
        self._pending.append((statement, parameters))

    def drop(self) -> None:
        """Forget what was not sent: the unit of work rolled back."""
        self._pending = []

    async def send(self) -> None:
        """Consecutive writes of one statement (a run's new pushes) go as one executemany: one round trip."""
        if self._session.new or self._session.dirty:
            await self._session.flush()
        pending, self._pending = self._pending, []
        for statement, group in itertools.groupby(pending, key=lambda write: write[0]):
            parameters = [write[1] for write in group]
            await self._session.execute(statement, parameters if len(parameters) > 1 else parameters[0])


class PushRepository:
    def __init__(self, session: AsyncSession, track: Track, writes: Writes) -> None:
        self._session = session
        self._track = track
        self._writes = writes
        # Each loaded or added push's columns as its row holds them: a save writes only a push that changed.
        self._stored: dict[uuid.UUID, dict[str, Any]] = {}
        self.touched = False  # something became due: the unit of work wakes the worker after commit
        self._locked_ahead: dict[tuple[uuid.UUID, str, str, str], Push | None] = {}  # `lock_keys`, by key

    def _loaded(self, row: Any) -> Push:
        push = _push(row)
        self._stored[push.id] = _push_values(push)
        self._track(push)
        return push

    async def _execute(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        """Every read and bulk change of the pushes sees what this unit of work wrote before it (and forgets what
        `lock_keys` read ahead: from now on, `by_key` reads again)."""
        self._locked_ahead = {}
        await self._writes.send()
        return await self._session.execute(statement, parameters)

    async def _one(self, statement: Any, parameters: dict[str, Any]) -> Push | None:
        row = (await self._execute(statement, parameters)).first()
        return None if row is None else self._loaded(row)

    async def get(self, push_id: uuid.UUID, *, lock: bool = False) -> Push | None:
        return await self._one(_BY_ID_LOCKED if lock else _BY_ID, {"push_id": push_id})

    async def by_key(self, *, pegawai_id: uuid.UUID, jenis: JenisPush, periode: str, bagian: str) -> Push | None:
        """The push of one key, locked: a newer event's content and an attempt's outcome do not cross."""
        key = (pegawai_id, jenis.value, periode, bagian)
        if key in self._locked_ahead:
            return self._locked_ahead.pop(key)
        return await self._one(
            _BY_KEY, {"pegawai_id": pegawai_id, "jenis": jenis.value, "periode": periode, "bagian": bagian}
        )

    async def lock_keys(self, keys: Sequence[tuple[uuid.UUID, JenisPush, str, str]]) -> None:
        """Lock the pushes of these keys (pegawai, kind, period, part) in one statement, so that `by_key` answers each
        of them (once) without a round trip: a run of approved plans finds its pushes together."""
        wanted = sorted({(pegawai_id, jenis.value, periode, bagian) for pegawai_id, jenis, periode, bagian in keys})
        rows = await self._execute(_BY_KEYS, array_parameters("key", list(_LOCK_KEY_COLUMNS), wanted))
        found = {(row.pegawai_id, row.jenis, row.periode, row.bagian): self._loaded(row) for row in rows}
        self._locked_ahead = {key: found.get(key) for key in wanted}

    def add(self, push: Push) -> None:
        push.trace = _trace_here()
        stored = _push_values(push)
        self._writes.add(_INSERT_PUSH, stored)
        self._stored[push.id] = stored
        self._track(push)
        self.touched = self.touched or push.due_now()

    def save(self, push: Push) -> None:
        """Write a loaded push's new state to its row (sent before the next read of the pushes, or on commit)."""
        stored = self._stored[push.id]
        if push.source_version != stored["source_version"]:  # new content: its attempts continue the new event's trace
            push.trace = _trace_here()
        changed = _push_values(push)
        if changed == stored:
            return
        became_due = push.due_now() and (
            stored["status"] != changed["status"] or stored["next_attempt_at"] != changed["next_attempt_at"]
        )
        state = {name: value for name, value in changed.items() if name not in _KEY_COLUMNS}
        self._writes.add(_SAVE_PUSH, {**state, "saved_id": push.id})
        self._stored[push.id] = changed
        self.touched = self.touched or became_due

    async def claim(self, *, now: datetime, lease_seconds: float, limit: int) -> list[Push]:
        rows = await self._execute(_CLAIM, {"now": now, "lease_seconds": lease_seconds, "limit": limit})
        return [self._loaded(row) for row in rows]

    async def release(self, push_ids: Sequence[uuid.UUID]) -> None:
        if push_ids:
            await self._execute(_RELEASE, {"push_ids": list(push_ids)})

    async def requeue(
        self,
        *,
        now: datetime,
        codes: Sequence[str],
        pegawai_ids: Sequence[uuid.UUID] | None = None,
        periode: str | None = None,
    ) -> int:
        """Failed pushes waiting for one of `codes` become due now (their fix may have arrived)."""
        of_pegawai = list(pegawai_ids) if pegawai_ids is not None else None
        result = await self._execute(
            _requeue(of_pegawai is not None, periode is not None),
            {"now": now, "codes": list(codes), "of_pegawai": of_pegawai, "of_periode": periode},
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            self.touched = True
        return count

    async def skip_penilaian(self, *, penilaian_id: str, now: datetime) -> int:
        """What has not reached BKN yet of a penilaian's pushes is skipped."""
        result = await self._execute(_SKIP_PENILAIAN, {"penilaian_id": penilaian_id, "now": now})
        return int(getattr(result, "rowcount", 0) or 0)

    def add_attempt(self, attempt: Attempt) -> None:
        self._writes.add(_INSERT_ATTEMPT, {name: getattr(attempt, name) for name in _ATTEMPT_FIELDS})

    async def of_pegawai(self, pegawai_id: uuid.UUID) -> list[tuple[Push, bool]]:
        """A pegawai's pushes, each with whether it waits for the SKP of its period to reach BKN."""
        rows = await self._execute(_OF_PEGAWAI, {"pegawai_id": pegawai_id})
        return [(_push(row), row.waiting_for_skp) for row in rows]

    async def attempts_of(self, push_ids: Sequence[uuid.UUID], *, per_push: int) -> dict[uuid.UUID, list[Attempt]]:
        if not push_ids:
            return {}
        result: dict[uuid.UUID, list[Attempt]] = {}
        rows = await self._execute(_RECENT_ATTEMPTS, {"push_ids": list(push_ids), "per_push": per_push})
        for row in rows.mappings():
            result.setdefault(row["push_id"], []).append(Attempt(**{k: row[k] for k in _ATTEMPT_FIELDS}))
        return result

    async def summary(self, *, kode_wilayah: str | None = None, npsn: str | None = None) -> list[dict[str, Any]]:
        """Counts by school, status and failure code, over the pegawai of a region or a school."""
        conditions = []
        if kode_wilayah is not None:
            conditions.append(RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True))
        if npsn is not None:
            conditions.append(RosterPegawai.npsn == npsn)
        query = (
            select(RosterPegawai.npsn, PushRow.status, PushRow.failure_kode, func.count().label("jumlah"))
            .join(RosterPegawai, RosterPegawai.pegawai_id == PushRow.pegawai_id)
            .where(*conditions)
            .group_by(RosterPegawai.npsn, PushRow.status, PushRow.failure_kode)
            .order_by(RosterPegawai.npsn, PushRow.status, PushRow.failure_kode)
        )
        return [dict(r) for r in (await self._execute(query)).mappings()]

    async def backlog(self) -> dict[str, int]:
        """Pushes BKN does not hold yet, by status: the rows of the worker's partial index, cheap to count."""
        query = select(PushRow.status, func.count()).where(PushRow.status.in_(DUE)).group_by(PushRow.status)
        return dict((await self._execute(query)).all())

    async def waiting_for_skp(self, *, kode_wilayah: str | None = None, npsn: str | None = None) -> set[uuid.UUID]:
        """Pushes of a region's or school's pegawai held back because the SKP of the same pegawai and period has not
        reached BKN (`_WAITS_FOR_SKP`)."""
        conditions = [_WAITS_FOR_SKP]
        if kode_wilayah is not None:
            conditions.append(RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True))
        if npsn is not None:
            conditions.append(RosterPegawai.npsn == npsn)
        query = (
            select(PushRow.id).join(RosterPegawai, RosterPegawai.pegawai_id == PushRow.pegawai_id).where(*conditions)
        )
        return set((await self._execute(query)).scalars())

    async def per_pegawai(self, *, npsn: str) -> list[dict[str, Any]]:
        query = (
            select(RosterPegawai.pegawai_id, RosterPegawai.nama, PushRow.status, func.count().label("jumlah"))
            .join(PushRow, PushRow.pegawai_id == RosterPegawai.pegawai_id)
            .where(RosterPegawai.npsn == npsn)
            .group_by(RosterPegawai.pegawai_id, RosterPegawai.nama, PushRow.status)
            .order_by(RosterPegawai.nama, RosterPegawai.pegawai_id)
        )
        return [dict(r) for r in (await self._execute(query)).mappings()]

    async def succeeded_in(self, *, periode: str, kode_wilayah: str) -> list[tuple[Push, str]]:
        """Succeeded pushes of a period in a region, with the pegawai's NIP (for asking BKN what it holds)."""
        query = (
            select(PushRow, RosterPegawai.nip)
            .join(RosterPegawai, RosterPegawai.pegawai_id == PushRow.pegawai_id)
            .where(
                PushRow.periode == periode,
                PushRow.status == PushStatus.SUCCEEDED.value,
                RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True),
            )
            .order_by(RosterPegawai.nip, PushRow.jenis, PushRow.bagian)
        )
        return [(_push(row[0]), row[1]) for row in await self._execute(query)]


class ReadAhead:
    """What a statement read for the use case's next question: an approved plan is followed by reading its pegawai
    (whether it goes to BKN at all) and its period's months, so the plan's upsert reads both in its round trip. Each
    answers its question once, in the unit of work that read it."""

    def __init__(self) -> None:
        self.pegawai: dict[uuid.UUID, Any] = {}
        self.periode_snapshots: dict[str, dict[str, Any] | None] = {}


_PLAN_KEY = ("pegawai_id", "periode", "bagian")
_PLAN_BY_KEY = select(_PLAN).where(*(_PLAN.c[name] == bindparam(name) for name in _PLAN_KEY))
_PERIODE_SNAPSHOT = select(_PERIODE.c.snapshot).where(_PERIODE.c.kode == bindparam("periode"))


@cache
def _save_plan() -> Any:
    """The upsert of a plan that carries no rows (reset, ended: it keeps its own), newer versions winning (an older
    or repeated event changes nothing), with the read-ahead of its pegawai's roster row and its period's definition.
    Approved plans, with their rows, go through `_save_plans`."""
    names = [c.name for c in _PLAN.c if c.name != "rhk"]
    upsert = pg_insert(_PLAN).values({name: bindparam(name) for name in names})
    upsert = upsert.on_conflict_do_update(
        index_elements=list(_PLAN_KEY),
        set_={name: upsert.excluded[name] for name in names if name not in _PLAN_KEY},
        where=_PLAN.c.version < upsert.excluded.version,
    )
    one = select(literal_column("1").label("one")).subquery("one")  # a row, whether the pegawai is known or not
    return (
        select(_PEGAWAI, _PERIODE_SNAPSHOT.scalar_subquery().label("periode_snapshot"))
        .select_from(one.outerjoin(_PEGAWAI, _PEGAWAI.c.pegawai_id == bindparam("pegawai_id")))
        .add_cte(upsert.cte("saved_plan"))
    )


@cache
def _save_plans() -> Any:
    """The upsert of approved plans, each with its rows, newer versions winning as in `_save_plan`: the plans come
    as one array per column, unnested (one statement text, prepared once, however many plans), and each plan's
    pegawai and period are read ahead."""
    names = [c.name for c in _PLAN.c]
    # The rows (a JSON array each) come as text: a list inside the array parameter would be taken for a dimension.
    types = {c.name: String() if c.name == "rhk" else c.type for c in _PLAN.c}
    rows = unnested("plans", "plan", {name: types[name] for name in names})
    columns = (cast(rows.c[name], JSONB) if name == "rhk" else rows.c[name] for name in names)
    upsert = pg_insert(_PLAN).from_select(names, select(*columns))
    upsert = upsert.on_conflict_do_update(
        index_elements=list(_PLAN_KEY),
        set_={name: upsert.excluded[name] for name in names if name not in _PLAN_KEY},
        where=_PLAN.c.version < upsert.excluded.version,
    )
    wanted = unnested("wanted", "plan", {"pegawai_id": Uuid(), "periode": String()})  # the plans' own arrays
    periode_snapshot = select(_PERIODE.c.snapshot).where(_PERIODE.c.kode == wanted.c.periode).scalar_subquery()
    return (
        select(
            wanted.c.pegawai_id.label("wanted_id"),
            wanted.c.periode.label("wanted_periode"),
            _PEGAWAI,
            periode_snapshot.label("periode_snapshot"),
        )
        .select_from(wanted.outerjoin(_PEGAWAI, _PEGAWAI.c.pegawai_id == wanted.c.pegawai_id))
        .add_cte(upsert.cte("saved_plans"))
    )


def _plan_values(plan: Plan, now: datetime) -> dict[str, Any]:
    return {
        "pegawai_id": plan.pegawai_id,
        "periode": plan.periode,
        "bagian": plan.bagian,
        "npsn": plan.npsn,
        "mulai": plan.mulai,
        "selesai": plan.selesai,
        "skp_id": plan.skp_id,
        "approved": plan.approved,
        "version": plan.version,
        "updated_at": now,
    }


class PlanRepository:
    def __init__(self, session: AsyncSession, ahead: ReadAhead) -> None:
        self._session = session
        self._ahead = ahead

    async def get(self, pegawai_id: uuid.UUID, periode: str, bagian: int = 1) -> Plan | None:
        parameters = {"pegawai_id": pegawai_id, "periode": periode, "bagian": bagian}
        row = (await self._session.execute(_PLAN_BY_KEY, parameters)).first()
        if row is None:
            return None
        return Plan(
            row.pegawai_id,
            row.periode,
            row.skp_id,
            row.approved,
            row.version,
            list(row.rhk),
            bagian=row.bagian,
            npsn=row.npsn,
            mulai=row.mulai,
            selesai=row.selesai,
        )

    async def save(self, plan: Plan, *, now: datetime) -> None:
        """A plan without its rows (reset, ended); newer plan versions win, whatever order the events arrive in."""
        if plan.rhk is not None:
            raise ValueError("a plan with its rows is saved with save_all")
        parameters = _plan_values(plan, now)
        row = (await self._session.execute(_save_plan(), parameters)).one()
        self._ahead.pegawai[plan.pegawai_id] = None if row.pegawai_id is None else row
        self._ahead.periode_snapshots[plan.periode] = row.periode_snapshot

    async def save_all(self, plans: Sequence[Plan], *, now: datetime) -> None:
        """`save` for approved plans (each with its rows) of distinct keys, in one statement that also reads each
        one's pegawai and period ahead."""
        if any(plan.rhk is None for plan in plans):
            raise ValueError("save_all saves plans with their rows")
        # Sorted by key: every run locks the rows it upserts in one order.
        ordered = sorted(plans, key=lambda plan: (str(plan.pegawai_id), plan.periode, plan.bagian))
        rows = [{**_plan_values(plan, now), "rhk": json.dumps(plan.rhk)} for plan in ordered]
        names = [c.name for c in _PLAN.c]
        parameters = array_parameters("plan", names, ([row[name] for name in names] for row in rows))
        for row in await self._session.execute(_save_plans(), parameters):
            self._ahead.pegawai[row.wanted_id] = None if row.pegawai_id is None else row
            self._ahead.periode_snapshots[row.wanted_periode] = row.periode_snapshot


def _conflict(row: ConflictRow) -> Conflict:
    return Conflict(
        id=row.id,
        pegawai_id=row.pegawai_id,
        periode=row.periode,
        jenis=row.jenis,
        fields=list(row.fields),
        pmm=row.pmm,
        bkn=row.bkn,
        opened_at=row.opened_at,
        status=ConflictStatus(row.status),
        version=row.version,
        keputusan=None if row.keputusan is None else Keputusan(row.keputusan),
        alasan=row.alasan,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def _write_conflict(conflict: Conflict, row: ConflictRow) -> None:
    row.pegawai_id, row.periode, row.jenis = conflict.pegawai_id, conflict.periode, conflict.jenis
    row.fields, row.pmm, row.bkn, row.opened_at = conflict.fields, conflict.pmm, conflict.bkn, conflict.opened_at
    row.status, row.version = conflict.status.value, conflict.version
    row.keputusan = None if conflict.keputusan is None else conflict.keputusan.value
    row.alasan, row.decided_by, row.decided_at = conflict.alasan, conflict.decided_by, conflict.decided_at


class ConflictRepository:
    def __init__(self, session: AsyncSession, track: Track) -> None:
        self._session = session
        self._track = track
        self._rows: dict[uuid.UUID, ConflictRow] = {}

    def _loaded(self, row: ConflictRow) -> Conflict:
        self._rows[row.id] = row
        conflict = _conflict(row)
        self._track(conflict)
        return conflict

    async def get(self, conflict_id: uuid.UUID, *, lock: bool = False) -> Conflict | None:
        row = await self._session.get(ConflictRow, conflict_id, with_for_update=lock)
        return None if row is None else self._loaded(row)

    async def open_for(self, *, pegawai_id: uuid.UUID, periode: str, jenis: str) -> Conflict | None:
        query = select(ConflictRow).where(
            ConflictRow.pegawai_id == pegawai_id,
            ConflictRow.periode == periode,
            ConflictRow.jenis == jenis,
            ConflictRow.status == ConflictStatus.OPEN.value,
        )
        row = (await self._session.execute(query.with_for_update())).scalar_one_or_none()
        return None if row is None else self._loaded(row)

    def add(self, conflict: Conflict) -> None:
        row = ConflictRow(id=conflict.id)
        _write_conflict(conflict, row)
        self._session.add(row)
        self._rows[conflict.id] = row
        self._track(conflict)

    def save(self, conflict: Conflict) -> None:
        _write_conflict(conflict, self._rows[conflict.id])

    async def of_pegawai(self, pegawai_id: uuid.UUID) -> list[Conflict]:
        rows = await self._session.execute(_CONFLICTS_OF_PEGAWAI, {"pegawai_id": pegawai_id})
        return [_conflict(row) for row in rows.scalars()]

    async def in_region(self, *, kode_wilayah: str, status: str | None) -> list[tuple[Conflict, str]]:
        """The conflicts about pegawai of a region, each with the pegawai's school (npsn)."""
        conditions = [RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True)]
        if status is not None:
            conditions.append(ConflictRow.status == status)
        query = (
            select(ConflictRow, RosterPegawai.npsn)
            .join(RosterPegawai, RosterPegawai.pegawai_id == ConflictRow.pegawai_id)
            .where(*conditions)
            .order_by(ConflictRow.opened_at)
        )
        return [(_conflict(row[0]), row[1]) for row in await self._session.execute(query)]


class CursorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def position(self, name: str, *, lock: bool = False) -> int:
        row = await self._session.get(PullCursor, name, with_for_update=lock, populate_existing=lock)
        return row.position if row is not None else 0

    async def advance(self, name: str, position: int, *, now: datetime) -> None:
        statement = pg_insert(PullCursor).values(name=name, position=position, updated_at=now)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["name"],
                set_={"position": statement.excluded.position, "updated_at": statement.excluded.updated_at},
                where=PullCursor.__table__.c.position < statement.excluded.position,
            )
        )


def _months(snapshot: dict[str, Any]) -> BknPeriode:
    return BknPeriode.of_dates(date.fromisoformat(snapshot["mulai"]), date.fromisoformat(snapshot["selesai"]))


class Roster(RosterView):
    """The roster projection's queries (`pmm_roster.projections.RosterView`); a pegawai read ahead by the plan's
    upsert is answered without a round trip."""

    def __init__(self, session: AsyncSession, ahead: ReadAhead) -> None:
        super().__init__(session)
        self._ahead = ahead

    async def pegawai(self, pegawai_id: uuid.UUID) -> PegawaiRecord | None:
        if pegawai_id in self._ahead.pegawai:
            return self._ahead.pegawai.pop(pegawai_id)
        return await super().pegawai(pegawai_id)


class RosterRepository:
    """The roster projection's reads that bkn_sync needs beyond `pmm_roster.projections.RosterView`."""

    def __init__(self, session: AsyncSession, ahead: ReadAhead) -> None:
        self._session = session
        self._ahead = ahead

    async def sekolah(self, npsn: str) -> RosterSekolah | None:
        return await self._session.get(RosterSekolah, npsn)

    async def months_of(self, kode: str) -> BknPeriode | None:
        """BKN's months of a PMM period, if planning has sent the period."""
        if kode in self._ahead.periode_snapshots:
            snapshot = self._ahead.periode_snapshots.pop(kode)
        else:
            snapshot = (await self._session.execute(_PERIODE_SNAPSHOT, {"periode": kode})).scalar_one_or_none()
        return None if snapshot is None else _months(snapshot)

    async def periods(self) -> list[tuple[str, BknPeriode]]:
        """Every period planning has sent, with BKN's months of it."""
        rows = (await self._session.execute(select(RosterPeriode))).scalars()
        return [(row.kode, _months(row.snapshot)) for row in rows]
