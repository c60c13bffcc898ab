"""Pelaksanaan: a period's observation cycle, five steps shared by a guru and their atasan. The guru sees the steps
as a task list saying whose turn it is; each party's part of a step is a page of its own, saved on its own; the
atasan follows their team and records the observation. Bukti dukung are uploaded by the guru (a plain form, or a
resumable tus upload through this portal when JavaScript runs) or confirmed by the atasan: whichever the period's
policy asks, as the observation service says in each cycle (`evidence_mode`). Every refusal is the service's."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from portal import cycle
from portal.clients.base import Answer, ServiceProblem
from portal.web import FormDep, FormErrors, Portal, PostedForm, SignedInDep, form_meta

router = APIRouter()

STEPS = ("persiapan", "observasi", "diskusi", "upaya", "refleksi")
# Whose move it is at each tahap of the service's cycle ("keduanya": either party may write first).
TURN: dict[str, str] = {
    "PERSIAPAN": "guru",
    "JADWAL_DIUSULKAN": "atasan",
    "JADWAL_DIUSULKAN_ATASAN": "guru",
    "OBSERVASI": "atasan",
    "DISKUSI": "keduanya",
    "DISKUSI_MENUNGGU_GURU": "guru",
    "DISKUSI_MENUNGGU_ATASAN": "atasan",
    "UPAYA": "guru",
    "REFLEKSI": "guru",
}
DISKUSI = frozenset({"DISKUSI", "DISKUSI_MENUNGGU_GURU", "DISKUSI_MENUNGGU_ATASAN"})
# The tahap in which a party's form for a step is offered; anywhere else the step is shown as it stands. The
# service still decides: a form posted at another moment gets its refusal.
OPEN: dict[tuple[str, str], frozenset[str]] = {
    ("persiapan", "guru"): frozenset({"PERSIAPAN", "JADWAL_DIUSULKAN", "JADWAL_DIUSULKAN_ATASAN"}),
    ("persiapan", "atasan"): frozenset({"JADWAL_DIUSULKAN"}),
    ("observasi", "atasan"): frozenset({"OBSERVASI"}),
    ("diskusi", "guru"): DISKUSI,
    ("diskusi", "atasan"): DISKUSI,
    ("upaya", "guru"): frozenset({"UPAYA", "REFLEKSI"}),  # efforts may be revised until the reflection
    ("refleksi", "guru"): frozenset({"REFLEKSI"}),
}
PARTY = {"owner": "guru", "atasan": "atasan"}  # the service's `relation` of the caller -> their part in the cycle
NILAI = ("belum_dilakukan", "belum_efektif", "efektif")
MODE = ("langsung", "rekaman", "catatan_guru")
TEMPAT = ("platform", "luar_platform")
KATEGORI_GURU = ("modul_ajar", "dokumen_observasi", "sertifikat", "lainnya")
DOKUMEN_KS = ("kosp", "rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru")
# Refusals shown on the form they answer (the rest are pages of their own: 403, 404, a service down).
ON_THE_FORM = (409, 413, 422)
_FIELD_HEAD = re.compile(r"[\[.]")
_ITEM = re.compile(r"^\w+\[(\d+)\]\.(\w+)$")


# --- what a cycle looks like to the person viewing it -------------------------------------------------------


def party(body: Mapping[str, Any]) -> str | None:
    return PARTY.get(body.get("relation", ""))


def can_write(body: Mapping[str, Any], step: str) -> bool:
    me = party(body)
    return me is not None and body["tahap"] in OPEN.get((step, me), frozenset())


def step_rows(body: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each step with its state for this viewer: done, theirs to do, waiting on the other party, or not yet."""
    me, turn = party(body), TURN.get(body["tahap"])
    done = {s["step"] for s in body["steps"] if s["selesai"]}
    rows = []
    for step in STEPS:
        if step in done:
            state = "selesai"
        elif step != body["step"] or turn is None:
            state = "belum_bisa"
        elif me is not None and turn in (me, "keduanya"):
            state = "giliran_anda"
        else:
            state = f"menunggu_{turn}"
        rows.append({"step": step, "state": state})
    return rows


