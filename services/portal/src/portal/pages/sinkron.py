"""Sinkron e-Kinerja: what of a person's cycle has reached BKN, what waits and what failed, with the reason and who
can fix it; and for the Dinas operator, the region's failures per school and per pegawai ("Coba kirim ulang") and
the conflicts to decide. Every state and failure type is bkn_sync's; the words for them are the catalogue's."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from portal.clients.base import ServiceProblem
from portal.formatting import BULAN
from portal.pages.operator import own_wilayah
from portal.web import FormDep, FormErrors, Portal, SignedInDep, form_meta

router = APIRouter()

# A push's state as the pages name it (catalogue sinkron.status.*; the tag's colour class).
STATES = {"succeeded": "tersinkron", "pending": "menunggu", "failed": "gagal", "skipped": "tidak_dikirim"}
TAGS = {"tersinkron": "selesai", "menunggu": "menunggu", "gagal": "gagal", "tidak_dikirim": "belum_bisa"}
JENIS_ORDER = ("skp", "kinerjaperiodik", "skp22", "angkakredit")
KEPUTUSAN = ("pertahankan_pmm", "terima_bkn")
MIN_ALASAN = 5  # bkn_sync's own minimum for the audit record
_BAGIAN = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{2})$")
_RHK_FIELD = re.compile(r"^rhk\[(\d+)\]\.(\w+)$")
_NPSN = re.compile(r"^\d{8}$")


def _text(portal: Portal, key: str, fallback: str) -> str:
    return portal.t(key) if portal.t.has(key) else portal.t(fallback)


def _optional(portal: Portal, key: str) -> str | None:
    return portal.t(key) if portal.t.has(key) else None


def fixer_label(portal: Portal, fixer: str | None, *, own: bool) -> str:
    """Who can fix it, as the person reading the page knows them ("Anda" when it is the reader)."""
    if own and fixer == "guru":
        return portal.t("sinkron.penyelesai_anda")
    return _text(portal, f"sinkron.penyelesai.{fixer}", "sinkron.penyelesai_lain")


def triwulan_label(piece: str) -> str:
    """`2024-01..03` (a triwulan of kinerja periodik) -> `Januari–Maret 2024`."""
    match = _BAGIAN.match(piece or "")
    if match is None:
        return piece or ""
    year, first, last = match.groups()
    return f"{BULAN[int(first) - 1]}–{BULAN[int(last) - 1]} {year}"


def bagian_label(portal: Portal, bagian: str) -> str:
    """A push's part as the page names it: a triwulan's months, and for a period's later part (a transfer: one SKP
    per school, keyed `2/...` by bkn_sync) its number first (`Bagian 2 · April–Juni 2024`)."""
    number, slash, piece = (bagian or "").partition("/")
    if not (slash and number.isdigit()):
        return triwulan_label(bagian)
    part = portal.t("sinkron.bagian_periode", nomor=int(number))
    return f"{part} · {triwulan_label(piece)}" if piece else part


def push_view(portal: Portal, push: dict[str, Any], *, own: bool) -> dict[str, Any]:
    """One push as a row of the page: its kind and part, its state, and for a failure the reason, who can fix it
    and what they do."""
    failure = push.get("failure") or {}
    kode = failure.get("kode")
    waiting = push.get("waiting_for")
    state = STATES.get(push["status"], "menunggu")
    return {
        "push_id": push["push_id"],
        "periode": push["periode"],
        "jenis": _text(portal, f"sinkron.jenis.{push['jenis']}", "sinkron.jenis_lain"),
        "bagian": bagian_label(portal, push.get("bagian") or ""),
        "state": state,
        "tag": TAGS[state],
        "succeeded_at": push.get("succeeded_at"),
        "next_attempt_at": push.get("next_attempt_at") if state == "menunggu" else None,
        "kode": kode,
        "kode_dikenal": portal.t.has(f"sinkron.kegagalan.{kode}.alasan"),
        "alasan": _text(portal, f"sinkron.kegagalan.{kode}.alasan", "sinkron.kegagalan_lain") if kode else None,
        "tindakan": _optional(portal, f"sinkron.kegagalan.{kode}.tindakan") if kode else None,
        "penyelesai": fixer_label(portal, failure.get("fixer"), own=own) if kode else None,
        "menunggu": _text(portal, f"sinkron.menunggu.{waiting}", "sinkron.menunggu_lain") if waiting else None,
    }


def _ordered(pushes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(push: dict[str, Any]) -> tuple[str, int, str]:
        jenis = push["jenis"]
        return push["periode"], JENIS_ORDER.index(jenis) if jenis in JENIS_ORDER else 99, push.get("bagian") or ""

    return sorted(pushes, key=key)


def by_period(portal: Portal, pushes: Iterable[dict[str, Any]], *, own: bool) -> list[tuple[str, list[dict]]]:
    """Pushes grouped by period, the latest period first, each in the cycle's order (SKP, kinerja, AK)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for push in _ordered(pushes):
        groups.setdefault(push["periode"], []).append(push_view(portal, push, own=own))
    return sorted(groups.items(), key=lambda item: item[0], reverse=True)


