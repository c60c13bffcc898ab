"""Where a person stands in the period, from what the services answered: the current period, each phase's state
and deadline (the region's extension included), and the next thing to do. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

# A phase's state as the task list names it (catalogue keys beranda.status.*).
BELUM = "belum_dimulai"
BERJALAN = "sedang_berjalan"
MENUNGGU = "menunggu"
PERLU_TINDAKAN = "perlu_tindakan"
SELESAI = "selesai"
GAGAL = "gagal"
TERKUNCI = "belum_bisa"


@dataclass(frozen=True)
class Phase:
    kode: str  # perencanaan, pelaksanaan, penilaian, sinkron
    status: str
    href: str
    tenggat: date | None = None
    diperpanjang: bool = False


def current_period(periods: Sequence[Mapping[str, Any]], today: date) -> Mapping[str, Any] | None:
    """The period today falls in; else the last one that has begun; else the first to come."""
    if not periods:
        return None
    ordered = sorted(periods, key=lambda p: (p["mulai"], p["selesai"]))
    for period in ordered:
        if date.fromisoformat(period["mulai"]) <= today <= date.fromisoformat(period["selesai"]):
            return period
    begun = [p for p in ordered if date.fromisoformat(p["mulai"]) <= today]
    return begun[-1] if begun else ordered[0]


def deadline(period: Mapping[str, Any], step: str, wilayah: str | None) -> tuple[date | None, bool]:
    """The last day of `step`'s window for this region: the later of its late entry and any extension that
    applies (one for everyone, or for the region). The bool says whether an extension set it."""
    window = next((w for w in period.get("windows", []) if w["step"] == step), None)
    if window is None:
        return None, False
    last = date.fromisoformat(window["late_until"] or window["closes"])
    extended = False
    for extension in period.get("extensions", []):
        if extension["step"] != step or extension.get("wilayah") not in (None, wilayah):
            continue
        until = date.fromisoformat(str(extension["until"]))
        if until > last:
            last, extended = until, True
    return last, extended


_SKP_STATUS = {
    None: BELUM,
    "DRAFT": BERJALAN,
    "DIKEMBALIKAN": PERLU_TINDAKAN,
    "DIAJUKAN": MENUNGGU,
    "DISETUJUI": SELESAI,
}


def phases(
    period: Mapping[str, Any],
    *,
    peran: str,
    wilayah: str | None,
    skp: Mapping[str, Any] | None,
    pelaksanaan: Mapping[str, Any] | None,
    penilaian: Mapping[str, Any] | None,
    sinkron: Mapping[str, Any] | None,
) -> list[Phase]:
    """The four phases of a guru's or kepala sekolah's period, in order."""
    kode = period["kode"]
    step = "perencanaan_ks" if peran == "kepala_sekolah" else "perencanaan_guru"
    plan_due, plan_ext = deadline(period, step, wilayah)
    plan = Phase("perencanaan", _SKP_STATUS.get(skp and skp["status"], BERJALAN), f"/perencanaan/{kode}",
                 plan_due, plan_ext)  # fmt: skip

    run_due, run_ext = deadline(period, "pelaksanaan", wilayah)
    if pelaksanaan is None:
        run_status = TERKUNCI
    elif pelaksanaan.get("completed_at"):
        run_status = SELESAI
    elif any(s.get("selesai") for s in pelaksanaan.get("steps", [])):
        run_status = BERJALAN
    else:
        run_status = BELUM
    run = Phase("pelaksanaan", run_status, f"/pelaksanaan/{kode}", run_due, run_ext)

    rate_due, rate_ext = deadline(period, "penilaian", wilayah)
    if penilaian is None:
        rate_status = TERKUNCI
    elif penilaian.get("status") == "FINAL":
        rate_status = SELESAI
    else:
        rate_status = MENUNGGU
    rate = Phase("penilaian", rate_status, f"/penilaian/{kode}", rate_due, rate_ext)

    sync = Phase("sinkron", _sync_status(sinkron, kode), "/sinkron")
    return [plan, run, rate, sync]


def _sync_status(sinkron: Mapping[str, Any] | None, kode: str) -> str:
    pushes = [p for p in (sinkron or {}).get("pushes", []) if p.get("periode") == kode]
    if not pushes:
        return TERKUNCI
    states = {p["status"] for p in pushes}
    if states & {"failed", "conflict"}:
        return GAGAL
    if states == {"succeeded"}:
        return SELESAI
    return MENUNGGU


def next_step(items: Sequence[Phase]) -> Phase | None:
    """The first phase the person can act on and has not finished."""
    for phase in items:
        if phase.status in (BELUM, BERJALAN, PERLU_TINDAKAN):
            return phase
    return None
