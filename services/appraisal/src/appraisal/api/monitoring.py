"""Monitoring: per school, kabupaten/kota or province, how far the period has come; as JSON or CSV."""

from __future__ import annotations

import csv
import io
import re
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from appraisal.api.deps import ActorDep, DepsDep
from appraisal.domain.access import Actor
from appraisal.domain.predikat import Predikat
from appraisal.usecases import Deps, views
from pmm_chassis.http.problems import PROBLEM_RESPONSES

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
