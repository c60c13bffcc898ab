"""Monitoring a period (docs/domain.md §6): who sees which schools, grouped how, and what each row counts."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from appraisal.domain import HEADER_KEYS, only_keys, read_reference
from pmm_kernel.access import Actor
from pmm_kernel.errors import Forbidden, InvalidValue
from pmm_kernel.windows import Extension, Window, effective_close

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


@functools.cache
def _provinsi() -> dict[str, str]:
    doc = read_reference("provinsi")
    only_keys(doc, HEADER_KEYS | {"provinsi"}, "the provinsi file")
    return {str(k): str(v) for k, v in doc["provinsi"].items()}


def nama_provinsi(kode: str) -> str:
    """A province's name by its two-digit kode wilayah; a code the table does not know keeps the code."""
    return _provinsi().get(kode, kode)


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


# --- monitoring by name (docs/domain.md §4-§7): where each pegawai stands in each phase -------------------------

FASE = ("perencanaan", "pelaksanaan", "penilaian", "bkn", "koreksi")

# Perencanaan, from the plan's last event. Planning publishes nothing for a draft, and a reset plan is a draft
# again: "belum" covers no plan at all, a draft and a reset plan alike (belum diajukan).
PERENCANAAN: dict[str | None, str] = {
    None: "belum",
    "DRAFT": "belum",
    "DIAJUKAN": "diajukan",
    "DIKEMBALIKAN": "dikembalikan",
    "DISETUJUI": "disetujui",
}

# Pelaksanaan: the last step of the five-step cycle done (docs/domain.md §5); "selesai" once the refleksi closed it,
# "ditutup" when a reset plan closed the cycle. The rank orders the steps, so two events of one cycle version keep
# the step further along.
LANGKAH: dict[str, int] = {
    "persiapan": 1,
    "observasi": 2,
    "diskusi": 3,
    "upaya": 4,
    "refleksi": 5,
    "selesai": 6,
    "ditutup": 7,
}
PELAKSANAAN: dict[str | None, str] = {
    None: "belum",
    "persiapan": "persiapan",
    "observasi": "observasi",
    "diskusi": "diskusi",
    "upaya": "upaya",
    "refleksi": "selesai",
    "selesai": "selesai",
    "ditutup": "ditutup",
}

# Penilaian, appraisal's own state: waiting or ratable is "belum", a draft rating "dinilai", a finalised one "final".
PENILAIAN: dict[str | None, str] = {
    None: "belum",
    "MENUNGGU": "belum",
    "SIAP": "belum",
    "DINILAI": "dinilai",
    "FINAL": "final",
}

# BKN (docs/domain.md §7), over the pegawai's pushes of the period: one that waits for someone makes the pegawai
# "gagal" (whoever fixes it must see it), else any acknowledged push makes them "terkirim", else "belum".
BKN = ("belum", "terkirim", "gagal")

KOREKSI = ("tidak", "terbuka")

STATUS: dict[str, tuple[str, ...]] = {
    "perencanaan": tuple(dict.fromkeys(PERENCANAAN.values())),
    "pelaksanaan": tuple(dict.fromkeys(PELAKSANAAN.values())),
    "penilaian": tuple(dict.fromkeys(PENILAIAN.values())),
    "bkn": BKN,
    "koreksi": KOREKSI,
}


def require_filter(fase: str | None, status: str | None) -> None:
    """A state filter names its phase, and each is one of that phase's states."""
    if fase is None:
        if status is not None:
            raise InvalidValue("status needs fase", rule="monitoring.status_without_fase", field="status")
        return
    if fase not in STATUS:
        raise InvalidValue(f"fase is one of {', '.join(FASE)}", rule="monitoring.fase", field="fase")
    if status is not None and status not in STATUS[fase]:
        raise InvalidValue(
            f"status of {fase} is one of {', '.join(STATUS[fase])}", rule="monitoring.status", field="status"
        )


def bkn_state(pushes: Sequence[str]) -> str:
    """The pegawai's BKN state from the last known state of each push of the period (SUKSES or GAGAL)."""
    if "GAGAL" in pushes:
        return "gagal"
    if "SUKSES" in pushes:
        return "terkirim"
    return "belum"


