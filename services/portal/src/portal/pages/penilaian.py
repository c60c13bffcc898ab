"""Penilaian: a guru's or kepala sekolah's own results per period (predikat, angka kredit, the evaluation document),
the atasan's team list, the rating form with the observation as evidence, a check page with the predikat's cell of
the matrix and the angka kredit, and finalisasi. The appraisal service computes predikat and angka kredit and says
whether the school's distribution departs from its pattern; these pages show what it answered and decide nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from portal.clients.base import Answer, ServiceProblem
from portal.pages.organisasi import peringatan_finalisasi
from portal.web import FormDep, FormErrors, Portal, PostedForm, SignedInDep, form_meta

router = APIRouter()

RATINGS = ("di_atas", "sesuai", "di_bawah")
# The predikat matrix as PermenPANRB 6/2022 draws it: rows perilaku kerja from di atas down, columns hasil kerja
# from di bawah up. Only the order of the headings lives here; which predikat a cell gives is the service's.
BARIS = ("di_atas", "sesuai", "di_bawah")
KOLOM = ("di_bawah", "sesuai", "di_atas")
RATABLE = ("SIAP", "DINILAI")
# A penilaian's status as the task-list tags colour it.
TANDA = {"MENUNGGU": "belum_bisa", "SIAP": "menunggu", "DINILAI": "sedang_berjalan", "FINAL": "selesai"}
TEAM_PAGE = 50


# --- my own results ----------------------------------------------------------------------------------------------


@router.get("/penilaian")
async def hasil_saya(portal: SignedInDep) -> Response:
    return portal.render("penilaian/saya.html", results=await own_penilaian(portal), tanda=TANDA)


async def own_rows(portal: Portal, periode: str | None = None) -> list[dict[str, Any]]:
    """The user's own rows of the penilaian list (status, predikat). The list mixes one's own with those one
    appraises; one's own are those of the person the token names (a person has a handful, one per period)."""
    params: dict[str, Any] = {"limit": 200, **({"periode": periode} if periode else {})}
    own: list[dict[str, Any]] = []
    while True:
        page = await portal.clients.appraisal.penilaian_list(portal.token, **params)
        own += [i for i in page["items"] if (i.get("pegawai") or {}).get("nip") == _me(portal)]
        if not page.get("next_cursor"):
            return own
        params["cursor"] = page["next_cursor"]


async def own_penilaian(portal: Portal, periode: str | None = None) -> list[dict[str, Any]]:
    """The user's own penilaian, each as the service details it (predikat, angka kredit), by period."""
    own = await own_rows(portal, periode)
    details = await asyncio.gather(*(portal.clients.appraisal.penilaian(portal.token, i["id"]) for i in own))
    # A period a transfer split has a penilaian per part: in the order of the parts.
    return sorted((d.body for d in details), key=lambda p: (p["periode"], p.get("bagian", 1)))


# --- the atasan's team (declared before /penilaian/{kode}, which would take "tim" for a period) ---------------------


