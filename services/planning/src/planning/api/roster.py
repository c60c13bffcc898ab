"""The operator's roster: imports (CSV files or JSON rows, validated by the same rules, reported per line) and
the listings of their region's schools and pegawai."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from planning.api.deps import ActorDep, DepsDep
from planning.api.schemas import RosterPegawaiOut, RosterPegawaiPage, SekolahList, SekolahOut
from planning.domain.access import require_operator
from planning.domain.roster import COLUMNS, RowError, parse_csv, parse_rows, token_roles
from planning.usecases import roster, views
from pmm_chassis.http.body import read_capped
from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_chassis.http.problems import (
    PROBLEM_JSON,
    PROBLEM_RESPONSES,
    FieldError,
    Problem,
    problem_response,
    type_uri,
)
from pmm_kernel.clock import today
from pmm_kernel.errors import InvalidValue

router = APIRouter(prefix="/roster", tags=["roster"], responses=PROBLEM_RESPONSES)

Kind = Literal["sekolah", "pegawai", "relasi"]
MAX_CSV_BYTES = 5 * 1024 * 1024  # a province's teachers fit in a few MB; larger files are split by kab/kota


class RowErrorOut(BaseModel):
    line: int
    field: str
    rule: str
    detail: str


class ImportReportOut(BaseModel):
    kind: str
    received: int
    created: int
    updated: int
    unchanged: int
    skp_berakhir: int = Field(
        default=0, description="plans a transfer dated inside their period ended at the old school (tmt_penempatan)"
    )
    errors: list[RowErrorOut]


def _out(report: roster.ImportReport) -> ImportReportOut:
    return ImportReportOut(
        kind=report.kind,
        received=report.received,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        skp_berakhir=report.skp_berakhir,
        errors=[RowErrorOut(line=e.line, field=e.field, rule=e.rule, detail=e.detail) for e in report.errors],
    )


@router.post(
    "/{kind}/csv",
    response_model=ImportReportOut,
    summary="Import a CSV file (header on line 1; ',' or ';')",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
    responses={
        413: {"model": Problem, "description": "The file is over the import cap", "content": {PROBLEM_JSON: {}}}
    },
)
async def import_csv(kind: Kind, request: Request, deps: DepsDep, actor: ActorDep) -> ImportReportOut | JSONResponse:
    """An operator imports one kind of roster (`sekolah`, `pegawai` or `relasi`) as a UTF-8 CSV file (`Content-Type:
    text/csv`, at most 5 MB): a header on line 1 naming the columns, then one row per line, cells separated by `,`
    or `;`. Import schools first, then pegawai (each names their school's NPSN), then relations (both NIPs must be
    known). Every valid row is applied and every bad row reported by line, field and rule; rows outside the
    operator's region are refused one by one. Importing the same file again changes nothing. A file whose header or
    encoding cannot be read is refused whole (422). The columns and values: README, Integrating; an example in
    `docs/examples/roster/`."""
    require_operator(actor)
    body = await read_capped(request, max_bytes=MAX_CSV_BYTES, rule="roster.csv_too_large", what="a CSV import")
    rows, errors = parse_csv(kind, body, today=today(deps.clock))
    refused = _unreadable_file(errors)
    if refused is not None:
        return refused
    received = body.count(b"\n") + (0 if body.endswith(b"\n") else 1) - 1
    command = roster.ImportRoster(kind=kind, rows=tuple(rows), errors=tuple(errors), received=max(received, 0))
    report = await roster.import_roster(command, uow=deps.uow(), deps=deps, actor=actor)
    return _out(report)


def _refuse_unknown_keys(rows: list[dict[str, Any]]) -> None:
    known = set(ALL_COLUMNS)
    unknown = [(index, key) for index, row in enumerate(rows) for key in row if key not in known]
    if unknown:
        raise RequestValidationError(
            [
                {"type": "extra_forbidden", "loc": ("body", index, key[:40]), "msg": "Extra inputs are not permitted"}
                for index, key in unknown[:50]
            ]
        )


def _unreadable_file(errors: list[RowError]) -> JSONResponse | None:
    """A header or an encoding that stops the whole file is a refused request (422), not a report of rows."""
    fatal = [
        e
        for e in errors
        if e.rule in ("csv.missing_column", "csv.duplicate_column")
        or (e.rule == "csv.syntax" and e.line == 1)
        or (e.rule == "csv.encoding" and not e.field)
    ]
    if not fatal:
        return None
    # Every problem of the header too: an unknown column often explains a missing one (a typo).
    shown = sorted({*fatal, *(e for e in errors if e.line == 1)}, key=lambda e: (e.line, e.field))
    return problem_response(
        422,
        title="Unreadable CSV file",
        detail="the file cannot be read as this kind of roster; nothing was imported",
        errors=[FieldError(field=e.field or None, rule=e.rule, detail=e.detail) for e in shown],
        type_=type_uri(fatal[0].rule),
    )


# Every column any kind of row has. A key outside them is refused like an unknown field of any other body (422),
# so that `id`, `version` or `state` can never be slipped into a row; a column of another kind is reported per line.
ALL_COLUMNS = sorted({column for required, optional in COLUMNS.values() for column in (*required, *optional)})
_ROW_SCHEMA = {"type": "object", "additionalProperties": False, "properties": {c: {} for c in ALL_COLUMNS}}


@router.post(
    "/{kind}",
    response_model=ImportReportOut,
    summary="Import rows as JSON (line = position + 1)",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"items": _ROW_SCHEMA}}}}},
)
async def import_json(
    kind: Kind,
    rows: Annotated[list[dict[str, Any]], Body(max_length=20_000)],
    deps: DepsDep,
    actor: ActorDep,
) -> ImportReportOut:
    """The same import as the CSV route, with the rows as a JSON array of objects keyed by column name; a row's `line`
    in the report is its position + 1. A key that is no column of any kind is refused with the request (422); a
    column of another kind is reported on its row."""
    require_operator(actor)
    _refuse_unknown_keys(rows)
    numbered = [(index + 1, {k: "" if v is None else str(v) for k, v in row.items()}) for index, row in enumerate(rows)]
    parsed, errors = parse_rows(kind, numbered, today=today(deps.clock))
    required, optional = COLUMNS[kind]
    errors.extend(
        RowError(line, key, "roster.unknown_column", f"not a column of {kind}")
        for line, row in numbered
        for key in row
        if key not in required and key not in optional
    )
    command = roster.ImportRoster(kind=kind, rows=tuple(parsed), errors=tuple(errors), received=len(rows))
    report = await roster.import_roster(command, uow=deps.uow(), deps=deps, actor=actor)
    return _out(report)


# --- the listings ----------------------------------------------------------------------------------------


@router.get("/sekolah", response_model=SekolahList, summary="Operator: the schools of my region, by name")
async def list_sekolah(deps: DepsDep, actor: ActorDep) -> SekolahList:
    """The schools of the operator's region, by name: NPSN, name, kode wilayah and its name."""
    schools = await views.roster_sekolah(views.RosterSekolah(), uow=deps.uow(), actor=actor)
    return SekolahList(
        items=[
            SekolahOut(npsn=s.npsn, nama=s.nama, kode_wilayah=s.kode_wilayah, nama_wilayah=s.nama_wilayah)
            for s in schools
        ]
    )


