"""The five steps of a pelaksanaan: read it, and each party's part of each step (If-Match on every change)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from observation import usecases
from observation.api.deps import ActorDep, DepsDep
from observation.api.schemas import (
    DiskusiAtasanIn,
    DiskusiGuruIn,
    JadwalLainIn,
    ObservasiIn,
    PelaksanaanOut,
    PersiapanIn,
    RefleksiIn,
    UpayaIn,
)
from observation.domain.pelaksanaan import RubrikInput, Upaya
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.preconditions import IfMatch, etag, version_check
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["pelaksanaan"], responses=PROBLEM_RESPONSES)

Periode = Annotated[str, Query(min_length=1, max_length=40, examples=["2024-S1"])]


def out(context: usecases.Context) -> JSONResponse:
    body = PelaksanaanOut.of(context).model_dump(mode="json")
    return JSONResponse(body, headers={"ETag": etag(context.pelaksanaan.version)})


@router.get("/pelaksanaan/saya", response_model=PelaksanaanOut, summary="My pelaksanaan of a period")
async def mine(periode: Periode, deps: DepsDep, actor: ActorDep) -> Response:
    return out(await usecases.my_pelaksanaan(deps, actor, periode=periode))


@router.get("/pelaksanaan/{pelaksanaan_id}", response_model=PelaksanaanOut, summary="Read a pelaksanaan")
async def read(pelaksanaan_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    return out(await usecases.get_pelaksanaan(deps, actor, pelaksanaan_id))


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/persiapan",
    response_model=PelaksanaanOut,
    summary="Step 1 (guru): target behaviours, efforts, a proposed date",
)
async def put_persiapan(
    pelaksanaan_id: uuid.UUID, body: PersiapanIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.susun_persiapan(
        deps,
        actor,
        pelaksanaan_id,
        version_check(if_match),
        target_perilaku=list(body.target_perilaku),
        upaya=body.upaya,
        jadwal=body.jadwal,
    )
    return out(context)


@router.post(
    "/pelaksanaan/{pelaksanaan_id}/persiapan/setujui",
    response_model=PelaksanaanOut,
    summary="Step 1 (atasan): agree to the proposed date",
)
async def setujui(
    pelaksanaan_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return out(await usecases.setujui_jadwal(deps, actor, pelaksanaan_id, version_check(if_match)))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.post(
    "/pelaksanaan/{pelaksanaan_id}/persiapan/jadwal-lain",
    response_model=PelaksanaanOut,
    summary="Step 1 (atasan): propose another date",
)
async def jadwal_lain(
    pelaksanaan_id: uuid.UUID,
    body: JadwalLainIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return out(
            await usecases.usulkan_jadwal_lain(
                deps, actor, pelaksanaan_id, version_check(if_match), jadwal=body.jadwal, catatan=body.catatan
            )
        )

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.post(
    "/pelaksanaan/{pelaksanaan_id}/persiapan/terima",
    response_model=PelaksanaanOut,
    summary="Step 1 (guru): accept the atasan's date",
)
async def terima(
    pelaksanaan_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return out(await usecases.terima_jadwal(deps, actor, pelaksanaan_id, version_check(if_match)))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/observasi",
    response_model=PelaksanaanOut,
    summary="Step 2 (the pegawai's atasan only): the rubric of the observed lesson",
)
async def put_observasi(
    pelaksanaan_id: uuid.UUID, body: ObservasiIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.catat_observasi(
        deps,
        actor,
        pelaksanaan_id,
        version_check(if_match),
        mode=body.mode,
        items=[RubrikInput(perilaku=i.perilaku, nilai=i.nilai, catatan=i.catatan) for i in body.items],
        catatan=body.catatan,
    )
    return out(context)


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/diskusi/atasan",
    response_model=PelaksanaanOut,
    summary="Step 3 (atasan): notes, agreed goals, steps and schedule",
)
async def put_diskusi_atasan(
    pelaksanaan_id: uuid.UUID, body: DiskusiAtasanIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.catat_diskusi_atasan(
        deps,
        actor,
        pelaksanaan_id,
        version_check(if_match),
        catatan=body.catatan,
        tujuan=body.tujuan,
        langkah=body.langkah,
        jadwal=body.jadwal,
    )
    return out(context)


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/diskusi/guru", response_model=PelaksanaanOut, summary="Step 3 (guru): my notes"
)
async def put_diskusi_guru(
    pelaksanaan_id: uuid.UUID, body: DiskusiGuruIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.catat_diskusi_guru(
        deps, actor, pelaksanaan_id, version_check(if_match), catatan=body.catatan
    )
    return out(context)


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/upaya",
    response_model=PelaksanaanOut,
    summary="Step 4 (guru): the follow-up efforts, inside or outside the platform",
)
async def put_upaya(
    pelaksanaan_id: uuid.UUID, body: UpayaIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    items = [Upaya(deskripsi=u.deskripsi, tempat=u.tempat, tanggal=u.tanggal) for u in body.upaya]
    context = await usecases.catat_upaya(deps, actor, pelaksanaan_id, version_check(if_match), items=items)
    return out(context)


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/refleksi",
    response_model=PelaksanaanOut,
    summary="Step 5 (guru): the reflection; it completes the cycle",
)
async def put_refleksi(
    pelaksanaan_id: uuid.UUID, body: RefleksiIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.catat_refleksi(
        deps, actor, pelaksanaan_id, version_check(if_match), refleksi=body.refleksi
    )
    return out(context)