def newer_langkah(
    current: tuple[str, int] | None, langkah: str, version: int, *, bagian: int = 1, held_bagian: int = 1
) -> bool:
    """Whether a cycle event moves the pelaksanaan: a later part of a split period (its cycle's versions count from
    1 again; the latest part is shown, docs/domain.md §6), else a newer cycle version, or the same one further
    along."""
    if current is None:
        return True
    if bagian != held_bagian:
        return bagian > held_bagian
    held, held_version = current
    return version > held_version or (version == held_version and LANGKAH[langkah] > LANGKAH[held])


@dataclass(frozen=True)
class CakupanNama:
    """Whose names the caller sees: a region (an operator), one school (its KS), the schools of the KS a pengawas
    appraises."""

    wilayah: str | None = None
    npsn: frozenset[str] | None = None

    def admits(self, npsn: str, kode_wilayah: str) -> bool:
        if self.npsn is not None and npsn not in self.npsn:
            return False
        return self.wilayah is None or kode_wilayah.startswith(self.wilayah)


def peran_pemantau(actor: Actor) -> str:
    """Which of the caller's roles decides their view by name: the operator's region first, then the pengawas'
    schools, then the KS's own school; anyone else is refused."""
    if "operator" in actor.roles and actor.wilayah is not None:
        return "operator"
    if actor.pegawai_id is not None:
        if "pengawas" in actor.roles:
            return "pengawas"
        if "kepala_sekolah" in actor.roles:
            return "kepala_sekolah"
    raise Forbidden(
        "monitoring by name is for operators (their region), pengawas (their schools) and principals (their school)",
        rule="monitoring.forbidden",
    )


def narrow_wilayah(scope: str | None, wanted: str | None) -> str | None:
    """The region filter inside the caller's: the narrower of the two, or None when they do not overlap (a region
    outside the caller's does not exist for them)."""
    if wanted is None:
        return scope or None
    if scope is None or wanted.startswith(scope):
        return wanted
    if scope.startswith(wanted):
        return scope
    return None


@dataclass(frozen=True)
class BatasWaktu:
    """One step's window of the period, and the date it closes for the region once extensions are counted."""

    step: str
    mulai: date
    selesai: date
    terlambat_sampai: date | None
    berlaku_sampai: date  # the effective close for the region (docs/domain.md §3)
    diperpanjang: bool  # an extension is in force for the region
    alasan_perpanjangan: str | None


def batas_waktu(windows: Sequence[Window], extensions: Sequence[Extension], kode_wilayah: str) -> list[BatasWaktu]:
    """Each window with the extension in force where `kode_wilayah` lies (the whole country: "")."""
    out = []
    for w in windows:
        close = effective_close(w, extensions, kode_wilayah)
        applied = [e for e in extensions if e.applies_to(w.step, kode_wilayah) and e.until == close]
        base = max(w.closes, w.late_until or w.closes)
        out.append(
            BatasWaktu(
                step=w.step,
                mulai=w.opens,
                selesai=w.closes,
                terlambat_sampai=w.late_until,
                berlaku_sampai=close,
                diperpanjang=close > base,
                alasan_perpanjangan=applied[0].reason if applied and close > base else None,
            )
        )
    return out


@dataclass(frozen=True)
class PegawaiMonitoring:
    """One pegawai's row of the monitoring by name, for one period."""

    pegawai_id: uuid.UUID
    nama: str
    jenis_gtk: str
    npsn: str
    nama_sekolah: str
    kode_wilayah: str
    nama_wilayah: str
    perencanaan: str
    pelaksanaan: str
    penilaian: str
    predikat: str | None
    bkn: str
    bkn_kode: str | None  # why the failed push waits
    bkn_perbaikan_oleh: str | None  # who fixes it: guru, operator_sekolah, dinas, bkn, pmm
    bkn_tindakan: str | None  # what they do
    koreksi_terbuka: int  # open correction reports: the pegawai's data is blocked until they close
    diperbarui: datetime | None
