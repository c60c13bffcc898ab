"""The predikat kinerja organisasi's procedure (SE MenPANRB 3/2023) as the kepala sekolah and the Dinas meet it: the
school page where the kepala sekolah sends the school's results to the Dinas ("Kirim hasil kinerja sekolah ke
Dinas"), the Dinas operator's page where a school's report and counts are read and its predikat organisasi is set,
and the warnings beside the finalise button, worded from what the appraisal service answered ("Jika dinilai Sangat
Baik, 4 dari 5 guru Sangat Baik (80 %) — melebihi batas 70 % untuk predikat organisasi Baik"). The order of the
steps and what is refused are the appraisal service's; these pages show what it answered and decide nothing."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from portal.clients.base import ServiceProblem
from portal.web import FormDep, FormErrors, Portal, SignedInDep, form_meta

router = APIRouter()

PREDIKAT = ("sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang")  # the columns of the report table


# --- the warnings before finalising ------------------------------------------------------------------------------


def peringatan_finalisasi(portal: Portal, p: dict[str, Any]) -> list[str]:
    """The warnings the atasan reads beside the finalise button, in Indonesian: the school's distribution with this
    penilaian's predikat against its predikat organisasi, and a step of the procedure not done yet."""
    seen = p.get("peringatan_distribusi")
    if not seen:
        return []
    calon = _predikat(portal, seen.get("predikat"))
    lines = [_urutan(portal, u, seen) for u in seen.get("urutan", [])]
    return lines + [_distribusi(portal, w, calon) for w in seen.get("warnings", [])]


def _predikat(portal: Portal, kode: str | None) -> str:
    key = f"penilaian.predikat.{kode}"
    return portal.t(key) if portal.t.has(key) else str(kode or "")


def _urutan(portal: Portal, u: dict[str, Any], seen: dict[str, Any]) -> str:
    key = f"organisasi.urutan.{str(u.get('rule', '')).removeprefix('organisasi.')}"
    return portal.t(key, tahun=seen.get("tahun") or "") if portal.t.has(key) else portal.t("organisasi.urutan.umum")


def _distribusi(portal: Portal, w: dict[str, Any], calon: str) -> str:
    parts = str(w.get("rule", "")).split(".")
    kind = parts[2] if len(parts) == 4 else ""
    key = f"organisasi.jika.{kind}"
    organisasi_key = f"penilaian.organisasi.{w.get('predikat_organisasi')}"
    if not portal.t.has(key) or not portal.t.has(organisasi_key):
        return portal.t("penilaian.distribusi.umum")
    count, total = int(w.get("count") or 0), int(w.get("total") or 0)
    return portal.t(
        key,
        calon=calon,
        count=count,
        total=total,
        predikat=portal.t("penilaian.distribusi.atau").join(_predikat(portal, k) for k in w.get("predikat", [])),
        share=_share(count, total),
        percent=w.get("percent"),
        organisasi=portal.t(organisasi_key),
    )


