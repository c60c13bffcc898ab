"""A school's predikat organisasi: set by an operator of the Dinas for a year (SE MenPANRB 3/2023), audited.

It picks the pattern the predikat of the school's pegawai should follow; the distribution's warnings compare
with it (`views.get_distribusi`).
"""

from __future__ import annotations

from dataclasses import dataclass

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain import distribution
from appraisal.domain.access import TETAPKAN_PREDIKAT_ORGANISASI, Actor
from appraisal.usecases.views import load_school


@dataclass(frozen=True)
class SetPredikatOrganisasi:
    npsn: str
    tahun: int
    predikat_organisasi: str


async def set_predikat_organisasi(
    cmd: SetPredikatOrganisasi, *, uow: AppraisalUnitOfWork, actor: Actor
) -> distribution.PredikatOrganisasi:
    value = distribution.PredikatOrganisasi.parse(cmd.predikat_organisasi)
    async with uow:
        await load_school(uow, actor, cmd.npsn, TETAPKAN_PREDIKAT_ORGANISASI)
        await uow.predikat_organisasi.set(cmd.npsn, cmd.tahun, value.value, operator=actor.subject)
        uow.audit.record(
            actor=actor.subject,
            action="sekolah.predikat_organisasi",
            target=cmd.npsn,
            detail={"tahun": cmd.tahun, "predikat_organisasi": value.value},
        )
        await uow.commit()
    return value
