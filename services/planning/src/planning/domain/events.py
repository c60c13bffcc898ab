"""What happened in planning, in the domain's words. `integration.py` maps each to its contract event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from planning.domain.skp import Skp


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
    snapshot: dict  # the period as the policy file defines it (see planning.domain.policy.Periode)


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
class SkpSubmitted:
    skp: Skp
    at: datetime


@dataclass(frozen=True)
class SkpApproved:
    skp: Skp
    at: datetime
    berakhlak: tuple[tuple[str, str], ...]  # (kode, nama) of each BerAKHLAK value the plan commits to


@dataclass(frozen=True)
class SkpReturned:
    skp: Skp
    at: datetime
    catatan: str


@dataclass(frozen=True)
class SkpReset:
    skp: Skp
    at: datetime
    alasan: str
