"""Request and response bodies. Requests forbid unknown fields, so a typo is a 422 naming the field."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from appraisal.domain import angka_kredit as ak_rules
from appraisal.domain.access import Relation
from appraisal.domain.distribution import PredikatOrganisasi
from appraisal.domain.penilaian import Penilaian
from appraisal.domain.predikat import Rating, default_matrix
from appraisal.usecases.views import DistribusiView, PenilaianContext, PeringatanView, PeriodeBagianView
from pmm_roster.records import PegawaiRecord

ShortText = Annotated[str, StringConstraints(max_length=2000)]
Kode = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NilaiIn(Request):
    hasil_kerja: Rating | None = Field(
        default=None, description="praktik kinerja; omit for a pegawai rated on perilaku kerja only"
    )
    perilaku_kerja: Rating
    umpan_balik: dict[Kode, ShortText] = Field(
        default_factory=dict, max_length=7, description="feedback per BerAKHLAK value, by its kode"
    )
    catatan: ShortText | None = Field(default=None, description="notes for the next period")


class AlasanIn(Request):
    alasan: ShortText


class HanyaPerilakuIn(Request):
    hanya_perilaku: bool = Field(description="appointed at the end of the period: rated on perilaku kerja only")
    alasan: ShortText


class PredikatOrganisasiIn(Request):
    predikat_organisasi: PredikatOrganisasi


# --- responses ---------------------------------------------------------------------------------------------


class PegawaiOut(BaseModel):
    id: uuid.UUID
    nip: str
    nama: str
    status: str
    jenis_gtk: str
    jenjang_jabatan: str | None
    pangkat_golongan: str | None
    npsn: str

    @classmethod
    def of(cls, p: PegawaiRecord) -> PegawaiOut:
        return cls(
            id=p.pegawai_id,
            nip=p.nip,
            nama=p.nama,
            status=p.status,
            jenis_gtk=p.jenis_gtk,
            jenjang_jabatan=p.jenjang_jabatan,
            pangkat_golongan=p.pangkat_golongan,
            npsn=p.npsn,
        )


class PredikatOut(BaseModel):
    kode: str
    label: str
    bkn_kode: int
    cell: str = Field(description="which cell of the PermenPANRB 6/2022 matrix gave it")
    regulation: str


class NilaiOut(BaseModel):
    hasil_kerja: str
    hasil_kerja_label: str
    perilaku_kerja: str
    perilaku_kerja_label: str
    umpan_balik: dict[str, str]
    catatan: str | None
    dinilai_at: datetime


class AngkaKreditOut(BaseModel):
    jenjang: str
    koefisien: Decimal
    bulan: int = Field(description="the months served: the period's, or fewer from the TMT jabatan (docs/domain.md §6)")
    bulan_mulai: int = Field(description="the first month served, 1-12")
    tahun_mulai: int = Field(description="the year of the first month served")
    nilai: Decimal
    kumulatif: Decimal
    final: bool = Field(description="false: what finalising now would give; true: what was finalised")


class TargetOut(BaseModel):
    needed: Decimal
    remaining: Decimal
    reached: bool


class ProgressOut(BaseModel):
    jenjang: str
    total: Decimal
    kenaikan_pangkat: TargetOut
    kenaikan_jenjang: TargetOut | None
    jenjang_berikutnya: str | None
    conditions_not_decided_here: list[dict[str, str]]
    regulation: str

    @classmethod
    def of(cls, p: ak_rules.Progress) -> ProgressOut:
        def target(t: ak_rules.Target | None) -> TargetOut | None:
            return TargetOut(needed=t.needed, remaining=t.remaining, reached=t.reached) if t else None

        return cls(
            jenjang=p.jenjang.value,
            total=p.total,
            kenaikan_pangkat=target(p.kenaikan_pangkat),  # type: ignore[arg-type]
            kenaikan_jenjang=target(p.kenaikan_jenjang),
            jenjang_berikutnya=p.jenjang_berikutnya.value if p.jenjang_berikutnya else None,
            conditions_not_decided_here=[
                {"kode": c.kode, "deskripsi": c.deskripsi} for c in p.conditions_not_decided_here
            ],
            regulation=p.regulation,
        )


class WarningOut(BaseModel):
    rule: str
    message: str
    assumption: bool


class DistribusiOut(BaseModel):
    npsn: str
    periode: str
    tahun: int | None
    predikat_organisasi: str | None = Field(description="set by the Dinas; null: not set, nothing to compare")
    counts: dict[str, int] = Field(description="rated or final predikat of the school's pegawai in the period")
    total: int
    warnings: list[WarningOut] = Field(description="departures from the pattern: warnings, never a block")
    pola: str | None

    @classmethod
    def of(cls, view: DistribusiView) -> DistribusiOut:
        return cls(
            npsn=view.npsn,
            periode=view.periode,
            tahun=view.tahun,
            predikat_organisasi=view.predikat_organisasi.value if view.predikat_organisasi else None,
            counts={p.value: n for p, n in view.counts.items()},
            total=sum(view.counts.values()),
            warnings=[WarningOut(rule=w.rule, message=w.message, assumption=w.assumption) for w in view.warnings],
            pola=view.pola,
        )


class BagianOut(BaseModel):
    """One part of a split period (a transfer splits it into one plan per school)."""

    bagian: int
    penilaian_id: uuid.UUID
    status: str
    npsn: str | None = Field(description="the part's school")
    nama_sekolah: str | None
    mulai: date | None = Field(description="the part's first day; null: the period's")
    selesai: date | None = Field(description="the part's last day; null: the period's")
    dinilai: bool = Field(description="false: a transfer ended it before its plan was approved; not appraised")
    bulan: int | None = Field(description="the months it covers (their first day falls within the part)")
    bulan_mulai: int | None
    bulan_selesai: int | None
    predikat: str | None
    predikat_label: str | None
    angka_kredit: Decimal | None = Field(description="rounded per part")
    final: bool


class HasilPeriodeOut(BaseModel):
    bulan: int
    angka_kredit: Decimal | None = Field(description="the sum of the parts' rounded angka kredit")
    predikat: str | None = Field(description="the last appraised part's predikat")
    predikat_label: str | None
    predikat_bagian: int | None
    lengkap: bool = Field(description="every appraised part is final")
    aturan_predikat: str


class PeriodeBagianOut(BaseModel):
    pegawai_id: uuid.UUID
    periode: str
    bagian: list[BagianOut]
    hasil: HasilPeriodeOut

    @classmethod
    def of(cls, view: PeriodeBagianView) -> PeriodeBagianOut:
        hasil = view.hasil
        return cls(
            pegawai_id=view.pegawai_id,
            periode=view.periode,
            bagian=[
                BagianOut(
                    bagian=b.hasil.bagian,
                    penilaian_id=b.penilaian_id,
                    status=b.status,
                    npsn=b.hasil.npsn,
                    nama_sekolah=b.nama_sekolah,
                    mulai=b.hasil.mulai,
                    selesai=b.hasil.selesai,
                    dinilai=b.hasil.dinilai,
                    bulan=b.hasil.bulan,
                    bulan_mulai=b.rentang.bulan_mulai if b.rentang else None,
                    bulan_selesai=b.rentang.bulan_selesai if b.rentang else None,
                    predikat=b.hasil.predikat.value if b.hasil.predikat else None,
                    predikat_label=b.hasil.predikat.label if b.hasil.predikat else None,
                    angka_kredit=b.hasil.angka_kredit,
                    final=b.hasil.final,
                )
                for b in view.bagian
            ],
            hasil=HasilPeriodeOut(
                bulan=hasil.bulan,
                angka_kredit=hasil.angka_kredit,
                predikat=hasil.predikat.value if hasil.predikat else None,
                predikat_label=hasil.predikat.label if hasil.predikat else None,
                predikat_bagian=hasil.predikat_bagian,
                lengkap=hasil.lengkap,
                aturan_predikat=hasil.aturan_predikat,
            ),
        )


class DistribusiWarningOut(WarningOut):
    """A departure from the pattern, with what the portal words it from."""

    predikat_organisasi: str | None
    predikat: list[str] = Field(description="the predikat the rule counts together")
    count: int
    total: int
    percent: int | None


class UrutanWarningOut(BaseModel):
    rule: str = Field(description="organisasi.laporan_belum_dikirim, organisasi.predikat_belum_ditetapkan, ...")
    message: str
    langkah: str | None = Field(description="the step of the procedure not done yet")


class PeringatanDistribusiOut(BaseModel):
    """Before finalising: the school's distribution with this penilaian's predikat. Warnings, never a block."""

    npsn: str
    periode: str
    tahun: int | None
    policy_year: int | None
    predikat: str = Field(description="the predikat weighed: the ratings' unless another was asked")
    predikat_organisasi: str | None = Field(description="set by the Dinas; null: not set yet")
    counts: dict[str, int] = Field(description="the school's predikat in the period, with this penilaian's")
    total: int
    warnings: list[DistribusiWarningOut] = Field(description="against the pattern of the predikat organisasi")
    urutan: list[UrutanWarningOut] = Field(description="a step of the year's procedure not done yet")
    pola: str | None

    @classmethod
    def of(cls, view: PeringatanView) -> PeringatanDistribusiOut:
        s = view.sebelum
        return cls(
            npsn=view.npsn,
            periode=view.periode,
            tahun=view.tahun,
            policy_year=view.policy_year,
            predikat=s.calon.value,
            predikat_organisasi=s.predikat_organisasi.value if s.predikat_organisasi else None,
            counts={p.value: n for p, n in s.counts.items()},
            total=sum(s.counts.values()),
            warnings=[
                DistribusiWarningOut(
                    rule=w.rule,
                    message=w.message,
                    assumption=w.assumption,
                    predikat_organisasi=w.predikat_organisasi.value if w.predikat_organisasi else None,
                    predikat=[p.value for p in w.predikat],
                    count=w.count,
                    total=w.total,
                    percent=w.percent,
                )
                for w in s.distribusi
            ],
            urutan=[
                UrutanWarningOut(rule=u.rule, message=u.message, langkah=u.langkah.value if u.langkah else None)
                for u in s.urutan
            ],
            pola=view.pola,
        )


class PenilaiOut(BaseModel):
    pegawai_id: uuid.UUID
    nama: str
    jabatan: str
    unor: str


class PenilaianOut(BaseModel):
    id: uuid.UUID
    periode: str
    bagian: int = Field(description="the part of the period (a transfer splits it into one per school); 1 otherwise")
    npsn: str | None = Field(description="the part's school; null: the pegawai's school")
    mulai: date | None = Field(description="the part's first day; null: the period's")
    selesai: date | None = Field(description="the part's last day; null: the period's")
    berakhir: bool = Field(description="a transfer ended this part on `selesai`: its atasan of that day appraises it")
    jenis: str | None
    status: str
    version: int
    menimbang_periode: bool = Field(description="the year's penilaian tahunan over its periods (2024)")
    hanya_perilaku: bool
    missing: list[str] = Field(description="what it waits for before it is ratable: skp, siklus, periodik")
    pegawai: PegawaiOut | None
    atasan_id: uuid.UUID | None
    rencana: dict[str, Any] | None
    siklus: dict[str, Any] | None = Field(description="the completed observation cycle: evidence, never a score")
    hasil_periodik: list[dict[str, Any]]
    nilai: NilaiOut | None
    predikat: PredikatOut | None
    angka_kredit: AngkaKreditOut | None
    angka_kredit_catatan: str | None
    progress: ProgressOut | None
    distribusi: DistribusiOut | None = Field(description="the school's predikat distribution (atasan, operator)")
    peringatan_distribusi: PeringatanDistribusiOut | None = Field(
        default=None, description="the atasan's, while rated: the distribution with this predikat, before finalising"
    )
    penilai: PenilaiOut | None
    finalized_at: datetime | None
    periode_bagian: PeriodeBagianOut | None = Field(
        default=None, description="every part of the period and the combined result (docs/domain.md §6)"
    )

    @classmethod
    def of(cls, c: PenilaianContext) -> PenilaianOut:
        p = c.penilaian
        final = p.final
        return cls(
            id=p.id,
            periode=p.periode,
            bagian=p.bagian,
            npsn=p.npsn,
            mulai=p.mulai,
            selesai=p.selesai,
            berakhir=p.berakhir,
            periode_bagian=PeriodeBagianOut.of(c.periode_bagian) if c.periode_bagian else None,
            jenis=c.jenis.value if c.jenis else None,
            status=p.status.value,
            version=p.version,
            menimbang_periode=p.menimbang_periode,
            hanya_perilaku=p.hanya_perilaku,
            missing=p.missing(),
            pegawai=PegawaiOut.of(c.pegawai) if c.pegawai else None,
            atasan_id=c.atasan_id,
            rencana=_rencana(p),
            siklus=_siklus(p),
            hasil_periodik=[
                {"periode": h.periode, "predikat": h.predikat.value, "angka_kredit": h.angka_kredit}
                for h in p.hasil_periodik
            ],
            nilai=_nilai(p),
            predikat=_predikat(p),
            angka_kredit=AngkaKreditOut(
                jenjang=c.angka_kredit.jenjang,
                koefisien=c.angka_kredit.koefisien,
                bulan=c.angka_kredit.bulan,
                bulan_mulai=c.rentang.bulan_mulai if c.rentang else 1,
                tahun_mulai=c.rentang.tahun_mulai if c.rentang else 0,
                nilai=c.angka_kredit.nilai,
                kumulatif=c.angka_kredit.kumulatif,
                final=final is not None,
            )
            if c.angka_kredit
            else None,
            angka_kredit_catatan=c.angka_kredit_catatan,
            progress=ProgressOut.of(c.progress) if c.progress else None,
            distribusi=DistribusiOut.of(c.distribusi)
            if c.distribusi and c.relation in (Relation.ATASAN, Relation.OPERATOR)
            else None,
            peringatan_distribusi=PeringatanDistribusiOut.of(c.peringatan) if c.peringatan else None,
            penilai=PenilaiOut(
                pegawai_id=final.penilai.pegawai_id,
                nama=final.penilai.nama,
                jabatan=final.penilai.jabatan,
                unor=final.penilai.unor,
            )
            if final
            else None,
            finalized_at=final.at if final else None,
        )


class PenilaianItem(BaseModel):
    id: uuid.UUID
    periode: str
    bagian: int
    status: str
    version: int
    menimbang_periode: bool
    missing: list[str]
    predikat: str | None
    pegawai: PegawaiOut | None


class PenilaianPage(BaseModel):
    items: list[PenilaianItem]
    next_cursor: str | None


def item(p: Penilaian, pegawai: PegawaiRecord | None) -> PenilaianItem:
    return PenilaianItem(
        id=p.id,
        periode=p.periode,
        bagian=p.bagian,
        status=p.status.value,
        version=p.version,
        menimbang_periode=p.menimbang_periode,
        missing=p.missing(),
        predikat=p.nilai.predikat.value if p.nilai else None,
        pegawai=PegawaiOut.of(pegawai) if pegawai else None,
    )


def _rencana(p: Penilaian) -> dict[str, Any] | None:
    r = p.rencana
    if r is None:
        return None
    return {
        "skp_id": r.skp_id,
        "indikator": {"kode": r.indikator_kode, "nama": r.indikator_nama},
        "rhk": [vars(x) for x in r.rhk],
        "perilaku": [{"kode": k, "nama": n} for k, n in r.perilaku],
        "disetujui_at": r.disetujui_at,
    }


def _siklus(p: Penilaian) -> dict[str, Any] | None:
    s = p.siklus
    if s is None:
        return None
    return {
        "pelaksanaan_id": s.pelaksanaan_id,
        "selesai_at": s.selesai_at,
        "bukti_count": s.bukti_count,
        "rubrik": s.rubrik,
    }


def _nilai(p: Penilaian) -> NilaiOut | None:
    n = p.nilai
    if n is None:
        return None
    return NilaiOut(
        hasil_kerja=n.hasil_kerja.value,
        hasil_kerja_label=n.hasil_kerja.label,
        perilaku_kerja=n.perilaku_kerja.value,
        perilaku_kerja_label=n.perilaku_kerja.label,
        umpan_balik=dict(n.umpan_balik),
        catatan=n.catatan,
        dinilai_at=n.at,
    )


def _predikat(p: Penilaian) -> PredikatOut | None:
    n = p.nilai
    if n is None:
        return None
    return PredikatOut(
        kode=n.predikat.value,
        label=n.predikat.label,
        bkn_kode=n.predikat.bkn_code,
        cell=n.cell,
        regulation=default_matrix().regulation,
    )
