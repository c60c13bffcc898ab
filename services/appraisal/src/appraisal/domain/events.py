"""What happened in appraisal, in the domain's words. `integration.py` maps each to its contract event.

Each event names its penilaian by id and version and carries, as plain values, what was decided at that moment:
what goes to BKN must be what was finalised, whatever the penilaian becomes later.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from appraisal.domain.predikat import Predikat, Rating


@dataclass(frozen=True)
class PenilaiSnapshot:
    """The appraiser as BKN's kinerjaperiodik/save names them, as fixed at finalisation."""

    pegawai_id: uuid.UUID
    nip: str
    nama: str
    golongan: str | None
    jabatan: str
    unor: str
    status_penilai: str  # "ASN" | "NON ASN"


@dataclass(frozen=True)
class PenilaianFinalized:
    penilaian_id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    bagian: int  # the part of the period (a transfer splits it; 1 otherwise)
    version: int  # the penilaian's version once final
    nip: str
    jenis: str  # periodik | tahunan
    bulan_mulai: int
    bulan_selesai: int
    tahun_mulai: int
    tahun_selesai: int
    hasil_kerja: Rating
    perilaku_kerja: Rating
    predikat: Predikat
    jenjang: str | None  # None, and no angka kredit: non-ASN, no jenjang, or the annual evaluation over periods
    koefisien: Decimal | None
    angka_kredit: Decimal | None
    angka_kredit_kumulatif: Decimal | None
    penilai: PenilaiSnapshot
    finalized_at: datetime
    hanya_perilaku: bool


@dataclass(frozen=True)
class PenilaianReopened:
    penilaian_id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    bagian: int
    version: int  # the penilaian's version once reopened
    jenis: str  # of the finalisation it undoes
    alasan: str
    at: datetime
