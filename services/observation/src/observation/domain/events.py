"""What happened in observation, in the domain's words. `integration.py` maps each to its contract event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True)
class Ref:
    """Which pelaksanaan, at which of its versions: every pelaksanaan event carries it."""

    pelaksanaan_id: UUID
    skp_id: UUID
    pegawai_id: UUID
    periode: str
    version: int


@dataclass(frozen=True)
class IndikatorRef:
    kode: str
    nama: str
    perilaku_dianjurkan: tuple[str, ...]
    perilaku_dihindari: tuple[str, ...]


@dataclass(frozen=True)
class RubrikItem:
    perilaku: str
    jenis: str  # dianjurkan | dihindari
    nilai: str  # belum_dilakukan | belum_efektif | efektif
    catatan: str | None


@dataclass(frozen=True)
class Rubrik:
    mode: str  # langsung | rekaman | catatan_guru
    items: tuple[RubrikItem, ...]

    def count(self, nilai: str) -> int:
        return sum(1 for item in self.items if item.nilai == nilai)


@dataclass(frozen=True)
class PelaksanaanOpened:
    ref: Ref
    atasan_id: UUID | None
    indikator: IndikatorRef
    at: datetime


@dataclass(frozen=True)
class PelaksanaanClosed:
    ref: Ref
    reason: str
    at: datetime


@dataclass(frozen=True)
class StepCompleted:
    ref: Ref
    step: str
    at: datetime


@dataclass(frozen=True)
class ObservasiRecorded:
    ref: Ref
    atasan_id: UUID
    rubrik: Rubrik
    at: datetime


@dataclass(frozen=True)
class PelaksanaanCompleted:
    ref: Ref
    atasan_id: UUID | None
    rubrik: Rubrik | None
    bukti_count: int
    at: datetime


@dataclass(frozen=True)
class BuktiAdded:
    """A bukti is its own aggregate (version 1, never changed): an upload must not move the cycle's ETag."""

    bukti_id: UUID
    pelaksanaan_id: UUID
    skp_id: UUID
    pegawai_id: UUID
    periode: str
    kategori: str
    media_type: str | None
    size_bytes: int | None
    sha256: str | None
    tanggal_dokumen: date | None
    outside_period: bool
    at: datetime
