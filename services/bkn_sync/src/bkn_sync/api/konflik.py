"""Conflicts: an approved plan that e-Kinerja now holds differently, kept for an operator's decision."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from bkn_sync import usecases
from bkn_sync.api.deps import ActorDep, DepsDep
from bkn_sync.api.schemas import KeputusanIn
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
    return await usecases.list_conflicts(deps, actor, kode_wilayah=wilayah, status=status)


@router.post("/{conflict_id}/keputusan", summary="Operator: decide a conflict (audited, published)")
async def decide(
    conflict_id: uuid.UUID,
    body: KeputusanIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        decided = await usecases.decide_conflict(deps, actor, conflict_id, keputusan=body.keputusan, alasan=body.alasan)
        return JSONResponse(jsonable_encoder(decided))

    return await idempotent(request, actor=actor.subject, compute=compute)
