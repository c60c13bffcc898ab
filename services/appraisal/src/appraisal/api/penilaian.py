"""The penilaian routes: the list, one penilaian, the atasan's rating and finalisation, the operator's reopen and
perilaku-only mark, and the evaluation document."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from appraisal.api.deps import ActorDep, DepsDep
from appraisal.api.schemas import (
    AlasanIn,
    HanyaPerilakuIn,
    NilaiIn,
    PenilaianOut,
    PenilaianPage,
    PeriodeBagianOut,
    item,
)
from appraisal.domain.penilaian import Status
from appraisal.usecases import views
from appraisal.usecases.penilaian import (
    FinalizePenilaian,
    RatePenilaian,
    ReopenPenilaian,
    SetHanyaPerilaku,
    finalize,
    rate,
    reopen,
    set_hanya_perilaku,
)
from appraisal.usecases.views import GetPenilaian, GetPeriodeBagian, ListPenilaian, PenilaianContext
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_chassis.http.preconditions import IfMatch, etag
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.errors import InvalidValue
from pmm_kernel.versions import ExpectedVersion

router = APIRouter(tags=["penilaian"], responses=PROBLEM_RESPONSES)


def _out(context: PenilaianContext) -> JSONResponse:
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
    """The penilaian the caller may see: their own, those of the pegawai they appraise today (a kepala sekolah or
    pengawas) and, for an operator, those of their region; optionally of one `periode` or `status` (`MENUNGGU`,
    `SIAP`, `DINILAI`, `FINAL`). Paged with `cursor` and `limit`, in a stable order."""
    position = decode_cursor(cursor)
    after = None
    if position is not None:
        try:
            after = uuid.UUID(position["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor") from exc
    query = ListPenilaian(periode=periode, status=status.value if status else None, after=after, limit=limit + 1)
    rows = await views.list_penilaian(query, uow=deps.uow(), deps=deps, actor=actor)
    page = rows[:limit]
    next_cursor = encode_cursor({"id": str(page[-1][0].id)}) if len(rows) > limit else None
    return PenilaianPage(items=[item(p, pegawai) for p, pegawai in page], next_cursor=next_cursor)


@router.get(
    "/hasil-periode/{pegawai_id}/{periode}",
    response_model=PeriodeBagianOut,
    summary="The parts of a pegawai's period and the period's combined result",
)
async def hasil_periode(
    pegawai_id: uuid.UUID, periode: Annotated[str, Path(max_length=40)], deps: DepsDep, actor: ActorDep
) -> PeriodeBagianOut:
    """A period a transfer split into parts (one plan per school): each part with its school, days, months,
    predikat and angka kredit (rounded per part), and the period's result: the sum of the parts' angka kredit and
    the predikat of the last part (docs/domain.md §6). A period never split has one part. Visible to whoever may
    see one of its parts (the pegawai, the atasan of a part, an operator of a part's region); 404 otherwise."""
    view = await views.get_periode_bagian(
        GetPeriodeBagian(pegawai_id=pegawai_id, periode=periode), uow=deps.uow(), deps=deps, actor=actor
    )
    return PeriodeBagianOut.of(view)


@router.get("/penilaian/{penilaian_id}", response_model=PenilaianOut, summary="Read a penilaian")
async def read_penilaian(penilaian_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    """One penilaian: its status and what it still waits for (`missing`: the approved plan, the completed observation
    cycle, or for 2024's annual evaluation the year's periodic results), the approved plan and the cycle's rubric
    shown as evidence (never turned into a score), the ratings, the predikat with the matrix cell that gave it, the
    angka kredit and the progress towards kenaikan pangkat and jenjang, the school's predikat distribution, and
    after finalisation the appraiser as sent to BKN. Visible to the pegawai, their current atasan and an operator of
    the region; to anyone else it does not exist (404). Carries the `ETag` for the next change."""
    return _out(await views.get_penilaian(GetPenilaian(penilaian_id), uow=deps.uow(), deps=deps, actor=actor))


@router.put(
    "/penilaian/{penilaian_id}/nilai",
    response_model=PenilaianOut,
    summary="Atasan: rate hasil kerja and perilaku kerja (a draft until finalised)",
)
async def put_nilai(
    penilaian_id: uuid.UUID, body: NilaiIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """The atasan rates: `hasil_kerja` and `perilaku_kerja`, each `di_atas`, `sesuai` or `di_bawah` (ekspektasi),
    optional feedback per BerAKHLAK value of the plan (`umpan_balik`, keyed by the value's `kode`) and notes. The
    answer shows the predikat (PermenPANRB 6/2022 matrix) and the angka kredit it would give. A draft: the atasan
    may rate again until they finalise. A pegawai marked as rated on perilaku only takes no `hasil_kerja` (422 if
    sent). The pegawai's current atasan only, once the penilaian is ratable (409 `penilaian.belum_siap` lists what
    is missing). Requires `If-Match`."""
    cmd = RatePenilaian(
        penilaian_id=penilaian_id,
        expected=ExpectedVersion(if_match),
        hasil_kerja=body.hasil_kerja,
        perilaku_kerja=body.perilaku_kerja,
        umpan_balik=tuple(body.umpan_balik.items()),
        catatan=body.catatan,
    )
    return _out(await rate(cmd, uow=deps.uow(), deps=deps, actor=actor))


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
    """The atasan finalises the rated penilaian: the predikat, the angka kredit (kept with the jenjang and months) and
    the appraiser as BKN names them are fixed, and `appraisal.penilaian.finalized.v1` goes out for bkn_sync to push.
    Irreversible but for an operator's audited reopen. The pegawai's current atasan only, in `DINILAI`, inside the
    period's penilaian window (for 2024's annual evaluation, its penilaian tahunan window), with the region's
    extensions. Requires `If-Match`; send an `Idempotency-Key`."""

    cmd = FinalizePenilaian(penilaian_id=penilaian_id, expected=ExpectedVersion(if_match))

    async def compute() -> JSONResponse:
        return _out(await finalize(cmd, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


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
    """An operator reopens a finalised penilaian, with a reason (`alasan`, at least 5 characters) kept in the audit
    trail: it returns to `DINILAI` for the atasan to rate or finalise again, and `appraisal.penilaian.reopened.v1`
    tells bkn_sync that what it pushed may change. An operator of the school's region only, in `FINAL`. Requires
    `If-Match`; send an `Idempotency-Key`."""

    cmd = ReopenPenilaian(penilaian_id=penilaian_id, expected=ExpectedVersion(if_match), alasan=body.alasan)

    async def compute() -> JSONResponse:
        return _out(await reopen(cmd, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


@router.put(
    "/penilaian/{penilaian_id}/hanya-perilaku",
    response_model=PenilaianOut,
    summary="Operator: mark a pegawai appointed at the end of the period (rated on perilaku only; audited)",
)
async def put_hanya_perilaku(
    penilaian_id: uuid.UUID, body: HanyaPerilakuIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """An operator marks (or unmarks) a pegawai appointed at the end of the period: there was no time for a cycle, so
    they are rated on perilaku kerja only, and the penilaian no longer waits for the observation cycle; the predikat
    is read with hasil kerja taken as `sesuai`. Any rating already given is cleared. `alasan` is required and kept
    in the audit trail. An operator of the school's region only, before finalisation, on a period's own penilaian
    (not the annual evaluation). Requires `If-Match`."""
    cmd = SetHanyaPerilaku(
        penilaian_id=penilaian_id,
        expected=ExpectedVersion(if_match),
        hanya_perilaku=body.hanya_perilaku,
        alasan=body.alasan,
    )
    return _out(await set_hanya_perilaku(cmd, uow=deps.uow(), deps=deps, actor=actor))


@router.get(
    "/penilaian/{penilaian_id}/dokumen",
    summary="The evaluation document as a PDF (the pegawai and their atasan)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the document"}},
)
async def dokumen(penilaian_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    """The evaluation document as a PDF, the paper a teacher takes to a promotion or the TPG: the ministry's
    letterhead with the school's Dinas, the pegawai and the appraiser, the plan with a realisasi beside each target,
    the evidence, the seven BerAKHLAK values with their feedback, the predikat and its basis in words, the angka
    kredit with its months and formula, the school's predikat kinerja organisasi, signature blocks, and a page with
    the school's predikat distribution against its pattern (SE MenPANRB 3/2023). It carries one date, the day it is
    printed, which is also its metadata's CreationDate; every page says DRAFT until the penilaian is final. The
    pegawai and their current atasan only (an operator: 403), once the atasan has rated (422 `dokumen.belum_dinilai`
    before)."""
    # The renderer (reportlab, about 8 MB) is loaded by the first document asked for, not by every process.
    from appraisal.api.dokumen_pdf import render

    context = await views.dokumen(GetPenilaian(penilaian_id), uow=deps.uow(), deps=deps, actor=actor)
    name = f"evaluasi-kinerja-{context.penilaian.periode}-{str(context.penilaian.id)[:8]}.pdf"
    return Response(
        render(context, now=deps.clock.now()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )
