"""Planning's unit of work: the chassis transaction with planning's repositories."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from planning.db.koreksi import KoreksiRepository
from planning.db.repository import AuditRepository, PeriodeRepository, RosterRepository, SkpRepository
from pmm_chassis.db.uow import UnitOfWork


class PlanningUnitOfWork(UnitOfWork):
    skp: SkpRepository
    roster: RosterRepository
    periode: PeriodeRepository
    audit: AuditRepository
    koreksi: KoreksiRepository

    def open_repositories(self, session: AsyncSession) -> None:
        self.skp = SkpRepository(session, self.track)
        self.roster = RosterRepository(session)
        self.periode = PeriodeRepository(session)
        self.audit = AuditRepository(session)
        self.koreksi = KoreksiRepository(session, self.track)
