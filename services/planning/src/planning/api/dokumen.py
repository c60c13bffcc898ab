"""The official SKP document as a PDF (docs/domain.md §4): the plan as the SKP format lays it out, rendered on
request from the plan and today's roster.

One date runs through the document: the day it is printed, written beside the place above the signatures and
carried by the file's own metadata (its creation date and its title). A plan the atasan has not approved is no
official SKP yet: every page of it says DRAF. The NIP is printed in its grouped form (`19860926 201505 1 001`), as
on every civil-service document; no status code or identifier of the system appears on the page.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from planning.api.deps import ActorDep, DepsDep
from planning.usecases import views
from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["skp"], responses=PROBLEM_RESPONSES)


@router.get(
    "/skp/{skp_id}/dokumen.pdf",
    summary="The plan as the official SKP document (PDF)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the SKP document"}},
)
async def dokumen_skp(skp_id: uuid.UUID, deps: DepsDep, actor: ActorDep) -> Response:
    """The plan laid out as the official SKP: the period, the pegawai, the pejabat penilai (the atasan who approved
    it, else the current one) and the atasan pejabat penilai (that atasan's own atasan in the roster, if any), the
    RHK of pengembangan kompetensi and tugas tambahan with their targets, the seven BerAKHLAK values with the
    atasan's ekspektasi khusus, then the place, the date and the signature blocks. A plan not yet approved prints
    DRAF on every page. Visible to whoever may read the plan (its pegawai, their current atasan, an operator of the
    school's region); to anyone else it does not exist (404)."""
    # The renderer (reportlab, about 8 MB) is loaded by the first document asked for, not by every process.
    from planning.api.dokumen_pdf import render

    document = await views.dokumen_skp(views.GetDokumenSkp(skp_id), uow=deps.uow(), deps=deps, actor=actor)
    name = f"skp-{document.periode.kode}.pdf"
    return Response(
        render(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )
