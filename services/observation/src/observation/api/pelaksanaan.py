"""The five steps of a pelaksanaan: read it, and each party's part of each step (If-Match on every change)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from observation.api.deps import ActorDep, DepsDep
from observation.api.schemas import (
    DiskusiAtasanIn,
    DiskusiGuruIn,
    JadwalLainIn,
    ObservasiIn,
    PelaksanaanOut,
    PersiapanIn,
    RefleksiIn,
    UpayaIn,
)
from observation.domain.pelaksanaan import RubrikInput, Upaya
from observation.usecases import pelaksanaan as steps
from observation.usecases import views
from observation.usecases.cycle import Cycle
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.preconditions import IfMatch, etag
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.versions import ExpectedVersion

router = APIRouter(tags=["pelaksanaan"], responses=PROBLEM_RESPONSES)

Periode = Annotated[str, Query(min_length=1, max_length=40, examples=["2024-S1"])]
Bagian = Annotated[
    int | None,
    Query(ge=1, le=20, description="the part of the period (one per school after a transfer); default the latest"),
]


def out(cycle: Cycle) -> JSONResponse:
    body = PelaksanaanOut.of(cycle).model_dump(mode="json")
    return JSONResponse(body, headers={"ETag": etag(cycle.pelaksanaan.version)})


@router.get("/pelaksanaan/saya", response_model=PelaksanaanOut, summary="My pelaksanaan of a period")
async def mine(periode: Periode, deps: DepsDep, actor: ActorDep, bagian: Bagian = None) -> Response:
    """The caller's own pelaksanaan (observation cycle) of `periode`, opened when their plan was approved: its step and
    tahap, what each step recorded, the indicator's focus behaviours, the bukti summary and the `ETag` for the next
    change. A pegawai transferred during the period has one per part (`bagian`, one per school): the latest part
    unless `bagian` names another. 404 until the plan is approved."""
    query = views.MyPelaksanaan(periode, bagian=bagian)
    return out(await views.my_pelaksanaan(query, uow=deps.uow(), deps=deps, actor=actor))


@router.get("/pelaksanaan/{pelaksanaan_id}", response_model=PelaksanaanOut, summary="Read a pelaksanaan")
async def read(pelaksanaan_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    """One pelaksanaan: where the cycle stands (`step` of the five; `tahap` is finer, e.g. `JADWAL_DIUSULKAN` waits
    on the atasan), which cycle it is (`siklus`: a plan reset and a new approval start a fresh one), what each step
    recorded, the rubric, the bukti summary and the caller's `relation` to it. Visible to the pegawai, their current
    atasan and an operator of the school's region; to anyone else it does not exist (404)."""
    return out(
        await views.get_pelaksanaan(views.GetPelaksanaan(pelaksanaan_id), uow=deps.uow(), deps=deps, actor=actor)
    )


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/persiapan",
    response_model=PelaksanaanOut,
    summary="Step 1 (guru): target behaviours, efforts, a proposed date",
)
async def put_persiapan(
    pelaksanaan_id: uuid.UUID, body: PersiapanIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 1, persiapan observasi (form A): the pegawai picks the target behaviours (1 to 7, from their indicator's
    recommended and avoided behaviours), the effort to reach them (`upaya`, at least 5 characters) and proposes a
    date for the observation (`jadwal`, from today to the pelaksanaan window's close). Saving again before the
    atasan agrees replaces the proposal, also after the atasan proposed another date. The pegawai only, inside the
    pelaksanaan window. Requires `If-Match`."""
    command = steps.SusunPersiapan(
        pelaksanaan_id=pelaksanaan_id,
        expected=ExpectedVersion(if_match),
        target_perilaku=tuple(body.target_perilaku),
        upaya=body.upaya,
        jadwal=body.jadwal,
    )
    return out(await steps.susun_persiapan(command, uow=deps.uow(), deps=deps, actor=actor))


@router.post(
    "/pelaksanaan/{pelaksanaan_id}/persiapan/setujui",
    response_model=PelaksanaanOut,
    summary="Step 1 (atasan): agree to the proposed date",
)
async def setujui(
    pelaksanaan_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """Step 1, the atasan agrees to the date the pegawai proposed: the persiapan step is complete and the cycle waits
    for the observation. The pegawai's current atasan only, while a proposal of the pegawai waits, inside the
    pelaksanaan window. Requires `If-Match`; send an `Idempotency-Key`."""

    async def compute() -> JSONResponse:
        command = steps.SetujuiJadwal(pelaksanaan_id=pelaksanaan_id, expected=ExpectedVersion(if_match))
        return out(await steps.setujui_jadwal(command, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


@router.post(
    "/pelaksanaan/{pelaksanaan_id}/persiapan/jadwal-lain",
    response_model=PelaksanaanOut,
    summary="Step 1 (atasan): propose another date",
)
async def jadwal_lain(
    pelaksanaan_id: uuid.UUID,
    body: JadwalLainIn,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """Step 1, the atasan proposes another date (`jadwal`, from today to the window's close, not the one proposed) with
    an optional note; the pegawai then accepts it (`POST .../persiapan/terima`) or proposes again (`PUT
    .../persiapan`). The pegawai's current atasan only, inside the pelaksanaan window. Requires `If-Match`; send an
    `Idempotency-Key`."""

    async def compute() -> JSONResponse:
        command = steps.UsulkanJadwalLain(
            pelaksanaan_id=pelaksanaan_id, expected=ExpectedVersion(if_match), jadwal=body.jadwal, catatan=body.catatan
        )
        return out(await steps.usulkan_jadwal_lain(command, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


@router.post(
    "/pelaksanaan/{pelaksanaan_id}/persiapan/terima",
    response_model=PelaksanaanOut,
    summary="Step 1 (guru): accept the atasan's date",
)
async def terima(
    pelaksanaan_id: uuid.UUID,
    request: Request,
    deps: DepsDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    _key: IdempotencyKey = None,
) -> Response:
    """Step 1, the pegawai accepts the date the atasan proposed: the persiapan step is complete. The pegawai only,
    while the atasan's proposal waits, inside the pelaksanaan window. Requires `If-Match`; send an
    `Idempotency-Key`."""

    async def compute() -> JSONResponse:
        command = steps.TerimaJadwal(pelaksanaan_id=pelaksanaan_id, expected=ExpectedVersion(if_match))
        return out(await steps.terima_jadwal(command, uow=deps.uow(), deps=deps, actor=actor))

    # One use case that commits or raises: no SAVEPOINT needed around it.
    return await idempotent(request, actor=actor.subject, compute=compute, savepoints=False)


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/observasi",
    response_model=PelaksanaanOut,
    summary="Step 2 (the pegawai's atasan only): the rubric of the observed lesson",
)
async def put_observasi(
    pelaksanaan_id: uuid.UUID, body: ObservasiIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 2, observasi kinerja (form B): the atasan records the observed lesson: `mode` (`langsung` in person,
    `rekaman` a recording, `catatan_guru` the teacher's notes) and, for every recommended and avoided behaviour of
    the indicator, `belum_dilakukan`, `belum_efektif` or `efektif` with an optional note (a missing or unknown
    behaviour is a 422 naming it). It is recorded on or after the date agreed in the persiapan
    (`persiapan.jadwal_disepakati`); earlier is refused (409 `observasi.sebelum_jadwal`, naming the date in
    `jadwal_disepakati`) unless the atasan says why it had to move (`alasan_pindah`, at least 5 characters), which is
    kept with the observation (`observasi.alasan_pindah`) and in the audited record. Publishes
    `observation.observasi.recorded.v1`. Only the pegawai's current atasan (anyone else: 403 or 404), after the date
    was agreed, inside the pelaksanaan window. Requires `If-Match`."""
    command = steps.CatatObservasi(
        pelaksanaan_id=pelaksanaan_id,
        expected=ExpectedVersion(if_match),
        mode=body.mode,
        items=tuple(RubrikInput(perilaku=i.perilaku, nilai=i.nilai, catatan=i.catatan) for i in body.items),
        catatan=body.catatan,
        alasan_pindah=body.alasan_pindah,
    )
    return out(await steps.catat_observasi(command, uow=deps.uow(), deps=deps, actor=actor))


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/diskusi/atasan",
    response_model=PelaksanaanOut,
    summary="Step 3 (atasan): notes, agreed goals, steps and schedule",
)
async def put_diskusi_atasan(
    pelaksanaan_id: uuid.UUID, body: DiskusiAtasanIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 3, diskusi tindak lanjut (C), the atasan's part: notes on what to keep and improve, the agreed follow-up
    goals (`tujuan`), steps (`langkah`), each at least 5 characters, and when the follow-up happens (`jadwal`, from
    today to the window's close). The step is complete when both the atasan's and the pegawai's notes are in, in
    either order. The pegawai's current atasan only, inside the pelaksanaan window. Requires `If-Match`."""
    command = steps.CatatDiskusiAtasan(
        pelaksanaan_id=pelaksanaan_id,
        expected=ExpectedVersion(if_match),
        catatan=body.catatan,
        tujuan=body.tujuan,
        langkah=body.langkah,
        jadwal=body.jadwal,
    )
    return out(await steps.catat_diskusi_atasan(command, uow=deps.uow(), deps=deps, actor=actor))


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/diskusi/guru", response_model=PelaksanaanOut, summary="Step 3 (guru): my notes"
)
async def put_diskusi_guru(
    pelaksanaan_id: uuid.UUID, body: DiskusiGuruIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 3, diskusi tindak lanjut (C), the pegawai's part: their notes of the discussion (at least 5 characters).
    The step is complete when both parties' notes are in, in either order. The pegawai only, inside the pelaksanaan
    window. Requires `If-Match`."""
    command = steps.CatatDiskusiGuru(
        pelaksanaan_id=pelaksanaan_id, expected=ExpectedVersion(if_match), catatan=body.catatan
    )
    return out(await steps.catat_diskusi_guru(command, uow=deps.uow(), deps=deps, actor=actor))


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/upaya",
    response_model=PelaksanaanOut,
    summary="Step 4 (guru): the follow-up efforts, inside or outside the platform",
)
async def put_upaya(
    pelaksanaan_id: uuid.UUID, body: UpayaIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 4, upaya tindak lanjut (D): the pegawai records the follow-up efforts, each with a description (at least 5
    characters), where it happened (`platform` or `luar_platform`) and its date (from the window's opening to
    today). The first saved list completes the step; the list may be revised until the refleksi. The pegawai only,
    inside the pelaksanaan window. Requires `If-Match`."""
    command = steps.CatatUpaya(
        pelaksanaan_id=pelaksanaan_id,
        expected=ExpectedVersion(if_match),
        items=tuple(Upaya(deskripsi=u.deskripsi, tempat=u.tempat, tanggal=u.tanggal) for u in body.upaya),
    )
    return out(await steps.catat_upaya(command, uow=deps.uow(), deps=deps, actor=actor))


@router.put(
    "/pelaksanaan/{pelaksanaan_id}/refleksi",
    response_model=PelaksanaanOut,
    summary="Step 5 (guru): the reflection; it completes the cycle",
)
async def put_refleksi(
    pelaksanaan_id: uuid.UUID, body: RefleksiIn, deps: DepsDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    """Step 5, refleksi tindak lanjut (E): the pegawai reflects on how far the goals were met (at least 20 characters),
    which completes the cycle (`SELESAI`) and publishes `observation.pelaksanaan.completed.v1`: appraisal may then
    rate. A kepala sekolah's cycle first needs their four accountability documents (KOSP, RKT, Laporan Satuan
    Pendidikan, Rangkuman Kehadiran Guru), uploaded or confirmed (409 `refleksi.dokumen_ks_missing` lists those
    missing). The pegawai only, inside the pelaksanaan window. Requires `If-Match`."""
    command = steps.CatatRefleksi(
        pelaksanaan_id=pelaksanaan_id, expected=ExpectedVersion(if_match), refleksi=body.refleksi
    )
    return out(await steps.catat_refleksi(command, uow=deps.uow(), deps=deps, actor=actor))
