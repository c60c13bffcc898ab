"""Reference catalogues: Rapor Pendidikan indicators (recommended first), RHK, BerAKHLAK."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from planning import usecases
from planning.api.deps import ActorDep, DepsDep
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/katalog", tags=["katalog"], responses=PROBLEM_RESPONSES)


@router.get("/indikator/rekomendasi", summary="The indicators recommended for me, from my school's priorities")
async def recommended(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    peran, indicators = await usecases.recommended_indicators(deps, actor)
    return {"peran": peran, "catalog_version": deps.catalog.version, "items": [asdict(i) for i in indicators]}


@router.get("/indikator", summary="Every indicator of the catalogue")
async def indicators(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return {
        "catalog_version": deps.catalog.version,
        "items": [asdict(i) for i in deps.catalog.indicators.values()],
    }


@router.get("/rhk", summary="The RHK catalogue with points")
async def rhk(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return {"catalog_version": deps.catalog.version, "items": [asdict(i) for i in deps.catalog.rhk.values()]}


@router.get("/berakhlak", summary="The seven BerAKHLAK values with their panduan perilaku")
async def berakhlak(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return {"catalog_version": deps.catalog.version, "items": [asdict(v) for v in deps.catalog.berakhlak]}
