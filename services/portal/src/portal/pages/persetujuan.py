"""Persetujuan: the atasan's queue of submitted plans (a kepala sekolah for the school's guru, a pengawas for the
kepala sekolah's), one plan's summary, and the two decisions: setujui, or kembalikan with a note saying what to
change. A principal may work through forty plans on a slow line: the queue is one light page (one call, twenty rows,
no pictures), and after each decision it comes back with the next plan's link first. The plans waiting can also be
ticked and approved in one step ("Setujui yang dipilih"): each is judged by planning as a single approval, and the
result page says how many were approved and why each of the others was not."""

from __future__ import annotations

import asyncio
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
# `?pilih=semua`: the queue with every plan shown ticked.
PILIH_SEMUA = "semua"


@router.get("/persetujuan")
async def antrian(
    portal: SignedInDep,
    status: Annotated[str, Query(max_length=20)] = STATUSES[0],
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    pilih: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    shown = status if status in STATUSES else STATUSES[0]
    return await _antrian(portal, shown, cursor, semua=pilih == PILIH_SEMUA)


async def _antrian(portal: Portal, shown: str, cursor: str | None, *, semua: bool = False, status: int = 200,
                   errors: FormErrors | None = None, dipilih: frozenset[str] = frozenset()) -> Response:  # fmt: skip
    """The queue; the plans waiting each with a checkbox ("Pilih semua" ticks them all without JavaScript: a link
    to this page with every box ticked)."""
    page = await portal.clients.planning.approval_queue(portal.token, status=shown, cursor=cursor, limit=PAGE_SIZE)
    return portal.render(
        "persetujuan/antrian.html",
        status=status,
        items=page.body["items"],
        next_cursor=page.body["next_cursor"],
        cursor=cursor,
        shown=shown,
        statuses=STATUSES,
        tanda=TANDA,
        semua=semua,
        dipilih=dipilih,
        errors=errors or FormErrors(),
        form_banyak=form_meta(portal),
    )


@router.post("/persetujuan/setujui-terpilih")
async def setujui_terpilih(portal: SignedInDep, form: FormDep) -> Response:
    """The plans ticked, approved in one request to planning. The result is the answer to this post itself: sent
    again (a reload, "Coba kirim lagi") it carries the same Idempotency-Key, so planning replays the same answer and
    approves nothing twice."""
    ticked = form.getlist("pilih")
    chosen = [_pilihan(value) for value in ticked]
    if not ticked or None in chosen:
        errors = FormErrors()
        errors.add("pilih", portal.t("persetujuan.pilih_wajib" if not ticked else "persetujuan.pilih_rusak"))
        return await _antrian(portal, STATUSES[0], None, status=422, errors=errors)
    items = [item for item in chosen if item is not None]
    try:
        answer = await portal.clients.planning.approve_many(portal.token, items, key=form.idempotency_key)
    except ServiceProblem as problem:
        if problem.status not in (400, 422):  # not about what was ticked (a guru, a session): the error pages
            raise
        errors = portal.errors_of(problem, lambda field: "pilih" if field.startswith("items") else None)
        return await _antrian(portal, STATUSES[0], None, status=problem.status, errors=errors,
                              dipilih=frozenset(ticked))  # fmt: skip
    refused = [item for item in answer.body["items"] if item["outcome"] == "refused"]
    names = await asyncio.gather(*(_nama(portal, item) for item in refused))
    return portal.render(
        "persetujuan/hasil.html",
        approved=answer.body["approved"],
        refused=[
            {"skp_id": item["skp_id"], "nama": nama, "alasan": _alasan(portal, item)}
            for item, nama in zip(refused, names, strict=True)
        ],
    )


def _pilihan(value: str) -> tuple[str, int] | None:
    """A ticked box's value, `<skp_id>:<version>` as the queue wrote it; None for anything else (a tampered page)."""
    skp_id, _, version = value.partition(":")
    if not version.isdigit():
        return None
    try:
        return str(uuid.UUID(skp_id)), int(version)
    except ValueError:
        return None


async def _nama(portal: Portal, item: dict[str, Any]) -> str | None:
    """Whose plan a refusal is about, as planning shows it to this atasan now; None for a plan they may not see."""
    if item["status"] == 404:
        return None
    try:
        return (await portal.clients.planning.skp(portal.token, item["skp_id"])).body["pegawai"]["nama"]
    except ServiceProblem:
        return None


def _alasan(portal: Portal, item: dict[str, Any]) -> str:
    """The reason in the user's words: the rule's own message, else its status's (never planning's English)."""
    return portal.t.rule(item["rule"] or "", item["status"])


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
