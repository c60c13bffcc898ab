"""A school's predikat organisasi (set by the Dinas), the results its principal sends the Dinas first, and its
predikat distribution (seen by its principal): the procedure of SE MenPANRB 3/2023 (docs/domain.md §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from appraisal.api.deps import ActorDep, DepsDep
from appraisal.api.schemas import DistribusiOut, PredikatOrganisasiIn
from appraisal.domain.organisasi import Peringatan
from appraisal.usecases import organisasi, views
from appraisal.usecases.sekolah import SetPredikatOrganisasi, set_predikat_organisasi
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/sekolah", tags=["distribusi"], responses=PROBLEM_RESPONSES)

Npsn = Annotated[str, Path(pattern=r"^\d{8}$", description="the school's NPSN")]
Tahun = Annotated[int, Path(ge=2000, le=2100)]


class UrutanOut(BaseModel):
    rule: str = Field(description="organisasi.laporan_belum_dikirim, organisasi.predikat_belum_ditetapkan")
    message: str
    langkah: str | None = Field(description="the step of the procedure not done yet")

    @classmethod
    def of(cls, p: Peringatan) -> UrutanOut:
        return cls(rule=p.rule, message=p.message, langkah=p.langkah.value if p.langkah else None)


class PredikatOrganisasiOut(BaseModel):
    npsn: str
    tahun: int
    predikat_organisasi: str
    policy_year: int | None = None
    peringatan: list[UrutanOut] = Field(default_factory=list, description="a step that should have come first")


class LangkahOut(BaseModel):
    langkah: str = Field(description="laporan_sekolah, predikat_organisasi or finalisasi, in the year's order")
    wajib: bool = Field(description="the next step is refused until this one is done")
    selesai: bool | None = Field(description="done for the school; null for finalisasi, each penilaian's own step")


class LaporanOut(BaseModel):
    pegawai_id: str
    nama: str | None = Field(description="the kepala sekolah who sent it")
    dikirim_at: datetime
    counts: dict[str, dict[str, int]] = Field(description="by evaluation (periode): rated and final predikat then")


class ProsedurOut(BaseModel):
    """Where the school stands in the year's procedure of the predikat organisasi (SE MenPANRB 3/2023)."""

    npsn: str
    tahun: int
    policy_year: int
    langkah: list[LangkahOut]
    assumption: bool = Field(description="the order is this system's reading (docs/domain.md §6)")
    laporan_dikirim: bool
    laporan: LaporanOut | None
    predikat_organisasi: str | None
    peringatan: list[UrutanOut] = Field(default_factory=list)

    @classmethod
    def of(cls, view: organisasi.ProsedurView) -> ProsedurOut:
        laporan = view.laporan
        done = {"laporan_sekolah": laporan is not None, "predikat_organisasi": view.predikat_organisasi is not None}
        return cls(
            npsn=view.npsn,
            tahun=view.tahun,
            policy_year=view.policy_year,
            langkah=[
                LangkahOut(langkah=s.langkah.value, wajib=s.wajib, selesai=done.get(s.langkah.value))
                for s in view.prosedur.langkah
            ],
            assumption=view.prosedur.assumption,
            laporan_dikirim=laporan is not None,
            laporan=LaporanOut(
                pegawai_id=str(laporan.pegawai_id),
                nama=view.pengirim,
                dikirim_at=laporan.dikirim_at,
                counts={k: {p.value: n for p, n in t.items()} for k, t in laporan.counts.items()},
            )
            if laporan
            else None,
            predikat_organisasi=view.predikat_organisasi.value if view.predikat_organisasi else None,
            peringatan=[UrutanOut.of(p) for p in view.peringatan],
        )


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
    grade their own school (403). Where the year's procedure makes the school's report wajib first, it waits for it
    (409 `organisasi.laporan_belum_dikirim`); where the report should come first but is not wajib, `peringatan` says
    so."""
    cmd = SetPredikatOrganisasi(npsn=npsn, tahun=tahun, predikat_organisasi=body.predikat_organisasi.value)
    done = await set_predikat_organisasi(cmd, uow=deps.uow(), actor=actor)
    return PredikatOrganisasiOut(
        npsn=npsn,
        tahun=tahun,
        predikat_organisasi=done.predikat_organisasi.value,
        policy_year=done.policy_year,
        peringatan=[UrutanOut.of(p) for p in done.peringatan],
    )


@router.get(
    "/{npsn}/predikat-organisasi/{tahun}",
    response_model=ProsedurOut,
    summary="The school's predikat organisasi for a year, with whether its report was sent and its counts",
)
async def get_predikat_organisasi(npsn: Npsn, tahun: Tahun, deps: DepsDep, actor: ActorDep) -> ProsedurOut:
    """For the Dinas deciding a school's predikat organisasi: the year's procedure in order (which step is wajib
    before the next), whether the kepala sekolah sent the school's results and the predikat counts they sent, and the
    predikat organisasi if set. The school's kepala sekolah or an operator of its region."""
    query = organisasi.GetProsedur(npsn=npsn, tahun=tahun)
    return ProsedurOut.of(await organisasi.get_prosedur(query, uow=deps.uow(), actor=actor))


@router.post(
    "/{npsn}/laporan-kinerja",
    response_model=ProsedurOut,
    status_code=201,
    summary="Kepala sekolah: send the school's results for a year to the Dinas (once; audited)",
)
async def post_laporan_kinerja(
    npsn: Npsn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    tahun: Annotated[int, Query(ge=2000, le=2100)],
    _key: IdempotencyKey = None,
) -> Response:
    """The first step of the predikat organisasi (SE MenPANRB 3/2023): the school's kepala sekolah sends its results
    to the Dinas. Kept with who sent it, when, and the predikat counts of the school's rated and final penilaian of
    each of the year's evaluations at that moment; in the audit trail. Once a year (409
    `organisasi.laporan_sudah_dikirim`); the school's kepala sekolah only (an operator: 403). Send an
    `Idempotency-Key`."""
    cmd = organisasi.KirimLaporan(npsn=npsn, tahun=tahun)

    async def compute() -> JSONResponse:
        view = await organisasi.kirim_laporan(cmd, uow=deps.uow(), deps=deps, actor=actor)
        return JSONResponse(ProsedurOut.of(view).model_dump(mode="json"), status_code=201)

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.get(
    "/{npsn}/laporan-kinerja",
    response_model=ProsedurOut,
    summary="Whether the school's results for a year were sent to the Dinas, and what they said",
)
async def get_laporan_kinerja(
    npsn: Npsn, deps: DepsDep, actor: ActorDep, tahun: Annotated[int, Query(ge=2000, le=2100)]
) -> ProsedurOut:
    """The school's report for the year (who sent it, when, its predikat counts) or that it was not sent yet, with the
    year's procedure and the predikat organisasi. The school's kepala sekolah or an operator of its region."""
    query = organisasi.GetProsedur(npsn=npsn, tahun=tahun)
    return ProsedurOut.of(await organisasi.get_prosedur(query, uow=deps.uow(), actor=actor))


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
