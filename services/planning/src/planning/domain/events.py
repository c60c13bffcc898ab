"""What happened in planning, in the domain's words. `integration.py` maps each to its contract event.

Events carry references and plain values, never an aggregate: a decision on a plan names the plan (`SkpRef`, with
the version the decision made) and, for an approval, a frozen copy of what was approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from planning.domain.skp_parts import IndikatorChoice, RhkItem


@dataclass(frozen=True)
class SekolahChanged:
    npsn: str
    nama: str
    kode_wilayah: str
    nama_wilayah: str
    prioritas_rapor: tuple[str, ...]
    version: int
    new: bool


@dataclass(frozen=True)
class PegawaiChanged:
    pegawai_id: UUID
    nip: str
    status: str
    nama: str
    pangkat_golongan: str | None
    jenjang_jabatan: str | None
    jenis_gtk: str
    npsn: str
    kode_wilayah: str
    version: int
    changed: tuple[str, ...]  # empty for a newly registered pegawai
    email: str | None = None
    tmt_jabatan: date | None = None


@dataclass(frozen=True)
class AtasanChanged:
    relasi_id: UUID
    pegawai_id: UUID
    atasan_id: UUID
    peran_atasan: str
    mulai: date
    selesai: date | None
    version: int
    new: bool


@dataclass(frozen=True)
class PeriodeOpened:
    kode: str
    snapshot: dict[str, Any]  # the period as planning publishes it (planning.domain.periode.periode_snapshot)


@dataclass(frozen=True)
class WindowExtended:
    extension_id: UUID
    kode: str
    step: str
    until: date
    wilayah: str | None
    alasan: str
    version: int


@dataclass(frozen=True)
class SkpRef:
    """Which plan a decision was taken on, at the version the decision made, and whose it is."""

    skp_id: UUID
    version: int
    pegawai_id: UUID
    periode: str
    atasan_id: UUID | None
    bagian: int = 1  # the part of the period (docs/domain.md §4)
    npsn: str | None = None  # the part's school
    mulai: date | None = None  # None: the period's first day
    selesai: date | None = None  # None: the period's last day


@dataclass(frozen=True)
class PerilakuCommitment:
    """A BerAKHLAK value the pegawai commits to, with the atasan's special expectation of it, if any."""

    kode: str
    nama: str
    ekspektasi_khusus: str | None


@dataclass(frozen=True)
class SkpSubmitted:
    skp: SkpRef
    at: datetime


@dataclass(frozen=True)
class SkpApproved:
    """The plan as approved: what observation opens pelaksanaan from and bkn_sync pushes to e-Kinerja."""

    skp: SkpRef
    at: datetime
    indikator: IndikatorChoice | None  # never None after submit's completeness check
    rhk: tuple[RhkItem, ...]  # pengembangan kompetensi, then tugas tambahan
    perilaku: tuple[PerilakuCommitment, ...]


@dataclass(frozen=True)
class SkpReturned:
    skp: SkpRef
    at: datetime
    catatan: str


@dataclass(frozen=True)
class SkpReset:
    skp: SkpRef
    at: datetime
    alasan: str


@dataclass(frozen=True)
class SkpEnded:
    """A transfer ended this part of the plan on `skp.selesai`; `status` is the state it ended in."""

    skp: SkpRef
    at: datetime
    status: str
    alasan: str  # mutasi


@dataclass(frozen=True)
class KoreksiRef:
    """Which correction report, at the version the change made, whose it is and whose worklist it is on."""

    koreksi_id: UUID
    pegawai_id: UUID
    npsn: str
    kode_wilayah: str
    version: int


@dataclass(frozen=True)
class KoreksiReported:
    koreksi: KoreksiRef
    jenis: str  # data | atasan
    field: str | None  # the roster field of a data report
    at: datetime


@dataclass(frozen=True)
class KoreksiClosed:
    koreksi: KoreksiRef
    status: str  # SELESAI | DITOLAK
    at: datetime