# --- the person's own -------------------------------------------------------------------------------------------


@router.get("/sinkron")
async def sinkron_saya(portal: SignedInDep) -> Response:
    if "operator" in portal.roles and not portal.roles & {"guru", "kepala_sekolah"}:
        return portal.redirect("/operator/sinkron")  # an operator has no pushes of their own: their region's
    state = await portal.clients.bkn_sync.my_sync(portal.token)
    return portal.render(
        "sinkron/saya.html",
        periods=by_period(portal, state.get("pushes", []), own=True),
        conflicts=state.get("conflicts", []),
    )


# --- the operator's region --------------------------------------------------------------------------------------


def _differences(portal: Portal, conflict: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """What differs between the approved plan and e-Kinerja's, row by row: (part, in PMM, in e-Kinerja)."""
    ours = (conflict.get("pmm") or {}).get("rhk") or []
    theirs = (conflict.get("bkn") or {}).get("rhk") or []
    rows: list[tuple[str, Any, Any]] = []
    for path in conflict.get("fields", []):
        match = _RHK_FIELD.match(path)
        if match is None:
            rows.append((portal.t("sinkron.konflik.jumlah_rhk"), len(ours), len(theirs)))
            continue
        index, name = int(match.group(1)), match.group(2)
        part = _text(portal, f"sinkron.konflik.kolom.{name}", "sinkron.konflik.kolom_lain")
        label = portal.t("sinkron.konflik.baris", nomor=index + 1, bagian=part)
        rows.append((label, _cell(ours, index, name), _cell(theirs, index, name)))
    return rows


def _cell(rows: list[dict[str, Any]], index: int, name: str) -> Any:
    return rows[index].get(name, "-") if index < len(rows) else "-"


async def _names(portal: Portal, npsns: Iterable[str]) -> dict[str, str]:
    """pegawai_id -> name, from bkn_sync's view of each school (no NIP or name ever travels in a URL)."""
    schools = await asyncio.gather(*(portal.clients.bkn_sync.school_sync(portal.token, n) for n in sorted(set(npsns))))
    return {str(p["pegawai_id"]): p["nama"] for school in schools for p in school.get("pegawai", [])}


async def _region_page(portal: Portal, *, status: int = 200, errors: FormErrors | None = None,
                       values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    token, bkn = portal.token, portal.clients.bkn_sync
    wilayah = own_wilayah(portal)
    # First, and alone: bkn_sync says whether this user may see the region at all (its 403 is the page).
    conflicts = await bkn.conflicts(token, wilayah)
    region, schools, names = await asyncio.gather(
        bkn.region_sync(token, wilayah) if wilayah else _nothing(),
        portal.clients.planning.roster_sekolah(token),
        _names(portal, (c["npsn"] for c in conflicts)),
    )
    school_names = {s["npsn"]: s["nama"] for s in schools}
    rows = [
        {
            **school,
            "nama": school_names.get(school["npsn"], school["npsn"]),
            "failures": [
                {
                    **f,
                    "alasan": _text(portal, f"sinkron.kegagalan.{f['kode']}.alasan", "sinkron.kegagalan_lain"),
                    "penyelesai": fixer_label(portal, f.get("fixer"), own=False),
                }  # fmt: skip
                for f in school.get("failures", [])
            ],
        }
        for school in (region or {}).get("sekolah", [])
    ]
    shown = [
        {
            **c,
            "nama": names.get(str(c["pegawai_id"]), "-"),
            "sekolah": school_names.get(c["npsn"], c["npsn"]),
            "perbedaan": _differences(portal, c),
            "form": form_meta(portal),
        }  # fmt: skip
        for c in conflicts
    ]
    return portal.render("sinkron/wilayah.html", status=status, region=region, rows=rows, conflicts=shown,
                         wilayah=wilayah, errors=errors or FormErrors(), values=values or {})  # fmt: skip


async def _nothing() -> None:
    return None


@router.get("/operator/sinkron")
async def sinkron_wilayah(portal: SignedInDep) -> Response:
    return await _region_page(portal)


@router.get("/operator/sinkron/sekolah/{npsn}")
async def sinkron_sekolah(npsn: Annotated[str, Path(pattern=r"^\d{8}$")], portal: SignedInDep) -> Response:
    token, bkn = portal.token, portal.clients.bkn_sync
    school = await bkn.school_sync(token, npsn)
    troubled = [p for p in school.get("pegawai", []) if p["counts"].get("failed") or p["counts"].get("pending")]
    details = await asyncio.gather(*(bkn.pegawai_sync(token, str(p["pegawai_id"])) for p in troubled))
    people = []
    for person, detail in zip(troubled, details, strict=True):
        pushes = [push_view(portal, p, own=False) for p in _ordered(detail.get("pushes", []))
                  if p["status"] in ("failed", "pending")]  # fmt: skip
        people.append({"nama": person["nama"], "pushes": pushes, "counts": person["counts"]})
    forms = {push["push_id"]: form_meta(portal) for person in people for push in person["pushes"]}
    return portal.render("sinkron/sekolah.html", school=school, people=people, forms=forms)


@router.get("/operator/sinkron/push/{push_id}/ulang")
async def kirim_ulang_lihat(push_id: uuid.UUID, portal: SignedInDep) -> Response:
    return portal.redirect("/operator/sinkron")


@router.post("/operator/sinkron/push/{push_id}/ulang")
async def kirim_ulang(push_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    """ "Coba kirim ulang": the push is due at once; the worker sends it within moments."""
    await portal.clients.bkn_sync.retry_push(portal.token, str(push_id), key=form.idempotency_key)
    portal.flash("sinkron.operator.dikirim_ulang")
    npsn = form.get("npsn")
    return portal.redirect(f"/operator/sinkron/sekolah/{npsn}" if _NPSN.match(npsn) else "/operator/sinkron")


@router.get("/operator/sinkron/konflik/{conflict_id}")
async def konflik_lihat(conflict_id: uuid.UUID, portal: SignedInDep) -> Response:
    return portal.redirect(f"/operator/sinkron#konflik-{conflict_id}")


@router.post("/operator/sinkron/konflik/{conflict_id}")
async def konflik_putuskan(conflict_id: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    fields = {"keputusan": f"keputusan-{conflict_id}", "alasan": f"alasan-{conflict_id}"}
    keputusan, alasan = form.get("keputusan"), form.get("alasan")
    errors = FormErrors()
    if keputusan not in KEPUTUSAN:
        errors.add(fields["keputusan"], portal.t("sinkron.konflik.pilih_keputusan"))
    if len(alasan) < MIN_ALASAN:
        errors.add(fields["alasan"], portal.t("sinkron.konflik.alasan_wajib", minimal=MIN_ALASAN))
    if not errors:
        body = {"keputusan": keputusan, "alasan": alasan}
        try:
            await portal.clients.bkn_sync.decide_conflict(portal.token, str(conflict_id), body,
                                                          key=form.idempotency_key)  # fmt: skip
        except ServiceProblem as problem:
            if problem.status not in (409, 422):
                raise
            errors = portal.errors_of(problem, fields)
    if errors:
        return await _region_page(portal, status=422, errors=errors, values={str(conflict_id): form.values()})
    portal.flash("sinkron.konflik.diputuskan")
    return portal.redirect("/operator/sinkron")
