"""Periods and their windows: read by everyone, opened and extended by operators (audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from planning import usecases
from planning.api.deps import ActorDep, DepsDep
from planning.api.schemas import ExtendWindowIn
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.errors import Forbidden, InvalidValue

router = APIRouter(prefix="/periode", tags=["periode"], responses=PROBLEM_RESPONSES)


class Opened(BaseModel):
    opened: list[str]


@router.get("", summary="Periods with their windows and extensions")
async def list_periods(deps: DepsDep, actor: ActorDep) -> list[dict[str, Any]]:
    return await usecases.list_periods(deps)


@router.post("/tahun/{tahun}", response_model=Opened, summary="Operator: open a year's periods from its policy")
async def open_year(tahun: int, deps: DepsDep, actor: ActorDep) -> Opened:
    if usecases.require_operator(actor) != "":
        # Periods are national (one policy for the country), like a window extension for everyone.
        raise Forbidden("only a national operator may open a year's periods", rule="periode.open_scope")
    if not 2000 <= tahun <= 2100:
        raise InvalidValue("tahun must be between 2000 and 2100", rule="periode.tahun_range", field="tahun")
    return Opened(opened=await usecases.open_periods(deps, year=tahun))


@router.post("/{kode}/perpanjangan", status_code=201, summary="Operator: extend a window (audited, published)")
async def extend(kode: str, body: ExtendWindowIn, deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return await usecases.extend_window(
        deps, actor, kode=kode, step=body.step, until=body.until, wilayah=body.wilayah, alasan=body.alasan
    )
