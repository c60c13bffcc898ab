"""Monitoring: per school, kabupaten/kota or province, how far the period has come (JSON or CSV); and by name, who
is where in the cycle (JSON, or streamed CSV and XLSX)."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import anyio
import xlsxwriter
from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from appraisal.api.deps import ActorDep, DepsDep
from appraisal.domain.access import Actor
from appraisal.domain.monitoring import PegawaiMonitoring
from appraisal.domain.predikat import Predikat
from appraisal.usecases import Deps, views
from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.errors import InvalidValue

router = APIRouter(tags=["monitoring"], responses=PROBLEM_RESPONSES)


class Tingkat(StrEnum):
    SEKOLAH = "sekolah"  # per NPSN
    KABUPATEN = "kabupaten"  # per kabupaten/kota (4-digit kode wilayah)
    PROVINSI = "provinsi"  # per province (2 digits)


Periode = Annotated[str, Query(min_length=1, max_length=40, examples=["2024-S1"])]

_SAFE = re.compile(r"[^A-Za-z0-9_-]")

COLUMNS = ("kode", "nama", "pegawai", "direncanakan", "disetujui", "siklus_selesai", "dinilai")


class MonitoringRow(BaseModel):
    kode: str = Field(description="NPSN, kode kabupaten/kota or kode provinsi")
    nama: str
    pegawai: int = Field(description="pegawai in the roster (pengawas excluded)")
    direncanakan: int = Field(description="plans submitted (or approved)")
    disetujui: int
    siklus_selesai: int = Field(description="completed the observation cycle")
    dinilai: int = Field(description="penilaian finalised")
    predikat: dict[str, int] = Field(description="finalised predikat")


class MonitoringOut(BaseModel):
    periode: str
    tingkat: Tingkat
    items: list[MonitoringRow]


async def _rows(deps: Deps, actor: Actor, periode: str, tingkat: Tingkat) -> list[MonitoringRow]:
    rows = await views.get_monitoring(
        views.GetMonitoring(periode=periode, tingkat=tingkat.value), uow=deps.uow(), actor=actor
    )
    return [
        MonitoringRow(**{k: getattr(r, k) for k in COLUMNS}, predikat={p.value: r.predikat[p.value] for p in Predikat})
        for r in rows
    ]


def _cell(value: object) -> object:
    # A school name from an import must not become a spreadsheet formula when the operator opens the file.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@router.get("/monitoring", response_model=MonitoringOut, summary="Operators: their region; principals: their school")
async def get_monitoring(
    deps: DepsDep, actor: ActorDep, periode: Periode, tingkat: Tingkat = Tingkat.SEKOLAH
) -> MonitoringOut:
    """How far a period has come, one row per school (`tingkat=sekolah`), kabupaten/kota (`kabupaten`) or province
    (`provinsi`): pegawai in the roster (pengawas excluded), plans submitted, plans approved, observation cycles
    completed, penilaian finalised, and the finalised predikat by kind. An operator sees their region; a kepala
    sekolah their own school; anyone else is refused (403)."""
    return MonitoringOut(periode=periode, tingkat=tingkat, items=await _rows(deps, actor, periode, tingkat))


@router.get(
    "/monitoring.csv",
    summary="The same as CSV (one row per school, kabupaten/kota or province)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the table"}},
)
async def get_monitoring_csv(
    deps: DepsDep, actor: ActorDep, periode: Periode, tingkat: Tingkat = Tingkat.SEKOLAH
) -> Response:
    """The same table as `GET /monitoring`, as a CSV file to open in a spreadsheet (a cell that would start a formula
    is quoted), with one column per predikat."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["periode", *COLUMNS, *(f"predikat_{p.value}" for p in Predikat)])
    for row in await _rows(deps, actor, periode, tingkat):
        cells = [periode, *(getattr(row, c) for c in COLUMNS), *(row.predikat[p.value] for p in Predikat)]
        writer.writerow([_cell(c) for c in cells])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        # The period as typed may hold quotes or non-Latin-1 text, which a header cannot carry (it would be a 500):
        # the file name keeps the safe characters only.
        headers={
            "Content-Disposition": f'attachment; filename="monitoring-{_SAFE.sub("_", periode)}-{tingkat.value}.csv"'
        },
    )


