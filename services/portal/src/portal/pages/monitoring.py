"""Monitoring by name: for the kepala sekolah (their school), the pengawas (the schools of the KS they appraise) and
the Dinas operator (their region), who is where in the period: each phase's state per pegawai, a failed sync's
reason and who fixes it, a pending data correction, the deadlines with the extension in force; filtered by school,
phase and state, paged, and downloadable as CSV or XLSX (streamed through from the appraisal service with the
user's own token). Who sees which schools is the appraisal service's decision: its 403 is the refusal page, and a
school outside the caller's is a message beside the NPSN field."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from portal import cycle
from portal.clients.base import ServiceProblem
from portal.web import FormErrors, Portal, SignedInDep

router = APIRouter()

# Each phase and its states, in the order the page offers them (the appraisal service's own names).
KEADAAN: dict[str, tuple[str, ...]] = {
    "perencanaan": ("belum", "diajukan", "dikembalikan", "disetujui"),
    "pelaksanaan": ("belum", "persiapan", "observasi", "diskusi", "upaya", "selesai", "ditutup"),
    "penilaian": ("belum", "dinilai", "final"),
    "bkn": ("belum", "terkirim", "gagal"),
    "koreksi": ("tidak", "terbuka"),
}
# A state's colour tag (portal.css .tanda-*).
TANDA = {
    "disetujui": "selesai", "selesai": "selesai", "final": "selesai", "terkirim": "selesai",
    "dikembalikan": "perlu_tindakan", "gagal": "perlu_tindakan", "ditutup": "perlu_tindakan",
    "belum": "belum_bisa",
}  # fmt: skip
# Where a refusal's field is on this page.
FIELDS = {
    "npsn": "npsn", "query.npsn": "npsn", "fase": "fase", "query.fase": "fase", "status": "status",
    "query.status": "status", "periode": "periode", "query.periode": "periode",
}  # fmt: skip
# Excel reads a CSV without a byte order mark as the machine's code page, and names lose their letters.
BOM = "\ufeff".encode()
_NPSN = re.compile(r"^[0-9A-Z]{8}$")
_FILES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


async def _period(portal: Portal, periode: str | None) -> tuple[str, list[dict[str, Any]]]:
    periods = await portal.clients.planning.periods(portal.token)
    if periode:
        return periode, periods
    current = cycle.current_period(periods, portal.app.today())
    return (current["kode"] if current else ""), periods


def _filters(npsn: str | None, fase: str | None, status: str | None) -> dict[str, str]:
    """The filters as typed, without the empty ones ("Semua")."""
    given = {"npsn": (npsn or "").strip().upper(), "fase": fase or "", "status": status or ""}
    return {k: v for k, v in given.items() if v}


PHASES = ("perencanaan", "pelaksanaan", "penilaian", "bkn")


def _row(portal: Portal, row: dict[str, Any]) -> dict[str, Any]:
    kode = row.get("bkn_kode")
    alasan_key = f"sinkron.kegagalan.{kode}.alasan"
    penyelesai_key = f"sinkron.penyelesai.{row.get('bkn_perbaikan_oleh')}"
    return {
        **row,
        "keadaan": {fase: portal.t(f"monitoring.keadaan.{fase}.{row[fase]}") for fase in PHASES},
        "tanda": {fase: TANDA.get(row[fase], "menunggu") for fase in PHASES},
        # A failure type the catalogue does not know yet shows its code rather than nothing.
        "bkn_alasan": (portal.t(alasan_key) if portal.t.has(alasan_key) else kode) if kode else None,
        "bkn_penyelesai": portal.t(penyelesai_key) if portal.t.has(penyelesai_key) else row.get("bkn_perbaikan_oleh"),
    }


@router.get("/monitoring")
async def monitoring(
    portal: SignedInDep,
    periode: str | None = None,
    npsn: str | None = None,
    fase: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> Response:
    kode, periods = await _period(portal, periode)
    filters = _filters(npsn, fase, status)
    errors = FormErrors()
    view: dict[str, Any] = {"items": [], "batas_waktu": [], "next_cursor": None, "kode_wilayah": ""}
    if "npsn" in filters and not _NPSN.match(filters["npsn"]):
        errors.add("npsn", portal.t("monitoring.npsn_salah"))
    elif kode:
        try:
            view = await portal.clients.appraisal.monitoring_pegawai(
                portal.token, periode=kode, cursor=cursor, limit=50, **filters
            )
        except ServiceProblem as problem:
            # A refusal of a filter is shown beside it; the service's 403 is the refusal page.
            if problem.status not in (404, 422) or not any(FIELDS.get(e.field or "") for e in problem.errors):
                raise
            errors = portal.errors_of(problem, FIELDS)
    query = urlencode({"periode": kode, **filters})
    return portal.render(
        "monitoring/index.html",
        status=422 if errors else 200,
        errors=errors,
        periods=periods,
        kode=kode,
        filters=filters,
        keadaan=KEADAAN,
        rows=[_row(portal, r) for r in view["items"]],
        batas_waktu=view["batas_waktu"],
        kode_wilayah=view["kode_wilayah"],
        sekolah_banyak=len({r["npsn"] for r in view["items"]}) > 1 or "npsn" not in filters,
        berikutnya=f"/monitoring?{urlencode({'periode': kode, **filters, 'cursor': view['next_cursor']})}"
        if view["next_cursor"]
        else None,
        halaman_lanjut=bool(cursor),
        query=query,
    )


@router.get("/monitoring/unduh.{jenis}")
async def unduh(
    portal: SignedInDep,
    jenis: str,
    periode: str | None = None,
    npsn: str | None = None,
    fase: str | None = None,
    status: str | None = None,
) -> Response:
    """The appraisal service's file passed on as it arrives, with the user's own token: a province's table is never
    held by the portal."""
    if jenis not in _FILES:
        return portal.render("galat/tidak_ada.html", status=404)
    kode, _ = await _period(portal, periode)
    upstream = await portal.clients.appraisal.monitoring_pegawai_unduh(
        portal.token, jenis, periode=kode, **_filters(npsn, fase, status)
    )

    async def body():
        if jenis == "csv":
            yield BOM
        async for chunk in upstream.content.iter_any():
            yield chunk

    disposition = upstream.headers.get("content-disposition") or f'attachment; filename="monitoring-pegawai.{jenis}"'
    return StreamingResponse(
        body(),
        media_type=_FILES[jenis],
        # Names of people: kept out of shared caches and the browser's.
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
        background=BackgroundTask(upstream.release),
    )
