"""The pelaksanaan: one pegawai's observation cycle in one period, and its state machine (docs/domain.md §5).

Five steps, in order, each a transition of ONE table (`TRANSITIONS`):

    persiapan   PERSIAPAN --susun--> JADWAL_DIUSULKAN --setujui--> OBSERVASI
                                          |  ^
                     usulkan_jadwal_lain  v  | susun (the guru proposes again)
                               JADWAL_DIUSULKAN_ATASAN --terima--> OBSERVASI
    observasi   OBSERVASI --catat_observasi (the atasan only)--> DISKUSI
    diskusi     DISKUSI --atasan--> MENUNGGU_GURU --guru--> UPAYA   (or the guru first, then the atasan)
    upaya       UPAYA --catat_upaya--> REFLEKSI  (efforts can still be revised in REFLEKSI)
    refleksi    REFLEKSI --catat_refleksi--> SELESAI  (pelaksanaan.completed)

`skp.reset` closes any cycle (DITUTUP); a later approval re-opens the same pelaksanaan as a fresh cycle
(`siklus` + 1) from the newly approved plan, keeping what the earlier cycle recorded in `riwayat`. The bukti
dukung stay: they belong to the pegawai's period, not to one version of the plan.

A pelaksanaan covers one part (`bagian`) of the period: a pegawai transferred mid-period has one per school, and
`skp.ended` sets the old school's part's last day (`selesai`, `domain/bagian.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from observation.domain import bagian as bagian_rules
from observation.domain import events
from observation.domain.bagian import BAGIAN_PERTAMA
from observation.domain.events import IndikatorRef, Rubrik, RubrikItem
from pmm_kernel.errors import InvalidValue, StateConflict


class Tahap(StrEnum):
    """Where a cycle stands: finer than the five steps, because a step may wait on the other party."""

    PERSIAPAN = "PERSIAPAN"  # the guru prepares: target behaviours, efforts, a proposed date
    JADWAL_DIUSULKAN = "JADWAL_DIUSULKAN"  # the guru proposed a date; the atasan agrees or proposes another
    JADWAL_DIUSULKAN_ATASAN = "JADWAL_DIUSULKAN_ATASAN"  # the atasan proposed another date; the guru accepts
    OBSERVASI = "OBSERVASI"  # the date is agreed; the atasan observes and fills the rubric
    DISKUSI = "DISKUSI"  # both write their notes of the follow-up discussion
    DISKUSI_MENUNGGU_GURU = "DISKUSI_MENUNGGU_GURU"  # the atasan's notes are in; the guru's are awaited
    DISKUSI_MENUNGGU_ATASAN = "DISKUSI_MENUNGGU_ATASAN"  # the guru's notes are in; the atasan's are awaited
    UPAYA = "UPAYA"  # the guru records the follow-up efforts
    REFLEKSI = "REFLEKSI"  # the guru reflects; that completes the cycle
    SELESAI = "SELESAI"
    DITUTUP = "DITUTUP"  # the plan was reset: this cycle no longer counts


class Step(StrEnum):
    PERSIAPAN = "persiapan"
    OBSERVASI = "observasi"
    DISKUSI = "diskusi"
    UPAYA = "upaya"
    REFLEKSI = "refleksi"


STEPS: tuple[Step, ...] = tuple(Step)

# The step a cycle is in, by tahap (None: the cycle is over).
STEP_OF: dict[Tahap, Step | None] = {
    Tahap.PERSIAPAN: Step.PERSIAPAN,
    Tahap.JADWAL_DIUSULKAN: Step.PERSIAPAN,
    Tahap.JADWAL_DIUSULKAN_ATASAN: Step.PERSIAPAN,
    Tahap.OBSERVASI: Step.OBSERVASI,
    Tahap.DISKUSI: Step.DISKUSI,
    Tahap.DISKUSI_MENUNGGU_GURU: Step.DISKUSI,
    Tahap.DISKUSI_MENUNGGU_ATASAN: Step.DISKUSI,
    Tahap.UPAYA: Step.UPAYA,
    Tahap.REFLEKSI: Step.REFLEKSI,
    Tahap.SELESAI: None,
    Tahap.DITUTUP: None,
}
FINAL = frozenset({Tahap.SELESAI, Tahap.DITUTUP})

# Where a pegawai stands in a period, in one word: before the cycle, one of the five steps, or after it.
BELUM_DIBUKA = "belum_dibuka"  # the plan is not approved yet: no cycle
SELESAI, DITUTUP = "selesai", "ditutup"
POSITIONS: tuple[str, ...] = (BELUM_DIBUKA, *(s.value for s in Step), SELESAI, DITUTUP)
_AFTER: dict[Tahap, str] = {Tahap.SELESAI: SELESAI, Tahap.DITUTUP: DITUTUP}


def position(tahap: Tahap | None) -> str:
    """Where a cycle in `tahap` stands, in one word of POSITIONS (None: no cycle yet)."""
    if tahap is None:
        return BELUM_DIBUKA
    step = STEP_OF[tahap]
    return step.value if step is not None else _AFTER[tahap]


def tahap_at(where: str) -> list[Tahap]:
    """Every tahap a cycle at position `where` may be in (none for `belum_dibuka`: there is no cycle)."""
    return [t for t in Tahap if position(t) == where]


class Aksi(StrEnum):
    SUSUN_PERSIAPAN = "susun_persiapan"
    SETUJUI_JADWAL = "setujui_jadwal"
    USULKAN_JADWAL_LAIN = "usulkan_jadwal_lain"
    TERIMA_JADWAL = "terima_jadwal"
    CATAT_OBSERVASI = "catat_observasi"
    CATAT_DISKUSI_ATASAN = "catat_diskusi_atasan"
    CATAT_DISKUSI_GURU = "catat_diskusi_guru"
    CATAT_UPAYA = "catat_upaya"
    CATAT_REFLEKSI = "catat_refleksi"
    TAMBAH_BUKTI = "tambah_bukti"  # upload a file or confirm a document: evidence of a cycle still running
    TUTUP = "tutup"  # skp.reset
    BUKA_ULANG = "buka_ulang"  # a later skp.approved


# The whole state machine in one table: (tahap, aksi) -> (next tahap, the step this transition completes).
TRANSITIONS: dict[tuple[Tahap, Aksi], tuple[Tahap, Step | None]] = {
    (Tahap.PERSIAPAN, Aksi.SUSUN_PERSIAPAN): (Tahap.JADWAL_DIUSULKAN, None),
    (Tahap.JADWAL_DIUSULKAN, Aksi.SUSUN_PERSIAPAN): (Tahap.JADWAL_DIUSULKAN, None),
    (Tahap.JADWAL_DIUSULKAN_ATASAN, Aksi.SUSUN_PERSIAPAN): (Tahap.JADWAL_DIUSULKAN, None),
    (Tahap.JADWAL_DIUSULKAN, Aksi.SETUJUI_JADWAL): (Tahap.OBSERVASI, Step.PERSIAPAN),
    (Tahap.JADWAL_DIUSULKAN, Aksi.USULKAN_JADWAL_LAIN): (Tahap.JADWAL_DIUSULKAN_ATASAN, None),
    (Tahap.JADWAL_DIUSULKAN_ATASAN, Aksi.USULKAN_JADWAL_LAIN): (Tahap.JADWAL_DIUSULKAN_ATASAN, None),
    (Tahap.JADWAL_DIUSULKAN_ATASAN, Aksi.TERIMA_JADWAL): (Tahap.OBSERVASI, Step.PERSIAPAN),
    (Tahap.OBSERVASI, Aksi.CATAT_OBSERVASI): (Tahap.DISKUSI, Step.OBSERVASI),
    (Tahap.DISKUSI, Aksi.CATAT_DISKUSI_ATASAN): (Tahap.DISKUSI_MENUNGGU_GURU, None),
    (Tahap.DISKUSI, Aksi.CATAT_DISKUSI_GURU): (Tahap.DISKUSI_MENUNGGU_ATASAN, None),
    (Tahap.DISKUSI_MENUNGGU_GURU, Aksi.CATAT_DISKUSI_ATASAN): (Tahap.DISKUSI_MENUNGGU_GURU, None),
    (Tahap.DISKUSI_MENUNGGU_ATASAN, Aksi.CATAT_DISKUSI_GURU): (Tahap.DISKUSI_MENUNGGU_ATASAN, None),
    (Tahap.DISKUSI_MENUNGGU_GURU, Aksi.CATAT_DISKUSI_GURU): (Tahap.UPAYA, Step.DISKUSI),
    (Tahap.DISKUSI_MENUNGGU_ATASAN, Aksi.CATAT_DISKUSI_ATASAN): (Tahap.UPAYA, Step.DISKUSI),
    (Tahap.UPAYA, Aksi.CATAT_UPAYA): (Tahap.REFLEKSI, Step.UPAYA),
    (Tahap.REFLEKSI, Aksi.CATAT_UPAYA): (Tahap.REFLEKSI, None),
    (Tahap.REFLEKSI, Aksi.CATAT_REFLEKSI): (Tahap.SELESAI, Step.REFLEKSI),
    **{(t, Aksi.TAMBAH_BUKTI): (t, None) for t in Tahap if t not in FINAL},
    **{(t, Aksi.TUTUP): (Tahap.DITUTUP, None) for t in Tahap if t is not Tahap.DITUTUP},
    (Tahap.DITUTUP, Aksi.BUKA_ULANG): (Tahap.PERSIAPAN, None),
}

NILAI = ("belum_dilakukan", "belum_efektif", "efektif")  # Belum dilakukan / Dilakukan tapi belum efektif / ... efektif
MODE_OBSERVASI = ("langsung", "rekaman", "catatan_guru")  # in person; the ministry's fallbacks
TEMPAT_UPAYA = ("platform", "luar_platform")  # inside the PMM platform (e.g. a course) or outside it
# Assumptions (docs/domain.md §5; the sources are silent): a reflection says something in at least 20 characters,
# a note in 5.
MIN_REFLEKSI = 20
MIN_CATATAN = 5
# Assumption (docs/domain.md §5, §8): the atasan's reason for observing before the agreed date must say something,
# as every audited reason in PMM does (5 characters).
MIN_ALASAN_PINDAH = 5
MAX_TARGET_PERILAKU = 7


def check_observasi_date(agreed: date | None, *, on: date, alasan_pindah: str | None) -> str | None:
    """The observation happens on or after the date both parties agreed in the persiapan; earlier only with the
    atasan's reason why it had to move (docs/domain.md §5). Returns the reason to keep (a reason given for an
    observation on or after the date is kept too: nothing the atasan wrote is dropped)."""
    reason = (alasan_pindah or "").strip() or None
    if reason is not None and len(reason) < MIN_ALASAN_PINDAH:
        raise InvalidValue(
            f"alasan_pindah must say why the date moved (at least {MIN_ALASAN_PINDAH} characters)",
            rule="observasi.alasan_pindah_too_short",
            field="alasan_pindah",
            extra={"minimum": MIN_ALASAN_PINDAH},
        )
    if agreed is not None and on < agreed and reason is None:
        raise StateConflict(
            f"the observation was agreed for {agreed.isoformat()}: record it on or after that date, or give the "
            "reason why it had to move (alasan_pindah)",
            rule="observasi.sebelum_jadwal",
            field="alasan_pindah",
            extra={"jadwal_disepakati": agreed.isoformat()},
        )
    return reason


def next_tahap(current: Tahap, aksi: Aksi) -> tuple[Tahap, Step | None]:
    try:
        return TRANSITIONS[(current, aksi)]
    except KeyError:
        step = STEP_OF[current]
        where = f"in step {step.value}" if step else f"when the cycle is {current.value}"
        raise StateConflict(
            f"cannot {aksi.value} {where}",
            rule=f"pelaksanaan.{aksi.value}_not_allowed_in_{current.value.lower()}",
            field="tahap",
            extra={"tahap": current.value, "step": step.value if step else None},
        ) from None


# --- what each step records --------------------------------------------------------------------------


@dataclass(frozen=True)
class Persiapan:
    target_perilaku: tuple[str, ...]
    upaya: str
    jadwal_usulan: date  # the guru's proposal
    jadwal_atasan: date | None = None  # the atasan's counter-proposal
    catatan_atasan: str | None = None
    jadwal_disepakati: date | None = None


@dataclass(frozen=True)
class Observasi:
    atasan_id: UUID
    mode: str
    items: tuple[RubrikItem, ...]
    catatan: str | None
    observed_at: datetime
    # Why the lesson was observed before the agreed date (docs/domain.md §5); kept with the record for the audit.
    alasan_pindah: str | None = None


@dataclass(frozen=True)
class DiskusiAtasan:
    catatan: str
    tujuan: str  # the agreed follow-up goals
    langkah: str  # the agreed steps
    jadwal: date  # when the follow-up happens


@dataclass(frozen=True)
class DiskusiGuru:
    catatan: str


@dataclass(frozen=True)
class Upaya:
    deskripsi: str
    tempat: str  # platform | luar_platform
    tanggal: date


@dataclass(frozen=True)
class RubrikInput:
    perilaku: str
    nilai: str
    catatan: str | None = None


def _text(value: str | None, *, field_name: str, rule: str, minimum: int = 1) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        more = f" (at least {minimum} characters)" if minimum > 1 else ""
        raise InvalidValue(f"{field_name} must not be empty{more}", rule=rule, field=field_name)
    return text


def _in_range(value: date, allowed: tuple[date, date], *, field_name: str, rule: str) -> None:
    first, last = allowed
    if not first <= value <= last:
        raise InvalidValue(
            f"{field_name} must be between {first.isoformat()} and {last.isoformat()}",
            rule=rule,
            field=field_name,
            extra={"from": first.isoformat(), "until": last.isoformat()},
        )


@dataclass
class Pelaksanaan:
    id: UUID
    skp_id: UUID
    pegawai_id: UUID
    periode: str
    atasan_id: UUID | None  # who approved the plan the cycle was opened from
    indikator: IndikatorRef
    skp_version: int  # the plan's aggregate version that (re-)opened this cycle
    opened_at: datetime
    bagian: int = BAGIAN_PERTAMA  # the part of the period (one per school the pegawai served in it)
    npsn: str | None = None  # the part's school (None: the pegawai's school in the roster)
    mulai: date | None = None  # the part's first day (None: the period's)
    selesai: date | None = None  # the part's last day (None: the period's); a transfer sets it
    tahap: Tahap = Tahap.PERSIAPAN
    version: int = 1
    siklus: int = 1
    persiapan: Persiapan | None = None
    observasi: Observasi | None = None
    diskusi_atasan: DiskusiAtasan | None = None
    diskusi_guru: DiskusiGuru | None = None
    upaya: tuple[Upaya, ...] = ()
    refleksi: str | None = None
    step_selesai: dict[str, datetime] = field(default_factory=dict)  # step -> when it was completed
    closed_at: datetime | None = None
    completed_at: datetime | None = None
    riwayat: list[dict[str, Any]] = field(default_factory=list)  # earlier cycles, closed by a reset
    events: list[Any] = field(default_factory=list, compare=False, repr=False)
    _first_event_of_change: bool = field(default=False, init=False, compare=False, repr=False)

    # --- opening and closing (driven by planning's events) ----------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        skp_id: UUID,
        pegawai_id: UUID,
        periode: str,
        atasan_id: UUID | None,
        indikator: IndikatorRef,
        skp_version: int,
        at: datetime,
        bagian: int = BAGIAN_PERTAMA,
        npsn: str | None = None,
        mulai: date | None = None,
        selesai: date | None = None,
    ) -> Pelaksanaan:
        pelaksanaan = cls(
            id=id,
            skp_id=skp_id,
            pegawai_id=pegawai_id,
            periode=periode,
            atasan_id=atasan_id,
            indikator=indikator,
            skp_version=skp_version,
            opened_at=at,
            bagian=bagian,
            npsn=npsn,
            mulai=mulai,
            selesai=selesai,
        )
        pelaksanaan._first_event_of_change = True
        pelaksanaan._emit(lambda ref: events.PelaksanaanOpened(ref, atasan_id, indikator, at))
        return pelaksanaan

    def tutup(self, *, reason: str, at: datetime) -> None:
        target, _ = next_tahap(self.tahap, Aksi.TUTUP)
        self._enter(target)
        self.closed_at = at
        self._emit(lambda ref: events.PelaksanaanClosed(ref, reason, at))

    def buka_ulang(
        self,
        *,
        skp_id: UUID,
        atasan_id: UUID | None,
        indikator: IndikatorRef,
        skp_version: int,
        at: datetime,
        npsn: str | None = None,
        mulai: date | None = None,
        selesai: date | None = None,
    ) -> None:
        """A fresh cycle from a newly approved plan of the same part; what the closed cycle recorded goes to
        `riwayat`."""
        target, _ = next_tahap(self.tahap, Aksi.BUKA_ULANG)
        self.riwayat.append(self._archive())
        self._enter(target)
        self.skp_id, self.atasan_id, self.indikator, self.skp_version = skp_id, atasan_id, indikator, skp_version
        self.npsn, self.mulai, self.selesai = npsn, mulai, selesai
        self.siklus += 1
        self.opened_at, self.closed_at, self.completed_at = at, None, None
        self.persiapan = self.observasi = self.diskusi_atasan = self.diskusi_guru = None
        self.upaya, self.refleksi, self.step_selesai = (), None, {}
        self._emit(lambda ref: events.PelaksanaanOpened(ref, atasan_id, indikator, at))

    def akhiri(self, *, selesai: date) -> None:
        """A transfer ended this part on `selesai`: the cycle keeps what it recorded and, from the next day, takes
        no new step (`domain/bagian.check_not_ended`). Nothing is published: planning told everyone already."""
        self.selesai = selesai
        self.version += 1

    def check_not_ended(self, on: date) -> None:
        bagian_rules.check_not_ended(self.selesai, on=on, bagian=self.bagian)

    def is_ended(self, on: date) -> bool:
        return bagian_rules.is_ended(self.selesai, on=on)

    # --- step 1: persiapan --------------------------------------------------------------------------------

    def susun_persiapan(
        self, *, target_perilaku: list[str], upaya: str, jadwal: date, jadwal_range: tuple[date, date]
    ) -> None:
        target, _ = next_tahap(self.tahap, Aksi.SUSUN_PERSIAPAN)
        chosen = self._target_perilaku(target_perilaku)
        effort = _text(upaya, field_name="upaya", rule="persiapan.upaya_required", minimum=MIN_CATATAN)
        _in_range(jadwal, jadwal_range, field_name="jadwal", rule="persiapan.jadwal_outside_window")
        self._enter(target)
        self.persiapan = Persiapan(target_perilaku=chosen, upaya=effort, jadwal_usulan=jadwal)

    def setujui_jadwal(self, *, at: datetime) -> None:
        target, done = next_tahap(self.tahap, Aksi.SETUJUI_JADWAL)
        assert self.persiapan is not None  # JADWAL_DIUSULKAN has one
        self._enter(target)
        self.persiapan = replace(self.persiapan, jadwal_disepakati=self.persiapan.jadwal_usulan)
        self._complete(done, at)

    def usulkan_jadwal_lain(self, *, jadwal: date, catatan: str | None, jadwal_range: tuple[date, date]) -> None:
        target, _ = next_tahap(self.tahap, Aksi.USULKAN_JADWAL_LAIN)
        assert self.persiapan is not None
        _in_range(jadwal, jadwal_range, field_name="jadwal", rule="persiapan.jadwal_outside_window")
        if jadwal == self.persiapan.jadwal_usulan:
            raise InvalidValue(
                "that is the date the guru proposed: agree to it instead",
                rule="persiapan.jadwal_same_as_proposed",
                field="jadwal",
            )
        self._enter(target)
        note = (catatan or "").strip() or None
        self.persiapan = replace(self.persiapan, jadwal_atasan=jadwal, catatan_atasan=note)

    def terima_jadwal(self, *, at: datetime) -> None:
        target, done = next_tahap(self.tahap, Aksi.TERIMA_JADWAL)
        assert self.persiapan is not None and self.persiapan.jadwal_atasan is not None
        self._enter(target)
        self.persiapan = replace(self.persiapan, jadwal_disepakati=self.persiapan.jadwal_atasan)
        self._complete(done, at)

    # --- step 2: observasi --------------------------------------------------------------------------------

    def catat_observasi(
        self,
        *,
        atasan_id: UUID,
        mode: str,
        items: list[RubrikInput],
        catatan: str | None,
        at: datetime,
        on: date,
        alasan_pindah: str | None = None,
    ) -> None:
        target, done = next_tahap(self.tahap, Aksi.CATAT_OBSERVASI)
        if mode not in MODE_OBSERVASI:
            raise InvalidValue(
                f"mode must be one of {', '.join(MODE_OBSERVASI)}", rule="observasi.mode_unknown", field="mode"
            )
        rubrik = self._rubrik(mode, items)
        agreed = self.persiapan.jadwal_disepakati if self.persiapan else None
        reason = check_observasi_date(agreed, on=on, alasan_pindah=alasan_pindah)
        self._enter(target)
        self.observasi = Observasi(
            atasan_id=atasan_id,
            mode=mode,
            items=rubrik.items,
            catatan=(catatan or "").strip() or None,
            observed_at=at,
            alasan_pindah=reason,
        )
        self._complete(done, at)
        self._emit(lambda ref: events.ObservasiRecorded(ref, atasan_id, rubrik, at))

    def rubrik(self) -> Rubrik | None:
        return Rubrik(mode=self.observasi.mode, items=self.observasi.items) if self.observasi else None

    # --- step 3: diskusi ----------------------------------------------------------------------------------

    def catat_diskusi_atasan(
        self, *, catatan: str, tujuan: str, langkah: str, jadwal: date, jadwal_range: tuple[date, date], at: datetime
    ) -> None:
        target, done = next_tahap(self.tahap, Aksi.CATAT_DISKUSI_ATASAN)
        notes = DiskusiAtasan(
            catatan=_text(catatan, field_name="catatan", rule="diskusi.catatan_required", minimum=MIN_CATATAN),
            tujuan=_text(tujuan, field_name="tujuan", rule="diskusi.tujuan_required", minimum=MIN_CATATAN),
            langkah=_text(langkah, field_name="langkah", rule="diskusi.langkah_required", minimum=MIN_CATATAN),
            jadwal=jadwal,
        )
        _in_range(jadwal, jadwal_range, field_name="jadwal", rule="diskusi.jadwal_outside_window")
        self._enter(target)
        self.diskusi_atasan = notes
        self._complete(done, at)

    def catat_diskusi_guru(self, *, catatan: str, at: datetime) -> None:
        target, done = next_tahap(self.tahap, Aksi.CATAT_DISKUSI_GURU)
        note = _text(catatan, field_name="catatan", rule="diskusi.catatan_required", minimum=MIN_CATATAN)
        self._enter(target)
        self.diskusi_guru = DiskusiGuru(catatan=note)
        self._complete(done, at)

    # --- step 4: upaya ------------------------------------------------------------------------------------

    def catat_upaya(self, *, items: list[Upaya], tanggal_range: tuple[date, date], at: datetime) -> None:
        target, done = next_tahap(self.tahap, Aksi.CATAT_UPAYA)
        if not items:
            raise InvalidValue("record at least one effort", rule="upaya.required", field="upaya")
        checked = []
        for index, item in enumerate(items):
            prefix = f"upaya[{index}]"
            deskripsi = _text(
                item.deskripsi, field_name=f"{prefix}.deskripsi", rule="upaya.deskripsi_required", minimum=MIN_CATATAN
            )
            if item.tempat not in TEMPAT_UPAYA:
                raise InvalidValue(
                    f"tempat must be one of {', '.join(TEMPAT_UPAYA)}",
                    rule="upaya.tempat_unknown",
                    field=f"{prefix}.tempat",
                )
            _in_range(item.tanggal, tanggal_range, field_name=f"{prefix}.tanggal", rule="upaya.tanggal_outside")
            checked.append(Upaya(deskripsi=deskripsi, tempat=item.tempat, tanggal=item.tanggal))
        self._enter(target)
        self.upaya = tuple(checked)
        self._complete(done, at)

    # --- step 5: refleksi ---------------------------------------------------------------------------------

    def catat_refleksi(self, *, refleksi: str, dokumen_kurang: list[str], bukti_count: int, at: datetime) -> None:
        target, done = next_tahap(self.tahap, Aksi.CATAT_REFLEKSI)
        text = _text(refleksi, field_name="refleksi", rule="refleksi.required", minimum=MIN_REFLEKSI)
        if dokumen_kurang:
            raise StateConflict(
                f"a kepala sekolah's cycle needs these accountability documents first: {', '.join(dokumen_kurang)}",
                rule="refleksi.dokumen_ks_missing",
                field="bukti",
                extra={"missing": dokumen_kurang},
            )
        self._enter(target)
        self.refleksi = text
        self.completed_at = at
        self._complete(done, at)
        observer = self.observasi.atasan_id if self.observasi else self.atasan_id
        rubrik = self.rubrik()
        self._emit(lambda ref: events.PelaksanaanCompleted(ref, observer, rubrik, bukti_count, at))

    # --- evidence (the bukti aggregate checks the cycle's state through this) -----------------------------

    def check_can_add_bukti(self) -> None:
        next_tahap(self.tahap, Aksi.TAMBAH_BUKTI)

    # --- views --------------------------------------------------------------------------------------------

    @property
    def step(self) -> Step | None:
        return STEP_OF[self.tahap]

    def ref(self) -> events.Ref:
        return events.Ref(self.id, self.skp_id, self.pegawai_id, self.periode, self.version)

    # --- internals ----------------------------------------------------------------------------------------

    def _target_perilaku(self, chosen: list[str]) -> tuple[str, ...]:
        allowed = set(self.indikator.perilaku_dianjurkan) | set(self.indikator.perilaku_dihindari)
        if not chosen:
            raise InvalidValue(
                "pick at least one target behaviour of your indicator",
                rule="persiapan.target_required",
                field="target_perilaku",
            )
        if len(chosen) > MAX_TARGET_PERILAKU:
            raise InvalidValue(
                f"pick at most {MAX_TARGET_PERILAKU} target behaviours",
                rule="persiapan.target_too_many",
                field="target_perilaku",
            )
        seen: set[str] = set()
        for index, perilaku in enumerate(chosen):
            if perilaku not in allowed:
                raise InvalidValue(
                    "not a focus behaviour of the plan's indicator",
                    rule="persiapan.target_unknown",
                    field=f"target_perilaku[{index}]",
                )
            if perilaku in seen:
                raise InvalidValue("listed twice", rule="persiapan.target_duplicate", field=f"target_perilaku[{index}]")
            seen.add(perilaku)
        return tuple(chosen)

    def _rubrik(self, mode: str, given: list[RubrikInput]) -> Rubrik:
        """A value for EVERY recommended and avoided behaviour of the indicator, nothing else, once each."""
        jenis = dict.fromkeys(self.indikator.perilaku_dianjurkan, "dianjurkan")
        jenis.update(dict.fromkeys(self.indikator.perilaku_dihindari, "dihindari"))
        by_perilaku: dict[str, RubrikItem] = {}
        for index, item in enumerate(given):
            where = f"items[{index}]"
            if item.perilaku not in jenis:
                raise InvalidValue(
                    "not a behaviour of the plan's indicator",
                    rule="observasi.perilaku_unknown",
                    field=f"{where}.perilaku",
                )
            if item.perilaku in by_perilaku:
                raise InvalidValue("rated twice", rule="observasi.perilaku_duplicate", field=f"{where}.perilaku")
            if item.nilai not in NILAI:
                raise InvalidValue(
                    f"nilai must be one of {', '.join(NILAI)}", rule="observasi.nilai_unknown", field=f"{where}.nilai"
                )
            by_perilaku[item.perilaku] = RubrikItem(
                perilaku=item.perilaku,
                jenis=jenis[item.perilaku],
                nilai=item.nilai,
                catatan=(item.catatan or "").strip() or None,
            )
        missing = [p for p in jenis if p not in by_perilaku]
        if missing:
            raise InvalidValue(
                f"rate every behaviour of the indicator: {len(missing)} not rated",
                rule="observasi.rubric_incomplete",
                field="items",
                extra={"missing": missing},
            )
        # In the indicator's order, so two observations of the same plan read alike.
        return Rubrik(mode=mode, items=tuple(by_perilaku[p] for p in jenis))

    def _archive(self) -> dict[str, Any]:
        rubrik = self.rubrik()
        return {
            "siklus": self.siklus,
            "skp_id": str(self.skp_id),
            "indikator": self.indikator.kode,
            "last_completed_step": self.last_completed_step(),
            "opened_at": self.opened_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "persiapan": _plain(self.persiapan),
            "observasi": _plain(rubrik),
            "alasan_pindah": self.observasi.alasan_pindah if self.observasi else None,
            "refleksi": self.refleksi,
        }

    def last_completed_step(self) -> str:
        completed = [s.value for s in STEPS if s.value in self.step_selesai]
        return completed[-1] if completed else "none"

    def _enter(self, target: Tahap) -> None:
        # Only once every check has passed: a refused command leaves the cycle, and its version, as it was.
        self.tahap = target
        self.version += 1
        self._first_event_of_change = True

    def _complete(self, step: Step | None, at: datetime) -> None:
        if step is None:
            return
        self.step_selesai[step.value] = at
        self._emit(lambda ref: events.StepCompleted(ref, step.value, at))

    def _emit(self, build: Callable[[events.Ref], Any]) -> None:
        # Each event gets a version of its own, so a consumer's version guard never drops the second event
        # of one change (observasi.recorded after step.completed, pelaksanaan.completed after refleksi).
        if not self._first_event_of_change:
            self.version += 1
        self._first_event_of_change = False
        self.events.append(build(self.ref()))


def _plain(value: Any) -> Any:
    if value is None:
        return None
    return {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in asdict(value).items()}


def is_overdue(tahap: Tahap | None, *, effective_close: date, on: date) -> bool:
    """Overdue: the cycle is not done (not opened yet, closed by a reset, or mid-way) and the pelaksanaan window's
    effective close for the pegawai's region (extensions included) is past."""
    return tahap is not Tahap.SELESAI and on > effective_close