@router.get("/penilaian/tim")
async def tim(portal: SignedInDep, cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    params: dict[str, Any] = {"limit": TEAM_PAGE, **({"cursor": cursor} if cursor else {})}
    page = await portal.clients.appraisal.penilaian_list(portal.token, **params)
    team = [i for i in page["items"] if i.get("pegawai") and i["pegawai"]["nip"] != _me(portal)]
    return portal.render("penilaian/tim.html", items=team, next_cursor=page.get("next_cursor"), tanda=TANDA)


# --- rating: the form, the check page, finalisasi ----------------------------------------------------------------


@router.get("/penilaian/{penilaian_id}/nilai")
async def nilai(penilaian_id: uuid.UUID, portal: SignedInDep) -> Response:
    return _nilai_page(portal, await _penilaian(portal, penilaian_id))


@router.post("/penilaian/{penilaian_id}/nilai")
async def nilai_simpan(penilaian_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    answer = await _penilaian(portal, penilaian_id)
    body, errors = _ratings(portal, answer.body, form)
    if not errors:
        try:
            await portal.clients.appraisal.rate(portal.token, str(penilaian_id), body, version=form.version)
        except ServiceProblem as problem:
            if problem.status not in (400, 409, 422):  # not about this form: the error pages say it (412 too)
                raise
            errors = portal.errors_of(problem, _nilai_field)
    if errors:
        return _nilai_page(portal, answer, status=422, errors=errors, values=form.values())
    return portal.redirect(f"/penilaian/{penilaian_id}/periksa")


@router.get("/penilaian/{penilaian_id}/periksa")
async def periksa(penilaian_id: uuid.UUID, portal: SignedInDep) -> Response:
    answer = await _penilaian(portal, penilaian_id)
    if answer.body.get("nilai") is None:
        return portal.redirect(f"/penilaian/{penilaian_id}/nilai")
    return _periksa_page(portal, answer)


@router.post("/penilaian/{penilaian_id}/finalisasi")
async def finalisasi(penilaian_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    try:
        answer = await portal.clients.appraisal.finalize(
            portal.token, str(penilaian_id), version=form.version, key=form.idempotency_key
        )
    except ServiceProblem as problem:
        if problem.status == 412:  # the ratings changed meanwhile: check them again before finalising
            portal.flash("umum.diubah_orang_lain", kind="peringatan")
            return portal.redirect(f"/penilaian/{penilaian_id}/periksa")
        if problem.status not in (400, 409, 422):
            raise
        return _periksa_page(portal, await _penilaian(portal, penilaian_id), status=problem.status,
                             errors=portal.errors_of(problem))  # fmt: skip
    portal.flash("penilaian.difinalisasi", nama=_nama(answer.body))
    return portal.redirect("/penilaian/tim")


@router.get("/penilaian/{penilaian_id}/dokumen.pdf")
async def dokumen(penilaian_id: uuid.UUID, portal: SignedInDep) -> Response:
    """The evaluation document, fetched with the user's own token (the service decides who may have it). It is
    small, so it is read whole: a refusal can then still become a page instead of a broken download."""
    answer = await portal.clients.appraisal.dokumen(portal.token, str(penilaian_id))
    disposition = answer.headers.get("content-disposition") or 'attachment; filename="evaluasi-kinerja.pdf"'
    return Response(answer.body, media_type="application/pdf",
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"})  # fmt: skip


# --- one period's own result (Beranda links here by the period's kode) --------------------------------------------


@router.get("/penilaian/{kode}")
async def hasil_periode(kode: Annotated[str, Path(max_length=40)], portal: SignedInDep) -> Response:
    results = await own_penilaian(portal, kode)
    # The latest part carries the period's combined result (every part, with its own figures).
    return portal.render("penilaian/periode.html", kode=kode, p=results[-1] if results else None, tanda=TANDA)


# --- reading a penilaian ------------------------------------------------------------------------------------------


async def _penilaian(portal: Portal, penilaian_id: uuid.UUID) -> Answer:
    return await portal.clients.appraisal.penilaian(portal.token, str(penilaian_id))


def _me(portal: Portal) -> str:
    """Who the services take the user for: their token's subject, the NIP (never shown, never in a URL)."""
    return str((portal.user or {}).get("sub", ""))


def _nama(p: dict[str, Any]) -> str:
    return (p.get("pegawai") or {}).get("nama") or ""


def _nilai_page(portal: Portal, answer: Answer, *, status: int = 200, errors: FormErrors | None = None,
                values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    p = answer.body
    return portal.render(
        "penilaian/nilai.html",
        status=status,
        p=p,
        nama=_nama(p),
        tanda=TANDA,
        ratable=p["status"] in RATABLE,
        ratings=RATINGS,
        form=form_meta(portal, answer.version),
        errors=errors or FormErrors(),
        values=_saved(p) if values is None else values,
    )


def _saved(p: dict[str, Any]) -> dict[str, Any]:
    """The ratings saved as a draft, as the form's fields (a perilaku-only pegawai has no hasil kerja to show)."""
    nilai = p.get("nilai")
    if not nilai:
        return {}
    values = {"perilaku_kerja": nilai["perilaku_kerja"], "catatan": nilai.get("catatan") or ""}
    if not p["hanya_perilaku"]:
        values["hasil_kerja"] = nilai["hasil_kerja"]
    return values | {f"umpan_balik-{k}": v for k, v in (nilai.get("umpan_balik") or {}).items()}


def _ratings(portal: Portal, p: dict[str, Any], form: PostedForm) -> tuple[dict[str, Any], FormErrors]:
    """The body of the two ratings, or the message beside each one not chosen."""
    errors = FormErrors()
    asked = ("perilaku_kerja",) if p["hanya_perilaku"] else ("hasil_kerja", "perilaku_kerja")
    body: dict[str, Any] = {}
    for name in asked:
        body[name] = form.get(name)
        if body[name] not in RATINGS:
            errors.add(name, portal.t(f"penilaian.nilai.pilih_{name}"))
    kodes = [v["kode"] for v in ((p.get("rencana") or {}).get("perilaku") or [])]
    body["umpan_balik"] = {k: form.get(f"umpan_balik-{k}") for k in kodes if form.get(f"umpan_balik-{k}")}
    body["catatan"] = form.get("catatan") or None
    return body, errors


def _nilai_field(field: str) -> str | None:
    """A field the service names -> the input on the rating form (`umpan_balik.kompeten` -> its textarea)."""
    if field in ("hasil_kerja", "perilaku_kerja", "catatan"):
        return field
    if field.startswith("umpan_balik."):
        return "umpan_balik-" + field.split(".", 1)[1]
    return None


def _periksa_page(portal: Portal, answer: Answer, *, status: int = 200,
                  errors: FormErrors | None = None) -> Response:  # fmt: skip
    p = answer.body
    distribusi = p.get("distribusi") or {}
    return portal.render(
        "penilaian/periksa.html",
        status=status,
        p=p,
        nama=_nama(p),
        tanda=TANDA,
        baris=BARIS,
        kolom=KOLOM,
        peringatan=[_peringatan(portal, w) for w in distribusi.get("warnings", [])],
        sebelum=peringatan_finalisasi(portal, p),  # beside the finalise button: with this penilaian's predikat
        form=form_meta(portal, answer.version),
        errors=errors or FormErrors(),
    )


def _peringatan(portal: Portal, warning: dict[str, Any]) -> str:
    """A distribution warning in the user's words, from its rule id: `distribusi.baik.at_least_one.butuh_perbaikan+
    kurang` names the school's predikat organisasi, the kind of rule and the predikat it counts."""
    parts = str(warning.get("rule", "")).split(".")
    if len(parts) != 4:
        return portal.t("penilaian.distribusi.umum")
    _, organisasi, kind, counted = parts
    keys = [f"penilaian.distribusi.{kind}", f"penilaian.organisasi.{organisasi}",
            *(f"penilaian.predikat.{k}" for k in counted.split("+"))]  # fmt: skip
    if not all(portal.t.has(k) for k in keys):
        return portal.t("penilaian.distribusi.umum")
    predikat = portal.t("penilaian.distribusi.atau").join(portal.t(k) for k in keys[2:])
    return portal.t(keys[0], organisasi=portal.t(keys[1]), predikat=predikat)
