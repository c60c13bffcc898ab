"""bkn_sync's repositories: keyword-only data access over one unit of work's session.

They hand the use cases domain objects (`Push`, `Conflict`, `Plan`, `Attempt`, BKN periods) and take them back:
turning a domain object into its row, and a row into a domain object, happens here and nowhere else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from opentelemetry import propagate
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bkn_sync.db.tables import Conflict as ConflictRow
from bkn_sync.db.tables import PullCursor, PushAttempt, SkpPlan
from bkn_sync.db.tables import Push as PushRow
from bkn_sync.domain.conflict import Conflict, ConflictStatus, Keputusan, Plan
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import Attempt, JenisPush, Push, PushStatus
from pmm_roster.projections import RosterPegawai, RosterPeriode, RosterSekolah

Track = Callable[[Any], None]
_ATTEMPT_FIELDS = tuple(name for name in PushAttempt.model_fields if name != "id")

DUE = (PushStatus.PENDING.value, PushStatus.FAILED.value)

# A push that is due, not held by another worker, and (unless it is the SKP itself) not waiting for the SKP of the
# same pegawai and period: BKN refuses kinerja periodik without an approved SKP, so the SKP goes first.
_CLAIM = text(
    """
    WITH due AS (
        SELECT p.id FROM push p
        WHERE p.status IN ('pending', 'failed') AND p.next_attempt_at <= :now
          AND (p.lease_until IS NULL OR p.lease_until < :now)
          AND (p.jenis = 'skp' OR NOT EXISTS (
                SELECT 1 FROM push s
                WHERE s.pegawai_id = p.pegawai_id AND s.periode = p.periode AND s.jenis = 'skp'
                  AND s.status IN ('pending', 'failed')))
        ORDER BY (p.jenis <> 'skp'), p.next_attempt_at
        LIMIT :limit
        FOR UPDATE OF p SKIP LOCKED
    )
    UPDATE push SET lease_until = :lease_until FROM due WHERE push.id = due.id RETURNING push.id
    """
)


_MONTHS = ("tahun_mulai", "bulan_mulai", "tahun_selesai", "bulan_selesai")


def _push(row: PushRow) -> Push:
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


def _write_push(push: Push, row: PushRow) -> None:
    if push.months is not None:
        for name in _MONTHS:
            setattr(row, name, getattr(push.months, name))
    row.jenis, row.periode, row.bagian, row.pegawai_id = push.jenis.value, push.periode, push.bagian, push.pegawai_id
    row.payload, row.revision, row.source_version = push.payload, push.revision, push.source_version
    row.status, row.version, row.attempts = push.status.value, push.version, push.attempts
    row.next_attempt_at, row.lease_until = push.next_attempt_at, push.lease_until
    row.failure_kode, row.failure_detail = push.failure_kode, push.failure_detail
    row.bkn_id, row.succeeded_at, row.updated_at = push.bkn_id, push.succeeded_at, push.updated_at


def _attempt(row: PushAttempt) -> Attempt:
    return Attempt(
        push_id=row.push_id,
        revision=row.revision,
        attempt=row.attempt,
        started_at=row.started_at,
        duration_ms=row.duration_ms,
        outcome=row.outcome,
        http_status=row.http_status,
        kode=row.kode,
        detail=row.detail,
        trace_id=row.trace_id,
    )


def _trace_here() -> dict[str, str]:
    """The current trace context (the consumer's span): the BKN call for this content will continue it."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers


class PushRepository:
    def __init__(self, session: AsyncSession, track: Track) -> None:
        self._session = session
        self._track = track
        self._rows: dict[uuid.UUID, PushRow] = {}
        self.touched = False  # something became due: the unit of work wakes the worker after commit

    def _loaded(self, row: PushRow) -> Push:
        self._rows[row.id] = row
        push = _push(row)
        self._track(push)
        return push

    async def get(self, push_id: uuid.UUID, *, lock: bool = False) -> Push | None:
        row = await self._session.get(PushRow, push_id, with_for_update=lock, populate_existing=lock)
        return None if row is None else self._loaded(row)

    async def by_key(self, *, pegawai_id: uuid.UUID, jenis: JenisPush, periode: str, bagian: str) -> Push | None:
        """The push of one key, locked: a newer event's content and an attempt's outcome do not cross."""
        query = select(PushRow).where(
            PushRow.pegawai_id == pegawai_id,
            PushRow.jenis == jenis.value,
            PushRow.periode == periode,
            PushRow.bagian == bagian,
        )
        row = (await self._session.execute(query.with_for_update())).scalar_one_or_none()
        return None if row is None else self._loaded(row)

    def add(self, push: Push) -> None:
        push.trace = _trace_here()
        row = PushRow(id=push.id, created_at=push.created_at, trace_headers=push.trace)
        _write_push(push, row)
        self._session.add(row)
        self._rows[push.id] = row
        self._track(push)
        self.touched = self.touched or push.due_now()

    def save(self, push: Push) -> None:
        """Write a loaded push's new state to its row (flushed on commit)."""
        row = self._rows[push.id]
        if push.source_version != row.source_version:  # new content: its attempts continue the new event's trace
            push.trace = _trace_here()
            row.trace_headers = push.trace
        became_due = push.due_now() and (row.status != push.status.value or row.next_attempt_at != push.next_attempt_at)
        _write_push(push, row)
        self.touched = self.touched or became_due

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[Push]:
        ids = [
            row[0]
            for row in await self._session.execute(_CLAIM, {"now": now, "lease_until": lease_until, "limit": limit})
        ]
        if not ids:
            return []
        rows = await self._session.execute(
            select(PushRow).where(PushRow.id.in_(ids)).execution_options(populate_existing=True)
        )
        return [self._loaded(row) for row in rows.scalars()]

    async def release(self, push_ids: Sequence[uuid.UUID]) -> None:
        if push_ids:
            await self._session.execute(update(PushRow).where(PushRow.id.in_(push_ids)).values(lease_until=None))

    async def requeue(
        self,
        *,
        now: datetime,
        codes: Sequence[str],
        pegawai_id: uuid.UUID | None = None,
        periode: str | None = None,
    ) -> int:
        """Failed pushes waiting for one of `codes` become due now (their fix may have arrived)."""
        conditions = [PushRow.status == PushStatus.FAILED.value, PushRow.failure_kode.in_(codes)]
        if pegawai_id is not None:
            conditions.append(PushRow.pegawai_id == pegawai_id)
        if periode is not None:
            conditions.append(PushRow.periode == periode)
        result = await self._session.execute(
            update(PushRow)
            .where(*conditions)
            .values(status=PushStatus.PENDING.value, next_attempt_at=now, attempts=0, updated_at=now)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            self.touched = True
        return count

    async def skip_penilaian(self, *, penilaian_id: str, now: datetime) -> int:
        """What has not reached BKN yet of a penilaian's pushes is skipped."""
        result = await self._session.execute(
            update(PushRow)
            .where(PushRow.status.in_(DUE), PushRow.payload["penilaian_id"].astext == penilaian_id)
            .values(status=PushStatus.SKIPPED.value, next_attempt_at=None, updated_at=now, version=PushRow.version + 1)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def add_attempt(self, attempt: Attempt) -> None:
        self._session.add(PushAttempt(**{name: getattr(attempt, name) for name in _ATTEMPT_FIELDS}))

    async def of_pegawai(self, pegawai_id: uuid.UUID) -> list[Push]:
        query = (
            select(PushRow)
            .where(PushRow.pegawai_id == pegawai_id)
            .order_by(PushRow.periode, PushRow.jenis, PushRow.bagian)
        )
        return [_push(row) for row in (await self._session.execute(query)).scalars()]

    async def attempts_of(self, push_ids: Sequence[uuid.UUID], *, per_push: int) -> dict[uuid.UUID, list[Attempt]]:
        if not push_ids:
            return {}
        ranked = (
            select(
                PushAttempt,
                func.row_number().over(partition_by=PushAttempt.push_id, order_by=PushAttempt.id.desc()).label("rank"),
            )
            .where(PushAttempt.push_id.in_(push_ids))
            .subquery()
        )
        query = select(ranked).where(ranked.c.rank <= per_push).order_by(ranked.c.push_id, ranked.c.id)
        result: dict[uuid.UUID, list[Attempt]] = {}
        for row in (await self._session.execute(query)).mappings():
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
        return [dict(r) for r in (await self._session.execute(query)).mappings()]

    async def backlog(self) -> dict[str, int]:
        """Pushes BKN does not hold yet, by status: the rows of the worker's partial index, cheap to count."""
        query = select(PushRow.status, func.count()).where(PushRow.status.in_(DUE)).group_by(PushRow.status)
        return dict((await self._session.execute(query)).all())

    async def waiting_for_skp(
        self, *, kode_wilayah: str | None = None, npsn: str | None = None, pegawai_id: uuid.UUID | None = None
    ) -> set[uuid.UUID]:
        """Pushes held back because the SKP of the same pegawai and period has not reached BKN (see _CLAIM)."""
        skp = PushRow.__table__.alias("skp")
        conditions = [
            PushRow.status.in_(DUE),
            PushRow.jenis != "skp",
            select(skp.c.id)
            .where(
                skp.c.pegawai_id == PushRow.pegawai_id,
                skp.c.periode == PushRow.periode,
                skp.c.jenis == "skp",
                skp.c.status.in_(DUE),
            )
            .exists(),
        ]
        if pegawai_id is not None:
            conditions.append(PushRow.pegawai_id == pegawai_id)
        if kode_wilayah is not None:
            conditions.append(RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True))
        if npsn is not None:
            conditions.append(RosterPegawai.npsn == npsn)
        query = (
            select(PushRow.id).join(RosterPegawai, RosterPegawai.pegawai_id == PushRow.pegawai_id).where(*conditions)
        )
        return set((await self._session.execute(query)).scalars())

    async def per_pegawai(self, *, npsn: str) -> list[dict[str, Any]]:
        query = (
            select(RosterPegawai.pegawai_id, RosterPegawai.nama, PushRow.status, func.count().label("jumlah"))
            .join(PushRow, PushRow.pegawai_id == RosterPegawai.pegawai_id)
            .where(RosterPegawai.npsn == npsn)
            .group_by(RosterPegawai.pegawai_id, RosterPegawai.nama, PushRow.status)
            .order_by(RosterPegawai.nama, RosterPegawai.pegawai_id)
        )
        return [dict(r) for r in (await self._session.execute(query)).mappings()]

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
        return [(_push(row[0]), row[1]) for row in await self._session.execute(query)]


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, pegawai_id: uuid.UUID, periode: str, bagian: int = 1) -> Plan | None:
        row = await self._session.get(SkpPlan, (pegawai_id, periode, bagian))
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
        """Newer plan versions win, whatever order the events arrive in."""
        values: dict[str, Any] = {
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
        if plan.rhk is not None:
            values["rhk"] = plan.rhk
        statement = pg_insert(SkpPlan).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["pegawai_id", "periode", "bagian"],
            set_={k: statement.excluded[k] for k in values if k not in ("pegawai_id", "periode", "bagian")},
            where=SkpPlan.__table__.c.version < statement.excluded.version,
        )
        await self._session.execute(statement)


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
        query = select(ConflictRow).where(ConflictRow.pegawai_id == pegawai_id).order_by(ConflictRow.opened_at)
        return [_conflict(row) for row in (await self._session.execute(query)).scalars()]

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


def _months(row: RosterPeriode) -> BknPeriode:
    return BknPeriode.of_dates(date.fromisoformat(row.snapshot["mulai"]), date.fromisoformat(row.snapshot["selesai"]))


class RosterRepository:
    """The roster projection's reads that bkn_sync needs beyond `pmm_roster.projections.RosterView`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def sekolah(self, npsn: str) -> RosterSekolah | None:
        return await self._session.get(RosterSekolah, npsn)

    async def months_of(self, kode: str) -> BknPeriode | None:
        """BKN's months of a PMM period, if planning has sent the period."""
        row = await self._session.get(RosterPeriode, kode)
        return None if row is None else _months(row)

    async def periods(self) -> list[tuple[str, BknPeriode]]:
        """Every period planning has sent, with BKN's months of it."""
        rows = (await self._session.execute(select(RosterPeriode))).scalars()
        return [(row.kode, _months(row)) for row in rows]
