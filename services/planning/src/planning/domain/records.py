"""The roster and the opened periods as planning keeps them, handed to the service layer as read-only values.

A use case reads these; a change goes back through a repository method (`uow.roster.update_pegawai(...)`), which
answers the record as saved, with its new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Sekolah:
    npsn: str
    nama: str
    kode_wilayah: str  # the kabupaten/kota: which window extensions apply to its pegawai
    nama_wilayah: str
    prioritas_rapor: tuple[str, ...]  # Rapor Pendidikan indicator codes, in the school's order
    version: int


@dataclass(frozen=True)
class Pegawai:
    id: UUID
    nip: str
    status: str
    nama: str
    pangkat_golongan: str | None
    jenjang_jabatan: str | None
    jenis_gtk: str
    npsn: str
    version: int
    email: str | None = None  # personal data: never log it
    tmt_jabatan: date | None = None  # took up the current jabatan/jenjang; prorates angka kredit
    tmt_penempatan: date | None = None  # took up the placement at `npsn`; None: not known


@dataclass(frozen=True)
class Relasi:
    id: UUID
    pegawai_id: UUID
    atasan_id: UUID
    peran_atasan: str
    mulai: date
    selesai: date | None
    version: int


@dataclass(frozen=True)
class OpenedPeriode:
    kode: str
    tahun: int
    snapshot: dict[str, Any]  # as published when it was opened (planning.domain.periode.periode_snapshot)
