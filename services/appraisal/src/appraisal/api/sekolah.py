"""A school's predikat organisasi (set by the Dinas) and its predikat distribution (seen by its principal)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from appraisal.api.deps import ActorDep, DepsDep
from appraisal.api.schemas import DistribusiOut, PredikatOrganisasiIn
from appraisal.usecases import views
from appraisal.usecases.sekolah import SetPredikatOrganisasi, set_predikat_organisasi
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/sekolah", tags=["distribusi"], responses=PROBLEM_RESPONSES)

Npsn = Annotated[str, Path(pattern=r"^\d{8}$", description="the school's NPSN")]
Tahun = Annotated[int, Path(ge=2000, le=2100)]


class PredikatOrganisasiOut(BaseModel):
    npsn: str
    tahun: int
    predikat_organisasi: str


@router.put(
    "/{npsn}/predikat-organisasi/{tahun}",
    response_model=PredikatOrganisasiOut,
    summary="Operator of the Dinas: set the school's predikat organisasi for a year (audited)",
)
async def put_predikat_organisasi(
    npsn: Npsn, tahun: Tahun, body: PredikatOrganisasiIn, deps: DepsDep, actor: ActorDep
) -> PredikatOrganisasiOut:
    """An operator of the Dinas sets a school's predikat organisasi for a year (`istimewa`, `baik`, `butuh_perbaikan`,
    `kurang`, `sangat_kurang`), kept in the audit trail. It picks the pattern (SE MenPANRB 3/2023) the predikat of
    the school's pegawai should follow. An operator whose region holds the school only: a kepala sekolah may not
    grade their own school (403)."""
    cmd = SetPredikatOrganisasi(npsn=npsn, tahun=tahun, predikat_organisasi=body.predikat_organisasi.value)
    value = await set_predikat_organisasi(cmd, uow=deps.uow(), actor=actor)
    return PredikatOrganisasiOut(npsn=npsn, tahun=tahun, predikat_organisasi=value.value)


@router.get(
    "/{npsn}/distribusi",
    response_model=DistribusiOut,
    summary="The school's predikat distribution in a period, with warnings where it departs from the pattern",
)
async def get_distribusi(
    npsn: Npsn, deps: DepsDep, actor: ActorDep, periode: Annotated[str, Query(min_length=1, max_length=40)]
) -> DistribusiOut:
    """A school's predikat distribution in a period (finalised penilaian per predikat), its predikat organisasi for the
    period's year and, where the counts depart from the pattern that predikat calls for, warnings naming the rule,
    the count and the share. Warnings are for the kepala sekolah to look again, never a block: the atasan decides
    each predikat. Rules marked `assumption` are this system's reading of the SE's words. The school's kepala
    sekolah or an operator of its region."""
    query = views.GetDistribusi(npsn=npsn, periode=periode)
    return DistribusiOut.of(await views.get_distribusi(query, uow=deps.uow(), deps=deps, actor=actor))
