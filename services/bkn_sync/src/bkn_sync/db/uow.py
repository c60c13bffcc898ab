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
    RosterRepository,
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
        self.pushes = PushRepository(session, self.track)
        self.plans = PlanRepository(session)
        self.conflicts = ConflictRepository(session, self.track)
        self.cursor = CursorRepository(session)
        self.roster = RosterView(session)
        self.roster_extra = RosterRepository(session)

    async def commit(self) -> None:
        await super().commit()
        if self.pushes.touched:
            self.pushes.touched = False
            self.when_committed(self.wake)  # after the request's transaction, if it joined one
