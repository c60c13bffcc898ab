"""The school's report to the Dinas (laporan kinerja sekolah) and the policy year of a calendar year: the table and
its repository (docs/domain.md §6 "Distribution"; the procedure in `appraisal.domain.organisasi`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

import appraisal.db.tables  # noqa: F401  (the service's tables and the chassis naming convention share one metadata)
from appraisal.domain.organisasi import LaporanSekolah
from appraisal.domain.predikat import Predikat
from pmm_kernel.errors import StateConflict
from pmm_roster.projections import RosterPeriode


class LaporanOrganisasiRow(SQLModel, table=True):
    """What a kepala sekolah sent the Dinas for their school and year: once, with the predikat counts of that
    moment (SE MenPANRB 3/2023, the first step of the predikat organisasi)."""

    __tablename__ = "laporan_organisasi"

    npsn: str = Field(primary_key=True)
    tahun: int = Field(primary_key=True)
    policy_year: int
    pegawai_id: uuid.UUID
    dikirim_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()"))
    )
    counts: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))


class LaporanOrganisasiRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, npsn: str, tahun: int) -> LaporanSekolah | None:
        row = await self._session.get(LaporanOrganisasiRow, (npsn, tahun))
        if row is None:
            return None
        return LaporanSekolah(
            npsn=row.npsn,
            tahun=row.tahun,
            policy_year=row.policy_year,
            pegawai_id=row.pegawai_id,
            dikirim_at=row.dikirim_at,
            counts={kode: {Predikat(p): n for p, n in tally.items()} for kode, tally in row.counts.items()},
        )

    async def add(self, laporan: LaporanSekolah) -> None:
        """Keep the report; a school's second report for the same year is refused (the first one stands)."""
        statement = (
            pg_insert(LaporanOrganisasiRow)
            .values(
                npsn=laporan.npsn,
                tahun=laporan.tahun,
                policy_year=laporan.policy_year,
                pegawai_id=laporan.pegawai_id,
                dikirim_at=laporan.dikirim_at,
                counts={kode: {p.value: n for p, n in tally.items()} for kode, tally in laporan.counts.items()},
            )
            .on_conflict_do_nothing(index_elements=["npsn", "tahun"])
            .returning(LaporanOrganisasiRow.__table__.c.npsn)
        )
        if (await self._session.execute(statement)).first() is None:
            raise StateConflict(
                f"the school's results for {laporan.tahun} were already sent to the Dinas",
                rule="organisasi.laporan_sudah_dikirim",
                field="tahun",
            )

    async def policy_year(self, tahun: int) -> int | None:
        """The policy year planning announced for `tahun`'s periods, or None while none of them has arrived."""
        query = (
            select(RosterPeriode.snapshot["policy_year"].as_integer())
            .where(RosterPeriode.snapshot["tahun"].as_integer() == tahun)
            .where(RosterPeriode.snapshot["policy_year"].is_not(None))
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()
