"""Reference catalogues: Rapor Pendidikan indicators (recommended first), RHK, BerAKHLAK."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from planning.api.deps import ActorDep, DepsDep
from planning.usecases import views
from pmm_chassis.http.plain import plain
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/katalog", tags=["katalog"], responses=PROBLEM_RESPONSES)


@router.get("/indikator/rekomendasi", summary="The indicators recommended for me, from my school's priorities")
async def recommended(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """The Rapor Pendidikan indicators recommended to the caller for praktik kinerja (step 2), from their school's
    priorities, in the school's order, each followed by its sub-indicators; only indicators of the caller's role
    (`peran`: `guru` or `kepala_sekolah`). With no usable priority, the role's default (D.1 for a guru, D.3 for a
    kepala sekolah). 404 for a caller who is not in the roster."""
    peran, indicators = await views.recommended_indicators(
        views.RecommendedIndicators(), uow=deps.uow(), deps=deps, actor=actor
    )
    return {"peran": peran, "catalog_version": deps.catalog.version, "items": [plain(i) for i in indicators]}


@router.get("/indikator", summary="Every indicator of the catalogue, or those a role's plan picks from")
async def indicators(
    deps: DepsDep,
    actor: ActorDep,
    peran: Annotated[str | None, Query(max_length=40, description="guru, kepala_sekolah or pengawas")] = None,
) -> dict[str, Any]:
    """Every indicator of the catalogue, parents before their sub-indicators, each with its role and the focus
    behaviours (recommended and to avoid) the observation rubric rates. With `peran`, only those a plan of that role
    picks from (a pengawas's are the kepala sekolah's, whom they accompany); 422 `katalog.peran_unknown` for another
    role. `catalog_version` names the versions of the catalogue files."""
    found = deps.catalog.indicators.values() if peran is None else deps.catalog.indicators_for(peran)
    return {"catalog_version": deps.catalog.version, "items": [plain(i) for i in found]}


@router.get("/rhk", summary="The RHK catalogue with points")
async def rhk(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """The RHK catalogue: each RHK's code, name, kategori (`pengembangan_kompetensi` or `tugas_tambahan`), unit,
    indicator of individual performance, aspect, points per unit under the 2024 policy, and the target range and
    default."""
    return {"catalog_version": deps.catalog.version, "items": [plain(i) for i in deps.catalog.rhk.values()]}


@router.get("/berakhlak", summary="The seven BerAKHLAK values with their panduan perilaku")
async def berakhlak(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """The seven BerAKHLAK core values (SE MenPANRB 20/2021), each with its three panduan perilaku: what a pegawai
    commits to in step 5."""
    return {"catalog_version": deps.catalog.version, "items": [plain(v) for v in deps.catalog.berakhlak]}
