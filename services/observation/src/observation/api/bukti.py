"""Bukti dukung: the list, the atasan's confirmation (2025+), the file itself, and resumable uploads (tus 1.0).

tus 1.0 core with the creation extension, for slow school connections:
  POST   /pelaksanaan/{id}/bukti/unggah   Upload-Length, Upload-Metadata (filename, kategori, tanggal_dokumen) -> 201
  HEAD   /unggahan/{upload_id}            -> Upload-Offset, Upload-Length
  PATCH  /unggahan/{upload_id}            Upload-Offset, Content-Type application/offset+octet-stream -> 204
A PATCH at another offset than the stored one is 409; a connection that drops mid-PATCH keeps what arrived, and
HEAD then tells where to go on. The last byte turns the upload into a bukti (and bukti.added goes out).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from observation.api.deps import ActorDep, DepsDep
from observation.api.schemas import BuktiList, BuktiOut, KonfirmasiIn
from observation.domain import bukti as rules
from observation.usecases import bukti as evidence
from observation.usecases import views
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.problems import PROBLEM_RESPONSES, HttpProblem
from pmm_kernel.errors import InvalidValue

router = APIRouter(tags=["bukti"], responses=PROBLEM_RESPONSES)

TUS_VERSION = "1.0.0"
TUS_CONTENT_TYPE = "application/offset+octet-stream"
TUS_PATHS = ("/api/v1/unggahan/", "/bukti/unggah")  # responses on these carry Tus-Resumable (see install())


@router.get("/pelaksanaan/{pelaksanaan_id}/bukti", response_model=BuktiList, summary="The cycle's bukti dukung")
async def list_bukti(pelaksanaan_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> BuktiList:
    """The cycle's bukti dukung: each file or confirmation with its kategori, media type, size, SHA-256, its document
    date (`tanggal_dokumen`) and whether it lies outside the period (a certificate: kept, but it does not count),
    with the period's evidence mode (`unggah` or `konfirmasi`), the accountability documents a kepala sekolah still
    lacks and the kinds whose upload must give a document date (`kategori_bertanggal`). Visible to whoever may read
    the cycle."""
    cycle = await views.get_pelaksanaan(views.GetPelaksanaan(pelaksanaan_id), uow=deps.uow(), deps=deps, actor=actor)
    return BuktiList(**views.summary(cycle), items=[BuktiOut.of(b) for b in cycle.bukti])


@router.post(
    "/pelaksanaan/{pelaksanaan_id}/bukti/konfirmasi",
    response_model=BuktiOut,
    status_code=201,
    summary="Atasan (2025+ policy): confirm that a document exists at school",
)
async def konfirmasi(pelaksanaan_id: uuid.UUID, body: KonfirmasiIn, deps: DepsDep, actor: ActorDep) -> JSONResponse:
    """2025 policy onwards (no uploads): the atasan confirms that a document of `kategori` exists at school, with an
    optional note; publishes `observation.bukti.added.v1`. Confirming the same kategori again changes nothing and
    answers 200 with the first confirmation (201 when new). A period whose policy asks for uploads refuses it (409
    `bukti.confirmation_not_in_policy`). The pegawai's current atasan only, while the cycle runs, inside the
    pelaksanaan window."""
    command = evidence.KonfirmasiBukti(pelaksanaan_id=pelaksanaan_id, kategori=body.kategori, catatan=body.catatan)
    done = await evidence.konfirmasi_bukti(command, uow=deps.uow(), deps=deps, actor=actor)
    return JSONResponse(BuktiOut.of(done.bukti).model_dump(mode="json"), status_code=201 if done.new else 200)


@router.get("/bukti/{bukti_id}/berkas", summary="The uploaded file itself", response_class=Response)
async def berkas(bukti_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    """The uploaded file itself, as stored, with its media type, an attachment `Content-Disposition` and its SHA-256 in
    `Repr-Digest`. Whoever may read the cycle may download its files."""
    bukti, content = await views.bukti_content(views.BuktiContent(bukti_id), uow=deps.uow(), deps=deps, actor=actor)
    return Response(
        content,
        media_type=bukti.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(bukti.nama_file or 'bukti')}",
            "X-Content-Type-Options": "nosniff",
            "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(bukti.sha256 or '')).decode()}:",
        },
    )


# --- tus -----------------------------------------------------------------------------------------------------


def _require_tus(value: str | None) -> None:
    if value != TUS_VERSION:
        raise HttpProblem(
            412,
            rule="tus.version",
            detail=f"send Tus-Resumable: {TUS_VERSION}",
            field="Tus-Resumable",
            headers={"Tus-Version": TUS_VERSION},
        )


def _int_header(value: str | None, *, name: str, rule: str) -> int:
    if value is None or not value.isdigit() or len(value) > 15:
        raise InvalidValue(f"{name} must be a non-negative integer", rule=rule, field=name)
    return int(value)


def parse_metadata(header: str | None) -> dict[str, str]:
    """tus Upload-Metadata: comma-separated `key base64(value)` pairs."""
    result: dict[str, str] = {}
    if not header or not header.strip():
        return result
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2 or parts[0] in result:
            raise InvalidValue(
                "Upload-Metadata is not a list of key base64-value pairs", rule="tus.metadata", field="Upload-Metadata"
            )
        try:
            value = base64.b64decode(parts[1], validate=True).decode("utf-8") if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidValue(
                f"Upload-Metadata value of {parts[0][:20]} is not base64 of UTF-8 text",
                rule="tus.metadata",
                field="Upload-Metadata",
            ) from None
        result[parts[0]] = value
    return result


def _tanggal(metadata: dict[str, str]) -> date | None:
    """The document date of the upload's metadata; `tanggal`, its earlier name, is still read."""
    value = metadata.get(rules.TANGGAL_FIELD) or metadata.get("tanggal")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(
            f"{rules.TANGGAL_FIELD} must be a date (YYYY-MM-DD)",
            rule="bukti.tanggal_format",
            field=rules.TANGGAL_FIELD,
        ) from None


@router.options("/pelaksanaan/{pelaksanaan_id}/bukti/unggah", include_in_schema=False)
async def tus_options(request: Request) -> Response:
    deps = request.app.state.container.deps
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": "creation",
            "Tus-Max-Size": str(deps.upload_max_bytes),
        },
    )


@router.post(
    "/pelaksanaan/{pelaksanaan_id}/bukti/unggah",
    status_code=201,
    summary="Start a resumable upload (tus 1.0 creation; Upload-Metadata: filename, kategori, tanggal_dokumen)",
    response_class=Response,
)
async def tus_create(
    pelaksanaan_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    tus_resumable: Annotated[str | None, Header(alias="Tus-Resumable")] = None,
    upload_length: Annotated[str | None, Header(alias="Upload-Length")] = None,
    upload_metadata: Annotated[str | None, Header(alias="Upload-Metadata")] = None,
    _key: IdempotencyKey = None,
) -> Response:
    """2024 policy (uploads): starts a resumable upload of one bukti dukung (tus 1.0 with the creation extension, for
    slow school links). Headers: `Tus-Resumable: 1.0.0`, `Upload-Length` (bytes, up to the service's limit: 413
    beyond it) and `Upload-Metadata` with base64 values of `filename`, `kategori` (`sertifikat`, `modul_ajar`,
    `dokumen_observasi`, `lainnya`; a kepala sekolah also `kosp`, `rkt`, `laporan_satuan_pendidikan`,
    `rangkuman_kehadiran_guru`) and the document date `tanggal_dokumen` (YYYY-MM-DD), required for the kinds that
    carry one (`sertifikat`, `modul_ajar`, `kosp`, `rkt`, `laporan_satuan_pendidikan`: 422
    `bukti.tanggal_required` naming the field), never in the future (`bukti.tanggal_future`) and not before the
    period's start (`bukti.tanggal_before_period`; a certificate from before is kept but flagged instead, and does
    not count). It is stored and returned as the bukti's `tanggal_dokumen`. Answers 201 with `Location:
    /api/v1/unggahan/{upload_id}`; then send the bytes with `PATCH`. Only PDF, JPEG and PNG are kept, judged by
    their content, not their name. The pegawai only, while the cycle runs; the pelaksanaan window is checked here,
    so an upload started in time may finish after the close. Send an `Idempotency-Key`."""
    _require_tus(tus_resumable)
    length = _int_header(upload_length, name="Upload-Length", rule="tus.upload_length")
    metadata = parse_metadata(upload_metadata)

    async def compute() -> JSONResponse:
        command = evidence.StartUpload(
            pelaksanaan_id=pelaksanaan_id,
            length=length,
            filename=metadata.get("filename"),
            kategori=metadata.get("kategori"),
            tanggal=_tanggal(metadata),
        )
        state = await evidence.start_upload(command, uow=deps.uow(), deps=deps, actor=actor)
        return JSONResponse(
            {"upload_id": str(state.upload_id), "length": state.length},
            status_code=201,
            headers={"Location": f"/api/v1/unggahan/{state.upload_id}", "Tus-Resumable": TUS_VERSION},
        )

    return await idempotent(request, actor=actor.subject, compute=compute)


@router.head("/unggahan/{upload_id}", summary="Where an upload stands (tus HEAD)", response_class=Response)
async def tus_head(
    upload_id: uuid.UUID,
    deps: DepsDep,
    actor: ActorDep,
    tus_resumable: Annotated[str | None, Header(alias="Tus-Resumable")] = None,
) -> Response:
    """Where an upload stands (tus HEAD): `Upload-Offset`, the bytes stored so far, and `Upload-Length`. After a
    dropped connection, continue with a `PATCH` from this offset. The uploader only (anyone else: 404). Needs
    `Tus-Resumable: 1.0.0`."""
    _require_tus(tus_resumable)
    state = await views.upload_state(views.UploadStateOf(upload_id), uow=deps.uow(), actor=actor)
    return Response(
        status_code=200,
        headers={
            "Upload-Offset": str(state.offset),
            "Upload-Length": str(state.length),
            "Cache-Control": "no-store",
            "Tus-Resumable": TUS_VERSION,
        },
    )


@router.patch("/unggahan/{upload_id}", status_code=204, summary="Append bytes at Upload-Offset (tus PATCH)")
async def tus_patch(
    upload_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    tus_resumable: Annotated[str | None, Header(alias="Tus-Resumable")] = None,
    upload_offset: Annotated[str | None, Header(alias="Upload-Offset")] = None,
    content_type: Annotated[str | None, Header(alias="Content-Type")] = None,
) -> Response:
    """Appends bytes to an upload (tus PATCH): `Content-Type: application/offset+octet-stream`, `Upload-Offset` equal
    to the stored offset (409 `tus.offset_mismatch` naming the right one otherwise) and `Tus-Resumable: 1.0.0`. A
    connection that drops mid-request keeps what arrived. The request that completes the file turns it into a bukti
    (`PMM-Bukti-Id`, `PMM-Bukti-Sha256`; `observation.bukti.added.v1`); content that is not PDF, JPEG or PNG is
    refused and the upload deleted. The uploader only."""
    _require_tus(tus_resumable)
    if (content_type or "").split(";")[0].strip().lower() != TUS_CONTENT_TYPE:
        raise HttpProblem(
            415, rule="tus.content_type", detail=f"a PATCH carries {TUS_CONTENT_TYPE}", field="Content-Type"
        )
    offset = _int_header(upload_offset, name="Upload-Offset", rule="tus.upload_offset")
    # Cheap checks before reading a body that may take minutes on a school's link.
    state = await views.upload_state(views.UploadStateOf(upload_id), uow=deps.uow(), actor=actor)
    rules.check_offset(offset, state.offset)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        rules.check_within_length(offset, int(declared), state.length)
    data = bytearray()
    try:
        async for chunk in request.stream():
            data += chunk
            rules.check_within_length(offset, len(data), state.length)
    except ClientDisconnect:
        pass  # the link dropped mid-chunk: keep what arrived, so HEAD tells the client where to go on

    command = evidence.AppendUpload(upload_id=upload_id, offset=offset, data=bytes(data))
    result = await evidence.append_upload(command, uow=deps.uow(), deps=deps, actor=actor)
    headers = {"Upload-Offset": str(result.offset), "Tus-Resumable": TUS_VERSION}
    if result.bukti is not None:
        headers["PMM-Bukti-Id"] = str(result.bukti.id)
        headers["PMM-Bukti-Sha256"] = result.bukti.sha256 or ""
    return Response(status_code=204, headers=headers)
