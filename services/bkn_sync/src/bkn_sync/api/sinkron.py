"""Sync state: a teacher's own, a pegawai's, a school's and a region's; retry now; the link to BKN; reconciliation."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from bkn_sync.api.deps import ActorDep, DepsDep
from bkn_sync.api.schemas import RekonsiliasiIn
from bkn_sync.usecases import push, views
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/sinkron", tags=["sinkron"], responses=PROBLEM_RESPONSES)


@router.get("/saya", summary="My pushes to BKN and their state")
async def mine(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """The caller's own pushes to BKN: for each (the SKP, each triwulan's kinerja periodik, the annual result, the
    angka kredit) its state (`pending`, `succeeded`, `failed`, `skipped`), the last attempts and, for a failure, its
    type, who can fix it (`guru`, `operator_sekolah`, `dinas`, `bkn`, `pmm`) and what to do; with any conflict about
    their SKP. 404 for a caller who is not in the roster."""
    return await views.own_sync_state(uow=deps.uow(), actor=actor)


@router.get("/pegawai/{pegawai_id}", summary="A pegawai's pushes, their attempts and conflicts")
async def pegawai(pegawai_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """One pegawai's pushes, their recent attempts and their conflicts, as in `GET /sinkron/saya`. Visible to the
    pegawai, the kepala sekolah of their school and an operator of the school's region; to anyone else the pegawai
    does not exist (404)."""
    return await views.pegawai_sync_state(views.PegawaiSyncState(pegawai_id), uow=deps.uow(), actor=actor)


@router.get("/sekolah/{npsn}", summary="A school's sync state: counts by state and failure type, per pegawai")
async def sekolah(npsn: Annotated[str, Path(pattern=r"^\d{8}$")], deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """A school's sync state: pushes by state, open failures by type with who fixes them, how many wait for their SKP
    push, and each pegawai's counts. The school's kepala sekolah or an operator of its region; to anyone else the
    school does not exist (404)."""
    return await views.sekolah_sync_state(views.SekolahSyncState(npsn), uow=deps.uow(), actor=actor)


@router.get("/wilayah/{kode}", summary="Operator: a region's sync state by school, state and failure type")
async def wilayah(kode: Annotated[str, Path(pattern=r"^\d{2,6}$")], deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """A region's sync state (`kode`: a province, a kabupaten/kota or a longer prefix): pushes by state, open failures
    by type with who fixes them, pushes waiting for their SKP, open conflicts, the same per school, and the state of
    this process's link to BKN. An operator whose region contains `kode` only."""
    return await views.wilayah_sync_state(views.WilayahSyncState(kode), uow=deps.uow(), deps=deps, actor=actor)


@router.post("/push/{push_id}/ulang", summary="Operator: retry a push now")
async def retry(
    push_id: uuid.UUID, request: Request, deps: DepsDep, actor: ActorDep, _key: IdempotencyKey = None
) -> Response:
    """An operator's "retry now": a failed or waiting push becomes due at once, its attempts counted afresh (it still
    goes at BKN's pace). 409 `push.already_succeeded` for a push BKN already acknowledged. An operator of the
    pegawai's region only. Send an `Idempotency-Key`."""

    async def compute() -> JSONResponse:
        retried = await push.retry_push(push.RetryPush(push_id), uow=deps.uow(), deps=deps, actor=actor)
        return JSONResponse(jsonable_encoder(retried))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.get("/bkn", summary="Operator: the link to BKN (circuit, rate-limit pause)")
async def bkn(deps: DepsDep, actor: ActorDep) -> dict[str, Any]:
    """The link to BKN as this process sees it: whether the circuit breaker is open (BKN failing: calls paused), and
    any pause BKN asked for with a 429. In a cluster this is the answering API pod; the dashboard shows the workers
    that push. Any operator."""
    return await views.bkn_status(deps=deps, actor=actor)


@router.post("/rekonsiliasi", summary="Operator: compare BKN with what it should hold; re-queue what is missing")
async def rekonsiliasi(body: RekonsiliasiIn, deps: DepsDep, actor: ActorDep) -> Response:
    # No Idempotency-Key: a keyed request holds one transaction until its answer is stored, and this one waits on BKN
    # for every pegawai of a region (minutes, at BKN's rate). It needs none either: run twice, it compares again and
    # re-queues only what is still missing, which the first run's queued pushes no longer are.
    """An operator compares what BKN holds with what it should hold for a `periode` in a region (`wilayah`, inside
    theirs): each push that succeeded is checked at BKN, one request per pegawai at BKN's pace; what is missing
    there is queued again, what differs is reported, and what could not be checked (BKN down) is counted as
    `unreachable`. Takes as long as BKN needs (minutes for a region) and takes no `Idempotency-Key`: run again, it
    re-queues only what is still missing."""
    command = push.Reconcile(periode=body.periode, kode_wilayah=body.wilayah)
    report = await push.reconcile(command, uow=deps.uow(), deps=deps, actor=actor)
    return JSONResponse(jsonable_encoder(report))
