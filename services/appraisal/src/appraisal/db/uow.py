"""Appraisal's unit of work: the chassis transaction with appraisal's repositories and its roster projection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.db.organisasi import LaporanOrganisasiRepository
from appraisal.db.repository import (
    AppraisalRoster,
    AuditRepository,
    MonitoringNamaRepository,
    MonitoringRepository,
    PenilaianRepository,
    PredikatOrganisasiRepository,
    SkpMonitorRepository,
)
from pmm_chassis.db.uow import UnitOfWork
from pmm_roster.projections import RosterView


class AppraisalUnitOfWork(UnitOfWork):
    penilaian: PenilaianRepository
    roster: RosterView
    roster_extra: AppraisalRoster
    skp_monitor: SkpMonitorRepository
    predikat_organisasi: PredikatOrganisasiRepository
    laporan_organisasi: LaporanOrganisasiRepository
    audit: AuditRepository
    monitoring: MonitoringRepository
    monitoring_nama: MonitoringNamaRepository

    def open_repositories(self, session: AsyncSession) -> None:
        self.roster = RosterView(session)
        self.roster_extra = AppraisalRoster(session)
        self.penilaian = PenilaianRepository(session, self.track, self.roster_extra)
        self.skp_monitor = SkpMonitorRepository(session)
        self.predikat_organisasi = PredikatOrganisasiRepository(session)
        self.laporan_organisasi = LaporanOrganisasiRepository(session)
        self.audit = AuditRepository(session)
        self.monitoring = MonitoringRepository(session)
        self.monitoring_nama = MonitoringNamaRepository(session)
