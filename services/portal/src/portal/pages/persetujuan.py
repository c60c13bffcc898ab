"""Persetujuan: the atasan's queue of submitted plans (a kepala sekolah for the school's guru, a pengawas for the
kepala sekolah's), one plan's summary, and the two decisions: setujui, or kembalikan with a note saying what to
change. A principal may work through forty plans on a slow line: the queue is one light page (one call, twenty rows,
no pictures), and after each decision it comes back with the next plan's link first."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from portal.clients.base import Answer, ServiceProblem
from portal.web import FormDep, FormErrors, Portal, PostedForm, SignedInDep, form_meta

router = APIRouter()

# The queue's filters, the default first: what waits for the atasan.
STATUSES = ("DIAJUKAN", "DIKEMBALIKAN", "DISETUJUI")
PAGE_SIZE = 20
# The planning service's rule skp.catatan_required (a note of at least 5 characters), checked here too so that an
# empty note costs no trip to the service on a slow line.
MIN_CATATAN = 5
# A plan's status as the task-list tags colour it.
TANDA = {"DIAJUKAN": "menunggu", "DIKEMBALIKAN": "perlu_tindakan", "DISETUJUI": "selesai"}


@router.get("/persetujuan")
async def antrian(
    portal: SignedInDep,
    status: Annotated[str, Query(max_length=20)] = STATUSES[0],
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    shown = status if status in STATUSES else STATUSES[0]
    page = await portal.clients.planning.approval_queue(portal.token, status=shown, cursor=cursor, limit=PAGE_SIZE)
    return portal.render(
        "persetujuan/antrian.html",
        items=page.body["items"],
        next_cursor=page.body["next_cursor"],
        shown=shown,
        statuses=STATUSES,
        tanda=TANDA,
    )


@router.get("/persetujuan/{skp_id}")
async def rencana(skp_id: uuid.UUID, portal: SignedInDep) -> Response:
    return _rencana(portal, await _plan(portal, skp_id))


@router.post("/persetujuan/{skp_id}/setujui")
async def setujui(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    return await _decide(portal, skp_id, form, "approve", None, "persetujuan.disetujui")


@router.post("/persetujuan/{skp_id}/kembalikan")
async def kembalikan(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    catatan = form.get("catatan")
    if len(catatan) < MIN_CATATAN:
        errors = FormErrors()
        errors.add("catatan", portal.t("persetujuan.catatan_wajib"))
        return _rencana(portal, await _plan(portal, skp_id), status=422, errors=errors, catatan=catatan)
    return await _decide(portal, skp_id, form, "return", {"catatan": catatan}, "persetujuan.dikembalikan")


async def _plan(portal: Portal, skp_id: uuid.UUID) -> Answer:
    return await portal.clients.planning.skp(portal.token, str(skp_id))


def _rencana(portal: Portal, skp: Answer, *, status: int = 200, errors: FormErrors | None = None,
             catatan: str = "") -> Response:  # fmt: skip
    """The plan as the atasan reads it; each decision its own form with its own Idempotency-Key."""
    return portal.render(
        "persetujuan/rencana.html",
        status=status,
        skp=skp.body,
        tanda=TANDA,
        form_setujui=form_meta(portal, skp.version),
        form_kembalikan=form_meta(portal, skp.version),
        errors=errors or FormErrors(),
        catatan=catatan,
    )


async def _decide(portal: Portal, skp_id: uuid.UUID, form: PostedForm, action: str, body: Any,
                  done: str) -> Response:  # fmt: skip
    """Setujui or kembalikan, done once however often the form is sent; then the queue, next plan first."""
    try:
        answer = await portal.clients.planning.decide(
            portal.token, str(skp_id), action, version=form.version, key=form.idempotency_key, body=body
        )
    except ServiceProblem as problem:
        if problem.status == 412:  # decided or changed meanwhile (another tab, another device): show it as it is now
            portal.flash("umum.diubah_orang_lain", kind="peringatan")
            return portal.redirect(f"/persetujuan/{skp_id}")
        if problem.status not in (400, 409, 422):  # not about this form: the error pages say it
            raise
        errors = portal.errors_of(problem, {"catatan": "catatan"})
        return _rencana(portal, await _plan(portal, skp_id), status=problem.status, errors=errors,
                        catatan=form.get("catatan"))  # fmt: skip
    portal.flash(done, nama=answer.body["pegawai"]["nama"])
    return portal.redirect("/persetujuan")
