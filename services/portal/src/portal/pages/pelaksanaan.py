"""Pelaksanaan: a period's observation cycle, five steps shared by a guru and their atasan. The guru sees the steps
as a task list saying whose turn it is; each party's part of a step is a page of its own, saved on its own; the
atasan follows their team and records the observation. Bukti dukung are uploaded by the guru (a plain form, or a
resumable tus upload through this portal when JavaScript runs) or confirmed by the atasan: whichever the period's
policy asks, as the observation service says in each cycle (`evidence_mode`). Every refusal is the service's."""

from __future__ import annotations

import asyncio
import base64
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from portal import cycle
from portal.clients.base import Answer, ServiceProblem
from portal.web import FormDep, FormErrors, Portal, PostedForm, SignedInDep, form_meta, posted_form

router = APIRouter()

STEPS = ("persiapan", "observasi", "diskusi", "upaya", "refleksi")
# Whose move it is at each tahap of the service's cycle ("keduanya": either party may write first).
TURN: dict[str, str] = {
    "PERSIAPAN": "guru",
    "JADWAL_DIUSULKAN": "atasan",
    "JADWAL_DIUSULKAN_ATASAN": "guru",
    "OBSERVASI": "atasan",
    "DISKUSI": "keduanya",
    "DISKUSI_MENUNGGU_GURU": "guru",
    "DISKUSI_MENUNGGU_ATASAN": "atasan",
    "UPAYA": "guru",
    "REFLEKSI": "guru",
}
DISKUSI = frozenset({"DISKUSI", "DISKUSI_MENUNGGU_GURU", "DISKUSI_MENUNGGU_ATASAN"})
# The tahap in which a party's form for a step is offered; anywhere else the step is shown as it stands. The
# service still decides: a form posted at another moment gets its refusal.
OPEN: dict[tuple[str, str], frozenset[str]] = {
    ("persiapan", "guru"): frozenset({"PERSIAPAN", "JADWAL_DIUSULKAN", "JADWAL_DIUSULKAN_ATASAN"}),
    ("persiapan", "atasan"): frozenset({"JADWAL_DIUSULKAN"}),
    ("observasi", "atasan"): frozenset({"OBSERVASI"}),
    ("diskusi", "guru"): DISKUSI,
    ("diskusi", "atasan"): DISKUSI,
    ("upaya", "guru"): frozenset({"UPAYA", "REFLEKSI"}),  # efforts may be revised until the reflection
    ("refleksi", "guru"): frozenset({"REFLEKSI"}),
}
PARTY = {"owner": "guru", "atasan": "atasan"}  # the service's `relation` of the caller -> their part in the cycle
FINAL = frozenset({"SELESAI", "DITUTUP"})
NILAI = ("belum_dilakukan", "belum_efektif", "efektif")
MODE = ("langsung", "rekaman", "catatan_guru")
TEMPAT = ("platform", "luar_platform")
KATEGORI_GURU = ("modul_ajar", "dokumen_observasi", "sertifikat", "lainnya")
DOKUMEN_KS = ("kosp", "rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru")
# Refusals shown on the form they answer (the rest are pages of their own: 403, 404, a service down).
ON_THE_FORM = (409, 413, 422)
READ_CHUNK = 256 * 1024
# A multipart form carries a few fields and boundaries beside the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
TUS_REPLY = {"Tus-Resumable": "1.0.0", "Cache-Control": "no-store"}
_FIELD_HEAD = re.compile(r"[\[.]")
_ITEM = re.compile(r"^\w+\[(\d+)\]\.(\w+)$")


# --- what a cycle looks like to the person viewing it -------------------------------------------------------


def party(body: Mapping[str, Any]) -> str | None:
    return PARTY.get(body.get("relation", ""))


def can_write(body: Mapping[str, Any], step: str) -> bool:
    me = party(body)
    return me is not None and body["tahap"] in OPEN.get((step, me), frozenset())


def step_rows(body: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each step with its state for this viewer: done, theirs to do, waiting on the other party, or not yet."""
    me, turn = party(body), TURN.get(body["tahap"])
    done = {s["step"] for s in body["steps"] if s["selesai"]}
    rows = []
    for step in STEPS:
        if step in done:
            state = "selesai"
        elif step != body["step"] or turn is None:
            state = "belum_bisa"
        elif me is not None and turn in (me, "keduanya"):
            state = "giliran_anda"
        else:
            state = f"menunggu_{turn}"
        rows.append({"step": step, "state": state})
    return rows


def behaviours(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The indicator's behaviours in the service's order: (text, dianjurkan | dihindari)."""
    indikator = body["indikator"]
    return [(p, "dianjurkan") for p in indikator["perilaku_dianjurkan"]] + [
        (p, "dihindari") for p in indikator["perilaku_dihindari"]
    ]


def kategori_choices(body: Mapping[str, Any], items: list[Mapping[str, Any]]) -> tuple[str, ...]:
    """The guru's categories, and a kepala sekolah's accountability documents once the service asks for them."""
    has_ks = bool(body.get("dokumen_ks_kurang")) or any(i["kategori"] in DOKUMEN_KS for i in items)
    return KATEGORI_GURU + DOKUMEN_KS if has_ks else KATEGORI_GURU


def _fields(*names: str) -> Callable[[str], str | None]:
    """A service's field path -> the input it belongs beside (`target_perilaku[1]` -> `target_perilaku`)."""

    def lookup(path: str) -> str | None:
        head = _FIELD_HEAD.split(path, maxsplit=1)[0]
        return head if head in names else None

    return lookup


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    """The body without what was left empty, so the service names each missing field rather than a bad value."""
    return {k: v for k, v in values.items() if v not in ("", None)}


def _path(pid: uuid.UUID, step: str | None = None) -> str:
    return f"/pelaksanaan/p/{pid}" + (f"/{step}" if step else "")


# --- the guru's view, the atasan's team ---------------------------------------------------------------------


async def _current_period(portal: Portal) -> Mapping[str, Any] | None:
    return cycle.current_period(await portal.clients.planning.periods(portal.token), portal.app.today())


def _no_period(portal: Portal) -> Response:
    return portal.render("galat/tidak_ada.html", status=404, pesan=[portal.t("pelaksanaan.tidak_ada_periode")])


@router.get("/pelaksanaan")
async def pelaksanaan(portal: SignedInDep) -> Response:
    period = await _current_period(portal)
    return _no_period(portal) if period is None else portal.redirect(f"/pelaksanaan/{period['kode']}")


@router.get("/pelaksanaan/tim")
async def tim(portal: SignedInDep, lanjut: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    period = await _current_period(portal)
    if period is None:
        return _no_period(portal)
    page = await portal.clients.observation.team(portal.token, period["kode"], cursor=lanjut)
    items = [{**item, "giliran": TURN.get(item["tahap"] or "")} for item in page["items"]]
    return portal.render("pelaksanaan/tim.html", period=period, items=items, next_cursor=page["next_cursor"])


@router.get("/pelaksanaan/{kode}")
async def milik_saya(kode: str, portal: SignedInDep) -> Response:
    answer = await portal.clients.observation.my_pelaksanaan(portal.token, kode)
    if answer is None:
        return portal.render("pelaksanaan/belum.html", kode=kode)
    return _overview(portal, answer.body)


@router.get("/pelaksanaan/p/{pid}")
async def siklus(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return _overview(portal, (await _cycle(portal, pid)).body)


def _overview(portal: Portal, body: Mapping[str, Any]) -> Response:
    return portal.render(
        "pelaksanaan/siklus.html", cycle=body, rows=step_rows(body), party=party(body), turn=TURN.get(body["tahap"])
    )


# --- the step pages -----------------------------------------------------------------------------------------


async def _cycle(portal: Portal, pid: uuid.UUID) -> Answer:
    return await portal.clients.observation.pelaksanaan(portal.token, str(pid))


async def _step_page(
    portal: Portal,
    pid: uuid.UUID,
    step: str,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    values: Mapping[str, Any] | None = None,
) -> Response:
    answer = await _cycle(portal, pid)
    body = answer.body
    return portal.render(
        f"pelaksanaan/{step}.html",
        status=status,
        cycle=body,
        step=step,
        party=party(body),
        writable=can_write(body, step),
        behaviours=behaviours(body),
        nilai=NILAI,
        modes=MODE,
        tempat=TEMPAT,
        form=form_meta(portal, answer.version),
        errors=errors or FormErrors(),
        values=values or {},
    )


async def _step_post(
    portal: Portal,
    pid: uuid.UUID,
    step: str,
    call: Callable[[], Awaitable[Answer]],
    *,
    form: PostedForm,
    explain: Callable[[ServiceProblem], FormErrors],
    done: str,
    then: str | None = None,
) -> Response:
    """Send one party's part; a refusal of what was typed comes back beside its fields, a stale form shows the
    latest state, anything else (not theirs to do, not found) is the service's answer as a page."""
    try:
        await call()
    except ServiceProblem as problem:
        if problem.status == 412:
            portal.flash("umum.diubah_orang_lain", kind="peringatan")
            return portal.redirect(_path(pid, step))
        if problem.status not in ON_THE_FORM:
            raise
        return await _step_page(portal, pid, step, status=problem.status, errors=explain(problem), values=form.values())
    portal.flash(done)
    return portal.redirect(then or _path(pid))


def _refused(portal: Portal, name: str, key: str) -> FormErrors:
    errors = FormErrors()
    errors.add(name, portal.t(key))
    return errors


# --- 1. persiapan -------------------------------------------------------------------------------------------


@router.get("/pelaksanaan/p/{pid}/persiapan")
async def persiapan(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "persiapan")


@router.post("/pelaksanaan/p/{pid}/persiapan")
async def persiapan_simpan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    body = _present({"upaya": form.get("upaya"), "jadwal": form.get("jadwal")})
    body["target_perilaku"] = form.getlist("target_perilaku")
    return await _step_post(
        portal,
        pid,
        "persiapan",
        lambda: portal.clients.observation.save_step(portal.token, str(pid), "persiapan", body, version=form.version),
        form=form,
        explain=lambda p: portal.errors_of(p, _fields("target_perilaku", "upaya", "jadwal")),
        done="pelaksanaan.tersimpan.persiapan",
    )


@router.post("/pelaksanaan/p/{pid}/persiapan/keputusan")
async def persiapan_keputusan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    """The atasan agrees to the proposed date or proposes another (one question, one form)."""
    choice = form.get("keputusan")
    if choice not in ("setujui", "lain"):
        errors = _refused(portal, "keputusan", "pelaksanaan.persiapan.pilih_keputusan")
        return await _step_page(portal, pid, "persiapan", status=422, errors=errors, values=form.values())
    if choice == "setujui":
        action, body = "setujui", None
    else:
        action, body = (
            "jadwal-lain",
            _present({"jadwal": form.get("jadwal_lain"), "catatan": form.get("catatan_atasan")}),
        )
    return await _step_post(
        portal,
        pid,
        "persiapan",
        lambda: portal.clients.observation.decide_schedule(
            portal.token, str(pid), action, version=form.version, key=form.idempotency_key, body=body
        ),
        form=form,
        explain=lambda p: portal.errors_of(p, {"jadwal": "jadwal_lain", "catatan": "catatan_atasan"}),
        done=f"pelaksanaan.tersimpan.{action}",
    )


@router.post("/pelaksanaan/p/{pid}/persiapan/terima")
async def persiapan_terima(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    return await _step_post(
        portal,
        pid,
        "persiapan",
        lambda: portal.clients.observation.decide_schedule(
            portal.token, str(pid), "terima", version=form.version, key=form.idempotency_key
        ),
        form=form,
        explain=portal.errors_of,
        done="pelaksanaan.tersimpan.terima",
    )


# --- 2. observasi (the atasan) -------------------------------------------------------------------------------


@router.get("/pelaksanaan/p/{pid}/observasi")
async def observasi(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "observasi")


@router.post("/pelaksanaan/p/{pid}/observasi")
async def observasi_simpan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    listed = [p for p, _ in behaviours((await _cycle(portal, pid)).body)]
    rated = [i for i in range(len(listed)) if form.get(f"nilai-{i}")]
    items = [
        _present({"perilaku": listed[i], "nilai": form.get(f"nilai-{i}"), "catatan": form.get(f"catatan-{i}")})
        for i in rated
    ]
    body = {**_present({"mode": form.get("mode"), "catatan": form.get("catatan")}), "items": items}

    def explain(problem: ServiceProblem) -> FormErrors:
        errors = portal.errors_of(problem, lambda f: _rubric_field(f, rated))
        missing = problem.body.get("missing")
        for perilaku in missing if isinstance(missing, list) else []:
            if perilaku in listed:  # each behaviour left unrated, beside its own question
                errors.add(f"nilai-{listed.index(perilaku)}", portal.t("pelaksanaan.observasi.pilih_nilai"))
        return errors

    return await _step_post(
        portal,
        pid,
        "observasi",
        lambda: portal.clients.observation.save_step(portal.token, str(pid), "observasi", body, version=form.version),
        form=form,
        explain=explain,
        done="pelaksanaan.tersimpan.observasi",
    )


def _rubric_field(path: str, rated: list[int]) -> str | None:
    """`items[1].nilai` -> the question of the second behaviour that was rated; `mode`, `catatan` as they are."""
    match = _ITEM.match(path)
    if match is None:
        return path if path in ("mode", "catatan") else None
    index = int(match.group(1))
    if index >= len(rated):
        return None
    return f"{'catatan' if match.group(2) == 'catatan' else 'nilai'}-{rated[index]}"


# --- 3. diskusi tindak lanjut (both parties) ----------------------------------------------------------------


@router.get("/pelaksanaan/p/{pid}/diskusi")
async def diskusi(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "diskusi")


@router.post("/pelaksanaan/p/{pid}/diskusi/atasan")
async def diskusi_atasan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    body = _present({k: form.get(k) for k in ("catatan", "tujuan", "langkah", "jadwal")})
    return await _save_diskusi(portal, pid, "atasan", body, form, _fields("catatan", "tujuan", "langkah", "jadwal"))


@router.post("/pelaksanaan/p/{pid}/diskusi/guru")
async def diskusi_guru(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    return await _save_diskusi(
        portal, pid, "guru", _present({"catatan": form.get("catatan")}), form, _fields("catatan")
    )


async def _save_diskusi(
    portal: Portal,
    pid: uuid.UUID,
    side: str,
    body: dict[str, Any],
    form: PostedForm,
    fields: Callable[[str], str | None],
) -> Response:
    return await _step_post(
        portal,
        pid,
        "diskusi",
        lambda: portal.clients.observation.save_step(
            portal.token, str(pid), f"diskusi/{side}", body, version=form.version
        ),
        form=form,
        explain=lambda p: portal.errors_of(p, fields),
        done=f"pelaksanaan.tersimpan.diskusi_{side}",
    )


# --- 4. upaya tindak lanjut (the guru): one effort added at a time ----------------------------------------------


@router.get("/pelaksanaan/p/{pid}/upaya")
async def upaya(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "upaya")


@router.post("/pelaksanaan/p/{pid}/upaya")
async def upaya_tambah(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    recorded = (await _cycle(portal, pid)).body["upaya"]
    added = _present({k: form.get(k) for k in ("deskripsi", "tempat", "tanggal")})
    return await _save_upaya(portal, pid, [*recorded, added], form, new_index=len(recorded))


@router.post("/pelaksanaan/p/{pid}/upaya/hapus")
async def upaya_hapus(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    recorded = (await _cycle(portal, pid)).body["upaya"]
    nomor = form.get("nomor")
    kept = [u for i, u in enumerate(recorded) if str(i) != nomor]
    return await _save_upaya(portal, pid, kept, form, new_index=None)


async def _save_upaya(
    portal: Portal, pid: uuid.UUID, items: list[dict[str, Any]], form: PostedForm, *, new_index: int | None
) -> Response:
    def field(path: str) -> str | None:
        match = _ITEM.match(path)
        return match.group(2) if match and new_index is not None and int(match.group(1)) == new_index else None

    return await _step_post(
        portal,
        pid,
        "upaya",
        lambda: portal.clients.observation.save_step(
            portal.token, str(pid), "upaya", {"upaya": items}, version=form.version
        ),
        form=form,
        explain=lambda p: portal.errors_of(p, field),
        done="pelaksanaan.tersimpan.upaya",
        then=_path(pid, "upaya"),
    )


# --- 5. refleksi (the guru): checked against the whole cycle, then it completes it ---------------------------------


@router.get("/pelaksanaan/p/{pid}/refleksi")
async def refleksi(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "refleksi")


@router.post("/pelaksanaan/p/{pid}/refleksi")
async def refleksi_simpan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    body = _present({"refleksi": form.get("refleksi")})
    return await _step_post(
        portal,
        pid,
        "refleksi",
        lambda: portal.clients.observation.save_step(portal.token, str(pid), "refleksi", body, version=form.version),
        form=form,
        explain=lambda p: portal.errors_of(p, {"refleksi": "refleksi", "bukti": "bukti"}),
        done="pelaksanaan.tersimpan.refleksi",
    )


# --- bukti dukung ---------------------------------------------------------------------------------------------


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
        _cycle(portal, pid), portal.clients.observation.bukti(portal.token, str(pid))
    )
    body = answer.body
    me = party(body)
    mode = listing["evidence_mode"]
    open_ = body["tahap"] not in FINAL
    uploads = open_ and mode == "unggah" and me == "guru"
    limit = await portal.clients.observation.upload_limit(portal.token, str(pid)) if uploads else None
    return portal.render(
        "pelaksanaan/bukti.html",
        status=status,
        cycle=body,
        party=me,
        listing=listing,
        uploads=uploads,
        confirms=open_ and mode == "konfirmasi" and me == "atasan",
        kategori=kategori_choices(body, listing["items"]),
        limit=limit,
        limit_mb=megabytes(limit) if limit else None,
        form=form_meta(portal, answer.version),
        errors=errors or FormErrors(),
        values=values or {},
    )


BUKTI_FIELDS = {
    "kategori": "kategori",
    "tanggal": "tanggal",
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
            errors=_refused(portal, "berkas", "pelaksanaan.bukti.pilih_berkas"),
        )
    metadata = tus_metadata(filename=berkas.filename or "", kategori=form.get("kategori"), tanggal=form.get("tanggal"))
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
    return portal.redirect(_path(pid, "bukti"))


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
    body = _present({"kategori": form.get("kategori"), "catatan": form.get("catatan")})
    try:
        await portal.clients.observation.konfirmasi(portal.token, str(pid), body)
    except ServiceProblem as problem:
        if problem.status not in ON_THE_FORM:
            raise
        errors = portal.errors_of(problem, {"kategori": "kategori", "catatan": "catatan"})
        return await _bukti_page(portal, pid, status=problem.status, errors=errors, values=form.values())
    portal.flash("pelaksanaan.tersimpan.konfirmasi")
    return portal.redirect(_path(pid, "bukti"))


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
async def unggahan_baru(pid: uuid.UUID, request: Request, portal: SignedInDep) -> Response:
    """tus creation: the service opens the upload; the browser is pointed at this portal's address for it."""
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
async def unggahan_posisi(upload_id: uuid.UUID, request: Request, portal: SignedInDep) -> Response:
    """How much of the upload the service holds: where the browser goes on after a dropped connection."""
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
            "Upload-Offset": answer.headers["Upload-Offset"],
            "Upload-Length": answer.headers["Upload-Length"],
        },
    )


@router.patch("/unggahan/{upload_id}")
async def unggahan_lanjut(upload_id: uuid.UUID, request: Request, portal: SignedInDep) -> Response:
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
    return Response(status_code=204, headers={**TUS_REPLY, "Upload-Offset": answer.headers["Upload-Offset"]})


async def _passed_on(request: Request) -> AsyncIterator[bytes]:
    """The browser's bytes as they arrive. When its connection drops, what arrived still goes on and the service
    keeps it: the browser's next HEAD learns the offset and sends only the rest."""
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        return
