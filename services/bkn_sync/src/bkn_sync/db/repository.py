"""bkn_sync's repositories: keyword-only data access over one unit of work's session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bkn_sync.db.tables import Conflict, PullCursor, Push, PushAttempt, SkpPlan
from bkn_sync.domain.push import PushStatus
from pmm_roster.projections import RosterPegawai, RosterPeriode, RosterSekolah

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


class PushRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.touched = False  # something became due: the unit of work wakes the worker after commit

    async def get(self, push_id: uuid.UUID, *, lock: bool = False) -> Push | None:
        return await self._session.get(Push, push_id, with_for_update=lock, populate_existing=lock)

    async def by_key(self, *, pegawai_id: uuid.UUID, jenis: str, periode: str, bagian: str) -> Push | None:
        query = select(Push).where(
            Push.pegawai_id == pegawai_id, Push.jenis == jenis, Push.periode == periode, Push.bagian == bagian
        )
        return (await self._session.execute(query.with_for_update())).scalar_one_or_none()

    def add(self, push: Push) -> None:
        self._session.add(push)
        self.touched = True

    def became_due(self) -> None:
        self.touched = True

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[Push]:
        ids = [
            row[0]
            for row in await self._session.execute(_CLAIM, {"now": now, "lease_until": lease_until, "limit": limit})
        ]
        if not ids:
            return []
        rows = await self._session.execute(
            select(Push).where(Push.id.in_(ids)).execution_options(populate_existing=True)
        )
        return list(rows.scalars())

    async def release(self, push_ids: Sequence[uuid.UUID]) -> None:
        if push_ids:
            await self._session.execute(update(Push).where(Push.id.in_(push_ids)).values(lease_until=None))

    async def requeue(
        self,
        *,
        now: datetime,
        codes: Sequence[str],
        pegawai_id: uuid.UUID | None = None,
        periode: str | None = None,
    ) -> int:
        """Failed pushes waiting for one of `codes` become due now (their fix may have arrived)."""
        conditions = [Push.status == PushStatus.FAILED.value, Push.failure_kode.in_(codes)]
        if pegawai_id is not None:
            conditions.append(Push.pegawai_id == pegawai_id)
        if periode is not None:
            conditions.append(Push.periode == periode)
        result = await self._session.execute(
            update(Push)
            .where(*conditions)
            .values(status=PushStatus.PENDING.value, next_attempt_at=now, attempts=0, updated_at=now)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            self.touched = True
        return count

    async def skip_penilaian(self, *, penilaian_id: str, now: datetime) -> int:
        result = await self._session.execute(
            update(Push)
            .where(Push.status.in_(DUE), Push.payload["penilaian_id"].astext == penilaian_id)
            .values(status=PushStatus.SKIPPED.value, next_attempt_at=None, updated_at=now, version=Push.version + 1)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def add_attempt(self, attempt: PushAttempt) -> None:
        self._session.add(attempt)

    async def of_pegawai(self, pegawai_id: uuid.UUID) -> list[Push]:
        query = select(Push).where(Push.pegawai_id == pegawai_id).order_by(Push.periode, Push.jenis, Push.bagian)
        return list((await self._session.execute(query)).scalars())

    async def attempts_of(self, push_ids: Sequence[uuid.UUID], *, per_push: int) -> dict[uuid.UUID, list[PushAttempt]]:
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
        result: dict[uuid.UUID, list[PushAttempt]] = {}
        for row in (await self._session.execute(query)).mappings():
            values = {k: row[k] for k in PushAttempt.model_fields}
            result.setdefault(row["push_id"], []).append(PushAttempt(**values))
        return result

    async def summary(self, *, kode_wilayah: str | None = None, npsn: str | None = None) -> list[dict[str, Any]]:
        """Counts by school, status and failure code, over the pegawai of a region or a school."""
        conditions = []
        if kode_wilayah is not None:
            conditions.append(RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True))
        if npsn is not None:
            conditions.append(RosterPegawai.npsn == npsn)
        query = (
            select(RosterPegawai.npsn, Push.status, Push.failure_kode, func.count().label("jumlah"))
            .join(RosterPegawai, RosterPegawai.pegawai_id == Push.pegawai_id)
            .where(*conditions)
            .group_by(RosterPegawai.npsn, Push.status, Push.failure_kode)
            .order_by(RosterPegawai.npsn, Push.status, Push.failure_kode)
        )
        return [dict(r) for r in (await self._session.execute(query)).mappings()]

    async def backlog(self) -> dict[str, int]:
        """Pushes BKN does not hold yet, by status: the rows of the worker's partial index, cheap to count."""
        query = select(Push.status, func.count()).where(Push.status.in_(DUE)).group_by(Push.status)
        return dict((await self._session.execute(query)).all())

    async def waiting_for_skp(
        self, *, kode_wilayah: str | None = None, npsn: str | None = None, pegawai_id: uuid.UUID | None = None
    ) -> set[uuid.UUID]:
        """Pushes held back because the SKP of the same pegawai and period has not reached BKN (see _CLAIM)."""
        skp = Push.__table__.alias("skp")
        conditions = [
            Push.status.in_(DUE),
            Push.jenis != "skp",
            select(skp.c.id)
            .where(
                skp.c.pegawai_id == Push.pegawai_id,
                skp.c.periode == Push.periode,
                skp.c.jenis == "skp",
                skp.c.status.in_(DUE),
            )
            .exists(),
        ]
        if pegawai_id is not None:
            conditions.append(Push.pegawai_id == pegawai_id)
        if kode_wilayah is not None:
            conditions.append(RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True))
        if npsn is not None:
            conditions.append(RosterPegawai.npsn == npsn)
        query = select(Push.id).join(RosterPegawai, RosterPegawai.pegawai_id == Push.pegawai_id).where(*conditions)
        return set((await self._session.execute(query)).scalars())

    async def per_pegawai(self, *, npsn: str) -> list[dict[str, Any]]:
        query = (
            select(RosterPegawai.pegawai_id, RosterPegawai.nama, Push.status, func.count().label("jumlah"))
            .join(Push, Push.pegawai_id == RosterPegawai.pegawai_id)
            .where(RosterPegawai.npsn == npsn)
            .group_by(RosterPegawai.pegawai_id, RosterPegawai.nama, Push.status)
            .order_by(RosterPegawai.nama, RosterPegawai.pegawai_id)
        )
        return [dict(r) for r in (await self._session.execute(query)).mappings()]

    async def succeeded_in(self, *, periode: str, kode_wilayah: str) -> list[tuple[Push, str]]:
        """Succeeded pushes of a period in a region, with the pegawai's NIP (for asking BKN what it holds)."""
        query = (
            select(Push, RosterPegawai.nip)
            .join(RosterPegawai, RosterPegawai.pegawai_id == Push.pegawai_id)
            .where(
                Push.periode == periode,
                Push.status == PushStatus.SUCCEEDED.value,
                RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True),
            )
            .order_by(RosterPegawai.nip, Push.jenis, Push.bagian)
        )
        return [(row[0], row[1]) for row in await self._session.execute(query)]


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, pegawai_id: uuid.UUID, periode: str) -> SkpPlan | None:
        return await self._session.get(SkpPlan, (pegawai_id, periode))

    async def upsert(self, values: dict[str, Any]) -> None:
        """Newer plan versions win, whatever order the events arrive in."""
        statement = pg_insert(SkpPlan).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["pegawai_id", "periode"],
            set_={k: statement.excluded[k] for k in values if k not in ("pegawai_id", "periode")},
            where=SkpPlan.__table__.c.version < statement.excluded.version,
        )
        await self._session.execute(statement)


class ConflictRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, conflict_id: uuid.UUID, *, lock: bool = False) -> Conflict | None:
        return await self._session.get(Conflict, conflict_id, with_for_update=lock)

    async def open_for(self, *, pegawai_id: uuid.UUID, periode: str, jenis: str) -> Conflict | None:
        query = select(Conflict).where(
            Conflict.pegawai_id == pegawai_id,
            Conflict.periode == periode,
            Conflict.jenis == jenis,
            Conflict.status == "open",
        )
        return (await self._session.execute(query.with_for_update())).scalar_one_or_none()

    def add(self, conflict: Conflict) -> None:
        self._session.add(conflict)

    async def of_pegawai(self, pegawai_id: uuid.UUID) -> list[Conflict]:
        query = select(Conflict).where(Conflict.pegawai_id == pegawai_id).order_by(Conflict.opened_at)
        return list((await self._session.execute(query)).scalars())

    async def in_region(self, *, kode_wilayah: str, status: str | None) -> list[tuple[Conflict, RosterPegawai]]:
        conditions = [RosterPegawai.kode_wilayah.startswith(kode_wilayah, autoescape=True)]
        if status is not None:
            conditions.append(Conflict.status == status)
        query = (
            select(Conflict, RosterPegawai)
            .join(RosterPegawai, RosterPegawai.pegawai_id == Conflict.pegawai_id)
            .where(*conditions)
            .order_by(Conflict.opened_at)
        )
        return [(row[0], row[1]) for row in await self._session.execute(query)]


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


class RosterRepository:
    """The roster projection's reads that bkn_sync needs beyond `pmm_roster.projections.RosterView`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def sekolah(self, npsn: str) -> RosterSekolah | None:
        return await self._session.get(RosterSekolah, npsn)

    async def periode(self, kode: str) -> RosterPeriode | None:
        return await self._session.get(RosterPeriode, kode)

    async def periods(self) -> list[RosterPeriode]:
        return list((await self._session.execute(select(RosterPeriode))).scalars())
