"""Operator (Dinas): the roster import with a report per line, the teachers' correction reports (the worklist), the
periods and their extensions, monitoring per school with its CSV for a spreadsheet, and the reminders no mail could
deliver (an address to correct in the roster). (The region's BKN failures
and conflicts are in `sinkron`.) Who may do what is the services' decision: a refusal is their page, or the message
beside the field it names."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from portal import cycle, formatting
from portal.clients.base import ServiceDown, ServiceProblem
from portal.web import FormDep, FormErrors, Portal, SignedInDep, form_meta

router = APIRouter()

KINDS = ("sekolah", "pegawai", "relasi")
# Planning refuses a larger import (planning/api/roster.py); refusing it here spares a slow line the upload.
MAX_CSV_BYTES = 5 * 1024 * 1024
MIN_ALASAN = 5  # planning's own minimum for the audit record
# Excel reads a CSV without a byte order mark as the machine's code page, and school names lose their letters.
BOM = "\ufeff".encode()
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def own_wilayah(portal: Portal) -> str:
    """The operator's region as their token names it ("" for a national operator or someone who is no operator)."""
    return str((portal.user or {}).get("wilayah") or "")


@router.get("/operator")
async def beranda_operator(portal: SignedInDep) -> Response:
    return portal.render("operator/index.html", wilayah=own_wilayah(portal))


# --- roster import -----------------------------------------------------------------------------------------------


