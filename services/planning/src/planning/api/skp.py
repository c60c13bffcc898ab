"""The SKP routes: create, the six steps, submit, the atasan's queue and decisions, the operator's reset."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from planning.api.deps import ActorDep, DepsDep
from planning.api.schemas import (
    AlasanIn,
    BagianItem,
    BagianList,
    BagianOut,
    CatatanIn,
    CreateSkp,
    DataDiriIn,
    EkspektasiIn,
    PegawaiOut,
    PraktikKinerjaIn,
    QueueItem,
    QueuePage,
    RhkListIn,
    SkpOut,
)
from planning.domain.policy import find_periode
from planning.domain.records import Sekolah
from planning.domain.skp import Skp, SkpListed, SkpStatus, drafting_step
from planning.domain.skp_parts import RhkInput
from planning.usecases import Deps, skp, views
from planning.usecases.views import SkpContext
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_chassis.http.preconditions import IfMatch, etag
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.errors import InvalidValue
from pmm_kernel.versions import ExpectedVersion

router = APIRouter(tags=["skp"], responses=PROBLEM_RESPONSES)


def _step(name: str) -> str:
    """The route of a drafting step, named as `missing_steps` names it."""
    return f"/skp/{{skp_id}}/{drafting_step(name).path}"


def _out(deps: Deps, context: SkpContext, status_code: int = 200) -> Response:
    berakhlak = [{"kode": v.kode, "nama": v.nama, "panduan": list(v.panduan)} for v in deps.catalog.berakhlak]
    periode = find_periode(context.skp.periode, deps.policies)
    # Serialised once, straight to JSON bytes (the route returns a Response, so FastAPI validates nothing again).
    body = SkpOut.of(context, berakhlak, periode=periode).model_dump_json()
    headers = {"ETag": etag(context.skp.version)}
    if status_code == 201:
        headers["Location"] = f"/api/v1/skp/{context.skp.id}"
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def _bagian(deps: Deps, plan: Skp | SkpListed, sekolah: Sekolah) -> BagianOut:
    periode = find_periode(plan.periode, deps.policies)
    return BagianOut.of(plan, sekolah, periode_mulai=periode.mulai, periode_selesai=periode.selesai)


@router.post("/skp", status_code=201, response_model=SkpOut, summary="Start my plan for a period")
async def create_skp(
    body: CreateSkp, request: Request, deps: DepsDep, actor: ActorDep, _key: IdempotencyKey = None
) -> Response:
    """Creates the caller's plan (SKP) for a period, as a `DRAFT` with no step saved yet, and answers it with its
    `ETag` and `Location`.

    The caller is the pegawai whose NIP is the token's `sub`: not in the roster is a 404 `pegawai.not_in_roster`, a
    pengawas sekolah (who has no plan here) a 403 `pegawai.no_skp`. The period must be one planning has opened (`GET
    /periode`; else 422 `periode.unknown`) and its planning window for the caller's role must be open in their
    region (else 409 `window.perencanaan_guru` or `window.perencanaan_ks`, naming the dates). One plan per pegawai
    and period: a second is a 409 `skp.exists` with the existing `skp_id`, unless a transfer (mutasi) ended the
    latest part of the period: then this starts the next part (`bagian`) at the pegawai's new school from the day of
    the new placement, plannable until 30 days after it even when the period's planning window has closed. Send an
    `Idempotency-Key` so that a retry gets the same plan."""

    async def compute() -> Response:
        context = await skp.create_skp(skp.CreateSkp(periode=body.periode), uow=deps.uow(), deps=deps, actor=actor)
        return _out(deps, context, 201)

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


# Declared before /skp/{skp_id}, which would otherwise take "saya" for a plan id and refuse it as no UUID.
@router.get("/skp/saya", response_model=SkpOut, summary="Read my own plan for a period")
async def read_my_skp(
    deps: DepsDep, actor: ActorDep, periode: Annotated[str, Query(max_length=40, examples=["2024-S1"])]
) -> Response:
    """The caller's own plan for `periode`, found without knowing its id: where a teacher's planning starts. 404
    `plan.not_found` until they have created it (`POST /skp`). The answer carries the plan's `ETag` for the next
    change."""
    return _out(deps, await views.my_skp(views.MySkp(periode=periode), uow=deps.uow(), deps=deps, actor=actor))


@router.get("/skp/saya/bagian", response_model=BagianList, summary="The parts of my plan for a period")
async def read_my_parts(
    deps: DepsDep, actor: ActorDep, periode: Annotated[str, Query(max_length=40, examples=["2025-T"])]
) -> BagianList:
    """The parts of the caller's plan for `periode`, first part first: one part per school, since a transfer
    (mutasi) during the period ends the part at the old school on the day before the new placement (`berakhir`,
    `alasan_berakhir` "mutasi"; it is then read-only, 409 `skp.berakhir` for any change) and the pegawai starts the
    next part at the new school with `POST /skp`. Each with its school and its first and last day. Empty before the
    first plan; 404 `periode.unknown` for a code that names no period."""
    parts = await views.my_parts(views.MyParts(periode=periode), uow=deps.uow(), deps=deps, actor=actor)
    items = []
    for part in parts:
        sekolah = part.sekolah
        if sekolah is None:  # a plan made before parts existed names no school: the pegawai's own
            sekolah = (await views.get_skp(views.GetSkp(part.skp.id), uow=deps.uow(), deps=deps, actor=actor)).sekolah
        items.append(
            BagianItem(
                skp_id=part.skp.id,
                status=part.skp.status.value,
                version=part.skp.version,
                bagian=BagianOut.of(part.skp, sekolah, periode_mulai=part.mulai, periode_selesai=part.selesai),
            )
        )
    return BagianList(items=items)


@router.get("/skp/{skp_id}", response_model=SkpOut, summary="Read a plan")
async def read_skp(skp_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    """One plan with its pegawai's data diri, every step saved so far, `missing_steps` (what still stops a submission),
    `total_poin` and `warnings` (competence points outside the recommended range under the 2024 policy). Visible to
    its pegawai, their current atasan and an operator of the school's region; to anyone else it does not exist
    (404)."""
    return _out(deps, await views.get_skp(views.GetSkp(skp_id=skp_id), uow=deps.uow(), deps=deps, actor=actor))


@router.put(_step("data_diri"), response_model=SkpOut, summary="Step 1: confirm or report my data")
async def put_data_diri(
    skp_id: uuid.UUID, body: DataDiriIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 1, data diri: the pegawai confirms that the roster's data about them (name, NIP, status, pangkat/golongan,
    jenjang, school) is right (`sesuai: true`), or says what is wrong in `catatan` (`sesuai: false`; the note is
    then required). A plan cannot be submitted until the data is confirmed; wrong data is corrected by the operator
    in the roster (or comes from SIASN), never by the teacher. The pegawai only, in `DRAFT` or `DIKEMBALIKAN`,
    inside the planning window. Requires `If-Match`."""
    command = skp.SaveDataDiri(skp_id, ExpectedVersion(if_match), sesuai=body.sesuai, catatan=body.catatan)
    return _out(deps, await skp.save_data_diri(command, uow=deps.uow(), deps=deps, actor=actor))


@router.put(_step("praktik_kinerja"), response_model=SkpOut, summary="Step 2: pick one indicator")
async def put_praktik_kinerja(
    skp_id: uuid.UUID, body: PraktikKinerjaIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 2, praktik kinerja: the pegawai picks one Rapor Pendidikan indicator of their role (`GET
    /katalog/indikator/rekomendasi` lists those recommended from the school's priorities first; any indicator of the
    role is allowed). The indicator's focus behaviours are what the observation rubric rates later. The pegawai
    only, in `DRAFT` or `DIKEMBALIKAN`, inside the planning window. Requires `If-Match`."""
    command = skp.SavePraktikKinerja(skp_id, ExpectedVersion(if_match), indikator=body.indikator)
    return _out(deps, await skp.save_praktik_kinerja(command, uow=deps.uow(), deps=deps, actor=actor))


def _rhk(body: RhkListIn) -> tuple[RhkInput, ...]:
    return tuple(RhkInput(kode=r.kode, target_kuantitas=r.target_kuantitas, rhk_atasan=r.rhk_atasan) for r in body.rhk)


@router.put(_step("pengembangan_kompetensi"), response_model=SkpOut, summary="Step 3: RHK and targets")
async def put_pengembangan_kompetensi(
    skp_id: uuid.UUID, body: RhkListIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 3, pengembangan kompetensi: the whole list of competence-development RHK from the catalogue (`GET
    /katalog/rhk`, kategori `pengembangan_kompetensi`), each with a `target_kuantitas` inside the RHK's range,
    replacing what was saved. At least one is needed to submit. Under the 2024 policy each RHK carries points; a
    total outside 32-128 per semester is a warning in the answer, never a refusal. The pegawai only, in `DRAFT` or
    `DIKEMBALIKAN`, inside the planning window. Requires `If-Match`."""
    command = skp.SavePengembanganKompetensi(skp_id, ExpectedVersion(if_match), rhk=_rhk(body))
    return _out(deps, await skp.save_pengembangan_kompetensi(command, uow=deps.uow(), deps=deps, actor=actor))


@router.put(_step("tugas_tambahan"), response_model=SkpOut, summary="Step 4: additional duties")
async def put_tugas_tambahan(
    skp_id: uuid.UUID, body: RhkListIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 4, tugas tambahan (optional): the whole list of RHK for additional duties (catalogue kategori
    `tugas_tambahan`), each with its target, replacing what was saved; an empty list clears it. The pegawai only, in
    `DRAFT` or `DIKEMBALIKAN`, inside the planning window. Requires `If-Match`."""
    command = skp.SaveTugasTambahan(skp_id, ExpectedVersion(if_match), rhk=_rhk(body))
    return _out(deps, await skp.save_tugas_tambahan(command, uow=deps.uow(), deps=deps, actor=actor))


@router.put(_step("perilaku_kerja"), response_model=SkpOut, summary="Step 5: commit to BerAKHLAK")
async def put_perilaku_kerja(skp_id: uuid.UUID, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None) -> Response:
    """Step 5, perilaku kerja: the pegawai commits to the seven BerAKHLAK values (listed in the plan, with any
    ekspektasi khusus of the atasan). This request has no body: sending it is the commitment. The pegawai only, in
    `DRAFT` or `DIKEMBALIKAN`, inside the planning window. Requires `If-Match`."""
    command = skp.SavePerilakuKerja(skp_id, ExpectedVersion(if_match))
    return _out(deps, await skp.save_perilaku_kerja(command, uow=deps.uow(), deps=deps, actor=actor))


@router.put("/skp/{skp_id}/ekspektasi-pimpinan", response_model=SkpOut, summary="Atasan: special expectations")
async def put_ekspektasi(
    skp_id: uuid.UUID, body: EkspektasiIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """The atasan's ekspektasi khusus pimpinan: a special expectation per BerAKHLAK value (keyed by the value's
    `kode`), on a submitted plan before deciding it. Replaces what was set; an empty text removes a value's
    expectation. The current atasan only, in `DIAJUKAN`, inside the planning window. Requires `If-Match`."""
    command = skp.SetEkspektasiKhusus(skp_id, ExpectedVersion(if_match), values=tuple(body.ekspektasi_khusus.items()))
    return _out(deps, await skp.set_ekspektasi_khusus(command, uow=deps.uow(), deps=deps, actor=actor))


@router.post("/skp/{skp_id}/submit", response_model=SkpOut, summary="Step 6: submit to my atasan")
async def submit(
    skp_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """Step 6, ajukan: submits the plan to the pegawai's atasan of today (their kepala sekolah; a kepala sekolah's
    pengawas). Every required step must be saved (422 `skp.incomplete` lists `missing`) and the pegawai must have an
    atasan in the roster (409 `skp.no_atasan`). From `DRAFT`, or from `DIKEMBALIKAN` after the changes the note
    asked for; it then waits in the atasan's `GET /antrian-persetujuan`. The pegawai only, inside the planning
    window; publishes `planning.skp.submitted.v1`. Requires `If-Match`; send an `Idempotency-Key`."""

    async def compute() -> Response:
        command = skp.SubmitSkp(skp_id, ExpectedVersion(if_match))
        return _out(deps, await skp.submit_skp(command, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


@router.post("/skp/{skp_id}/approve", response_model=SkpOut, summary="Atasan: approve (disetujui)")
async def approve(
    skp_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """The atasan approves (disetujui) a submitted plan: it becomes `DISETUJUI` and immutable, observation opens the
    pegawai's pelaksanaan from it and bkn_sync pushes it to e-Kinerja (`planning.skp.approved.v1` carries the whole
    plan). The pegawai's current atasan only, in `DIAJUKAN`, inside the planning window of the pegawai's role and
    region. Requires `If-Match`; send an `Idempotency-Key`."""

    async def compute() -> Response:
        command = skp.ApproveSkp(skp_id, ExpectedVersion(if_match))
        return _out(deps, await skp.approve_skp(command, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


@router.post("/skp/{skp_id}/return", response_model=SkpOut, summary="Atasan: return with a note (dikembalikan)")
async def return_(
    skp_id: uuid.UUID,
    body: CatatanIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """The atasan returns (dikembalikan) a submitted plan with a note saying what to change (`catatan`, at least 5
    characters); the pegawai edits it and submits again. The pegawai's current atasan only, in `DIAJUKAN`, inside
    the planning window; publishes `planning.skp.returned.v1`. Requires `If-Match`; send an `Idempotency-Key`."""

    async def compute() -> Response:
        command = skp.ReturnSkp(skp_id, ExpectedVersion(if_match), catatan=body.catatan)
        return _out(deps, await skp.return_skp(command, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


@router.post("/skp/{skp_id}/reset", response_model=SkpOut, summary="Operator: reset an approved plan (audited)")
async def reset(
    skp_id: uuid.UUID,
    body: AlasanIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """An operator returns an approved plan to `DRAFT`, with a reason (`alasan`, at least 5 characters) kept in the
    audit trail: the escape hatch for a plan approved by mistake, not bound to any window. The pelaksanaan opened
    from the plan closes and the penilaian waits for a new approval (`planning.skp.reset.v1`). An operator of the
    school's region only, in `DISETUJUI`. Requires `If-Match`; send an `Idempotency-Key`."""

    async def compute() -> Response:
        command = skp.ResetSkp(skp_id, ExpectedVersion(if_match), alasan=body.alasan)
        return _out(deps, await skp.reset_skp(command, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


@router.get("/antrian-persetujuan", response_model=QueuePage, summary="Atasan: plans of the pegawai I appraise")
async def queue(
    deps: DepsDep,
    actor: ActorDep,
    status: SkpStatus | None = SkpStatus.DIAJUKAN,
    periode: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> QueuePage:
    """The atasan's approval queue: the plans of the pegawai they appraise today (a kepala sekolah: the teachers of
    their school; a pengawas: the kepala sekolah of their schools), oldest submission first, `DIAJUKAN` unless
    `status` says otherwise, optionally of one `periode`. A relation that changed takes effect at once: a plan
    submitted to a kepala sekolah who left is in the new one's queue. 403 for a caller who is neither. Paged with
    `cursor` and `limit`."""
    position = decode_cursor(cursor)
    after = None
    if position is not None:
        try:
            after = (datetime.fromisoformat(position["at"]), uuid.UUID(position["id"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # any cursor we did not give out
            raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor") from exc
    query = views.ApprovalQueue(status=status.value if status else None, periode=periode, after=after, limit=limit + 1)
    rows = await views.approval_queue(query, uow=deps.uow(), deps=deps, actor=actor)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit and page[-1][0].submitted_at is not None:
        last = page[-1][0]
        next_cursor = encode_cursor({"at": last.submitted_at.isoformat(), "id": str(last.id)})
    return QueuePage(
        items=[
            QueueItem(
                skp_id=plan.id,
                periode=plan.periode,
                status=plan.status.value,
                version=plan.version,
                pegawai=PegawaiOut.of(pegawai, sekolah),
                submitted_at=plan.submitted_at,
                bagian=_bagian(deps, plan, sekolah),
            )
            for plan, pegawai, sekolah in page
        ],
        next_cursor=next_cursor,
    )
