"""The atasan's list: the pegawai they appraise today and where each stands in the cycle of a period."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from observation.api.deps import ActorDep, DepsDep
from observation.api.schemas import PegawaiOut, TeamItem, TeamPage
from observation.domain.pelaksanaan import POSITIONS
from observation.usecases import views
from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_kernel.clock import today
from pmm_kernel.errors import InvalidValue

router = APIRouter(tags=["tim"], responses=PROBLEM_RESPONSES)

StepFilter = Literal["belum_dibuka", "persiapan", "observasi", "diskusi", "upaya", "refleksi", "selesai", "ditutup"]
assert set(StepFilter.__args__) == set(POSITIONS)  # type: ignore[attr-defined]  (one list of steps)


@router.get(
    "/tim/pelaksanaan",
    response_model=TeamPage,
    summary="Atasan: my pegawai and where each stands (overdue: the window closed before the cycle was done)",
)
async def team(
    deps: DepsDep,
    actor: ActorDep,
    periode: Annotated[str, Query(min_length=1, max_length=40, examples=["2024-S1"])],
    step: StepFilter | None = None,
    overdue: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TeamPage:
    """The atasan's list for a period: every pegawai they appraise today (a kepala sekolah: their school's teachers; a
    pengawas: the kepala sekolah of their schools) with their pelaksanaan (if opened), the step it is at
    (`belum_dibuka` ... `selesai`, `ditutup`), and `overdue`: the cycle is not done and the pelaksanaan window's
    close for the pegawai's region, extensions included, is past (`window_closes`). Filter by `step` or `overdue`;
    paged with `cursor` and `limit`. 403 for a caller who appraises nobody."""
    position = decode_cursor(cursor)
    after = None
    if position is not None:
        try:
            after = uuid.UUID(position["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor") from exc
    query = views.Team(periode=periode, step=step, overdue=overdue, after=after, limit=limit + 1)
    rows = await views.team(query, uow=deps.uow(), deps=deps, actor=actor)
    page = rows[:limit]
    next_cursor = encode_cursor({"id": str(page[-1].pegawai.pegawai_id)}) if len(rows) > limit else None
    return TeamPage(
        hari_ini=today(deps.clock),
        items=[
            TeamItem(
                pegawai=PegawaiOut(
                    id=r.pegawai.pegawai_id,
                    nip=r.pegawai.nip,
                    nama=r.pegawai.nama,
                    jenis_gtk=r.pegawai.jenis_gtk,
                    npsn=r.pegawai.npsn,
                ),
                pelaksanaan_id=r.pelaksanaan.id if r.pelaksanaan else None,
                bagian=r.pelaksanaan.bagian if r.pelaksanaan else None,
                step=r.position,
                tahap=r.pelaksanaan.tahap.value if r.pelaksanaan else None,
                version=r.pelaksanaan.version if r.pelaksanaan else None,
                overdue=r.overdue,
                window_closes=r.closes,
            )
            for r in page
        ],
        next_cursor=next_cursor,
    )
