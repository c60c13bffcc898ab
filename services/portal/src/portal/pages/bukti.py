"""Bukti dukung of a pelaksanaan: the list, the guru's upload (a plain form without JavaScript, resumable tus with it,
both passed on to the observation service through this portal), the atasan's confirmation where the policy asks for
it, and a file served back. Whether the guru uploads or the atasan confirms is the service's answer, never a year."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from portal.clients.base import ServiceProblem
from portal.pages.pelaksanaan import (
    ON_THE_FORM,
    cycle_path,
    kategori_choices,
    load_cycle,
    party,
    present,
    refused,
)
from portal.session import token_expired
from portal.web import FormDep, FormErrors, Portal, PortalDep, SignedInDep, form_meta, posted_form

router = APIRouter()

FINAL = frozenset({"SELESAI", "DITUTUP"})  # a closed cycle takes no more evidence
READ_CHUNK = 256 * 1024
# A multipart form carries a few fields and boundaries beside the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
TUS_REPLY = {"Tus-Resumable": "1.0.0", "Cache-Control": "no-store"}


@router.get("/pelaksanaan/p/{pid}/bukti")
async def bukti(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _bukti_page(portal, pid)


async def _bukti_page(
    portal: Portal,
    pid: uuid.UUID,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    values: Mapping[str, Any] | None = None,
) -> Response:
    answer, listing = await asyncio.gather(
        load_cycle(portal, pid), portal.clients.observation.bukti(portal.token, str(pid))
    )
    body = answer.body
    me = party(body)
    mode = listing["evidence_mode"]
    open_ = body["tahap"] not in FINAL
    uploads = open_ and mode == "unggah" and me == "guru"
    limit = await portal.clients.observation.upload_limit(portal.token, str(pid)) if uploads else None
    kategori = kategori_choices(body, listing["items"])
    return portal.render(
        "pelaksanaan/bukti.html",
        status=status,
        cycle=body,
        party=me,
        listing=listing,
        uploads=uploads,
        confirms=open_ and mode == "konfirmasi" and me == "atasan",
        kategori=kategori,
        bertanggal=[k for k in kategori if k in listing.get("kategori_bertanggal", ())],
        limit=limit,
        limit_mb=megabytes(limit) if limit else None,
        form=form_meta(portal, answer.version),
        errors=errors or FormErrors(),
        values=values or {},
    )


BUKTI_FIELDS = {
    "kategori": "kategori",
    "tanggal_dokumen": "tanggal_dokumen",
    "tanggal": "tanggal_dokumen",
    "filename": "berkas",
    "file": "berkas",
    "Upload-Length": "berkas",
}


@router.post("/pelaksanaan/p/{pid}/bukti")
async def bukti_unggah(pid: uuid.UUID, request: Request, portal: SignedInDep) -> Response:
    """Without JavaScript: the file comes whole in a form, and the portal hands it on to the service's upload in one
    go. Refused before it is read when it is larger than the service takes (or of no stated size)."""
    limit = await portal.clients.observation.upload_limit(portal.token, str(pid))
    declared = request.headers.get("content-length", "")
    if limit is not None and (not declared.isdigit() or int(declared) > limit + FORM_OVERHEAD_BYTES):
        return await _bukti_page(portal, pid, status=413, errors=_too_large(portal, limit))
    form = await posted_form(request)
    berkas = form.file("berkas")
    if berkas is None:
        return await _bukti_page(
            portal,
            pid,
            status=422,
            values=form.values(),
            errors=refused(portal, "berkas", "pelaksanaan.bukti.pilih_berkas"),
        )
    metadata = tus_metadata(
        filename=berkas.filename or "", kategori=form.get("kategori"), tanggal_dokumen=form.get("tanggal_dokumen")
    )
    observation = portal.clients.observation
    try:
        created = await observation.create_upload(
            portal.token, str(pid), length=str(berkas.size or 0), metadata=metadata, key=form.idempotency_key
        )
        await observation.append_upload(portal.token, created.body["upload_id"], offset="0", content=_read(berkas))
    except ServiceProblem as problem:
        if problem.status not in (404, *ON_THE_FORM):  # 404: this form's upload was finished by an earlier send
            raise
        errors = portal.errors_of(problem, BUKTI_FIELDS)
        return await _bukti_page(portal, pid, status=problem.status, errors=errors, values=form.values())
    portal.flash("pelaksanaan.tersimpan.bukti")
    return portal.redirect(cycle_path(pid, "bukti"))


def _too_large(portal: Portal, limit: int) -> FormErrors:
    errors = FormErrors()
    errors.add("berkas", portal.t("pelaksanaan.bukti.terlalu_besar", mb=megabytes(limit)))
    return errors


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0").replace(".", ",")


def tus_metadata(**values: str) -> str:
    """tus Upload-Metadata: `key base64(value)` pairs; what was left empty is not sent."""
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items() if v)


async def _read(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(READ_CHUNK):
        yield chunk


@router.post("/pelaksanaan/p/{pid}/bukti/konfirmasi")
async def bukti_konfirmasi(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    """Under a policy without uploads the atasan confirms that a document exists at school."""
    body = present({"kategori": form.get("kategori"), "catatan": form.get("catatan")})
    try:
        await portal.clients.observation.konfirmasi(portal.token, str(pid), body)
    except ServiceProblem as problem:
        if problem.status not in ON_THE_FORM:
            raise
        errors = portal.errors_of(problem, {"kategori": "kategori", "catatan": "catatan"})
        return await _bukti_page(portal, pid, status=problem.status, errors=errors, values=form.values())
    portal.flash("pelaksanaan.tersimpan.konfirmasi")
    return portal.redirect(cycle_path(pid, "bukti"))


@router.get("/pelaksanaan/berkas/{bukti_id}")
async def berkas(bukti_id: uuid.UUID, portal: SignedInDep) -> Response:
    """The file as the service keeps it, to whoever the service lets read the cycle."""
    answer = await portal.clients.observation.berkas(portal.token, str(bukti_id))
    return Response(
        answer.body,
        media_type=answer.headers.get("content-type", "application/octet-stream"),
        headers={
            "Content-Disposition": answer.headers.get("content-disposition", "attachment"),
            "Cache-Control": "private, no-store",
        },
    )


# --- resumable uploads: tus between the browser and this portal, passed on to the service --------------------------


def _tus_csrf_ok(portal: Portal, request: Request) -> bool:
    """A tus request carries no form: the page's CSRF token comes in a header instead."""
    return portal.app.codec.csrf_valid(portal.session, request.headers.get("X-CSRF-Token"))


