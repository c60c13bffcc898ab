"""The penilaian routes: the list, one penilaian, the atasan's rating and finalisation, the operator's reopen and
perilaku-only mark, and the evaluation document."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from appraisal import usecases
from appraisal.api.deps import ActorDep, DepsDep
from appraisal.api.dokumen_pdf import render
from appraisal.api.schemas import AlasanIn, HanyaPerilakuIn, NilaiIn, PenilaianOut, PenilaianPage, item
from appraisal.domain.penilaian import Status
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_chassis.http.preconditions import IfMatch, etag, version_check
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.clock import today
from pmm_kernel.errors import InvalidValue

router = APIRouter(tags=["penilaian"], responses=PROBLEM_RESPONSES)


def _out(context: usecases.PenilaianContext) -> JSONResponse:
    body = PenilaianOut.of(context).model_dump(mode="json")
    return JSONResponse(body, headers={"ETag": etag(context.penilaian.version)})


@router.get("/penilaian", response_model=PenilaianPage, summary="My penilaian, those I appraise, my region's")
async def list_penilaian(
    deps: DepsDep,
    actor: ActorDep,
    periode: Annotated[str | None, Query(max_length=40)] = None,
    status: Status | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PenilaianPage:
    position = decode_cursor(cursor)
    after = None
    if position is not None:
        try:
            after = uuid.UUID(position["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor") from exc
    rows = await usecases.list_penilaian(
        deps, actor, periode=periode, status=status.value if status else None, after=after, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = encode_cursor({"id": str(page[-1][0].id)}) if len(rows) > limit else None
    return PenilaianPage(items=[item(p, pegawai) for p, pegawai in page], next_cursor=next_cursor)


@router.get("/penilaian/{penilaian_id}", response_model=PenilaianOut, summary="Read a penilaian")
async def read_penilaian(penilaian_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    return _out(await usecases.get_penilaian(deps, actor, penilaian_id))


@router.put(
    "/penilaian/{penilaian_id}/nilai",
    response_model=PenilaianOut,
    summary="Atasan: rate hasil kerja and perilaku kerja (a draft until finalised)",
)
async def put_nilai(
    penilaian_id: uuid.UUID, body: NilaiIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.rate(
        deps,
        actor,
        penilaian_id,
        version_check(if_match),
        hasil_kerja=body.hasil_kerja,
        perilaku_kerja=body.perilaku_kerja,
        umpan_balik=body.umpan_balik,
        catatan=body.catatan,
    )
    return _out(context)


@router.post(
    "/penilaian/{penilaian_id}/finalisasi",
    response_model=PenilaianOut,
    summary="Atasan: finalise (irreversible; publishes penilaian.finalized)",
)
async def finalisasi(
    penilaian_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return _out(await usecases.finalize(deps, actor, penilaian_id, version_check(if_match)))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.post(
    "/penilaian/{penilaian_id}/buka-kembali",
    response_model=PenilaianOut,
    summary="Operator: reopen a finalised penilaian (audited)",
)
async def buka_kembali(
    penilaian_id: uuid.UUID,
    body: AlasanIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    async def compute() -> JSONResponse:
        return _out(await usecases.reopen(deps, actor, penilaian_id, version_check(if_match), alasan=body.alasan))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.put(
    "/penilaian/{penilaian_id}/hanya-perilaku",
    response_model=PenilaianOut,
    summary="Operator: mark a pegawai appointed at the end of the period (rated on perilaku only; audited)",
)
async def put_hanya_perilaku(
    penilaian_id: uuid.UUID, body: HanyaPerilakuIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    context = await usecases.set_hanya_perilaku(
        deps, actor, penilaian_id, version_check(if_match), hanya_perilaku=body.hanya_perilaku, alasan=body.alasan
    )
    return _out(context)


@router.get(
    "/penilaian/{penilaian_id}/dokumen",
    summary="The evaluation document as a PDF (the pegawai and their atasan)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the document"}},
)
async def dokumen(penilaian_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    context = await usecases.dokumen(deps, actor, penilaian_id)
    name = f"evaluasi-kinerja-{context.penilaian.periode}-{str(context.penilaian.id)[:8]}.pdf"
    return Response(
        render(context, on=today(deps.clock)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )
