"""A pegawai's correction report (koreksi): their roster data, or their atasan, is wrong (docs/domain.md §1).

Teachers never change the roster themselves: the operator of their region does (or SIASN does). A report is how a
teacher tells the operator what is wrong and what is right, and it stays on the operator's worklist until the roster
says it (SELESAI: closed by the roster change itself, or by the operator when the change came by other means) or the
operator rejects it with a reason (DITOLAK).

One open report per pegawai and thing reported (a roster field, or the atasan): a second one would only split the
operator's attention between two notes about the same fix.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from planning.domain import events
from pmm_kernel import access as kernel
from pmm_kernel.access import Relation
from pmm_kernel.errors import InvalidValue, StateConflict

# The roster fields of a pegawai a teacher may report as wrong (the pegawai import's columns, docs/domain.md §1).
FIELDS = ("nama", "pangkat_golongan", "jenjang_jabatan", "status", "jenis_gtk", "npsn", "email")
ATASAN = "atasan"  # what an atasan report is about, where a data report names its field
MIN_ALASAN = 5
MAX_NILAI = 200
MAX_CATATAN = 2000


class KoreksiStatus(StrEnum):
    DILAPORKAN = "DILAPORKAN"
    SELESAI = "SELESAI"
    DITOLAK = "DITOLAK"


class Jenis(StrEnum):
    DATA = "data"
    ATASAN = "atasan"


class ClosedBy(StrEnum):
    ROSTER = "roster"  # the roster (an import or SIASN) now says what was reported
    OPERATOR = "operator"  # the operator closed or rejected it


class Action(StrEnum):
    READ = "read"
    SELESAI = "selesai"
    TOLAK = "tolak"


# Who may do what with a report: it is the pegawai's own; the operator of the region works the list.
ALLOWED: dict[str, frozenset[Relation]] = {
    Action.READ: frozenset({Relation.OWNER, Relation.OPERATOR}),
    Action.SELESAI: frozenset({Relation.OPERATOR}),
    Action.TOLAK: frozenset({Relation.OPERATOR}),
}


def require(relation: Relation, action: Action) -> None:
    """Someone else's report is not found (404 koreksi.not_found); the owner may not decide their own (403)."""
    kernel.require(relation, action.value, ALLOWED, what="koreksi")


def _text(value: str | None, *, field_name: str, required: bool, max_length: int, rule: str) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidValue(f"{field_name} is required", rule=rule, field=field_name)
        return None
    if len(cleaned) > max_length:
        raise InvalidValue(
            f"{field_name} is at most {max_length} characters", rule=f"{field_name}.too_long", field=field_name
        )
    return cleaned


def report_subject(jenis: str, field_name: str | None) -> tuple[Jenis, str | None]:
    """What a report is about, checked: a known roster field for a data report, nothing else for an atasan report."""
    try:
        kind = Jenis(jenis)
    except ValueError:
        raise InvalidValue("jenis must be data or atasan", rule="koreksi.jenis_unknown", field="jenis") from None
    if kind is Jenis.ATASAN:
        if field_name not in (None, "", ATASAN):
            raise InvalidValue("an atasan report names no roster field", rule="koreksi.field_unexpected", field="field")
        return kind, None
    if field_name not in FIELDS:
        raise InvalidValue(f"field must be one of {', '.join(FIELDS)}", rule="koreksi.field_unknown", field="field")
    return kind, field_name


@dataclass
class Koreksi:
    id: uuid.UUID
    pegawai_id: uuid.UUID
    jenis: Jenis
    field: str | None  # the roster field of a data report; None for an atasan report
    nilai_benar: str  # what is right: the value, or who the atasan should be (a name or a NIP)
    catatan: str | None
    npsn: str  # the pegawai's school when they reported: whose operator's worklist it is on
    kode_wilayah: str
    reported_at: datetime
    status: KoreksiStatus = KoreksiStatus.DILAPORKAN
    closed_at: datetime | None = None
    closed_by: ClosedBy | None = None
    alasan: str | None = None  # the operator's reason for a rejection
    version: int = 1
    events: list[Any] = dataclass_field(default_factory=list, compare=False, repr=False)

    @classmethod
    def report(
        cls,
        *,
        pegawai_id: uuid.UUID,
        jenis: str,
        field_name: str | None,
        nilai_benar: str,
        catatan: str | None,
        npsn: str,
        kode_wilayah: str,
        at: datetime,
        koreksi_id: uuid.UUID | None = None,
    ) -> Koreksi:
        kind, subject = report_subject(jenis, field_name)
        nilai = _text(nilai_benar, field_name="nilai_benar", required=True, max_length=MAX_NILAI, rule="koreksi.nilai")
        assert nilai is not None
        koreksi = cls(
            id=koreksi_id or uuid.uuid4(),
            pegawai_id=pegawai_id,
            jenis=kind,
            field=subject,
            nilai_benar=nilai,
            catatan=_text(
                catatan, field_name="catatan", required=False, max_length=MAX_CATATAN, rule="koreksi.catatan"
            ),
            npsn=npsn,
            kode_wilayah=kode_wilayah,
            reported_at=at,
        )
        koreksi.events.append(events.KoreksiReported(koreksi=koreksi.ref(), jenis=kind.value, field=subject, at=at))
        return koreksi

    @property
    def subject(self) -> str:
        """What the report is about: its roster field, or "atasan"; one open report per pegawai and subject."""
        return self.field or ATASAN

    @property
    def is_open(self) -> bool:
        return self.status is KoreksiStatus.DILAPORKAN

    def ref(self) -> events.KoreksiRef:
        return events.KoreksiRef(
            koreksi_id=self.id,
            pegawai_id=self.pegawai_id,
            npsn=self.npsn,
            kode_wilayah=self.kode_wilayah,
            version=self.version,
        )

    def covered_by(self, changed: Iterable[str]) -> bool:
        """Whether a roster change of these fields (or "atasan": a new relation) is the fix this report asks for."""
        return self.is_open and self.subject in set(changed)

    def age_days(self, on: date) -> int:
        """Whole days the report has waited (on the operator's worklist, an old report is the one to do first)."""
        return max(0, (on - self.reported_at.date()).days)

    def _close(self, status: KoreksiStatus, *, at: datetime, by: ClosedBy) -> None:
        if not self.is_open:
            raise StateConflict(f"this report is already {self.status.value}", rule="koreksi.closed", field="status")
        self.status = status
        self.closed_at = at
        self.closed_by = by
        self.version += 1
        self.events.append(events.KoreksiClosed(koreksi=self.ref(), status=status.value, at=at))

    def selesai(self, *, at: datetime, by: ClosedBy) -> None:
        """The roster now says what was reported."""
        self._close(KoreksiStatus.SELESAI, at=at, by=by)

    def tolak(self, *, at: datetime, alasan: str) -> None:
        """The operator rejects the report, saying why (the teacher reads it on their data diri step)."""
        reason = (alasan or "").strip()
        if len(reason) < MIN_ALASAN:
            raise InvalidValue(
                f"say why in at least {MIN_ALASAN} characters", rule="koreksi.alasan_too_short", field="alasan"
            )
        if len(reason) > MAX_CATATAN:
            raise InvalidValue(f"alasan is at most {MAX_CATATAN} characters", rule="alasan.too_long", field="alasan")
        self._close(KoreksiStatus.DITOLAK, at=at, by=ClosedBy.OPERATOR)
        self.alasan = reason


def changed_subjects(changed_fields: Iterable[str], *, new_atasan: bool = False) -> tuple[str, ...]:
    """The report subjects a roster change covers: the pegawai fields it changed, and "atasan" for a new relation."""
    subjects = [name for name in changed_fields if name in FIELDS]
    if new_atasan:
        subjects.append(ATASAN)
    return tuple(subjects)