def _tus_signed_out(portal: Portal) -> Response | None:
    """An uploader cannot follow a redirect to Masuk: a session that ended is a refusal it shows, with the way
    back in (the page reloaded leads to Masuk)."""
    if portal.user is not None and not token_expired(portal.user):
        return None
    text = portal.t("umum.sesi_berakhir")
    return Response(text, status_code=401, headers=TUS_REPLY, media_type="text/plain; charset=utf-8")


def _tus_forbidden(portal: Portal) -> Response:
    return Response(
        portal.t("pelaksanaan.unggah.csrf"), status_code=403, headers=TUS_REPLY, media_type="text/plain; charset=utf-8"
    )


def _tus_refusal(portal: Portal, problem: ServiceProblem) -> Response:
    """The service's refusal with its status (a tus client retries a 409 after asking the offset, and reports the
    rest), in words the upload page shows, with the offset to go on from when the service named it."""
    headers = dict(TUS_REPLY)
    if isinstance(problem.body.get("upload_offset"), int):
        headers["Upload-Offset"] = str(problem.body["upload_offset"])
    text = "\n".join(message for _, message in portal.errors_of(problem, BUKTI_FIELDS).summary)
    return Response(text, status_code=problem.status, headers=headers, media_type="text/plain; charset=utf-8")


@router.post("/pelaksanaan/p/{pid}/unggahan")
async def unggahan_baru(pid: uuid.UUID, request: Request, portal: PortalDep) -> Response:
    """tus creation: the service opens the upload; the browser is pointed at this portal's address for it."""
    if (signed_out := _tus_signed_out(portal)) is not None:
        return signed_out
    if not _tus_csrf_ok(portal, request):
        return _tus_forbidden(portal)
    try:
        created = await portal.clients.observation.create_upload(
            portal.token,
            str(pid),
            length=request.headers.get("Upload-Length", ""),
            metadata=request.headers.get("Upload-Metadata", ""),
        )
    except ServiceProblem as problem:
        return _tus_refusal(portal, problem)
    return Response(status_code=201, headers={**TUS_REPLY, "Location": f"/unggahan/{created.body['upload_id']}"})


@router.head("/unggahan/{upload_id}")
async def unggahan_posisi(upload_id: uuid.UUID, request: Request, portal: PortalDep) -> Response:
    """How much of the upload the service holds: where the browser goes on after a dropped connection."""
    if (signed_out := _tus_signed_out(portal)) is not None:
        return signed_out
    if not _tus_csrf_ok(portal, request):
        return _tus_forbidden(portal)
    try:
        answer = await portal.clients.observation.upload_offset(portal.token, str(upload_id))
    except ServiceProblem as problem:
        return _tus_refusal(portal, problem)
    return Response(
        status_code=200,
        headers={
            **TUS_REPLY,
            "Upload-Offset": answer.headers.get("Upload-Offset", "0"),
            **({"Upload-Length": answer.headers["Upload-Length"]} if "Upload-Length" in answer.headers else {}),
        },
    )


@router.patch("/unggahan/{upload_id}")
async def unggahan_lanjut(upload_id: uuid.UUID, request: Request, portal: PortalDep) -> Response:
    if (signed_out := _tus_signed_out(portal)) is not None:
        return signed_out
    if not _tus_csrf_ok(portal, request):
        return _tus_forbidden(portal)
    try:
        answer = await portal.clients.observation.append_upload(
            portal.token,
            str(upload_id),
            offset=request.headers.get("Upload-Offset", ""),
            content=_passed_on(request),
            content_type=request.headers.get("Content-Type", ""),
        )
    except ServiceProblem as problem:
        return _tus_refusal(portal, problem)
    return Response(status_code=204, headers={**TUS_REPLY, "Upload-Offset": answer.headers.get("Upload-Offset", "0")})


async def _passed_on(request: Request) -> AsyncIterator[bytes]:
    """The browser's bytes as they arrive. When its connection drops, what arrived still goes on and the service
    keeps it: the browser's next HEAD learns the offset and sends only the rest."""
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        return
