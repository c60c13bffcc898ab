"""Events published by the planning service: the roster, the periods and the SKP.

Snapshots, not deltas: each roster event carries the whole current state of its aggregate so that a consumer
can keep its projection with an upsert (event-carried state transfer) and drop anything older than the
`aggregate_version` it already holds.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from pmm_contracts.envelope import EventData


class _Planning(EventData):
    PRODUCER: ClassVar[str] = "planning"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- roster -------------------------------------------------------------------------------------------------


class SekolahSnapshot(_Part):
    npsn: str
    nama: str
    kode_wilayah: str  # kab/kota code (4 digits); the province is its first two digits
    nama_wilayah: str
    prioritas_rapor: list[str] = []  # the school's Rapor Pendidikan priority indicators


class SekolahRegisteredV1(_Planning, SekolahSnapshot):
    TYPE: ClassVar[str] = "sekolah.registered"
    VERSION: ClassVar[int] = 1


class SekolahUpdatedV1(_Planning, SekolahSnapshot):
    TYPE: ClassVar[str] = "sekolah.updated"
    VERSION: ClassVar[int] = 1


class PegawaiSnapshot(_Part):
    pegawai_id: UUID
    nip: str  # 18 digits (NIP or NI PPPK); NUPTK for non-ASN. Personal data: never log it.
    status: str  # PNS | PPPK | NON_ASN
    nama: str  # personal data: never log it
    pangkat_golongan: str | None
    jenjang_jabatan: str | None
    jenis_gtk: str
    npsn: str
    kode_wilayah: str
    # Where reminders go (every ASN teacher has a belajar.id address). Personal data: never log it. Optional: added
    # within v1, so an older producer's event still decodes and means "no address in the roster".
    email: str | None = None
    # The date the pegawai took up their current jabatan/jenjang (appointed or promoted): angka kredit of a period
    # they entered part way through counts from it. Optional within v1 like `email`: absent means not on file.
    tmt_jabatan: date | None = None


class PegawaiRegisteredV1(_Planning, PegawaiSnapshot):
    TYPE: ClassVar[str] = "pegawai.registered"
    VERSION: ClassVar[int] = 1


class PegawaiUpdatedV1(_Planning, PegawaiSnapshot):
    """Any change of a pegawai, a transfer to another school included (`changed` names the fields)."""

    TYPE: ClassVar[str] = "pegawai.updated"
    VERSION: ClassVar[int] = 1
    changed: list[str]


class AtasanSnapshot(_Part):
    relasi_id: UUID
    pegawai_id: UUID
    atasan_id: UUID
    peran_atasan: str  # kepala_sekolah | plt_kepala_sekolah | pengawas
    mulai: date
    selesai: date | None


class AtasanAssignedV1(_Planning, AtasanSnapshot):
    """Who appraises whom, from when: the atasan on a date is the relation valid then with the latest start."""

    TYPE: ClassVar[str] = "atasan.assigned"
    VERSION: ClassVar[int] = 1


class AtasanUpdatedV1(_Planning, AtasanSnapshot):
    TYPE: ClassVar[str] = "atasan.updated"
    VERSION: ClassVar[int] = 1


# --- periods ------------------------------------------------------------------------------------------------


class WindowPart(_Part):
    step: str  # perencanaan_guru | perencanaan_ks | pemutakhiran_data | pelaksanaan | penilaian
    opens: date
    closes: date
    late_until: date | None = None


class PeriodeOpenedV1(_Planning):
    """A period of a policy year with its default windows (from the versioned policy file)."""

    TYPE: ClassVar[str] = "periode.opened"
    VERSION: ClassVar[int] = 1
    kode: str  # "2024-S1", "2025-T"
    tahun: int
    nama: str
    jenis: str  # semester | tahunan
    mulai: date
    selesai: date
    bulan: int
    policy_year: int
    evidence_upload: bool
    data_update_step: bool
    competence_points: tuple[int, int] | None
    windows: list[WindowPart]
    # The year's penilaian tahunan when the policy has one besides its periods (2024: by 31 January of the next
    # year, weighing both semesters); None when a period's own penilaian is the annual result (2025 on). Optional:
    # added within v1, so an older producer's event still decodes and means "no separate annual evaluation".
    penilaian_tahunan: WindowPart | None = None
    # Days before a window's effective close on which whoever has not acted is reminded (policy data per year).
    # Optional within v1: absent means the policy sends no reminders.
    pengingat_hari: list[int] | None = None


class PeriodeWindowExtendedV1(_Planning):
    TYPE: ClassVar[str] = "periode.window_extended"
    VERSION: ClassVar[int] = 1
    extension_id: UUID
    kode: str
    step: str
    until: date
    wilayah: str | None  # kode wilayah prefix; None: everyone
    alasan: str


# --- SKP ----------------------------------------------------------------------------------------------------


class IndikatorPart(_Part):
    kode: str
    nama: str
    perilaku_dianjurkan: list[str]
    perilaku_dihindari: list[str]


class RhkPart(_Part):
    """One row of the plan, in e-Kinerja's shape: RHK -> aspek -> indikator kinerja individu -> target."""

    kode: str
    nama: str
    kategori: str  # pengembangan_kompetensi | tugas_tambahan
    rhk_atasan: str | None  # the atasan's RHK this one intervenes in
    aspek: str
    indikator_kinerja_individu: str
    target_kuantitas: int
    satuan: str
    poin: int | None


class PerilakuPart(_Part):
    kode: str
    nama: str
    ekspektasi_khusus: str | None


class SkpRef(_Part):
    skp_id: UUID
    pegawai_id: UUID
    periode: str
    atasan_id: UUID | None
    # A plan covers the period at one school. A transfer (mutasi) in the middle of the period ends the plan at the
    # old school on the transfer date and the pegawai plans again at the new one, as e-Kinerja keeps one SKP per
    # school: the parts of a period are numbered from 1 and dated. Optional: added within v1, so an older
    # producer's event is the period's only part, at the pegawai's school, for the whole period.
    bagian: int = 1
    npsn: str | None = None  # the school of this part; None: the pegawai's school in the roster
    mulai: date | None = None  # the part's first day; None: the period's first day
    selesai: date | None = None  # the part's last day; None: the period's last day


class SkpSubmittedV1(_Planning, SkpRef):
    TYPE: ClassVar[str] = "skp.submitted"
    VERSION: ClassVar[int] = 1
    submitted_at: datetime


class SkpApprovedV1(_Planning, SkpRef):
    """The approved plan, whole: observation opens the pelaksanaan from it, bkn_sync pushes it to e-Kinerja."""

    TYPE: ClassVar[str] = "skp.approved"
    VERSION: ClassVar[int] = 1
    approved_at: datetime
    indikator: IndikatorPart
    rhk: list[RhkPart]
    perilaku: list[PerilakuPart]


class SkpReturnedV1(_Planning, SkpRef):
    TYPE: ClassVar[str] = "skp.returned"
    VERSION: ClassVar[int] = 1
    returned_at: datetime
    catatan: str


class SkpResetV1(_Planning, SkpRef):
    """An operator's audited reset of an approved plan back to draft: the pelaksanaan opened from it closes."""

    TYPE: ClassVar[str] = "skp.reset"
    VERSION: ClassVar[int] = 1
    reset_at: datetime
    alasan: str


class SkpEndedV1(_Planning, SkpRef):
    """A transfer ended this part of the period at the old school on `selesai` (the day before the new placement):
    its cycle stops there and its atasan of that day appraises it for the months it covers."""

    TYPE: ClassVar[str] = "skp.ended"
    VERSION: ClassVar[int] = 1
    ended_at: datetime
    status: str  # the plan's state when it ended: DRAFT, DIAJUKAN, DIKEMBALIKAN or DISETUJUI
    alasan: Literal["mutasi"]


class KoreksiRef(_Part):
    koreksi_id: UUID
    pegawai_id: UUID
    npsn: str  # the pegawai's school when they reported: whose operator's worklist it is on
    kode_wilayah: str


class KoreksiReportedV1(_Planning, KoreksiRef):
    """A pegawai reported wrong roster data about themselves (a field, or their atasan) for the operator to correct."""

    TYPE: ClassVar[str] = "koreksi.reported"
    VERSION: ClassVar[int] = 1
    jenis: Literal["data", "atasan"]
    field: str | None  # the roster field for jenis "data"; None for "atasan"
    reported_at: datetime


class KoreksiClosedV1(_Planning, KoreksiRef):
    """A correction report left the operator's worklist: the roster now says it (selesai), or it was rejected."""

    TYPE: ClassVar[str] = "koreksi.closed"
    VERSION: ClassVar[int] = 1
    status: Literal["SELESAI", "DITOLAK"]
    closed_at: datetime
