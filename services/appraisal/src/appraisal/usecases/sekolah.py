"""A school's predikat organisasi: set by an operator of the Dinas for a year (SE MenPANRB 3/2023), audited.

It picks the pattern the predikat of the school's pegawai should follow; the distribution's warnings compare
with it (`views.get_distribusi`). It is the second step of the year's procedure (`usecases.organisasi`): where the
policy year makes the school's report wajib first, it waits for it (409 `organisasi.laporan_belum_dikirim`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain import distribution
from appraisal.domain.access import TETAPKAN_PREDIKAT_ORGANISASI, Actor
from appraisal.domain.organisasi import Peringatan
from appraisal.usecases.organisasi import urutan_predikat
from appraisal.usecases.views import load_school


@dataclass(frozen=True)
class SetPredikatOrganisasi:
    npsn: str
    tahun: int
    predikat_organisasi: str


@dataclass(frozen=True)
class PredikatOrganisasiDitetapkan:
    predikat_organisasi: distribution.PredikatOrganisasi
    policy_year: int
    peringatan: list[Peringatan] = field(default_factory=list)  # a step of the procedure that should come first


async def set_predikat_organisasi(
    cmd: SetPredikatOrganisasi, *, uow: AppraisalUnitOfWork, actor: Actor
) -> PredikatOrganisasiDitetapkan:
    value = distribution.PredikatOrganisasi.parse(cmd.predikat_organisasi)
    async with uow:
        await load_school(uow, actor, cmd.npsn, TETAPKAN_PREDIKAT_ORGANISASI)
        prosedur, peringatan = await urutan_predikat(uow, cmd.npsn, cmd.tahun)
        await uow.predikat_organisasi.set(cmd.npsn, cmd.tahun, value.value, operator=actor.subject)
        uow.audit.record(
            actor=actor.subject,
            action="sekolah.predikat_organisasi",
            target=cmd.npsn,
            detail={"tahun": cmd.tahun, "predikat_organisasi": value.value},
        )
        await uow.commit()
    return PredikatOrganisasiDitetapkan(value, prosedur.policy_year, peringatan)
