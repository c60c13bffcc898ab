"""Before finalising: the school's predikat distribution with this penilaian's predikat, and its warnings
(SE MenPANRB 3/2023, the third step of the predikat organisasi; docs/domain.md §6 "Distribution")."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from appraisal.api.deps import ActorDep, DepsDep
from appraisal.api.schemas import PeringatanDistribusiOut
from appraisal.domain.predikat import Predikat
from appraisal.usecases import organisasi
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["distribusi"], responses=PROBLEM_RESPONSES)


@router.get(
    "/penilaian/{penilaian_id}/peringatan-distribusi",
    response_model=PeringatanDistribusiOut,
    summary="Atasan: the school's distribution were this penilaian finalised, and its warnings (never a block)",
)
async def peringatan_distribusi(
    penilaian_id: uuid.UUID, deps: DepsDep, actor: ActorDep, predikat: Predikat | None = None
) -> PeringatanDistribusiOut:
    """What the school's predikat distribution in the period would be with this penilaian's predikat (the ratings'
    predikat, or `predikat` to weigh another), the warnings where it departs from the pattern of the school's
    predikat organisasi, and, where the year's procedure wants the predikat organisasi (or the school's report)
    before finalising, that it is not there yet. Finalising is never refused for these: the atasan decides each
    predikat. The pegawai's current atasan or an operator of the region; 422 `peringatan.belum_dinilai` for an
    unrated penilaian without `predikat`."""
    query = organisasi.GetPeringatanDistribusi(penilaian_id=penilaian_id, predikat=predikat.value if predikat else None)
    view = await organisasi.get_peringatan_distribusi(query, uow=deps.uow(), deps=deps, actor=actor)
    return PeringatanDistribusiOut.of(view)