@router.get("/pegawai", response_model=RosterPegawaiPage, summary="Operator: the pegawai of my region")
async def list_pegawai(
    deps: DepsDep,
    actor: ActorDep,
    npsn: Annotated[str | None, Query(pattern=r"^[0-9]{8}$", description="only this school's pegawai")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RosterPegawaiPage:
    """The pegawai of the operator's region (of one school with `npsn`), by school and name, each with the roles they
    sign in with (`guru`; a kepala sekolah, and a Plt. kepala sekolah while acting, also `kepala_sekolah`; a pengawas
    also `pengawas`). Paged with `cursor` and `limit`."""
    position = decode_cursor(cursor)
    after = None
    if position is not None:
        raw = position.get("id")
        try:
            after = uuid.UUID(raw) if isinstance(raw, str) else None
        except ValueError:
            pass
        if after is None:
            raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor")
    query = views.RosterPegawai(npsn=npsn, after=after, limit=limit + 1)
    found = await views.roster_pegawai(query, uow=deps.uow(), actor=actor, on=today(deps.clock))
    rows = found.rows
    page = rows[:limit]
    next_cursor = encode_cursor({"id": str(page[-1][0].id)}) if len(rows) > limit else None
    return RosterPegawaiPage(
        items=[
            RosterPegawaiOut(
                nip=p.nip,
                nama=p.nama,
                status=p.status,
                jenis_gtk=p.jenis_gtk,
                jenjang_jabatan=p.jenjang_jabatan,
                pangkat_golongan=p.pangkat_golongan,
                npsn=p.npsn,
                nama_sekolah=s.nama,
                peran=list(token_roles(p.jenis_gtk, acting=p.id in found.acting)),
            )
            for p, s in page
        ],
        next_cursor=next_cursor,
    )
