"""Monitoring a period (docs/domain.md §6): who sees which schools, grouped how, and what each row counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmm_kernel.access import Actor
from pmm_kernel.errors import Forbidden, InvalidValue

# How much of the school's key a row groups by: the NPSN, the kabupaten/kota, the province.
TINGKAT = {"sekolah": 8, "kabupaten": 4, "provinsi": 2}


@dataclass(frozen=True)
class Cakupan:
    """Which schools the caller monitors: a region (an operator) or their own school (a kepala sekolah)."""

    wilayah: str | None = None
    own_school: bool = False


def require_tingkat(tingkat: str) -> None:
    if tingkat not in TINGKAT:
        raise InvalidValue(f"tingkat is one of {', '.join(TINGKAT)}", rule="monitoring.tingkat", field="tingkat")


def cakupan(actor: Actor) -> Cakupan:
    """Operators see their region; a kepala sekolah sees their own school; nobody else sees monitoring."""
    if "operator" in actor.roles and actor.wilayah is not None:
        return Cakupan(wilayah=actor.wilayah)
    if "kepala_sekolah" in actor.roles and actor.pegawai_id is not None:
        return Cakupan(own_school=True)
    raise Forbidden(
        "monitoring is for operators (their region) and principals (their school)", rule="monitoring.forbidden"
    )


@dataclass(frozen=True)
class MonitoringCounts:
    """One row of the monitoring: a school, kabupaten/kota or province and how far its pegawai have come."""

    kode: str  # NPSN, kode kabupaten/kota or kode provinsi
    nama: str
    pegawai: int  # in the roster, pengawas excluded
    direncanakan: int  # plans submitted or approved
    disetujui: int
    siklus_selesai: int
    dinilai: int  # penilaian finalised
    predikat: Mapping[str, int]  # finalised predikat by kind