# --- monitoring by name ----------------------------------------------------------------------------------------


class Fase(StrEnum):
    PERENCANAAN = "perencanaan"
    PELAKSANAAN = "pelaksanaan"
    PENILAIAN = "penilaian"
    BKN = "bkn"
    KOREKSI = "koreksi"


Npsn = Annotated[str | None, Query(min_length=8, max_length=8, pattern=r"^[0-9A-Z]{8}$")]
KodeWilayah = Annotated[str | None, Query(min_length=2, max_length=6, pattern=r"^[0-9]+$")]
Status = Annotated[str | None, Query(min_length=1, max_length=40, description="a state of `fase`")]

# How many rows an export reads at a time: the file streams out while the next chunk is read.
EXPORT_CHUNK = 1000


class BatasWaktuOut(BaseModel):
    step: str
    mulai: date
    selesai: date
    terlambat_sampai: date | None
    berlaku_sampai: date = Field(description="the effective close where the rows are, extensions counted")
    diperpanjang: bool = Field(description="an extension is in force there")
    alasan_perpanjangan: str | None


class PegawaiMonitoringOut(BaseModel):
    pegawai_id: uuid.UUID
    nama: str
    jenis_gtk: str
    npsn: str
    nama_sekolah: str
    kode_wilayah: str
    nama_wilayah: str
    perencanaan: str = Field(description="belum, diajukan, dikembalikan, disetujui")
    pelaksanaan: str = Field(description="belum, persiapan, observasi, diskusi, upaya, selesai, ditutup")
    penilaian: str = Field(description="belum, dinilai, final")
    predikat: str | None
    bkn: str = Field(description="belum, terkirim, gagal")
    bkn_kode: str | None = Field(description="why the failed push waits")
    bkn_perbaikan_oleh: str | None = Field(description="who fixes it: guru, operator_sekolah, dinas, bkn, pmm")
    bkn_tindakan: str | None = Field(description="what they do")
    koreksi_terbuka: int = Field(description="open correction reports: the pegawai's data is blocked while > 0")
    batas: dict[str, date] = Field(description="each step's effective close at the pegawai's school")


class MonitoringPegawaiPage(BaseModel):
    periode: str
    kode_wilayah: str = Field(description="where `batas_waktu` holds (empty: the whole country)")
    batas_waktu: list[BatasWaktuOut]
    items: list[PegawaiMonitoringOut]
    next_cursor: str | None


def _after(cursor: str | None) -> uuid.UUID | None:
    # The cursor names the last row's pegawai by id only: a name never travels in a URL.
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        return uuid.UUID(str(position["id"]))
    except (KeyError, ValueError) as exc:
        raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor") from exc


async def _page(
    deps: Deps,
    actor: Actor,
    *,
    periode: str,
    npsn: str | None,
    kode_wilayah: str | None,
    fase: Fase | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> views.MonitoringPegawaiView:
    query = views.ListMonitoringPegawai(
        periode=periode,
        npsn=npsn,
        kode_wilayah=kode_wilayah,
        fase=fase.value if fase else None,
        status=status,
        after=after,
        limit=limit,
    )
    return await views.list_monitoring_pegawai(query, uow=deps.uow(), deps=deps, actor=actor)


def _item(row: PegawaiMonitoring, view: views.MonitoringPegawaiView) -> PegawaiMonitoringOut:
    return PegawaiMonitoringOut(
        **{k: getattr(row, k) for k in PegawaiMonitoringOut.model_fields if k != "batas"},
        batas=view.batas_sekolah.get(row.kode_wilayah, {}),
    )


@router.get(
    "/monitoring/pegawai",
    response_model=MonitoringPegawaiPage,
    summary="Who is where in the period, by name (KS: their school; pengawas: their schools; operator: region)",
)
async def get_monitoring_pegawai(
    deps: DepsDep,
    actor: ActorDep,
    periode: Periode,
    npsn: Npsn = None,
    kode_wilayah: KodeWilayah = None,
    fase: Fase | None = None,
    status: Status = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MonitoringPegawaiPage:
    """One row per pegawai (pengawas excluded) with their school, kode and nama wilayah, jenis GTK, the state of
    each phase (perencanaan, pelaksanaan, penilaian), the BKN state with a failed push's reason and who fixes it,
    and the open correction reports that block their data; and the period's deadlines per step with the extension
    in force where the rows are. Filtered by school (`npsn`), region (`kode_wilayah` prefix) and a phase's state
    (`fase` with `status`), in school then name order, paged with `cursor` and `limit`.

    A kepala sekolah sees their school, a pengawas the schools of the kepala sekolah they appraise, an operator
    their region; anyone else is refused (403), and a school or region outside the caller's is not found (404)."""
    view = await _page(
        deps,
        actor,
        periode=periode,
        npsn=npsn,
        kode_wilayah=kode_wilayah,
        fase=fase,
        status=status,
        after=_after(cursor),
        limit=limit,
    )
    after = view.next_after
    return MonitoringPegawaiPage(
        periode=view.periode,
        kode_wilayah=view.kode_wilayah,
        batas_waktu=[BatasWaktuOut(**vars(b)) for b in view.batas_waktu],
        items=[_item(r, view) for r in view.items],
        next_cursor=encode_cursor({"id": str(after)}) if after else None,
    )


EXPORT_COLUMNS = (
    "npsn",
    "nama_sekolah",
    "kode_wilayah",
    "nama_wilayah",
    "nama",
    "jenis_gtk",
    "perencanaan",
    "pelaksanaan",
    "penilaian",
    "predikat",
    "bkn",
    "bkn_kode",
    "bkn_perbaikan_oleh",
    "bkn_tindakan",
    "koreksi_terbuka",
)


class _Export:
    """The pages of one export, read a chunk at a time: the first before the answer starts (so a refusal is a
    problem answer, not a broken download), the rest while the file streams out."""

    def __init__(self, deps: Deps, actor: Actor, periode: str, filters: dict[str, Any]) -> None:
        self._deps, self._actor, self._periode, self._filters = deps, actor, periode, filters
        self.first: views.MonitoringPegawaiView | None = None

    async def start(self) -> views.MonitoringPegawaiView:
        self.first = await self._read(None)
        return self.first

    async def _read(self, after: uuid.UUID | None) -> views.MonitoringPegawaiView:
        return await _page(
            self._deps, self._actor, periode=self._periode, after=after, limit=EXPORT_CHUNK, **self._filters
        )

    @property
    def steps(self) -> list[str]:
        assert self.first is not None
        return [b.step for b in self.first.batas_waktu]

    def header(self) -> list[str]:
        return ["periode", *EXPORT_COLUMNS, *(f"batas_{s}" for s in self.steps)]

    async def rows(self) -> AsyncIterator[list[Any]]:
        view = self.first
        while view is not None:
            for row in view.items:
                batas = view.batas_sekolah.get(row.kode_wilayah, {})
                yield [self._periode, *(getattr(row, c) for c in EXPORT_COLUMNS), *(batas.get(s) for s in self.steps)]
            view = await self._read(view.next_after) if view.next_after is not None else None


def _filename(periode: str, ext: str) -> str:
    return f"monitoring-pegawai-{_SAFE.sub('_', periode)}.{ext}"


def _filters(npsn: str | None, kode_wilayah: str | None, fase: Fase | None, status: str | None) -> dict[str, Any]:
    return {"npsn": npsn, "kode_wilayah": kode_wilayah, "fase": fase, "status": status}


@router.get(
    "/monitoring/pegawai.csv",
    summary="The monitoring by name as CSV, streamed",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "the table, one row per pegawai"}},
)
async def get_monitoring_pegawai_csv(
    deps: DepsDep,
    actor: ActorDep,
    periode: Periode,
    npsn: Npsn = None,
    kode_wilayah: KodeWilayah = None,
    fase: Fase | None = None,
    status: Status = None,
) -> StreamingResponse:
    """The same rows as `GET /monitoring/pegawai` with the same filters and scope (403 for anyone but a KS, a
    pengawas or an operator; 404 for a school or region outside theirs), every page of them, as a CSV file streamed
    while it is read (a province is never held in memory); each row ends with the effective close of every step of
    the period at the pegawai's school. A cell that would start a formula is quoted."""
    export = _Export(deps, actor, periode, _filters(npsn, kode_wilayah, fase, status))
    await export.start()

    async def body() -> AsyncIterator[bytes]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(export.header())
        async for cells in export.rows():
            writer.writerow([_cell("" if c is None else c) for c in cells])
            if out.tell() > 64 * 1024:
                yield out.getvalue().encode()
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(periode, "csv")}"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/monitoring/pegawai.xlsx",
    summary="The monitoring by name as a spreadsheet (XLSX), streamed",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {}}, "description": "the table, one row per pegawai"}},
)
async def get_monitoring_pegawai_xlsx(
    deps: DepsDep,
    actor: ActorDep,
    periode: Periode,
    npsn: Npsn = None,
    kode_wilayah: KodeWilayah = None,
    fase: Fase | None = None,
    status: Status = None,
) -> StreamingResponse:
    """The same rows, filters and scope as the CSV, as an XLSX workbook: a header row, deadlines as dates, the open
    correction reports as numbers. Written row by row to a temporary file in constant memory, then streamed out
    and removed."""
    export = _Export(deps, actor, periode, _filters(npsn, kode_wilayah, fase, status))
    await export.start()

    async def body() -> AsyncIterator[bytes]:
        # Made once the answer is being sent, so a download abandoned before it starts leaves no file behind.
        handle, name = tempfile.mkstemp(prefix="monitoring-", suffix=".xlsx")
        os.close(handle)
        path = Path(name)
        try:
            await _write_xlsx(export, path)
            with path.open("rb") as f:
                while chunk := await anyio.to_thread.run_sync(f.read, 64 * 1024):
                    yield chunk
        finally:
            path.unlink(missing_ok=True)

    return StreamingResponse(
        body(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{_filename(periode, "xlsx")}"'},
    )


async def _write_xlsx(export: _Export, path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    try:
        sheet = workbook.add_worksheet("Monitoring")
        bold = workbook.add_format({"bold": True})
        tanggal = workbook.add_format({"num_format": "yyyy-mm-dd"})
        header = export.header()
        sheet.write_row(0, 0, header, bold)
        sheet.freeze_panes(1, 0)
        number = {header.index("koreksi_terbuka")}
        r = 1
        batch: list[list[Any]] = []

        def flush(rows: list[list[Any]], start: int) -> None:
            for offset, cells in enumerate(rows):
                for c, value in enumerate(cells):
                    if value is None:
                        continue
                    if isinstance(value, date):
                        sheet.write_datetime(start + offset, c, datetime(value.year, value.month, value.day), tanggal)
                    elif c in number:
                        sheet.write_number(start + offset, c, value)
                    else:
                        sheet.write_string(start + offset, c, str(value))

        async for cells in export.rows():
            batch.append(cells)
            if len(batch) >= EXPORT_CHUNK:
                await anyio.to_thread.run_sync(flush, batch, r)
                r += len(batch)
                batch = []
        await anyio.to_thread.run_sync(flush, batch, r)
    finally:
        await anyio.to_thread.run_sync(workbook.close)
