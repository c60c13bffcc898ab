"""Events published by bkn_sync: what BKN's e-Kinerja and SIASN say changed, and how each push to BKN went."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from pmm_contracts.envelope import EventData

# What a push carries to e-Kinerja (docs/domain.md §7): the plan, a triwulan's kinerja periodik, the annual result,
# the angka kredit.
JenisPush = Literal["skp", "kinerjaperiodik", "skp22", "angkakredit"]
# Who can fix a failed push: the teacher, the school's (Dapodik) operator, the Dinas, BKN, or the platform team.
Fixer = Literal["guru", "operator_sekolah", "dinas", "bkn", "pmm"]


class _BknSync(EventData):
    PRODUCER: ClassVar[str] = "bkn_sync"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ProfilChanges(BaseModel):
    """The SIASN fields that differ from what the roster last sent; absent means unchanged."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    nama: str | None = None
    pangkat_golongan: str | None = None
    jenjang_jabatan: str | None = None


class BknPegawaiChangedV1(_BknSync):
    """A pegawai profile changed in SIASN, the source of truth for data diri; planning applies it."""

    # The aggregate is the pegawai as BKN knows it, distinct from planning's roster pegawai.
    TYPE: ClassVar[str] = "bkn_pegawai.changed"
    VERSION: ClassVar[int] = 1
    nip: str
    changes: ProfilChanges
    siasn_updated_at: datetime


class BknRhkPart(_Part):
    """One row of an SKP as e-Kinerja holds it: RHK -> aspek -> indikator kinerja individu -> target."""

    nama: str
    rhk_atasan: str | None = None
    aspek: str
    indikator_kinerja_individu: str
    target_kuantitas: int
    satuan: str


class BknSkpReceivedV1(_BknSync):
    """The pegawai edited their SKP on the e-Kinerja side. Before approval planning applies it to the draft;
    after approval bkn_sync keeps the difference as a conflict instead (`bkn_sync.conflict.opened`)."""

    TYPE: ClassVar[str] = "bkn_skp.received"
    VERSION: ClassVar[int] = 1
    nip: str  # personal data: never log it
    pegawai_id: UUID | None  # None when the roster does not know the NIP
    periode: str | None  # the PMM period the BKN months fall in; None when none matches
    tahun: int
    bulan_mulai: int
    bulan_selesai: int
    status_bkn: str  # the SKP's state at BKN (DRAFT, DIAJUKAN, DISETUJUI)
    rhk: list[BknRhkPart]
    bkn_updated_at: datetime
    conflict_id: UUID | None = None  # set when an operator decided a conflict in BKN's favour


class PushRef(_Part):
    push_id: UUID
    pegawai_id: UUID
    periode: str
    jenis: JenisPush
    bagian: str  # which BKN period of the PMM period: "" for the whole period, "2024-01..03" for a triwulan


class PushSucceededV1(_BknSync, PushRef):
    """BKN acknowledged a push (idempotent there: a repeat of the same NIP, period and kind updates one record)."""

    TYPE: ClassVar[str] = "push.succeeded"
    VERSION: ClassVar[int] = 1
    bkn_id: str
    attempts: int
    succeeded_at: datetime


class PushFailedV1(_BknSync, PushRef):
    """A push that no back-off will fix: it waits for someone (`fixer`) to do `action`, then retries by itself."""

    TYPE: ClassVar[str] = "push.failed"
    VERSION: ClassVar[int] = 1
    kode: str  # the typed reason, e.g. UNOR_TIDAK_SESUAI
    fixer: Fixer
    action: str
    attempts: int
    failed_at: datetime


class ConflictOpenedV1(_BknSync):
    """An approved SKP differs from what e-Kinerja now holds: kept for an operator's decision, never overwritten."""

    TYPE: ClassVar[str] = "conflict.opened"
    VERSION: ClassVar[int] = 1
    conflict_id: UUID
    pegawai_id: UUID
    periode: str
    jenis: JenisPush
    fields: list[str]  # which parts differ (e.g. "rhk[0].target_kuantitas"); never the values
    opened_at: datetime


class ConflictResolvedV1(_BknSync):
    """An operator decided a conflict: keep what PMM approved (and push it again) or accept BKN's version."""

    TYPE: ClassVar[str] = "conflict.resolved"
    VERSION: ClassVar[int] = 1
    conflict_id: UUID
    pegawai_id: UUID
    periode: str
    keputusan: Literal["pertahankan_pmm", "terima_bkn"]
    resolved_at: datetime
