"""The SKP (Sasaran Kinerja Pegawai): a pegawai's plan for a period, and its state machine (docs/domain.md §4).

    DRAFT --submit--> DIAJUKAN --approve--> DISETUJUI --reset (operator)--> DRAFT
                          |                      ^
                          +--return (note)--> DIKEMBALIKAN --submit--+ (back to DIAJUKAN)

Each step of the plan is saved on its own as the teacher goes, so a dropped connection loses nothing. The plan
is editable in DRAFT and DIKEMBALIKAN only; a DISETUJUI plan is immutable until an operator's audited reset.

A plan is one part (`bagian`) of the period at one school: a transfer during the period ends the part at the old
school on the day before the new placement (`planning.domain.mutasi`), and an ended part is frozen in the state it
ended in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from planning.domain import events
from planning.domain.mutasi import ALASAN_MUTASI, PartOfPeriod
from planning.domain.skp_parts import DataDiri, IndikatorChoice, RhkItem
from pmm_kernel.errors import Forbidden, InvalidValue, StateConflict

__all__ = [
    "DRAFTING_STEPS",
    "MIN_CATATAN",
    "TRANSITIONS",
    "Action",
    "DataDiri",
    "DraftingStep",
    "IndikatorChoice",
    "RhkItem",
    "Skp",
    "SkpStatus",
    "drafting_step",
    "next_status",
    "part_of",
    "peran_of",
    "planning_step",
]


class SkpStatus(StrEnum):
    DRAFT = "DRAFT"
    DIAJUKAN = "DIAJUKAN"
    DISETUJUI = "DISETUJUI"
    DIKEMBALIKAN = "DIKEMBALIKAN"


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    SET_EKSPEKTASI = "set_ekspektasi"
    RESET = "reset"


# The whole state machine in one table: which action is allowed in which state, and where it leads.
TRANSITIONS: dict[tuple[SkpStatus, Action], SkpStatus] = {
    (SkpStatus.DRAFT, Action.EDIT): SkpStatus.DRAFT,
    (SkpStatus.DIKEMBALIKAN, Action.EDIT): SkpStatus.DIKEMBALIKAN,
    (SkpStatus.DRAFT, Action.SUBMIT): SkpStatus.DIAJUKAN,
    (SkpStatus.DIKEMBALIKAN, Action.SUBMIT): SkpStatus.DIAJUKAN,
    (SkpStatus.DIAJUKAN, Action.APPROVE): SkpStatus.DISETUJUI,
    (SkpStatus.DIAJUKAN, Action.RETURN): SkpStatus.DIKEMBALIKAN,
    (SkpStatus.DIAJUKAN, Action.SET_EKSPEKTASI): SkpStatus.DIAJUKAN,
    (SkpStatus.DISETUJUI, Action.RESET): SkpStatus.DRAFT,
}

MIN_CATATAN = 5  # a return note must say something the teacher can act on (assumption: at least 5 characters)


def next_status(current: SkpStatus, action: Action) -> SkpStatus:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise StateConflict(
            f"cannot {action.value} a plan that is {current.value}",
            rule=f"skp.{action.value}_not_allowed_in_{current.value.lower()}",
            field="status",
            extra={"status": current.value},
        ) from None


@dataclass
class Skp:
    id: UUID
    pegawai_id: UUID
    periode: str
    peran: str  # guru | kepala_sekolah: which indicators and which planning window apply
    status: SkpStatus = SkpStatus.DRAFT
    version: int = 1
    data_diri: DataDiri | None = None
    indikator: IndikatorChoice | None = None
    pengembangan_kompetensi: tuple[RhkItem, ...] = ()
    tugas_tambahan: tuple[RhkItem, ...] = ()
    perilaku_dikonfirmasi: bool = False
    ekspektasi_khusus: dict[str, str] = field(default_factory=dict)
    catatan_atasan: str | None = None
    atasan_id: UUID | None = None  # who it was submitted to / approved by
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    # The part of the period this plan covers (docs/domain.md §4): numbered from 1, at one school, from `mulai`
    # (None: the period's first day) to `selesai` (None: the period's last day; set only when a transfer ends it).
    bagian: int = 1
    npsn: str | None = None
    mulai: date | None = None
    selesai: date | None = None
    events: list[Any] = field(default_factory=list, compare=False, repr=False)

    @property
    def ended(self) -> bool:
        """Whether a transfer has ended this part: it is frozen in the state it ended in."""
        return self.selesai is not None

    def require_not_ended(self) -> None:
        """An ended part takes no edit, submission, decision or reset: 409 `skp.berakhir`."""
        if self.selesai is not None:
            raise StateConflict(
                f"this part of the plan ended on {self.selesai.isoformat()} with a transfer; plan at your new school",
                rule="skp.berakhir",
                field="selesai",
                extra={"selesai": self.selesai.isoformat(), "bagian": self.bagian},
            )

    def end(self, *, selesai: date, at: datetime) -> None:
        """A transfer ends this part on `selesai` (the day before the new placement), in whatever state it is."""
        self.require_not_ended()
        self.selesai = selesai
        self._changed()

        self.events.append(events.SkpEnded(skp=self._ref(), at=at, status=self.status.value, alasan=ALASAN_MUTASI))

    # --- the six steps (each a draft save) ----------------------------------------------------------------

    def confirm_data_diri(self, *, sesuai: bool, catatan: str | None) -> None:
        target = self._next(Action.EDIT)
        if not sesuai and not (catatan and catatan.strip()):
            raise InvalidValue(
                "say what is wrong in your personal data so the operator can correct it",
                rule="skp.data_diri_note_required",
                field="catatan",
            )
        self._enter(target)
        self.data_diri = DataDiri(sesuai=sesuai, catatan=(catatan or "").strip() or None)

    def choose_indikator(self, choice: IndikatorChoice) -> None:
        self._move(Action.EDIT)
        self.indikator = choice

    def set_pengembangan_kompetensi(self, items: tuple[RhkItem, ...]) -> None:
        target = self._next(Action.EDIT)
        checked = _unique(items, "pengembangan_kompetensi")
        self._enter(target)
        self.pengembangan_kompetensi = checked

    def set_tugas_tambahan(self, items: tuple[RhkItem, ...]) -> None:
        target = self._next(Action.EDIT)
        checked = _unique(items, "tugas_tambahan")
        self._enter(target)
        self.tugas_tambahan = checked

    def confirm_perilaku(self) -> None:
        self._move(Action.EDIT)
        self.perilaku_dikonfirmasi = True

    def competence_points(self) -> int:
        return sum(item.total_poin for item in self.pengembangan_kompetensi)

    def points_warning(self, points_range: tuple[int, int] | None) -> str | None:
        """2024 policy: 32-128 points per semester are recommended; outside is a warning, never a block."""
        if points_range is None:
            return None
        low, high = points_range
        total = self.competence_points()
        if low <= total <= high:
            return None
        return f"pengembangan kompetensi totals {total} points; {low}-{high} per period is recommended"

    # --- the approval cycle -------------------------------------------------------------------------------

    def submit(self, *, at: datetime, atasan_id: UUID) -> None:
        target = self._next(Action.SUBMIT)
        missing = self.missing_steps()
        if missing:
            raise InvalidValue(
                f"complete these steps before submitting: {', '.join(missing)}",
                rule="skp.incomplete",
                field=missing[0],
                extra={"missing": missing},
            )
        self.status, self.atasan_id, self.submitted_at = target, atasan_id, at
        self._changed()

        self.events.append(events.SkpSubmitted(skp=self._ref(), at=at))

    def approve(self, *, at: datetime, atasan_id: UUID, berakhlak: tuple[tuple[str, str], ...]) -> None:
        self.status = self._next(Action.APPROVE)
        self.atasan_id, self.approved_at, self.catatan_atasan = atasan_id, at, None
        self._changed()

        self.events.append(
            events.SkpApproved(
                skp=self._ref(),
                at=at,
                indikator=self.indikator,
                rhk=(*self.pengembangan_kompetensi, *self.tugas_tambahan),
                perilaku=tuple(
                    events.PerilakuCommitment(kode, nama, self.ekspektasi_khusus.get(kode)) for kode, nama in berakhlak
                ),
            )
        )

    def return_to_pegawai(self, *, at: datetime, atasan_id: UUID, catatan: str) -> None:
        target = self._next(Action.RETURN)
        note = (catatan or "").strip()
        if len(note) < MIN_CATATAN:
            raise InvalidValue(
                f"a returned plan needs a note of at least {MIN_CATATAN} characters saying what to change",
                rule="skp.catatan_required",
                field="catatan",
            )
        self.status, self.atasan_id, self.catatan_atasan = target, atasan_id, note
        self._changed()

        self.events.append(events.SkpReturned(skp=self._ref(), at=at, catatan=note))

    def set_ekspektasi_khusus(self, values: dict[str, str], *, known_values: set[str]) -> None:
        target = self._next(Action.SET_EKSPEKTASI)
        unknown = sorted(set(values) - known_values)
        if unknown:
            raise InvalidValue(
                f"not a BerAKHLAK value: {', '.join(unknown)}",
                rule="katalog.berakhlak_unknown",
                field="ekspektasi_khusus",
            )
        self._enter(target)
        self.ekspektasi_khusus = {k: v.strip() for k, v in values.items() if v and v.strip()}

    def reset(self, *, at: datetime, alasan: str) -> None:
        target = self._next(Action.RESET)
        reason = (alasan or "").strip()
        if len(reason) < MIN_CATATAN:
            raise InvalidValue(
                f"a reset needs a reason of at least {MIN_CATATAN} characters for the audit",
                rule="skp.alasan_required",
                field="alasan",
            )
        self.status, self.approved_at, self.submitted_at = target, None, None
        self._changed()

        self.events.append(events.SkpReset(skp=self._ref(), at=at, alasan=reason))

    def missing_steps(self) -> list[str]:
        """The required drafting steps not done yet, in the order the pegawai takes them."""
        return [step.name for step in DRAFTING_STEPS if step.required and not step.done(self)]

    def _next(self, action: Action) -> SkpStatus:
        self.require_not_ended()
        return next_status(self.status, action)

    def _move(self, action: Action) -> None:
        self._enter(self._next(action))

    def _enter(self, target: SkpStatus) -> None:
        # Only once every check has passed: a refused command leaves the plan, and its version, as it was.
        self.status = target
        self._changed()

    def _changed(self) -> None:
        self.version += 1

    def _ref(self) -> events.SkpRef:
        return events.SkpRef(
            skp_id=self.id,
            version=self.version,
            pegawai_id=self.pegawai_id,
            periode=self.periode,
            atasan_id=self.atasan_id,
            bagian=self.bagian,
            npsn=self.npsn,
            mulai=self.mulai,
            selesai=self.selesai,
        )


@dataclass(frozen=True)
class SkpListed:
    """A plan as a list shows it (an atasan's queue): its state and its part, not its content, which a list
    never reads and which is most of what loading a whole `Skp` costs."""

    id: UUID
    pegawai_id: UUID
    periode: str
    status: SkpStatus
    version: int
    submitted_at: datetime | None
    bagian: int
    npsn: str | None
    mulai: date | None
    selesai: date | None

    @property
    def ended(self) -> bool:
        """As `Skp.ended`: a transfer has ended this part."""
        return self.selesai is not None


@dataclass(frozen=True)
class DraftingStep:
    """A step the pegawai saves on their own before submitting. Its name is what `missing_steps` and the plan's
    answer call it; its route is `/skp/{id}/<name with dashes>`."""

    name: str
    required: bool
    done: Callable[[Skp], bool]

    @property
    def path(self) -> str:
        return self.name.replace("_", "-")


# The drafting steps in the order the pegawai takes them (docs/domain.md §4); submitting is the step after them.
DRAFTING_STEPS: tuple[DraftingStep, ...] = (
    DraftingStep("data_diri", True, lambda skp: skp.data_diri is not None and skp.data_diri.sesuai),
    DraftingStep("praktik_kinerja", True, lambda skp: skp.indikator is not None),
    DraftingStep("pengembangan_kompetensi", True, lambda skp: bool(skp.pengembangan_kompetensi)),
    DraftingStep("tugas_tambahan", False, lambda skp: True),
    DraftingStep("perilaku_kerja", True, lambda skp: skp.perilaku_dikonfirmasi),
)
_STEP_BY_NAME = {step.name: step for step in DRAFTING_STEPS}


def drafting_step(name: str) -> DraftingStep:
    return _STEP_BY_NAME[name]


def part_of(skp: Skp, periode_mulai: date, periode_selesai: date) -> PartOfPeriod:
    """The plan as one part of its period, for the transfer rules (planning.domain.mutasi)."""
    return PartOfPeriod(
        skp_id=skp.id,
        bagian=skp.bagian,
        npsn=skp.npsn,
        mulai=skp.mulai,
        selesai=skp.selesai,
        periode_mulai=periode_mulai,
        periode_selesai=periode_selesai,
    )


def peran_of(jenis_gtk: str, *, siklus_pengawas: bool) -> str:
    """Which plan a pegawai keeps: a kepala sekolah's, a pengawas's or a guru's (their indicators and their window
    differ). A pengawas sekolah plans here only in the years the policy gives them a cycle of their own."""
    if jenis_gtk == "Pengawas Sekolah":
        if not siklus_pengawas:
            # Then in the roster only as the KS's atasan (docs/domain.md §1): their own kinerja is managed elsewhere.
            raise Forbidden("a pengawas sekolah has no SKP in PMM in this policy year", rule="pegawai.no_skp")
        return "pengawas"
    return "kepala_sekolah" if jenis_gtk == "Kepala Sekolah" else "guru"


# The window each role drafts, submits and is decided in. A pengawas plans in the school leaders' window
# (assumption: the sources that give pengawas a cycle give no window of their own; docs/domain.md §3).
_PLANNING_STEP = {"guru": "perencanaan_guru", "kepala_sekolah": "perencanaan_ks", "pengawas": "perencanaan_ks"}


def planning_step(peran: str) -> str:
    """The window a plan of this role is drafted, submitted and decided in."""
    return _PLANNING_STEP[peran]


def _unique(items: tuple[RhkItem, ...], field_name: str) -> tuple[RhkItem, ...]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.kode in seen:
            raise InvalidValue(
                f"RHK {item.kode} is listed twice",
                rule="skp.rhk_duplicate",
                field=f"{field_name}[{index}].kode",
            )
        if item.target_kuantitas < 1:
            raise InvalidValue(
                "target kuantitas must be at least 1",
                rule="skp.target_min",
                field=f"{field_name}[{index}].target_kuantitas",
            )
        seen.add(item.kode)
    return items
