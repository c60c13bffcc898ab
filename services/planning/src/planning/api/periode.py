"""Periods and their windows: read by everyone, opened and extended by operators (audited)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from planning.api.deps import ActorDep, DepsDep
from planning.api.schemas import ExtendWindowIn
from planning.usecases import periode, views
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/periode", tags=["periode"], responses=PROBLEM_RESPONSES)


class Opened(BaseModel):
    opened: list[str]


@router.get("", summary="Periods with their windows and extensions")
async def list_periods(deps: DepsDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Every period planning has opened, as it publishes them: code (`2024-S1`, `2025-T`), name, jenis (`semester` or
    `tahunan`), dates, months, the policy year it follows, whether bukti dukung are uploaded, the competence-point
    range, the default window of each step (`perencanaan_guru`, `perencanaan_ks`, `pelaksanaan`, `penilaian`,
    `pemutakhiran_data` from 2025, and from 2026 `pra_perencanaan` and `persetujuan`, the atasan's decisions), the
    year's `penilaian_tahunan` window where the policy has one (2024), and every extension with its region and
    reason. Any signed-in caller."""
    return await views.list_periods(views.ListPeriods(), uow=deps.uow())


@router.post("/tahun/{tahun}", response_model=Opened, summary="Operator: open a year's periods from its policy")
async def open_year(tahun: int, deps: DepsDep, actor: ActorDep) -> Opened:
    """A national operator (`wilayah: ""`) opens the periods of a year from the policy file that applies to it; opening
    again changes nothing, and the answer names only the periods opened now. Each new period is published
    (`planning.periode.opened.v1`) with its windows. The current year's periods open by themselves when planning
    starts."""
    opened = await periode.open_year(periode.OpenYear(tahun=tahun), uow=deps.uow(), deps=deps, actor=actor)
    return Opened(opened=opened)


@router.post("/{kode}/perpanjangan", status_code=201, summary="Operator: extend a window (audited, published)")
async def extend(kode: str, body: ExtendWindowIn, deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """An operator extends a step's window of a period (`step`: `perencanaan_guru`, `perencanaan_ks`,
    `pemutakhiran_data`, `pra_perencanaan`, `persetujuan`, `pelaksanaan` or `penilaian`, as the period has them)
    until a later date, for a province or kabupaten/kota (`wilayah`, within their own region) or, for a national
    operator without `wilayah`, for everyone. The new date must be after the window's own close, and `alasan` (at
    least 5 characters) is kept in the audit trail. Published as `planning.periode.window_extended.v1`, so every
    service accepts that step until the new date in that region; an extension never shortens a window."""
    command = periode.ExtendWindow(
        kode=kode, step=body.step, until=body.until, wilayah=body.wilayah, alasan=body.alasan
    )
    granted = await periode.extend_window(command, uow=deps.uow(), deps=deps, actor=actor)
    return asdict(granted)
