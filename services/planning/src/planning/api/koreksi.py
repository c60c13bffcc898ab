"""Correction reports: a pegawai reports wrong roster data about themselves; the operator's worklist."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from planning.api.deps import ActorDep, DepsDep
from planning.domain.koreksi import FIELDS, MAX_CATATAN, MAX_NILAI, KoreksiStatus
from planning.usecases import koreksi, views
from planning.usecases.views import KoreksiContext
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_chassis.http.preconditions import IfMatch, etag
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.errors import InvalidValue
from pmm_kernel.versions import ExpectedVersion

router = APIRouter(tags=["koreksi"], responses=PROBLEM_RESPONSES)


# --- bodies -------------------------------------------------------------------------------------------------


class KoreksiIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jenis: Literal["data", "atasan"] = Field(description='"data": a roster field is wrong; "atasan": my atasan is')
    field: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        default=None,
        description=f"for jenis data, the wrong field: one of {', '.join(FIELDS)}; omitted for atasan",
        examples=["pangkat_golongan"],
    )
    nilai_benar: Annotated[str, StringConstraints(max_length=MAX_NILAI)] = Field(
        description="what is right: the value, or who my atasan should be (a name or a NIP)", examples=["III/c"]
    )
    catatan: Annotated[str, StringConstraints(max_length=MAX_CATATAN)] | None = None
    pegawai_id: uuid.UUID | None = Field(
        default=None, description="whose data: only ever the caller's own (another pegawai's id is a 404)"
    )


class TolakIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alasan: Annotated[str, StringConstraints(max_length=MAX_CATATAN)] = Field(
        description="why the report is rejected, at least 5 characters: the teacher reads it"
    )


class KoreksiPegawaiOut(BaseModel):
    id: uuid.UUID
    nip: str
    nama: str
    npsn: str
    nama_sekolah: str | None = Field(description="the school whose worklist the report is on")


class KoreksiOut(BaseModel):
    id: uuid.UUID
    jenis: str
    field: str | None
    nilai_benar: str
    catatan: str | None
    status: str = Field(description="DILAPORKAN, SELESAI or DITOLAK")
    alasan: str | None = Field(description="the operator's reason, for DITOLAK")
    closed_by: str | None = Field(description='"roster" (the roster now says it) or "operator"')
    npsn: str
    kode_wilayah: str
    reported_at: datetime
    closed_at: datetime | None
    umur_hari: int = Field(description="whole days since it was reported")
    version: int
    pegawai: KoreksiPegawaiOut

    @classmethod
    def of(cls, context: KoreksiContext) -> KoreksiOut:
        k, pegawai = context.koreksi, context.pegawai
        return cls(
            id=k.id,
            jenis=k.jenis.value,
            field=k.field,
            nilai_benar=k.nilai_benar,
            catatan=k.catatan,
            status=k.status.value,
            alasan=k.alasan,
            closed_by=k.closed_by.value if k.closed_by else None,
            npsn=k.npsn,
            kode_wilayah=k.kode_wilayah,
            reported_at=k.reported_at,
            closed_at=k.closed_at,
            umur_hari=context.umur_hari,
            version=k.version,
            pegawai=KoreksiPegawaiOut(
                id=pegawai.id,
                nip=pegawai.nip,
                nama=pegawai.nama,
                npsn=pegawai.npsn,
                nama_sekolah=context.sekolah.nama if context.sekolah else None,
            ),
        )


class KoreksiList(BaseModel):
    items: list[KoreksiOut]


class KoreksiPage(BaseModel):
    items: list[KoreksiOut]
    next_cursor: str | None


def _out(context: KoreksiContext, status_code: int = 200) -> JSONResponse:
    headers = {"ETag": etag(context.koreksi.version)}
    if status_code == 201:
        headers["Location"] = f"/api/v1/koreksi/{context.koreksi.id}"
    return JSONResponse(KoreksiOut.of(context).model_dump(mode="json"), status_code=status_code, headers=headers)


# --- routes -------------------------------------------------------------------------------------------------


@router.post("/koreksi", status_code=201, response_model=KoreksiOut, summary="Report wrong roster data about me")
async def report(
    body: KoreksiIn, request: Request, deps: DepsDep, actor: ActorDep, _key: IdempotencyKey = None
) -> Response:
    """The caller reports that the roster's data about them is wrong, for the operator of their region to correct:
    `jenis: "data"` names the wrong `field` (one of nama, pangkat_golongan, jenjang_jabatan, status, jenis_gtk,
    npsn, email; another is a 422 `koreksi.field_unknown`) and what is right (`nilai_benar`); `jenis: "atasan"`
    says their atasan is wrong and who should be (a name or a NIP). An optional `catatan`.

    Only ever the caller's own data: a `pegawai_id` other than the caller's is a 404, and a caller not in the roster
    a 404 `pegawai.not_in_roster`. One open report per field (or about the atasan): a second is a 409
    `koreksi.exists` with the open one's `koreksi_id`. The report is `DILAPORKAN` until the roster says it (an
    import or SIASN closes it by itself as `SELESAI`) or the operator closes or rejects it. Publishes
    `planning.koreksi.reported.v1`. Send an `Idempotency-Key` so that a retry does not report twice."""

    async def compute() -> JSONResponse:
        command = koreksi.ReportKoreksi(
            jenis=body.jenis,
            field=body.field,
            nilai_benar=body.nilai_benar,
            catatan=body.catatan,
            pegawai_id=body.pegawai_id,
        )
        return _out(await koreksi.report_koreksi(command, uow=deps.uow(), deps=deps, actor=actor), 201)

    return await idempotent(request, actor=actor.subject, compute=compute)


# Declared before /koreksi/{koreksi_id}, which would otherwise take "saya" for an id and refuse it as no UUID.
@router.get("/koreksi/saya", response_model=KoreksiList, summary="My correction reports")
async def mine(deps: DepsDep, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=100)] = 50) -> KoreksiList:
    """The caller's own correction reports, newest first, each with its state (`DILAPORKAN`, `SELESAI`,
    `DITOLAK` with the operator's `alasan`): what the data diri step shows. 404 `pegawai.not_in_roster` for a
    caller not in the roster."""
    contexts = await views.my_koreksi(views.MyKoreksi(limit=limit), uow=deps.uow(), deps=deps, actor=actor)
    return KoreksiList(items=[KoreksiOut.of(c) for c in contexts])


@router.get("/koreksi", response_model=KoreksiPage, summary="Operator: the correction worklist of my region")
async def worklist(
    deps: DepsDep,
    actor: ActorDep,
    status: KoreksiStatus | None = KoreksiStatus.DILAPORKAN,
    npsn: Annotated[str | None, Query(pattern=r"^\d{8}$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> KoreksiPage:
    """The operator's worklist: the correction reports of the schools of their region (by the school the pegawai
    was at when reporting), the longest waiting first (newest last), each with its age in days (`umur_hari`) and the
    pegawai's name and school. `DILAPORKAN` unless `status` says otherwise; optionally of one school (`npsn`).
    Operators only (403 `role.operator_required`). Paged with `cursor` and `limit`."""
    position = decode_cursor(cursor)
    after = None
    if position is not None:
        try:
            after = (datetime.fromisoformat(position["at"]), uuid.UUID(position["id"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # any cursor we did not give out
            raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor") from exc
    query = views.KoreksiWorklist(status=status.value if status else None, npsn=npsn, after=after, limit=limit + 1)
    contexts = await views.koreksi_worklist(query, uow=deps.uow(), deps=deps, actor=actor)
    page = contexts[:limit]
    next_cursor = None
    if len(contexts) > limit:
        last = page[-1].koreksi
        next_cursor = encode_cursor({"at": last.reported_at.isoformat(), "id": str(last.id)})
    return KoreksiPage(items=[KoreksiOut.of(c) for c in page], next_cursor=next_cursor)


@router.get("/koreksi/{koreksi_id}", response_model=KoreksiOut, summary="Read a correction report")
async def read(koreksi_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    """One correction report with its state and `ETag`: visible to the pegawai who made it and to an operator of
    the region it is on; to anyone else (their atasan included) it does not exist (404 `koreksi.not_found`)."""
    return _out(await views.get_koreksi(views.GetKoreksi(koreksi_id), uow=deps.uow(), deps=deps, actor=actor))


@router.post("/koreksi/{koreksi_id}/selesai", response_model=KoreksiOut, summary="Operator: mark a report done")
async def selesai(
    koreksi_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """The operator closes a report as `SELESAI` when the correction reached the roster by other means (a report
    the roster change answers closes by itself). An operator of the report's region only (the pegawai: 403
    `koreksi.selesai_forbidden`; anyone else 404); from `DILAPORKAN` only (409 `koreksi.closed`). Audited;
    publishes `planning.koreksi.closed.v1`. Requires `If-Match`; send an `Idempotency-Key`."""

    async def compute() -> JSONResponse:
        command = koreksi.SelesaiKoreksi(koreksi_id, ExpectedVersion(if_match))
        return _out(await koreksi.selesai_koreksi(command, uow=deps.uow(), deps=deps, actor=actor))

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.post("/koreksi/{koreksi_id}/tolak", response_model=KoreksiOut, summary="Operator: reject a report")
async def tolak(
    koreksi_id: uuid.UUID,
    body: TolakIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """The operator rejects a report as `DITOLAK`, with a reason (`alasan`, at least 5 characters; else 422
    `koreksi.alasan_too_short`) that the teacher reads on their data diri step. An operator of the report's region
    only (the pegawai: 403 `koreksi.tolak_forbidden`; anyone else 404); from `DILAPORKAN` only (409
    `koreksi.closed`). Audited; publishes `planning.koreksi.closed.v1`. Requires `If-Match`; send an
    `Idempotency-Key`."""

    async def compute() -> JSONResponse:
        command = koreksi.TolakKoreksi(koreksi_id, ExpectedVersion(if_match), alasan=body.alasan)
        return _out(await koreksi.tolak_koreksi(command, uow=deps.uow(), deps=deps, actor=actor))

    return await idempotent(request, actor=actor.subject, compute=compute)
