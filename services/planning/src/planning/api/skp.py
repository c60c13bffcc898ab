"""The SKP routes: create, the six steps, submit, the atasan's queue and decisions, the operator's reset."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from planning import usecases
from planning.api.deps import ActorDep, DepsDep
from planning.api.schemas import (
    AlasanIn,
    CatatanIn,
    CreateSkp,
    DataDiriIn,
    EkspektasiIn,
    PegawaiOut,
    PraktikKinerjaIn,
    QueueItem,
    QueuePage,
    RhkListIn,
    SkpOut,
)
from planning.domain.skp import SkpStatus
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_chassis.http.preconditions import IfMatch, etag, version_check
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.errors import InvalidValue

router = APIRouter(tags=["skp"], responses=PROBLEM_RESPONSES)


def _out(deps: usecases.Deps, context: usecases.SkpContext, status_code: int = 200) -> JSONResponse:
    berakhlak = [{"kode": v.kode, "nama": v.nama, "panduan": list(v.panduan)} for v in deps.catalog.berakhlak]
    body = SkpOut.of(context, berakhlak).model_dump(mode="json")
    headers = {"ETag": etag(context.skp.version)}
    if status_code == 201:
        headers["Location"] = f"/api/v1/skp/{context.skp.id}"
    return JSONResponse(body, status_code=status_code, headers=headers)


@router.post("/skp", status_code=201, response_model=SkpOut, summary="Start my plan for a period")
async def create_skp(
    body: CreateSkp, request: Request, deps: DepsDep, actor: ActorDep, _key: IdempotencyKey = None
) -> Response:
    async def compute() -> JSONResponse:
        return _out(deps, await usecases.create_skp(deps, actor, periode=body.periode), 201)

    return await idempotent(request, actor=actor.subject, compute=compute)


# Declared before /skp/{skp_id}, which would otherwise take "saya" for a plan id and refuse it as no UUID.
@router.get("/skp/saya", response_model=SkpOut, summary="Read my own plan for a period")
async def read_my_skp(
    deps: DepsDep, actor: ActorDep, periode: Annotated[str, Query(max_length=40, examples=["2024-S1"])]
) -> Response:
    return _out(deps, await usecases.my_skp(deps, actor, periode=periode))


@router.get("/skp/{skp_id}", response_model=SkpOut, summary="Read a plan")
async def read_skp(skp_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    return _out(deps, await usecases.get_skp(deps, actor, skp_id))


@router.put("/skp/{skp_id}/data-diri", response_model=SkpOut, summary="Step 1: confirm or report my data")
async def put_data_diri(
    skp_id: uuid.UUID, body: DataDiriIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.save_data_diri(
        deps, actor, skp_id, version_check(if_match), sesuai=body.sesuai, catatan=body.catatan
    )
    return _out(deps, context)


@router.put("/skp/{skp_id}/praktik-kinerja", response_model=SkpOut, summary="Step 2: pick one indicator")
async def put_praktik_kinerja(
    skp_id: uuid.UUID, body: PraktikKinerjaIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.save_praktik_kinerja(
        deps, actor, skp_id, version_check(if_match), indikator=body.indikator
    )
    return _out(deps, context)


def _rhk(body: RhkListIn) -> list[usecases.RhkInput]:
    return [
        usecases.RhkInput(kode=r.kode, target_kuantitas=r.target_kuantitas, rhk_atasan=r.rhk_atasan) for r in body.rhk
    ]


@router.put("/skp/{skp_id}/pengembangan-kompetensi", response_model=SkpOut, summary="Step 3: RHK and targets")
async def put_pengembangan_kompetensi(
    skp_id: uuid.UUID, body: RhkListIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.save_pengembangan_kompetensi(deps, actor, skp_id, version_check(if_match), rhk=_rhk(body))
    return _out(deps, context)


@router.put("/skp/{skp_id}/tugas-tambahan", response_model=SkpOut, summary="Step 4: additional duties")
async def put_tugas_tambahan(
    skp_id: uuid.UUID, body: RhkListIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.save_tugas_tambahan(deps, actor, skp_id, version_check(if_match), rhk=_rhk(body))
    return _out(deps, context)


@router.put("/skp/{skp_id}/perilaku-kerja", response_model=SkpOut, summary="Step 5: commit to BerAKHLAK")
async def put_perilaku_kerja(skp_id: uuid.UUID, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None) -> Response:
    return _out(deps, await usecases.save_perilaku_kerja(deps, actor, skp_id, version_check(if_match)))


@router.put("/skp/{skp_id}/ekspektasi-pimpinan", response_model=SkpOut, summary="Atasan: special expectations")
async def put_ekspektasi(
    skp_id: uuid.UUID, body: EkspektasiIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.set_ekspektasi_khusus(
        deps, actor, skp_id, version_check(if_match), values=dict(body.ekspektasi_khusus)
    )
    return _out(deps, context)


@router.post("/skp/{skp_id}/submit", response_model=SkpOut, summary="Step 6: submit to my atasan")
async def submit(
    skp_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return _out(deps, await usecases.submit_skp(deps, actor, skp_id, version_check(if_match)))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.post("/skp/{skp_id}/approve", response_model=SkpOut, summary="Atasan: approve (disetujui)")
async def approve(
    skp_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return _out(deps, await usecases.approve_skp(deps, actor, skp_id, version_check(if_match)))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.post("/skp/{skp_id}/return", response_model=SkpOut, summary="Atasan: return with a note (dikembalikan)")
async def return_(
    skp_id: uuid.UUID,
    body: CatatanIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return _out(
            deps,
            await usecases.return_skp(deps, actor, skp_id, version_check(if_match), catatan=body.catatan),
        )

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.post("/skp/{skp_id}/reset", response_model=SkpOut, summary="Operator: reset an approved plan (audited)")
async def reset(
    skp_id: uuid.UUID,
    body: AlasanIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return _out(deps, await usecases.reset_skp(deps, actor, skp_id, version_check(if_match), alasan=body.alasan))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.get("/antrian-persetujuan", response_model=QueuePage, summary="Atasan: plans of the pegawai I appraise")
async def queue(
    deps: DepsDep,
    actor: ActorDep,
    status: SkpStatus | None = SkpStatus.DIAJUKAN,
    periode: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> QueuePage:
    position = decode_cursor(cursor)
    after = None
    if position is not None:
        try:
            after = (datetime.fromisoformat(position["at"]), uuid.UUID(position["id"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # any cursor we did not give out
            raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor") from exc
    rows = await usecases.approval_queue(
        deps, actor, status=status.value if status else None, periode=periode, after=after, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit and page[-1][0].submitted_at is not None:
        last = page[-1][0]
        next_cursor = encode_cursor({"at": last.submitted_at.isoformat(), "id": str(last.id)})
    return QueuePage(
        items=[
            QueueItem(
                skp_id=skp.id,
                periode=skp.periode,
                status=skp.status.value,
                version=skp.version,
                pegawai=PegawaiOut.of(pegawai, sekolah),
                submitted_at=skp.submitted_at,
            )
            for skp, pegawai, sekolah in page
        ],
        next_cursor=next_cursor,
    )