def _share(count: int, total: int) -> str:
    """A share in percent as Indonesians write it: one decimal, a decimal comma, none when whole (80, 66,7)."""
    if total == 0:
        return "0"
    share = (Decimal(count * 100) / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{share:f}".removesuffix(".0").replace(".", ",")


# --- the kepala sekolah's school page ----------------------------------------------------------------------------


async def _npsn(portal: Portal) -> str | None:
    """The kepala sekolah's school, from the penilaian the appraisal service lists them (their own or their team's)."""
    page = await portal.clients.appraisal.penilaian_list(portal.token, limit=50)
    me = str((portal.user or {}).get("sub", ""))
    pegawai = [i["pegawai"] for i in page["items"] if i.get("pegawai")]
    own = next((p for p in pegawai if p.get("nip") == me), None)
    chosen = own or (pegawai[0] if pegawai else None)
    return chosen.get("npsn") if chosen else None


@router.get("/sekolah/laporan-kinerja")
async def laporan(portal: SignedInDep, tahun: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    return await _page(portal, tahun or portal.app.today().year)


@router.post("/sekolah/laporan-kinerja")
async def kirim(portal: SignedInDep, form: FormDep, tahun: Annotated[int, Query(ge=2000, le=2100)]) -> Response:
    npsn = await _npsn(portal)
    if npsn is None:
        return await _page(portal, tahun)
    try:
        await portal.clients.appraisal.kirim_laporan(portal.token, npsn, tahun, key=form.idempotency_key)
    except ServiceProblem as problem:
        if problem.status not in (400, 409, 422):  # not about this form: the error pages say it
            raise
        return await _page(portal, tahun, status=problem.status, errors=portal.errors_of(problem))
    portal.flash("organisasi.terkirim", tahun=tahun)
    return portal.redirect(f"/sekolah/laporan-kinerja?tahun={tahun}")


async def _page(portal: Portal, tahun: int, *, status: int = 200, errors: FormErrors | None = None) -> Response:
    npsn = await _npsn(portal)
    prosedur = await portal.clients.appraisal.laporan_kinerja(portal.token, npsn, tahun) if npsn else None
    return portal.render(
        "sekolah/laporan.html",
        status=status,
        tahun=tahun,
        npsn=npsn,
        prosedur=prosedur,
        predikat=PREDIKAT,
        form=form_meta(portal),
        errors=errors or FormErrors(),
    )


# --- the Dinas operator's predikat organisasi page --------------------------------------------------------------

ORGANISASI = ("istimewa", "baik", "butuh_perbaikan", "kurang", "sangat_kurang")
_NPSN = re.compile(r"^[0-9]{8}$")


@router.get("/operator/predikat-organisasi")
async def predikat(
    portal: SignedInDep,
    npsn: Annotated[str | None, Query(max_length=20)] = None,
    tahun: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    return await _predikat_page(portal, (npsn or "").strip(), tahun or portal.app.today().year)


@router.post("/operator/predikat-organisasi")
async def tetapkan(
    portal: SignedInDep,
    form: FormDep,
    npsn: Annotated[str, Query(pattern=r"^[0-9]{8}$")],
    tahun: Annotated[int, Query(ge=2000, le=2100)],
) -> Response:
    errors = FormErrors()
    value = form.get("predikat_organisasi")
    if value not in ORGANISASI:
        errors.add("predikat_organisasi", portal.t("organisasi.operator.pilih"))
        return await _predikat_page(portal, npsn, tahun, status=422, errors=errors)
    try:
        answer = await portal.clients.appraisal.set_predikat_organisasi(portal.token, npsn, tahun, value)
    except ServiceProblem as problem:
        if problem.status not in (400, 409, 422):
            raise
        fields = {"predikat_organisasi": "predikat_organisasi"}
        return await _predikat_page(
            portal, npsn, tahun, status=problem.status, errors=portal.errors_of(problem, fields)
        )
    portal.flash("organisasi.operator.ditetapkan", tahun=tahun, predikat=portal.t(f"penilaian.organisasi.{value}"))
    for p in answer.body.get("peringatan", []):
        key = f"organisasi.urutan.{str(p.get('rule', '')).removeprefix('organisasi.')}"
        portal.flash(key if portal.t.has(key) else "organisasi.urutan.umum", kind="peringatan", tahun=tahun)
    return portal.redirect(f"/operator/predikat-organisasi?npsn={npsn}&tahun={tahun}")


async def _predikat_page(
    portal: Portal, npsn: str, tahun: int, *, status: int = 200, errors: FormErrors | None = None
) -> Response:
    errors = errors or FormErrors()
    prosedur = None
    if npsn and not _NPSN.match(npsn):
        errors.add("npsn", portal.t("organisasi.operator.npsn_salah"))
        status = 422
    elif npsn:
        try:
            prosedur = await portal.clients.appraisal.predikat_organisasi(portal.token, npsn, tahun)
        except ServiceProblem as problem:
            if problem.status != 404:  # a school outside the operator's region: beside the NPSN field
                raise
            errors.add("npsn", portal.t("organisasi.operator.tidak_ditemukan"))
            status = 404
    return portal.render(
        "sekolah/predikat.html",
        status=status,
        npsn=npsn,
        tahun=tahun,
        prosedur=prosedur,
        predikat=PREDIKAT,
        organisasi=ORGANISASI,
        form=form_meta(portal),
        errors=errors,
    )
