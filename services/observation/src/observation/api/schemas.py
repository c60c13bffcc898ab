"""Request and response bodies. Requests forbid unknown fields, so a typo is a 422 naming the field."""

from __future__ import annotations

import uuid
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from observation import usecases
from observation.db.tables import BuktiRow
from observation.domain.pelaksanaan import STEPS

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
    def of(cls, row: BuktiRow) -> BuktiOut:
        return cls(
            id=row.id,
            kategori=row.kategori,
            sumber=row.sumber,
            nama_file=row.nama_file,
            media_type=row.media_type,
            size_bytes=row.size_bytes,
            sha256=row.sha256,
            tanggal_dokumen=row.tanggal_dokumen,
            outside_period=row.outside_period,
            counts=not row.outside_period,
            catatan=row.catatan,
            created_at=row.created_at,
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
    siklus: int
    tahap: str
    step: str  # where the cycle stands: persiapan ... refleksi, selesai, ditutup
    version: int
    pegawai: PegawaiOut
    atasan_id: uuid.UUID | None  # the current atasan
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
    def of(cls, context: usecases.Context) -> PelaksanaanOut:
        p, pegawai = context.pelaksanaan, context.pegawai
        return cls(
            id=p.id,
            skp_id=p.skp_id,
            periode=p.periode,
            siklus=p.siklus,
            tahap=p.tahap.value,
            step=usecases.position(p),
            version=p.version,
            pegawai=PegawaiOut(
                id=pegawai.pegawai_id,
                nip=pegawai.nip,
                nama=pegawai.nama,
                jenis_gtk=pegawai.jenis_gtk,
                npsn=pegawai.npsn,
            ),
            atasan_id=context.atasan_id,
            relation=context.relation.value,
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
            persiapan=_plain(p.persiapan),
            observasi=_observasi(context),
            diskusi={"atasan": _plain(p.diskusi_atasan), "guru": _plain(p.diskusi_guru)},
            upaya=[_plain(u) for u in p.upaya],
            refleksi=p.refleksi,
            **usecases.summary(context),
            opened_at=p.opened_at,
            closed_at=p.closed_at,
            completed_at=p.completed_at,
        )


def _observasi(context: usecases.Context) -> dict[str, Any] | None:
    observasi = context.pelaksanaan.observasi
    if observasi is None:
        return None
    rubrik = context.pelaksanaan.rubrik()
    assert rubrik is not None
    return {
        **_plain(observasi),
        "ringkasan": {n: rubrik.count(n) for n in ("belum_dilakukan", "belum_efektif", "efektif")},
    }


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


class TeamItem(BaseModel):
    pegawai: PegawaiOut
    pelaksanaan_id: uuid.UUID | None
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
