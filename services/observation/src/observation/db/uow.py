"""Observation's unit of work: the chassis transaction with observation's repositories and the roster view."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from observation.db.repository import BuktiRepository, PelaksanaanRepository, SkpSeenRepository, UnggahanRepository
from pmm_chassis.db.uow import UnitOfWork
from pmm_roster.projections import RosterView


class ObservationUnitOfWork(UnitOfWork):
    pelaksanaan: PelaksanaanRepository
    skp_seen: SkpSeenRepository
    bukti: BuktiRepository
    unggahan: UnggahanRepository
    roster: RosterView

    def open_repositories(self, session: AsyncSession) -> None:
        self.pelaksanaan = PelaksanaanRepository(session, self.track)
        self.skp_seen = SkpSeenRepository(session)
        self.bukti = BuktiRepository(session, self.track)
        self.unggahan = UnggahanRepository(session)
        self.roster = RosterView(session)

    async def commit(self) -> None:
        # A cycle opened here is written first, as the session's flush writes the other repositories' rows: what is
        # committed, its events and its audit record are one.
        await self.pelaksanaan.write_added()
        await super().commit()

    async def rollback(self) -> None:
        self.pelaksanaan.forget_added()
        await super().rollback()
