"""Sync state: a teacher's own, a pegawai's, a school's and a region's; retry now; the link to BKN; reconciliation."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from bkn_sync import usecases
from bkn_sync.api.deps import ActorDep, DepsDep
from bkn_sync.api.schemas import RekonsiliasiIn
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/sinkron", tags=["sinkron"], responses=PROBLEM_RESPONSES)


@router.get("/saya", summary="My pushes to BKN and their state")
async def mine(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return await usecases.own_sync_state(deps, actor)


@router.get("/pegawai/{pegawai_id}", summary="A pegawai's pushes, their attempts and conflicts")
async def pegawai(pegawai_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return await usecases.pegawai_sync_state(deps, actor, pegawai_id)


@router.get("/sekolah/{npsn}", summary="A school's sync state: counts by state and failure type, per pegawai")
async def sekolah(npsn: Annotated[str, Path(pattern=r"^\d{8}$")], deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return await usecases.sekolah_sync_state(deps, actor, npsn)


@router.get("/wilayah/{kode}", summary="Operator: a region's sync state by school, state and failure type")
async def wilayah(kode: Annotated[str, Path(pattern=r"^\d{2,6}$")], deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return await usecases.wilayah_sync_state(deps, actor, kode)


@router.post("/push/{push_id}/ulang", summary="Operator: retry a push now")
async def retry(
    push_id: uuid.UUID, request: Request, deps: DepsDep, actor: ActorDep, _key: IdempotencyKey = None
) -> Response:
    async def compute() -> JSONResponse:
        return JSONResponse(jsonable_encoder(await usecases.retry_push(deps, actor, push_id)))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.get("/bkn", summary="Operator: the link to BKN (circuit, rate-limit pause)")
async def bkn(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    return await usecases.bkn_status(deps, actor)


@router.post("/rekonsiliasi", summary="Operator: compare BKN with what it should hold; re-queue what is missing")
async def rekonsiliasi(body: RekonsiliasiIn, deps: DepsDep, actor: ActorDep) -> Response:
    # No Idempotency-Key: a keyed request holds one transaction until its answer is stored, and this one waits on BKN
    # for every pegawai of a region (minutes, at BKN's rate). It needs none either: run twice, it compares again and
    # re-queues only what is still missing, which the first run's queued pushes no longer are.
    report = await usecases.reconcile(deps, actor, periode=body.periode, kode_wilayah=body.wilayah)
    return JSONResponse(jsonable_encoder(report))
