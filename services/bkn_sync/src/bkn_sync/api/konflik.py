"""Conflicts: an approved plan that e-Kinerja now holds differently, kept for an operator's decision."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from bkn_sync.api.deps import ActorDep, DepsDep
from bkn_sync.api.schemas import KeputusanIn
from bkn_sync.usecases import konflik, views
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/konflik", tags=["konflik"], responses=PROBLEM_RESPONSES)


@router.get("", summary="Operator: the conflicts of a region")
async def list_conflicts(
    deps: DepsDep,
    actor: ActorDep,
    wilayah: Annotated[str, Query(pattern=r"^\d{0,6}$", description="kode wilayah prefix")],
    status: Literal["open", "resolved"] | None = "open",
) -> list[dict[str, Any]]:
    """The conflicts of a region (`wilayah`, a kode wilayah prefix inside the operator's own; `""` for a national
    operator): approved SKP that e-Kinerja now holds differently, each with the fields that differ (never the
    values) and the school; `open` unless `status` says `resolved`. An operator only."""
    return await views.list_conflicts(views.ListConflicts(wilayah, status), uow=deps.uow(), actor=actor)


@router.post("/{conflict_id}/keputusan", summary="Operator: decide a conflict (audited, published)")
async def decide(
    conflict_id: uuid.UUID,
    body: KeputusanIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    _key: IdempotencyKey = None,
) -> Response:
    """An operator decides a conflict, with a reason (`alasan`, at least 5 characters) kept in the audit trail:
    `pertahankan_pmm` pushes PMM's approved plan again, overwriting BKN's; `terima_bkn` sends BKN's version to
    planning, where the approved plan changes only through an operator's audited reset. Published as
    `bkn_sync.conflict.resolved.v1`. An operator of the pegawai's region only; a decided conflict is a 409. Send an
    `Idempotency-Key`."""

    async def compute() -> JSONResponse:
        command = konflik.DecideConflict(conflict_id, keputusan=body.keputusan, alasan=body.alasan)
        decided = await konflik.decide_conflict(command, uow=deps.uow(), deps=deps, actor=actor)
        return JSONResponse(jsonable_encoder(decided))

    return await idempotent(request, actor=actor.subject, compute=compute)
