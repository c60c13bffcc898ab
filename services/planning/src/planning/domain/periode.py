"""A period as planning publishes it, and the rules of an operator's window extension (docs/domain.md §3)."""

from __future__ import annotations

from datetime import date
from typing import Any

from planning.domain.access import Actor, require_operator
from planning.domain.policy import Periode
from pmm_kernel.errors import Forbidden, InvalidValue
from pmm_kernel.windows import Window

MIN_ALASAN = 5  # an extension's reason is kept in the audit trail: it must say something


def window_json(window: Window) -> dict[str, Any]:
    return {
        "step": window.step,
        "opens": window.opens.isoformat(),
        "closes": window.closes.isoformat(),
        "late_until": window.late_until.isoformat() if window.late_until else None,
    }


def periode_snapshot(periode: Periode, penilaian_tahunan: Window | None = None) -> dict[str, Any]:
    """The period as planning publishes it; `penilaian_tahunan` is the year's annual evaluation window when the
    policy has one besides its periods (2024), so appraisal can open and window-check it."""
    return {
        "kode": periode.kode,
        "tahun": periode.tahun,
        "nama": periode.nama,
        "jenis": periode.jenis,
        "mulai": periode.mulai.isoformat(),
        "selesai": periode.selesai.isoformat(),
        "bulan": periode.bulan,
        "policy_year": periode.policy_year,
        "evidence_upload": periode.evidence_upload,
        "data_update_step": periode.data_update_step,
        "competence_points": list(periode.competence_points) if periode.competence_points else None,
        "windows": [window_json(w) for w in periode.windows.values()],
        "penilaian_tahunan": window_json(penilaian_tahunan) if penilaian_tahunan else None,
        # The policy year's reminder days; None when the policy reminds no one.
        "pengingat_hari": list(periode.pengingat_hari) or None,
    }


def require_national_operator(actor: Actor) -> None:
    """Periods are national (one policy for the country), like a window extension for everyone."""
    if require_operator(actor) != "":
        raise Forbidden("only a national operator may open a year's periods", rule="periode.open_scope")


def check_tahun(tahun: int) -> None:
    if not 2000 <= tahun <= 2100:
        raise InvalidValue("tahun must be between 2000 and 2100", rule="periode.tahun_range", field="tahun")


def extension_scope(actor: Actor, wilayah: str | None) -> str | None:
    """The region an operator's extension applies to (None: everyone): their own, or a part of it they name; only a
    national operator extends a window for everyone."""
    scope = require_operator(actor)
    target = wilayah if wilayah is not None else (scope or None)
    if target is None and scope != "":
        raise Forbidden("only a national operator may extend a window for everyone", rule="periode.extend_scope")
    if target is not None and not target.startswith(scope):
        raise Forbidden("you may extend windows only within your region", rule="periode.extend_scope", field="wilayah")
    return target


def extension_reason(alasan: str | None) -> str:
    reason = (alasan or "").strip()
    if len(reason) < MIN_ALASAN:
        raise InvalidValue("an extension needs a reason for the audit", rule="periode.alasan_required", field="alasan")
    return reason


def check_extension_later(window: Window, until: date) -> None:
    """An extension never shortens a window: it must end after the window's own close."""
    if until <= window.closes:
        raise InvalidValue(
            f"an extension must end after the window's own close ({window.closes.isoformat()})",
            rule="periode.extension_not_later",
            field="until",
        )