def _roster_form(portal: Portal, *, status: int = 200, errors: FormErrors | None = None,
                 values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    return portal.render("operator/roster.html", status=status, form=form_meta(portal), kinds=KINDS,
                         errors=errors or FormErrors(), values=values or {})  # fmt: skip


@router.get("/operator/roster")
async def roster(portal: SignedInDep) -> Response:
    return _roster_form(portal)


async def _read_capped(upload: UploadFile) -> bytes | None:
    """The file's bytes, or None when it is over the import cap."""
    content = await upload.read(MAX_CSV_BYTES + 1)
    return None if len(content) > MAX_CSV_BYTES else content


@router.post("/operator/roster")
async def roster_import(portal: SignedInDep, form: FormDep) -> Response:
    kind = form.get("jenis")
    upload = form.file("berkas")
    errors = FormErrors()
    if kind not in KINDS:
        errors.add("jenis", portal.t("operator.roster.pilih_jenis"))
    content = await _read_capped(upload) if upload is not None else None
    if upload is None:
        errors.add("berkas", portal.t("operator.roster.pilih_berkas"))
    elif content is None:
        errors.add("berkas", portal.t("operator.roster.terlalu_besar"))
    if errors or content is None or upload is None:
        return _roster_form(portal, status=422, errors=errors, values=form.values())
    try:
        report = await portal.clients.planning.import_roster(portal.token, kind, content, key=form.idempotency_key)
    except ServiceProblem as problem:
        if problem.status not in (413, 422):
            raise
        errors.add("berkas", _unreadable(portal, problem))
        return _roster_form(portal, status=422, errors=errors, values=form.values())
    # Shown at once rather than after a redirect: the report lives nowhere else, and sending the same file again
    # (a reload) changes nothing, since an import updates rows by their NIP or NPSN.
    rows = [{**error, "pesan": rule_text(portal, error["rule"])} for error in report["errors"]]
    return portal.render("operator/roster-hasil.html", report=report, rows=rows, kind=kind, berkas=upload.filename)


def rule_text(portal: Portal, rule: str) -> str | None:
    """A row's broken rule in the operator's words; None when the catalogue does not know it (the id is shown)."""
    key = f"aturan.{rule}"
    return portal.t(key) if portal.t.has(key) else None


def _unreadable(portal: Portal, problem: ServiceProblem) -> str:
    """Why the whole file was refused: each rule of the header once, with the columns it names."""
    columns: dict[str, list[str]] = {}
    for error in problem.errors:
        named = columns.setdefault(error.rule, [])
        if error.field and error.field not in named:
            named.append(error.field)
    parts = [
        portal.t("operator.roster.kolom", pesan=portal.t.rule(rule, problem.status), kolom=", ".join(named))
        if named
        else portal.t.rule(rule, problem.status)
        for rule, named in columns.items()
    ]
    return portal.t("operator.roster.tidak_terbaca", masalah=" ".join(parts) or portal.t.rule("", problem.status))


# --- the correction worklist ------------------------------------------------------------------------------------

KOREKSI_STATUSES = ("DILAPORKAN", "SELESAI", "DITOLAK")


async def _koreksi_page(portal: Portal, *, status: str = "DILAPORKAN", cursor: str | None = None, code: int = 200,
                        errors: FormErrors | None = None, values: dict[str, Any] | None = None,
                        terbuka: str | None = None) -> Response:  # fmt: skip
    """The teachers' correction reports of the operator's region, the longest waiting first: each fixed through the
    roster import (which closes it by itself), marked done, or rejected with a reason the teacher reads."""
    shown = status if status in KOREKSI_STATUSES else "DILAPORKAN"
    page = (await portal.clients.planning.koreksi_worklist(portal.token, status=shown, cursor=cursor)).body
    rows = [{**item, "form": form_meta(portal, item["version"])} for item in page["items"]]
    return portal.render("operator/koreksi.html", status=code, rows=rows, shown=shown, statuses=KOREKSI_STATUSES,
                         next_cursor=page.get("next_cursor"), errors=errors or FormErrors(), values=values or {},
                         terbuka=terbuka, wilayah=own_wilayah(portal))  # fmt: skip


@router.get("/operator/koreksi")
async def koreksi(portal: SignedInDep, status: str = "DILAPORKAN", cursor: str | None = None) -> Response:
    return await _koreksi_page(portal, status=status, cursor=cursor)


async def _decide_koreksi(portal: Portal, koreksi_id: str, action: str, form: Any, body: Any = None) -> Response:
    try:
        await portal.clients.planning.decide_koreksi(
            portal.token, koreksi_id, action, version=form.version, key=form.idempotency_key, body=body
        )
    except ServiceProblem as problem:
        if problem.status == 412:  # the report changed meanwhile (closed by an import): show it as it is now
            portal.flash("umum.diubah_orang_lain", kind="peringatan")
            return portal.redirect("/operator/koreksi")
        if problem.status == 409:
            portal.flash("operator.koreksi.sudah_ditutup", kind="peringatan")
            return portal.redirect("/operator/koreksi")
        if problem.status != 422:
            raise
        errors = portal.errors_of(problem, lambda field: f"alasan-{koreksi_id}")
        return await _koreksi_page(portal, code=422, errors=errors, values=form.values(), terbuka=koreksi_id)
    portal.flash(f"operator.koreksi.{action}_berhasil", kind="sukses")
    return portal.redirect("/operator/koreksi")


@router.post("/operator/koreksi/{koreksi_id}/tolak")
async def koreksi_tolak(koreksi_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    alasan = form.get("alasan").strip()
    if len(alasan) < MIN_ALASAN:
        errors = FormErrors()
        errors.add(f"alasan-{koreksi_id}", portal.t("operator.koreksi.alasan_wajib", minimum=MIN_ALASAN))
        return await _koreksi_page(portal, code=422, errors=errors, values=form.values(), terbuka=str(koreksi_id))
    return await _decide_koreksi(portal, str(koreksi_id), "tolak", form, {"alasan": alasan})


@router.post("/operator/koreksi/{koreksi_id}/selesai")
async def koreksi_selesai(koreksi_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    return await _decide_koreksi(portal, str(koreksi_id), "selesai", form)


# --- periods and extensions --------------------------------------------------------------------------------------

# The service's fields, and the input of this page each belongs beside.
EXTENSION_FIELDS = {"kode": "periode", "step": "tahap", "until": "sampai", "alasan": "alasan"}


def _applies_here(extension_wilayah: str | None, wilayah: str) -> bool:
    """An extension this operator lives with: for everyone, for a region containing theirs, or inside theirs."""
    return not extension_wilayah or wilayah.startswith(extension_wilayah) or extension_wilayah.startswith(wilayah)


def _period_view(period: dict[str, Any], wilayah: str) -> dict[str, Any]:
    windows = []
    for window in period["windows"]:
        last, extended = cycle.deadline(period, window["step"], wilayah or None)
        windows.append({**window, "batas": last, "diperpanjang": extended})
    extensions = [e for e in period.get("extensions", []) if _applies_here(e.get("wilayah"), wilayah)]
    return {**period, "windows": windows, "extensions": extensions}


async def _periode_page(portal: Portal, *, status: int = 200, errors: FormErrors | None = None,
                        values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    periods = await portal.clients.planning.periods(portal.token)
    wilayah = own_wilayah(portal)
    current = cycle.current_period(periods, portal.app.today())
    steps = list(dict.fromkeys(w["step"] for p in periods for w in p["windows"]))
    shown = values if values is not None else {"periode": current["kode"] if current else ""}
    return portal.render(
        "operator/periode.html",
        status=status,
        periods=[_period_view(p, wilayah) for p in periods],
        steps=steps,
        wilayah=wilayah,
        form=form_meta(portal),
        errors=errors or FormErrors(),
        values=shown,
    )


@router.get("/operator/periode")
async def periode(portal: SignedInDep) -> Response:
    return await _periode_page(portal)


@router.get("/operator/periode/perpanjangan")
async def perpanjangan_form(portal: SignedInDep) -> Response:
    return portal.redirect("/operator/periode#perpanjangan")


def _extension_request(portal: Portal, form: Any) -> tuple[dict[str, Any], FormErrors]:
    """The request body from the form, and what is missing or malformed before asking the service."""
    errors = FormErrors()
    t = portal.t
    for name, key in (("periode", "pilih_periode"), ("tahap", "pilih_tahap")):
        if not form.get(name):
            errors.add(name, t(f"operator.periode.{key}"))
    until: date | None = None
    try:
        until = date.fromisoformat(form.get("sampai"))
    except ValueError:
        errors.add("sampai", t("operator.periode.tanggal_salah"))
    if len(form.get("alasan")) < MIN_ALASAN:
        errors.add("alasan", t("operator.periode.alasan_wajib", minimal=MIN_ALASAN))
    body = {
        "step": form.get("tahap"),
        "until": until.isoformat() if until else None,
        # A regional operator extends for their own region; a national one (no region) for everyone.
        "wilayah": own_wilayah(portal) or None,
        "alasan": form.get("alasan"),
    }
    return body, errors


@router.post("/operator/periode/perpanjangan")
async def perpanjangan(portal: SignedInDep, form: FormDep) -> Response:
    body, errors = _extension_request(portal, form)
    kode = form.get("periode")
    if not errors:
        try:
            await portal.clients.planning.extend_window(portal.token, kode, body, key=form.idempotency_key)
        except ServiceProblem as problem:
            if problem.status not in (403, 404, 409, 422):
                raise
            errors = portal.errors_of(problem, EXTENSION_FIELDS)
    if errors:
        return await _periode_page(portal, status=422, errors=errors, values=form.values())
    portal.flash("operator.periode.diperpanjang", kode=kode, tahap=step_label(portal, body["step"]),
                 tanggal=formatting.tanggal(body["until"]))  # fmt: skip
    return portal.redirect("/operator/periode")


def step_label(portal: Portal, step: str) -> str:
    key = f"operator.tahap.{step}"
    return portal.t(key) if portal.t.has(key) else step


# --- monitoring --------------------------------------------------------------------------------------------------


async def _chosen_period(portal: Portal, periode: str | None) -> tuple[str, list[dict[str, Any]]]:
    periods = await portal.clients.planning.periods(portal.token)
    if periode:
        return periode, periods
    current = cycle.current_period(periods, portal.app.today())
    return (current["kode"] if current else ""), periods


async def _region_sync(portal: Portal) -> tuple[dict[str, dict[str, Any]], bool]:
    """bkn_sync's counts per school of the operator's region, and whether it answered. Only a column of the
    monitoring table: when bkn_sync is down the rest of the table still shows."""
    wilayah = own_wilayah(portal)
    if not wilayah:
        return {}, True
    try:
        region = await portal.clients.bkn_sync.region_sync(portal.token, wilayah)
    except ServiceDown:
        return {}, False
    return {school["npsn"]: school for school in region.get("sekolah", [])}, True


@router.get("/operator/pengingat-gagal")
async def pengingat_gagal(portal: SignedInDep) -> Response:
    """The region's reminders that could not be mailed, from every service that reminds; a service that is down is
    named and the others still show."""
    clients = portal.clients
    rows: list[dict[str, Any]] = []
    down: list[str] = []
    for client in (clients.planning, clients.observation, clients.appraisal):
        try:
            rows.extend(await client.pemberitahuan_gagal(portal.token))
        except ServiceDown as gone:
            down.append(portal.t(f"layanan.{gone.service}"))
    rows.sort(key=lambda r: str(r.get("pada", "")), reverse=True)
    return portal.render("operator/pengingat_gagal.html", rows=rows, unavailable=down)


@router.get("/operator/monitoring")
async def monitoring(portal: SignedInDep, periode: str | None = None) -> Response:
    kode, periods = await _chosen_period(portal, periode)
    rows = await portal.clients.appraisal.monitoring(portal.token, kode) if kode else []
    sync, sync_answered = await _region_sync(portal)
    return portal.render(
        "operator/monitoring.html",
        periods=periods,
        kode=kode,
        rows=[{**row, "sinkron": (sync.get(row["kode"]) or {}).get("counts", {})} for row in rows],
        sync_shown=bool(own_wilayah(portal)),
        sync_down=not sync_answered,
    )


@router.get("/operator/monitoring.csv")
async def monitoring_csv(portal: SignedInDep, periode: str | None = None) -> Response:
    """The appraisal service's own table, as a file a spreadsheet opens with the school names intact."""
    kode, _ = await _chosen_period(portal, periode)
    table = await portal.clients.appraisal.monitoring_csv(portal.token, kode)
    name = f"monitoring-{_SAFE.sub('_', kode)}-{_SAFE.sub('_', own_wilayah(portal) or 'sekolah')}.csv"
    return Response(
        BOM + table,
        media_type="text/csv; charset=utf-8",
        # Names of people: kept out of shared caches and the browser's.
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )
