"""Events published by the observation service: the pelaksanaan (five-step observation cycle) and evidence."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from pmm_contracts.envelope import EventData
from pmm_contracts.events.planning import IndikatorPart

Step = Literal["persiapan", "observasi", "diskusi", "upaya", "refleksi"]
Nilai = Literal["belum_dilakukan", "belum_efektif", "efektif"]


class _Observation(EventData):
    PRODUCER: ClassVar[str] = "observation"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PelaksanaanRef(_Part):
    pelaksanaan_id: UUID
    skp_id: UUID
    pegawai_id: UUID
    periode: str


class RubricItem(_Part):
    perilaku: str
    jenis: Literal["dianjurkan", "dihindari"]
    nilai: Nilai
    catatan: str | None = None


class RubricSummary(_Part):
    """What the atasan saw in one observed lesson: shown to appraisal as evidence, never turned into a score."""

    mode: Literal["langsung", "rekaman", "catatan_guru"]  # in person, a recorded lesson, the teacher's own notes
    belum_dilakukan: int
    belum_efektif: int
    efektif: int
    items: list[RubricItem]


class PelaksanaanOpenedV1(_Observation, PelaksanaanRef):
    """An approved plan opened the cycle of that pegawai for that period."""

    TYPE: ClassVar[str] = "pelaksanaan.opened"
    VERSION: ClassVar[int] = 1
    atasan_id: UUID | None
    indikator: IndikatorPart
    opened_at: datetime


class PelaksanaanClosedV1(_Observation, PelaksanaanRef):
    """An operator reset the plan: the cycle opened from it is closed (a new approval opens it again)."""

    TYPE: ClassVar[str] = "pelaksanaan.closed"
    VERSION: ClassVar[int] = 1
    reason: str
    closed_at: datetime


class StepCompletedV1(_Observation, PelaksanaanRef):
    TYPE: ClassVar[str] = "step.completed"
    VERSION: ClassVar[int] = 1
    step: Step
    completed_at: datetime


class ObservasiRecordedV1(_Observation, PelaksanaanRef):
    TYPE: ClassVar[str] = "observasi.recorded"
    VERSION: ClassVar[int] = 1
    atasan_id: UUID
    rubric: RubricSummary
    observed_at: datetime


class BuktiAddedV1(_Observation, PelaksanaanRef):
    """Evidence: an uploaded file (2024 policy) or the atasan's confirmation that it exists at school (2025+)."""

    TYPE: ClassVar[str] = "bukti.added"
    VERSION: ClassVar[int] = 1
    bukti_id: UUID
    kategori: str
    media_type: str | None  # None for a confirmation without upload
    size_bytes: int | None
    sha256: str | None
    outside_period: bool  # a certificate dated outside the period: flagged, it does not count
    added_at: datetime


class PelaksanaanCompletedV1(_Observation, PelaksanaanRef):
    """The reflection closed the cycle: appraisal may now rate this pegawai for this period."""

    TYPE: ClassVar[str] = "pelaksanaan.completed"
    VERSION: ClassVar[int] = 1
    atasan_id: UUID | None
    rubric: RubricSummary | None
    bukti_count: int
    completed_at: datetime
