"""Request and response bodies. Requests forbid unknown fields, so a typo is a 422 naming the field."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from observation.domain.bukti import DATED, Bukti
from observation.domain.pelaksanaan import STEPS
from observation.usecases import views
from observation.usecases.cycle import Cycle
from pmm_chassis.http.plain import plain

Text = Annotated[str, StringConstraints(max_length=4000)]
ShortText = Annotated[str, StringConstraints(max_length=1000)]
Perilaku = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersiapanIn(Request):
    target_perilaku: list[Perilaku] = Field(max_length=20, description="from the indicator's focus behaviours")
    upaya: Text = Field(description="what the guru will do to reach the target")
    jadwal: date = Field(description="the proposed date of the observed lesson, inside the pelaksanaan window")


class JadwalLainIn(Request):
    jadwal: date
    catatan: ShortText | None = None


class RubrikItemIn(Request):
    perilaku: Perilaku
    nilai: Literal["belum_dilakukan", "belum_efektif", "efektif"] = Field(
        description="Belum dilakukan / Dilakukan tapi belum efektif / Dilakukan dan efektif"
    )
    catatan: ShortText | None = None


class ObservasiIn(Request):
    mode: Literal["langsung", "rekaman", "catatan_guru"] = Field(
        default="langsung", description="in person, or the ministry's fallbacks: a recorded lesson, the teacher's notes"
    )
    items: list[RubrikItemIn] = Field(max_length=20, description="one value for EVERY behaviour of the indicator")
    catatan: Text | None = None
    alasan_pindah: ShortText | None = Field(
        default=None,
        description="why the lesson is observed before the agreed date (at least 5 characters); needed only then",
    )


class DiskusiAtasanIn(Request):
    catatan: Text = Field(description="what to keep and what to improve")
    tujuan: Text = Field(description="the agreed follow-up goals")
    langkah: Text = Field(description="the agreed steps")
    jadwal: date = Field(description="when the follow-up happens")


class DiskusiGuruIn(Request):
    catatan: Text


class UpayaItemIn(Request):
    deskripsi: Text
    tempat: Literal["platform", "luar_platform"]
    tanggal: date


class UpayaIn(Request):
    upaya: list[UpayaItemIn] = Field(max_length=30)


class RefleksiIn(Request):
    refleksi: Text


class KonfirmasiIn(Request):
    kategori: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    catatan: ShortText | None = None


class BuktiOut(BaseModel):
    id: uuid.UUID
    kategori: str
    sumber: str
    nama_file: str | None
    media_type: str | None
    size_bytes: int | None
    sha256: str | None
    tanggal_dokumen: date | None
    outside_period: bool
    counts: bool
    catatan: str | None
    created_at: datetime | None

    @classmethod
    def of(cls, bukti: Bukti) -> BuktiOut:
        return cls(
            id=bukti.id,
            kategori=bukti.kategori,
            sumber=bukti.sumber,
            nama_file=bukti.nama_file,
            media_type=bukti.media_type,
            size_bytes=bukti.size_bytes,
            sha256=bukti.sha256,
            tanggal_dokumen=bukti.tanggal_dokumen,
            outside_period=bukti.outside_period,
            counts=bukti.counts,
            catatan=bukti.catatan,
            created_at=bukti.created_at,
        )


class PegawaiOut(BaseModel):
    id: uuid.UUID
    nip: str
    nama: str
    jenis_gtk: str
    npsn: str


class StepOut(BaseModel):
    step: str
    selesai: bool
    completed_at: datetime | None


class PelaksanaanOut(BaseModel):
    id: uuid.UUID
    skp_id: uuid.UUID
    periode: str
    # The part of the period the cycle covers: a pegawai transferred during the period has one per school.
    bagian: int
    npsn: str  # the part's school
    mulai: date | None  # the part's first day (None: the period's)
    selesai: date | None  # the part's last day (None: the period's)
    berakhir: bool  # a transfer ended the part before today: the cycle takes no new step
    siklus: int
    tahap: str
    step: str  # where the cycle stands: persiapan ... refleksi, selesai, ditutup
    version: int
    pegawai: PegawaiOut
    atasan_id: uuid.UUID | None  # the current atasan (for an ended part: the atasan on its last day)
    relation: str  # the caller's relation to the cycle: owner | atasan | operator
    indikator: dict[str, Any]
    steps: list[StepOut]
    persiapan: dict[str, Any] | None
    observasi: dict[str, Any] | None
    diskusi: dict[str, Any]
    upaya: list[dict[str, Any]]
    refleksi: str | None
    evidence_mode: str
    bukti_count: int
    dokumen_ks_kurang: list[str]
    opened_at: datetime
    closed_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, cycle: Cycle) -> PelaksanaanOut:
        p, pegawai = cycle.pelaksanaan, cycle.pegawai
        return cls(
            id=p.id,
            skp_id=p.skp_id,
            periode=p.periode,
            bagian=p.bagian,
            npsn=cycle.npsn,
            mulai=p.mulai,
            selesai=p.selesai,
            berakhir=cycle.ended,
            siklus=p.siklus,
            tahap=p.tahap.value,
            step=views.position(p),
            version=p.version,
            pegawai=PegawaiOut(
                id=pegawai.pegawai_id,
                nip=pegawai.nip,
                nama=pegawai.nama,
                jenis_gtk=pegawai.jenis_gtk,
                npsn=pegawai.npsn,
            ),
            atasan_id=cycle.atasan_id,
            relation=cycle.relation.value,
            indikator={
                "kode": p.indikator.kode,
                "nama": p.indikator.nama,
                "perilaku_dianjurkan": list(p.indikator.perilaku_dianjurkan),
                "perilaku_dihindari": list(p.indikator.perilaku_dihindari),
            },
            steps=[
                StepOut(step=s.value, selesai=s.value in p.step_selesai, completed_at=p.step_selesai.get(s.value))
                for s in STEPS
            ],
            persiapan=plain(p.persiapan),
            observasi=_observasi(cycle),
            diskusi={"atasan": plain(p.diskusi_atasan), "guru": plain(p.diskusi_guru)},
            upaya=[plain(u) for u in p.upaya],
            refleksi=p.refleksi,
            **views.summary(cycle),
            opened_at=p.opened_at,
            closed_at=p.closed_at,
            completed_at=p.completed_at,
        )


def _observasi(cycle: Cycle) -> dict[str, Any] | None:
    observasi = cycle.pelaksanaan.observasi
    if observasi is None:
        return None
    rubrik = cycle.pelaksanaan.rubrik()
    assert rubrik is not None
    return {
        **plain(observasi),
        "ringkasan": {n: rubrik.count(n) for n in ("belum_dilakukan", "belum_efektif", "efektif")},
    }


class TeamItem(BaseModel):
    pegawai: PegawaiOut
    pelaksanaan_id: uuid.UUID | None
    bagian: int | None  # the part of the period the cycle covers (the latest not ended; None: not opened)
    step: str
    tahap: str | None
    version: int | None
    overdue: bool
    window_closes: date


class TeamPage(BaseModel):
    hari_ini: date  # the day the service believes it is (WIB): what the windows and `overdue` were judged on
    items: list[TeamItem]
    next_cursor: str | None


class BuktiList(BaseModel):
    evidence_mode: str
    bukti_count: int
    dokumen_ks_kurang: list[str]
    items: list[BuktiOut]
    # The kinds whose upload must give its document date (`tanggal_dokumen`), so a form asks for it where needed.
    kategori_bertanggal: list[str] = Field(default_factory=lambda: list(DATED))
