"""Perencanaan: the SKP as a task list of steps, one thing per page, each saved on its own (a closed tab or a
dropped connection loses nothing), a check-your-answers page, and ajukan. A returned plan shows the atasan's note
and opens again. A transfer (mutasi) during the period ends the part of the plan at the old school: the page lists
the period's parts, the ended one is read-only and the teacher starts the next part at the new school. Every refusal
is the planning service's, shown beside the field it names."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from portal import cycle
from portal.clients.base import Answer, ServiceProblem
from portal.web import FormDep, FormErrors, Portal, SignedInDep, form_meta

router = APIRouter()

# The steps in the order a teacher takes them: (slug in URLs and the API, the plan's field, optional?).
STEPS: tuple[tuple[str, str, bool], ...] = (
    ("data-diri", "data_diri", False),
    ("praktik-kinerja", "praktik_kinerja", False),
    ("pengembangan-kompetensi", "pengembangan_kompetensi", False),
    ("tugas-tambahan", "tugas_tambahan", True),
    ("perilaku-kerja", "perilaku_kerja", False),
)
EDITABLE = ("DRAFT", "DIKEMBALIKAN")
_ITEM = re.compile(r"\[(\d+)\]\.(\w+)$")


def step_done(skp: dict[str, Any], field: str) -> bool:
    if field == "data_diri":
        return bool(skp.get("data_diri")) and skp["data_diri"].get("sesuai") is True
    if field == "perilaku_kerja":
        return bool((skp.get("perilaku_kerja") or {}).get("dikonfirmasi"))
    if field == "tugas_tambahan":
        return True  # optional: nothing chosen is an answer too
    return bool(skp.get(field))


def editable(skp: dict[str, Any]) -> bool:
    """Whether the teacher may still change this plan: a draft or a returned plan, of a part no transfer ended."""
    return skp["status"] in EDITABLE and not (skp.get("bagian") or {}).get("berakhir", False)


def _next_slug(slug: str) -> str:
    slugs = [s for s, _, _ in STEPS]
    index = slugs.index(slug)
    return slugs[index + 1] if index + 1 < len(slugs) else "rangkuman"


@router.get("/perencanaan")
async def perencanaan(portal: SignedInDep) -> Response:
    period = cycle.current_period(await portal.clients.planning.periods(portal.token), portal.app.today())
    if period is None:
        return portal.render("galat/tidak_ada.html", status=404, pesan=[portal.t("perencanaan.tidak_ada_periode")])
    return portal.redirect(f"/perencanaan/{period['kode']}")


@router.get("/perencanaan/{kode}")
async def rencana(kode: str, portal: SignedInDep) -> Response:
    answer = await portal.clients.planning.my_skp(portal.token, kode)
    if answer is None:
        return portal.render("perencanaan/mulai.html", kode=kode, form=form_meta(portal))
    skp = answer.body
    steps = [(slug, field, optional, step_done(skp, field)) for slug, field, optional in STEPS]
    part = skp.get("bagian") or {}
    ended = part.get("berakhir", False)
    # The period's parts are listed once a transfer has split it; a plan of the whole period needs no list.
    parts = await portal.clients.planning.my_parts(portal.token, kode) if ended or part.get("bagian", 1) > 1 else []
    return portal.render("perencanaan/rencana.html", skp=skp, steps=steps, editable=editable(skp), bagian=parts,
                         berakhir=ended, form=form_meta(portal))  # fmt: skip


@router.post("/perencanaan/{kode}/mulai")
async def mulai(kode: str, portal: SignedInDep, form: FormDep) -> Response:
    """Klik Mulai: the plan is created once, however often the button is tapped (Idempotency-Key, and a plan that
    already exists is simply opened). After a transfer ended the latest part, the same button starts the next part
    at the new school."""
    try:
        skp_id = (await portal.clients.planning.create_skp(portal.token, kode, key=form.idempotency_key)).body["id"]
    except ServiceProblem as problem:
        if "skp.exists" not in problem.rules or "skp_id" not in problem.body:
            errors = portal.errors_of(problem)
            return portal.render("perencanaan/mulai.html", status=problem.status, kode=kode, form=form_meta(portal),
                                 errors=errors)  # fmt: skip
        skp_id = problem.body["skp_id"]  # started already (another tab, another phone): open it
    return portal.redirect(f"/skp/{skp_id}/data-diri")


async def _plan(portal: Portal, skp_id: uuid.UUID) -> Answer:
    return await portal.clients.planning.skp(portal.token, str(skp_id))


def _render_step(portal: Portal, slug: str, skp: Answer, *, status: int = 200, errors: FormErrors | None = None,
                 values: dict[str, Any] | None = None, **context: Any) -> Response:  # fmt: skip
    return portal.render(
        f"perencanaan/{slug}.html",
        status=status,
        skp=skp.body,
        slug=slug,
        editable=editable(skp.body),
        form=form_meta(portal, skp.version),
        errors=errors or FormErrors(),
        values=values or {},
        **context,
    )


async def _save(portal: Portal, skp_id: uuid.UUID, slug: str, body: Any, form: Any) -> Answer:
    return await portal.clients.planning.save_step(portal.token, str(skp_id), slug, body, version=form.version)


# --- 1. data diri ------------------------------------------------------------------------------------------------


# What a teacher may report as wrong (planning's roster fields), in the order the step shows the data; "atasan" is
# the report that their atasan is wrong.
KOREKSI_FIELDS = ("nama", "status", "pangkat_golongan", "jenjang_jabatan", "jenis_gtk", "npsn", "email", "atasan")
# The service's fields, and the input of the report form each belongs beside.
KOREKSI_INPUTS = {"field": "koreksi_field", "jenis": "koreksi_field", "nilai_benar": "nilai_benar",
                  "catatan": "koreksi_catatan", "pegawai_id": "koreksi_field"}  # fmt: skip


async def _data_diri_page(portal: Portal, skp_id: uuid.UUID, *, status: int = 200, errors: FormErrors | None = None,
                          values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    """The step with the roster's data as it is now (a correction the operator made shows here at once) and the
    teacher's correction reports with their state."""
    plan = await _plan(portal, skp_id)
    reports = await portal.clients.planning.my_koreksi(portal.token)
    return _render_step(portal, "data-diri", plan, status=status, errors=errors, values=values, laporan=reports,
                        koreksi_fields=KOREKSI_FIELDS, koreksi_form=form_meta(portal),
                        dibuka={r["field"] or "atasan" for r in reports if r["status"] == "DILAPORKAN"})  # fmt: skip


@router.get("/skp/{skp_id}/data-diri")
async def data_diri(skp_id: uuid.UUID, portal: SignedInDep) -> Response:
    return await _data_diri_page(portal, skp_id)


@router.post("/skp/{skp_id}/data-diri/koreksi")
async def data_diri_koreksi(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    """ "Laporkan data yang salah": the report goes to the operator of the teacher's region, who corrects the roster;
    the step then shows the report and its state."""
    field = form.get("koreksi_field")
    nilai = form.get("nilai_benar").strip()
    errors = FormErrors()
    if field not in KOREKSI_FIELDS:
        errors.add("koreksi_field", portal.t("perencanaan.koreksi.pilih_data"))
    if not nilai:
        errors.add("nilai_benar", portal.t("perencanaan.koreksi.isi_yang_benar"))
    if not errors:
        body = {
            "jenis": "atasan" if field == "atasan" else "data",
            "field": None if field == "atasan" else field,
            "nilai_benar": nilai,
            "catatan": form.get("koreksi_catatan").strip() or None,
        }
        try:
            await portal.clients.planning.report_koreksi(portal.token, body, key=form.idempotency_key)
        except ServiceProblem as problem:
            if problem.status not in (404, 409, 422):
                raise
            errors = portal.errors_of(problem, KOREKSI_INPUTS)
    if errors:
        return await _data_diri_page(portal, skp_id, status=422, errors=errors, values=form.values())
    portal.flash("perencanaan.koreksi.terkirim", kind="sukses")
    return portal.redirect(f"/skp/{skp_id}/data-diri#laporan")


@router.post("/skp/{skp_id}/data-diri")
async def data_diri_simpan(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    choice = form.get("sesuai")
    errors = FormErrors()
    if choice not in ("ya", "tidak"):
        errors.add("sesuai", portal.t("perencanaan.data_diri.pilih"))
    elif choice == "tidak" and len(form.get("catatan")) < 5:
        errors.add("catatan", portal.t("perencanaan.data_diri.catatan_wajib"))
    if not errors:
        body = {"sesuai": choice == "ya", "catatan": form.get("catatan") or None}
        try:
            await _save(portal, skp_id, "data-diri", body, form)
        except ServiceProblem as problem:
            if problem.status == 412:
                raise
            errors = portal.errors_of(problem, {"catatan": "catatan", "sesuai": "sesuai"})
    if errors:
        return await _data_diri_page(portal, skp_id, status=422, errors=errors, values=form.values())
    if choice == "tidak":
        portal.flash("perencanaan.data_diri.dilaporkan", kind="info")
        return portal.redirect(f"/skp/{skp_id}/data-diri")
    return portal.redirect(f"/skp/{skp_id}/praktik-kinerja")


# --- 2. praktik kinerja ------------------------------------------------------------------------------------------


@router.get("/skp/{skp_id}/praktik-kinerja")
async def praktik_kinerja(skp_id: uuid.UUID, portal: SignedInDep, semua: bool = False) -> Response:
    return await _praktik_page(portal, skp_id, semua=semua)


async def _praktik_page(portal: Portal, skp_id: uuid.UUID, *, semua: bool, status: int = 200,
                        errors: FormErrors | None = None) -> Response:  # fmt: skip
    skp = await _plan(portal, skp_id)
    recommended = (await portal.clients.planning.recommended_indicators(portal.token))["items"]
    others: list[dict[str, Any]] = []
    chosen = (skp.body.get("praktik_kinerja") or {}).get("kode")
    if semua or (chosen and chosen not in {i["kode"] for i in recommended}):
        shown = {i["kode"] for i in recommended}
        catalogue = await portal.clients.planning.indicators(portal.token, peran=skp.body["peran"])
        others = [i for i in catalogue["items"] if i["kode"] not in shown]
    return _render_step(portal, "praktik-kinerja", skp, status=status, errors=errors, recommended=recommended,
                        others=others, semua=semua or bool(others), chosen=chosen)  # fmt: skip


@router.post("/skp/{skp_id}/praktik-kinerja")
async def praktik_kinerja_simpan(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    indikator = form.get("indikator")
    if not indikator:
        errors = FormErrors()
        errors.add("indikator", portal.t("perencanaan.praktik.pilih"))
        return await _praktik_page(portal, skp_id, semua=form.get("semua") == "1", status=422, errors=errors)
    try:
        await _save(portal, skp_id, "praktik-kinerja", {"indikator": indikator}, form)
    except ServiceProblem as problem:
        if problem.status == 412:
            raise
        errors = portal.errors_of(problem, {"indikator": "indikator"})
        return await _praktik_page(portal, skp_id, semua=True, status=422, errors=errors)
    return portal.redirect(f"/skp/{skp_id}/pengembangan-kompetensi")


# --- 3 and 4. RHK: pengembangan kompetensi, tugas tambahan --------------------------------------------------------

KATEGORI = {"pengembangan-kompetensi": "pengembangan_kompetensi", "tugas-tambahan": "tugas_tambahan"}


async def _rhk_page(portal: Portal, skp_id: uuid.UUID, slug: str, *, status: int = 200,
                    errors: FormErrors | None = None, values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    skp = await _plan(portal, skp_id)
    kategori = KATEGORI[slug]
    catalogue = [r for r in (await portal.clients.planning.rhk_catalogue(portal.token))["items"]
                 if r["kategori"] == kategori]  # fmt: skip
    chosen = {r["kode"]: r["target_kuantitas"] for r in skp.body.get(kategori, [])}
    if values is not None:  # what was typed, shown again beside its error
        chosen = {k: values.get(f"target-{k}", "") for k in _as_list(values.get("rhk"))}
    return _render_step(portal, "rhk", skp, status=status, errors=errors, catalogue=catalogue, chosen=chosen,
                        kategori=kategori, step_slug=slug)  # fmt: skip


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return [value] if isinstance(value, str) else list(value)


@router.get("/skp/{skp_id}/pengembangan-kompetensi")
async def pengembangan_kompetensi(skp_id: uuid.UUID, portal: SignedInDep) -> Response:
    return await _rhk_page(portal, skp_id, "pengembangan-kompetensi")


@router.get("/skp/{skp_id}/tugas-tambahan")
async def tugas_tambahan(skp_id: uuid.UUID, portal: SignedInDep) -> Response:
    return await _rhk_page(portal, skp_id, "tugas-tambahan")


@router.post("/skp/{skp_id}/pengembangan-kompetensi")
async def pengembangan_kompetensi_simpan(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    return await _save_rhk(portal, skp_id, "pengembangan-kompetensi", form)


@router.post("/skp/{skp_id}/tugas-tambahan")
async def tugas_tambahan_simpan(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    return await _save_rhk(portal, skp_id, "tugas-tambahan", form)


async def _save_rhk(portal: Portal, skp_id: uuid.UUID, slug: str, form: Any) -> Response:
    kodes = form.getlist("rhk")
    errors = FormErrors()
    rhk: list[dict[str, Any]] = []
    for kode in kodes:
        target = form.get(f"target-{kode}")
        if not target.isdigit() or int(target) < 1:
            errors.add(f"target-{kode}", portal.t("perencanaan.rhk.target_angka"))
        else:
            rhk.append({"kode": kode, "target_kuantitas": int(target)})
    if slug == "pengembangan-kompetensi" and not kodes:
        errors.add("rhk", portal.t("perencanaan.rhk.pilih_satu"))
    if not errors:
        try:
            await _save(portal, skp_id, slug, {"rhk": rhk}, form)
        except ServiceProblem as problem:
            if problem.status == 412:
                raise
            errors = portal.errors_of(problem, lambda f: _rhk_field(f, rhk))
    if errors:
        return await _rhk_page(portal, skp_id, slug, status=422, errors=errors, values=form.values())
    return portal.redirect(f"/skp/{skp_id}/{_next_slug(slug)}")


def _rhk_field(field: str, rhk: list[dict[str, Any]]) -> str | None:
    """`rhk[1].target_kuantitas` -> the input of the second chosen RHK's target on this page."""
    match = _ITEM.search(field)
    if match is None or int(match.group(1)) >= len(rhk):
        return "rhk"
    kode = rhk[int(match.group(1))]["kode"]
    return f"target-{kode}" if match.group(2) == "target_kuantitas" else "rhk"


# --- 5. perilaku kerja -------------------------------------------------------------------------------------------


@router.get("/skp/{skp_id}/perilaku-kerja")
async def perilaku_kerja(skp_id: uuid.UUID, portal: SignedInDep) -> Response:
    return _render_step(portal, "perilaku-kerja", await _plan(portal, skp_id))


@router.post("/skp/{skp_id}/perilaku-kerja")
async def perilaku_kerja_simpan(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    if form.get("paham") != "ya":
        errors = FormErrors()
        errors.add("paham", portal.t("perencanaan.perilaku.centang"))
        return _render_step(portal, "perilaku-kerja", await _plan(portal, skp_id), status=422, errors=errors)
    await _save(portal, skp_id, "perilaku-kerja", None, form)
    return portal.redirect(f"/skp/{skp_id}/rangkuman")


# --- 6. rangkuman and ajukan -------------------------------------------------------------------------------------


@router.get("/skp/{skp_id}/rangkuman")
async def rangkuman(skp_id: uuid.UUID, portal: SignedInDep) -> Response:
    return _rangkuman(portal, await _plan(portal, skp_id))


def _rangkuman(portal: Portal, skp: Answer, *, status: int = 200, errors: FormErrors | None = None) -> Response:
    missing = [(slug, field) for slug, field, optional in STEPS if not optional and not step_done(skp.body, field)]
    return _render_step(portal, "rangkuman", skp, status=status, errors=errors, missing=missing)


@router.get("/skp/{skp_id}/dokumen.pdf")
async def dokumen_skp(skp_id: uuid.UUID, portal: SignedInDep) -> Response:
    """The official SKP document, fetched with the user's own token (planning decides who may have it: the pegawai,
    their atasan, the region's operator). It is small, so it is read whole: a refusal can then still become a page
    instead of a broken download. The atasan's plan page links here too."""
    answer = await portal.clients.planning.dokumen_skp(portal.token, str(skp_id))
    disposition = answer.headers.get("content-disposition") or 'attachment; filename="skp.pdf"'
    return Response(answer.body, media_type="application/pdf",
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"})  # fmt: skip


@router.post("/skp/{skp_id}/ajukan")
async def ajukan(skp_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    try:
        answer = await portal.clients.planning.decide(
            portal.token, str(skp_id), "submit", version=form.version, key=form.idempotency_key
        )
    except ServiceProblem as problem:
        if problem.status == 412:
            portal.flash("umum.diubah_orang_lain", kind="peringatan")
            return portal.redirect(f"/skp/{skp_id}/rangkuman")
        slugs = {field: slug for slug, field, _ in STEPS}
        errors = portal.errors_of(problem, lambda f: f"langkah-{slugs[f]}" if f in slugs else None)
        return _rangkuman(portal, await _plan(portal, skp_id), status=problem.status, errors=errors)
    portal.flash("perencanaan.diajukan", kind="sukses")
    return portal.redirect(f"/perencanaan/{answer.body['periode']}")