def behaviours(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The indicator's behaviours in the service's order: (text, dianjurkan | dihindari)."""
    indikator = body["indikator"]
    return [(p, "dianjurkan") for p in indikator["perilaku_dianjurkan"]] + [
        (p, "dihindari") for p in indikator["perilaku_dihindari"]
    ]


def observasi_lebih_awal(body: Mapping[str, Any], today: date) -> bool:
    """Today is before the date both parties agreed: the atasan who observes now says why (docs/domain.md §5)."""
    agreed = (body.get("persiapan") or {}).get("jadwal_disepakati")
    return agreed is not None and today < date.fromisoformat(agreed)


def kategori_choices(body: Mapping[str, Any], items: list[Mapping[str, Any]]) -> tuple[str, ...]:
    """The guru's categories, and a kepala sekolah's accountability documents once the service asks for them."""
    has_ks = bool(body.get("dokumen_ks_kurang")) or any(i["kategori"] in DOKUMEN_KS for i in items)
    return KATEGORI_GURU + DOKUMEN_KS if has_ks else KATEGORI_GURU


def _fields(*names: str) -> Callable[[str], str | None]:
    """A service's field path -> the input it belongs beside (`target_perilaku[1]` -> `target_perilaku`)."""

    def lookup(path: str) -> str | None:
        head = _FIELD_HEAD.split(path, maxsplit=1)[0]
        return head if head in names else None

    return lookup


def present(values: Mapping[str, Any]) -> dict[str, Any]:
    """The body without what was left empty, so the service names each missing field rather than a bad value."""
    return {k: v for k, v in values.items() if v not in ("", None)}


def cycle_path(pid: uuid.UUID, step: str | None = None) -> str:
    return f"/pelaksanaan/p/{pid}" + (f"/{step}" if step else "")


# --- the guru's view, the atasan's team ---------------------------------------------------------------------


async def _current_period(portal: Portal) -> Mapping[str, Any] | None:
    return cycle.current_period(await portal.clients.planning.periods(portal.token), portal.app.today())


def _no_period(portal: Portal) -> Response:
    return portal.render("galat/tidak_ada.html", status=404, pesan=[portal.t("pelaksanaan.tidak_ada_periode")])


@router.get("/pelaksanaan")
async def pelaksanaan(portal: SignedInDep) -> Response:
    period = await _current_period(portal)
    return _no_period(portal) if period is None else portal.redirect(f"/pelaksanaan/{period['kode']}")


@router.get("/pelaksanaan/tim")
async def tim(portal: SignedInDep, cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    period = await _current_period(portal)
    if period is None:
        return _no_period(portal)
    page = await portal.clients.observation.team(portal.token, period["kode"], cursor=cursor)
    items = [{**item, "giliran": TURN.get(item["tahap"] or "")} for item in page["items"]]
    return portal.render("pelaksanaan/tim.html", period=period, items=items, next_cursor=page["next_cursor"])


@router.get("/pelaksanaan/{kode}")
async def milik_saya(kode: str, portal: SignedInDep) -> Response:
    answer = await portal.clients.observation.my_pelaksanaan(portal.token, kode)
    if answer is None:
        return portal.render("pelaksanaan/belum.html", kode=kode)
    return _overview(portal, answer.body)


@router.get("/pelaksanaan/p/{pid}")
async def siklus(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return _overview(portal, (await load_cycle(portal, pid)).body)


def _overview(portal: Portal, body: Mapping[str, Any]) -> Response:
    return portal.render(
        "pelaksanaan/siklus.html", cycle=body, rows=step_rows(body), party=party(body), turn=TURN.get(body["tahap"])
    )


# --- the step pages -----------------------------------------------------------------------------------------


async def load_cycle(portal: Portal, pid: uuid.UUID) -> Answer:
    return await portal.clients.observation.pelaksanaan(portal.token, str(pid))


async def _step_page(
    portal: Portal,
    pid: uuid.UUID,
    step: str,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    values: Mapping[str, Any] | None = None,
) -> Response:
    answer = await load_cycle(portal, pid)
    body = answer.body
    return portal.render(
        f"pelaksanaan/{step}.html",
        status=status,
        cycle=body,
        step=step,
        party=party(body),
        writable=can_write(body, step),
        behaviours=behaviours(body),
        nilai=NILAI,
        modes=MODE,
        tempat=TEMPAT,
        lebih_awal=observasi_lebih_awal(body, portal.app.today()),
        form=form_meta(portal, answer.version),
        errors=errors or FormErrors(),
        values=values or {},
    )


async def _step_post(
    portal: Portal,
    pid: uuid.UUID,
    step: str,
    call: Callable[[], Awaitable[Answer]],
    *,
    form: PostedForm,
    explain: Callable[[ServiceProblem], FormErrors],
    done: str,
    then: str | None = None,
) -> Response:
    """Send one party's part; a refusal of what was typed comes back beside its fields, a stale form shows the
    latest state, anything else (not theirs to do, not found) is the service's answer as a page."""
    try:
        await call()
    except ServiceProblem as problem:
        if problem.status == 412:
            portal.flash("umum.diubah_orang_lain", kind="peringatan")
            return portal.redirect(cycle_path(pid, step))
        if problem.status not in ON_THE_FORM:
            raise
        return await _step_page(portal, pid, step, status=problem.status, errors=explain(problem), values=form.values())
    portal.flash(done)
    return portal.redirect(then or cycle_path(pid))


def refused(portal: Portal, name: str, key: str) -> FormErrors:
    errors = FormErrors()
    errors.add(name, portal.t(key))
    return errors


# --- 1. persiapan -------------------------------------------------------------------------------------------


@router.get("/pelaksanaan/p/{pid}/persiapan")
async def persiapan(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "persiapan")


@router.post("/pelaksanaan/p/{pid}/persiapan")
async def persiapan_simpan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    body = present({"upaya": form.get("upaya"), "jadwal": form.get("jadwal")})
    body["target_perilaku"] = form.getlist("target_perilaku")
    return await _step_post(
        portal,
        pid,
        "persiapan",
        lambda: portal.clients.observation.save_step(portal.token, str(pid), "persiapan", body, version=form.version),
        form=form,
        explain=lambda p: portal.errors_of(p, _fields("target_perilaku", "upaya", "jadwal")),
        done="pelaksanaan.tersimpan.persiapan",
    )


@router.post("/pelaksanaan/p/{pid}/persiapan/keputusan")
async def persiapan_keputusan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    """The atasan agrees to the proposed date or proposes another (one question, one form)."""
    choice = form.get("keputusan")
    if choice not in ("setujui", "lain"):
        errors = refused(portal, "keputusan", "pelaksanaan.persiapan.pilih_keputusan")
        return await _step_page(portal, pid, "persiapan", status=422, errors=errors, values=form.values())
    if choice == "setujui":
        action, body = "setujui", None
    else:
        action, body = (
            "jadwal-lain",
            present({"jadwal": form.get("jadwal_lain"), "catatan": form.get("catatan_atasan")}),
        )
    return await _step_post(
        portal,
        pid,
        "persiapan",
        lambda: portal.clients.observation.decide_schedule(
            portal.token, str(pid), action, version=form.version, key=form.idempotency_key, body=body
        ),
        form=form,
        explain=lambda p: portal.errors_of(p, {"jadwal": "jadwal_lain", "catatan": "catatan_atasan"}),
        done=f"pelaksanaan.tersimpan.{action}",
    )


@router.post("/pelaksanaan/p/{pid}/persiapan/terima")
async def persiapan_terima(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    return await _step_post(
        portal,
        pid,
        "persiapan",
        lambda: portal.clients.observation.decide_schedule(
            portal.token, str(pid), "terima", version=form.version, key=form.idempotency_key
        ),
        form=form,
        explain=portal.errors_of,
        done="pelaksanaan.tersimpan.terima",
    )


# --- 2. observasi (the atasan) -------------------------------------------------------------------------------


@router.get("/pelaksanaan/p/{pid}/observasi")
async def observasi(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "observasi")


@router.post("/pelaksanaan/p/{pid}/observasi")
async def observasi_simpan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    listed = [p for p, _ in behaviours((await load_cycle(portal, pid)).body)]
    rated = [i for i in range(len(listed)) if form.get(f"nilai-{i}")]
    items = [
        present({"perilaku": listed[i], "nilai": form.get(f"nilai-{i}"), "catatan": form.get(f"catatan-{i}")})
        for i in rated
    ]
    typed = {name: form.get(name) for name in ("mode", "catatan", "alasan_pindah")}
    body = {**present(typed), "items": items}

    def explain(problem: ServiceProblem) -> FormErrors:
        errors = portal.errors_of(problem, lambda f: _rubric_field(f, rated))
        missing = problem.body.get("missing")
        for perilaku in missing if isinstance(missing, list) else []:
            if perilaku in listed:  # each behaviour left unrated, beside its own question
                errors.add(f"nilai-{listed.index(perilaku)}", portal.t("pelaksanaan.observasi.pilih_nilai"))
        return errors

    return await _step_post(
        portal,
        pid,
        "observasi",
        lambda: portal.clients.observation.save_step(portal.token, str(pid), "observasi", body, version=form.version),
        form=form,
        explain=explain,
        done="pelaksanaan.tersimpan.observasi",
    )


def _rubric_field(path: str, rated: list[int]) -> str | None:
    """`items[1].nilai` -> the question of the second behaviour that was rated; `mode`, `catatan`, `alasan_pindah` as
    they are."""
    match = _ITEM.match(path)
    if match is None:
        return path if path in ("mode", "catatan", "alasan_pindah") else None
    index = int(match.group(1))
    if index >= len(rated):
        return None
    return f"{'catatan' if match.group(2) == 'catatan' else 'nilai'}-{rated[index]}"


# --- 3. diskusi tindak lanjut (both parties) ----------------------------------------------------------------


@router.get("/pelaksanaan/p/{pid}/diskusi")
async def diskusi(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "diskusi")


@router.post("/pelaksanaan/p/{pid}/diskusi/atasan")
async def diskusi_atasan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    body = present({k: form.get(k) for k in ("catatan", "tujuan", "langkah", "jadwal")})
    return await _save_diskusi(portal, pid, "atasan", body, form, _fields("catatan", "tujuan", "langkah", "jadwal"))


@router.post("/pelaksanaan/p/{pid}/diskusi/guru")
async def diskusi_guru(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    return await _save_diskusi(portal, pid, "guru", present({"catatan": form.get("catatan")}), form, _fields("catatan"))


async def _save_diskusi(
    portal: Portal,
    pid: uuid.UUID,
    side: str,
    body: dict[str, Any],
    form: PostedForm,
    fields: Callable[[str], str | None],
) -> Response:
    return await _step_post(
        portal,
        pid,
        "diskusi",
        lambda: portal.clients.observation.save_step(
            portal.token, str(pid), f"diskusi/{side}", body, version=form.version
        ),
        form=form,
        explain=lambda p: portal.errors_of(p, fields),
        done=f"pelaksanaan.tersimpan.diskusi_{side}",
    )


# --- 4. upaya tindak lanjut (the guru): one effort added at a time ----------------------------------------------


@router.get("/pelaksanaan/p/{pid}/upaya")
async def upaya(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "upaya")


@router.post("/pelaksanaan/p/{pid}/upaya")
async def upaya_tambah(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    recorded = (await load_cycle(portal, pid)).body["upaya"]
    added = present({k: form.get(k) for k in ("deskripsi", "tempat", "tanggal")})
    return await _save_upaya(portal, pid, [*recorded, added], form, new_index=len(recorded))


@router.post("/pelaksanaan/p/{pid}/upaya/hapus")
async def upaya_hapus(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    recorded = (await load_cycle(portal, pid)).body["upaya"]
    nomor = form.get("nomor")
    kept = [u for i, u in enumerate(recorded) if str(i) != nomor]
    return await _save_upaya(portal, pid, kept, form, new_index=None)


async def _save_upaya(
    portal: Portal, pid: uuid.UUID, items: list[dict[str, Any]], form: PostedForm, *, new_index: int | None
) -> Response:
    def field(path: str) -> str | None:
        match = _ITEM.match(path)
        return match.group(2) if match and new_index is not None and int(match.group(1)) == new_index else None

    return await _step_post(
        portal,
        pid,
        "upaya",
        lambda: portal.clients.observation.save_step(
            portal.token, str(pid), "upaya", {"upaya": items}, version=form.version
        ),
        form=form,
        explain=lambda p: portal.errors_of(p, field),
        done="pelaksanaan.tersimpan.upaya",
        then=cycle_path(pid, "upaya"),
    )


# --- 5. refleksi (the guru): checked against the whole cycle, then it completes it ---------------------------------


@router.get("/pelaksanaan/p/{pid}/refleksi")
async def refleksi(pid: uuid.UUID, portal: SignedInDep) -> Response:
    return await _step_page(portal, pid, "refleksi")


@router.post("/pelaksanaan/p/{pid}/refleksi")
async def refleksi_simpan(pid: uuid.UUID, portal: SignedInDep, form: FormDep) -> Response:
    body = present({"refleksi": form.get("refleksi")})
    return await _step_post(
        portal,
        pid,
        "refleksi",
        lambda: portal.clients.observation.save_step(portal.token, str(pid), "refleksi", body, version=form.version),
        form=form,
        explain=lambda p: portal.errors_of(p, {"refleksi": "refleksi", "bukti": "bukti"}),
        done="pelaksanaan.tersimpan.refleksi",
    )
