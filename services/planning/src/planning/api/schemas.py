"""Request and response bodies. Requests forbid unknown fields, so a typo is a 422 naming the field."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from planning.domain.policy import Periode
from planning.domain.records import Pegawai, Sekolah
from planning.usecases.views import SkpContext
from pmm_chassis.http.plain import plain

ShortText = Annotated[str, StringConstraints(max_length=2000)]
Kode = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateSkp(Request):
    periode: Kode = Field(examples=["2024-S1"])


class DataDiriIn(Request):
    sesuai: bool = Field(description='"Data sudah sesuai": the roster data is right')
    catatan: ShortText | None = Field(default=None, description="what is wrong, when it is not")


class PraktikKinerjaIn(Request):
    indikator: Kode = Field(examples=["D.1.3"])


class RhkIn(Request):
    kode: Kode
    target_kuantitas: int = Field(ge=1, le=1000)
    rhk_atasan: ShortText | None = None


class RhkListIn(Request):
    rhk: list[RhkIn] = Field(max_length=30)


class EkspektasiIn(Request):
    ekspektasi_khusus: dict[Kode, ShortText] = Field(max_length=7)


class CatatanIn(Request):
    catatan: ShortText


class AlasanIn(Request):
    alasan: ShortText


class ExtendWindowIn(Request):
    step: Kode
    until: date
    wilayah: Annotated[str, StringConstraints(pattern=r"^\d{2}(\d{2})?$")] | None = Field(
        default=None,
        description="kode wilayah: a province (2 digits) or kab/kota (4); omit for your whole scope",
    )
    alasan: ShortText


class PegawaiOut(BaseModel):
    id: uuid.UUID
    nip: str
    nama: str
    jenis_gtk: str
    npsn: str
    # What a teacher checks on the "data diri" step before confirming it.
    status: str = Field(description="PNS, PPPK or NON_ASN")
    pangkat_golongan: str | None = Field(description='"III/b" (PNS), "IX" (PPPK); null for a non-ASN')
    jenjang_jabatan: str | None = Field(description="Ahli Pertama ... Ahli Utama; null for a non-ASN")
    nama_sekolah: str
    # The school's region: which window extensions apply to this pegawai's deadlines.
    kode_wilayah: str

    @classmethod
    def of(cls, pegawai: Pegawai, sekolah: Sekolah) -> PegawaiOut:
        return cls(
            id=pegawai.id,
            nip=pegawai.nip,
            nama=pegawai.nama,
            jenis_gtk=pegawai.jenis_gtk,
            npsn=sekolah.npsn,  # the school named beside it: a plan's part may be at the school before a transfer
            status=pegawai.status,
            pangkat_golongan=pegawai.pangkat_golongan,
            jenjang_jabatan=pegawai.jenjang_jabatan,
            nama_sekolah=sekolah.nama,
            kode_wilayah=sekolah.kode_wilayah,
        )


class BagianOut(BaseModel):
    """The part of the period a plan covers (docs/domain.md §4): a transfer during the period ends the part at the
    old school on the day before the new placement, and the pegawai plans the next part at the new school."""

    bagian: int = Field(description="the part's number in the period, from 1")
    npsn: str = Field(description="the school of this part")
    nama_sekolah: str
    mulai: date = Field(description="the part's first day (the period's first day for the first part)")
    selesai: date = Field(description="the part's last day (the period's last day unless a transfer ended it)")
    berakhir: bool = Field(description="a transfer ended this part: it is read-only")
    alasan_berakhir: str | None = Field(description='"mutasi" when a transfer ended it')

    @classmethod
    def of(cls, skp: Any, sekolah: Sekolah, *, periode_mulai: date, periode_selesai: date) -> BagianOut:
        return cls(
            bagian=skp.bagian,
            npsn=sekolah.npsn,
            nama_sekolah=sekolah.nama,
            mulai=skp.mulai or periode_mulai,
            selesai=skp.selesai or periode_selesai,
            berakhir=skp.ended,
            alasan_berakhir="mutasi" if skp.ended else None,
        )


class SkpOut(BaseModel):
    id: uuid.UUID
    periode: str
    peran: str
    status: str
    version: int
    pegawai: PegawaiOut
    atasan_id: uuid.UUID | None
    data_diri: dict[str, Any] | None
    praktik_kinerja: dict[str, Any] | None
    pengembangan_kompetensi: list[dict[str, Any]]
    tugas_tambahan: list[dict[str, Any]]
    perilaku_kerja: dict[str, Any]
    catatan_atasan: str | None
    submitted_at: datetime | None
    approved_at: datetime | None
    total_poin: int
    missing_steps: list[str]
    warnings: list[str]
    bagian: BagianOut

    @classmethod
    def of(cls, context: SkpContext, berakhlak: list[dict[str, Any]], *, periode: Periode) -> SkpOut:
        skp = context.skp
        return cls(
            id=skp.id,
            periode=skp.periode,
            peran=skp.peran,
            status=skp.status.value,
            version=skp.version,
            pegawai=PegawaiOut.of(context.pegawai, context.sekolah),
            atasan_id=context.atasan_id,
            data_diri=plain(skp.data_diri),
            praktik_kinerja=plain(skp.indikator),
            pengembangan_kompetensi=[plain(i) for i in skp.pengembangan_kompetensi],
            tugas_tambahan=[plain(i) for i in skp.tugas_tambahan],
            perilaku_kerja={
                "dikonfirmasi": skp.perilaku_dikonfirmasi,
                "nilai": [{**v, "ekspektasi_khusus": skp.ekspektasi_khusus.get(v["kode"])} for v in berakhlak],
            },
            catatan_atasan=skp.catatan_atasan,
            submitted_at=skp.submitted_at,
            approved_at=skp.approved_at,
            total_poin=skp.competence_points(),
            missing_steps=skp.missing_steps(),
            warnings=context.warnings,
            bagian=BagianOut.of(skp, context.sekolah, periode_mulai=periode.mulai, periode_selesai=periode.selesai),
        )


class QueueItem(BaseModel):
    skp_id: uuid.UUID
    periode: str
    status: str
    version: int
    pegawai: PegawaiOut
    submitted_at: datetime | None
    bagian: BagianOut


class BagianItem(BaseModel):
    """One part of the caller's plan for a period, to open it by its id."""

    skp_id: uuid.UUID
    status: str
    version: int
    bagian: BagianOut


class BagianList(BaseModel):
    items: list[BagianItem]


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None


class RosterPegawaiOut(BaseModel):
    nip: str
    nama: str
    status: str
    jenis_gtk: str
    jenjang_jabatan: str | None
    pangkat_golongan: str | None
    npsn: str
    nama_sekolah: str
    peran: list[str] = Field(description="the roles of the token this person signs in with")


class RosterPegawaiPage(BaseModel):
    items: list[RosterPegawaiOut]
    next_cursor: str | None


class SekolahOut(BaseModel):
    npsn: str
    nama: str
    kode_wilayah: str
    nama_wilayah: str


class SekolahList(BaseModel):
    items: list[SekolahOut]
