"""bkn_sync's unit of work: the chassis transaction with bkn_sync's repositories.

After a commit that made a push due it wakes this process's push worker, so a push goes out without waiting for
the next poll (other replicas find it on theirs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bkn_sync.db.repository import (
    ConflictRepository,
    CursorRepository,
    PlanRepository,
    PushRepository,
    ReadAhead,
    Roster,
    RosterRepository,
    Writes,
)
from pmm_chassis.db.uow import UnitOfWork
from pmm_roster.projections import RosterView


class BknSyncUnitOfWork(UnitOfWork):
    pushes: PushRepository
    plans: PlanRepository
    conflicts: ConflictRepository
    cursor: CursorRepository
    roster: RosterView
    roster_extra: RosterRepository

    def __init__(self, *args: Any, wake: Callable[[], None] = lambda: None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wake = wake

    def open_repositories(self, session: AsyncSession) -> None:
        self._writes = Writes(session)
        ahead = ReadAhead()
        self.pushes = PushRepository(session, self.track, self._writes)
        self.plans = PlanRepository(session, ahead)
        self.conflicts = ConflictRepository(session, self.track)
        self.cursor = CursorRepository(session)
        self.roster = Roster(session, ahead)
        self.roster_extra = RosterRepository(session, ahead)

    async def commit(self) -> None:
        await self._writes.send()  # the pushes' writes not sent yet go in the same transaction
        await super().commit()
        if self.pushes.touched:
            self.pushes.touched = False
            self.when_committed(self.wake)  # after the request's transaction, if it joined one

    async def rollback(self) -> None:
        self._writes.drop()
        await super().rollback()
