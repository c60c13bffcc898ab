"""Events published by the appraisal service: the finalised penilaian, with what BKN's e-Kinerja needs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from pmm_contracts.envelope import EventData

RatingValue = Literal["di_atas", "sesuai", "di_bawah"]


class _Appraisal(EventData):
    PRODUCER: ClassVar[str] = "appraisal"


class Penilai(BaseModel):
    """The appraiser as kinerjaperiodik/save names them (penilaiNipNrp, penilaiNama, ... statusPenilai)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    pegawai_id: UUID
    nip: str  # personal data: never log it
    nama: str  # personal data: never log it
    golongan: str | None
    jabatan: str
    unor: str  # the unit (school or Dinas) in BKN's words
    status_penilai: Literal["ASN", "NON ASN"]


class PenilaianRef(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    penilaian_id: UUID
    pegawai_id: UUID
    periode: str
    jenis: Literal["periodik", "tahunan"]
    # The part of the period (planning's SKP part: a transfer splits a period into one part per school). Optional:
    # added within v1, so an older producer's event is the period's only part.
    bagian: int = 1


class PenilaianFinalizedV1(_Appraisal, PenilaianRef):
    """A penilaian was finalised (irreversible but for an operator's audited reopen): bkn_sync pushes it."""

    TYPE: ClassVar[str] = "penilaian.finalized"
    VERSION: ClassVar[int] = 1
    nip: str
    bulan_mulai: int
    bulan_selesai: int
    tahun_mulai: int
    tahun_selesai: int
    hasil_kerja: RatingValue
    hasil_kerja_kode: int  # BKN: 1 di atas, 2 sesuai, 3 di bawah
    perilaku_kerja: RatingValue
    perilaku_kerja_kode: int
    predikat: str
    predikat_kode: int  # BKN kuadranKinerjaNilai: 1 Sangat Baik ... 5 Sangat Kurang
    jenjang: str | None
    koefisien: Decimal | None
    angka_kredit: Decimal | None  # None when no AK applies (non-ASN, no jenjang)
    angka_kredit_kumulatif: Decimal | None
    penilai: Penilai
    finalized_at: datetime
    # A pegawai appointed at the end of the period is rated on perilaku kerja only: hasil_kerja then carries the
    # value the predikat was read with (appraisal's reference/penilaian.toml), not a rating anyone gave.
    # Optional: added within v1.
    hanya_perilaku: bool = False


class PenilaianReopenedV1(_Appraisal, PenilaianRef):
    """An operator's audited reopen of a finalised penilaian: what was pushed may change again."""

    TYPE: ClassVar[str] = "penilaian.reopened"
    VERSION: ClassVar[int] = 1
    alasan: str
    reopened_at: datetime
