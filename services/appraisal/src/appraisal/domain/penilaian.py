"""The Penilaian: one pegawai's appraisal for one period, and its state machine (docs/domain.md §6).

    MENUNGGU --(plan approved + cycle completed, or perilaku only)--> SIAP --nilai--> DINILAI --finalisasi--> FINAL
        ^                                                                   |  ^ nilai             |
        +---- plan reset / cycle closed / a period reopened (not FINAL) ----+  +-- buka kembali ---+ (operator)

A penilaian opens from whichever arrives first, `skp.approved` or `pelaksanaan.completed` (events may come in
any order), and is ratable once it has what its kind needs:

- a period's own penilaian: the approved plan, and the completed observation cycle (unless the pegawai was
  appointed at the end of the period and is rated on perilaku only);
- the year's penilaian tahunan over its periods (2024): every periodic penilaian the pegawai has that year final
  (its window, January of the next year, keeps it from being finalised before the second semester exists).

Ratings are a draft the atasan may change until they finalise; finalising is explicit and irreversible but for an
operator's audited reopen. While FINAL the penilaian ignores what planning and observation say later: what went to
BKN must not change under it. Each update from an event is guarded by the version of the aggregate it came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from appraisal.domain import events
from appraisal.domain.evaluasi import EvaluasiRules, default_rules
from appraisal.domain.predikat import Predikat, PredikatMatrix, Rating, default_matrix
from pmm_kernel.errors import InvalidValue, StateConflict


class Status(StrEnum):
    MENUNGGU = "MENUNGGU"  # waiting for the plan, the cycle or the periods it needs
    SIAP = "SIAP"  # ratable
    DINILAI = "DINILAI"  # rated: a draft the atasan may still change
    FINAL = "FINAL"


class Aksi(StrEnum):
    # commands
    NILAI = "nilai"  # the atasan rates
    FINALISASI = "finalisasi"  # the atasan finalises
    BUKA_KEMBALI = "buka_kembali"  # an operator reopens (audited)
    HANYA_PERILAKU = "hanya_perilaku"  # an operator marks (or unmarks) a pegawai rated on perilaku only
    # what other services tell
    SKP_DISETUJUI = "skp_disetujui"
    SKP_DIRESET = "skp_direset"
    SIKLUS_SELESAI = "siklus_selesai"
    SIKLUS_DITUTUP = "siklus_ditutup"
    HASIL_PERIODIK = "hasil_periodik"  # a periodic penilaian of the year was finalised or reopened
    SKP_BERAKHIR = "skp_berakhir"  # a transfer ended this part of the period (skp.ended)


# "Settle": MENUNGGU, SIAP or DINILAI by what the penilaian has (`Penilaian.settled_status`).
SETTLE = "settle"
_OPEN = (Status.MENUNGGU, Status.SIAP, Status.DINILAI)
_FROM_EVENTS = (
    Aksi.SKP_DISETUJUI,
    Aksi.SKP_DIRESET,
    Aksi.SIKLUS_SELESAI,
    Aksi.SIKLUS_DITUTUP,
    Aksi.HASIL_PERIODIK,
    Aksi.SKP_BERAKHIR,
)

# The whole state machine in one table. A pair that is absent is refused (a command) or ignored (an event:
# a FINAL penilaian stays as it went to BKN).
TRANSITIONS: dict[tuple[Status, Aksi], Status | str] = {
    (Status.SIAP, Aksi.NILAI): Status.DINILAI,
    (Status.DINILAI, Aksi.NILAI): Status.DINILAI,
    (Status.DINILAI, Aksi.FINALISASI): Status.FINAL,
    (Status.FINAL, Aksi.BUKA_KEMBALI): Status.DINILAI,
    **{(status, Aksi.HANYA_PERILAKU): SETTLE for status in _OPEN},
    **{(status, aksi): SETTLE for status in _OPEN for aksi in _FROM_EVENTS},
}

MIN_ALASAN = 5  # a reopen or a perilaku-only mark needs a reason an auditor can read (assumption: 5 characters)


def require_alasan(alasan: str | None, *, message: str) -> str:
    """The operator's reason, stripped, if an auditor can read it (`MIN_ALASAN` characters at least)."""
    reason = (alasan or "").strip()
    if len(reason) < MIN_ALASAN:
        raise InvalidValue(message, rule="penilaian.alasan_required", field="alasan")
    return reason


def refusal(status: Status, aksi: Aksi, missing: list[str]) -> StateConflict:
    """Why a command is not allowed now, naming the field and the rule a client branches on."""
    if aksi is Aksi.NILAI and status is Status.MENUNGGU:
        what = {
            "skp": "the approved plan has not arrived",
            "siklus": "the observation cycle is not complete",
            "periodik": "the periodic penilaian of the year are not all final",
            "bagian": "a transfer ended this part before its plan was approved: it is not appraised",
        }
        return StateConflict(
            f"not ratable yet: {'; '.join(what[m] for m in missing)}",
            rule="penilaian.belum_siap",
            field=missing[0] if missing else "status",
            extra={"status": status.value, "missing": missing},
        )
    return StateConflict(
        f"cannot {aksi.value} a penilaian that is {status.value}",
        rule=f"penilaian.{aksi.value}_not_allowed_in_{status.value.lower()}",
        field="status",
        extra={"status": status.value},
    )


# --- what the penilaian holds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RhkRencana:
    kode: str
    nama: str
    kategori: str
    indikator_kinerja_individu: str
    target_kuantitas: int
    satuan: str


@dataclass(frozen=True)
class Rencana:
    """The approved plan (from skp.approved): what the pegawai committed to, shown beside the ratings."""

    skp_id: uuid.UUID
    indikator_kode: str
    indikator_nama: str
    rhk: tuple[RhkRencana, ...]
    perilaku: tuple[tuple[str, str], ...]  # (kode, nama) of each BerAKHLAK value
    disetujui_at: datetime


@dataclass(frozen=True)
class Siklus:
    """The completed observation cycle (from pelaksanaan.completed): evidence, never turned into a rating."""

    pelaksanaan_id: uuid.UUID
    selesai_at: datetime
    bukti_count: int
    rubrik: Mapping[str, Any] | None  # the rubric summary as observation sent it


@dataclass(frozen=True)
class HasilPeriodik:
    """A finalised periodic penilaian of the year, shown to the annual evaluation that weighs it."""

    periode: str
    predikat: Predikat
    angka_kredit: Decimal | None


@dataclass(frozen=True)
class Nilai:
    hasil_kerja: Rating  # perilaku only: the value the predikat was read with (evaluasi.toml), not a rating
    perilaku_kerja: Rating
    predikat: Predikat
    cell: str  # which cell of the matrix gave the predikat
    umpan_balik: Mapping[str, str]  # feedback per BerAKHLAK value
    catatan: str | None  # notes for the next period
    penilai_id: uuid.UUID
    at: datetime


@dataclass(frozen=True)
class Penilai:
    """The appraiser as BKN's kinerjaperiodik/save names them."""

    pegawai_id: uuid.UUID
    nip: str
    nama: str
    golongan: str | None
    jabatan: str
    unor: str
    status_penilai: str  # "ASN" | "NON ASN"


@dataclass(frozen=True)
class Identitas:
    """The pegawai as the roster knew them when the penilaian was finalised (the document prints this)."""

    nip: str
    nama: str
    status: str
    pangkat_golongan: str | None
    jenjang_jabatan: str | None
    jenis_gtk: str
    npsn: str
    sekolah: str
    kode_wilayah: str


@dataclass(frozen=True)
class AngkaKreditHasil:
    jenjang: str
    koefisien: Decimal
    bulan: int
    nilai: Decimal
    kumulatif: Decimal  # the final angka kredit of this pegawai in this jenjang, this one included


@dataclass(frozen=True)
class Rentang:
    """The months of the period as BKN counts them."""

    jenis: str
    bulan: int
    bulan_mulai: int
    bulan_selesai: int
    tahun_mulai: int
    tahun_selesai: int


@dataclass(frozen=True)
class Finalisasi:
    at: datetime
    penilai: Penilai
    identitas: Identitas
    rentang: Rentang
    angka_kredit: AngkaKreditHasil | None  # None: no angka kredit applies (non-ASN, no jenjang, annual over periods)


# --- the aggregate -----------------------------------------------------------------------------------------


@dataclass
class Penilaian:
    id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str  # "2024-S1"; the year's penilaian tahunan over its periods: "2024-T"
    # The part of the period (docs/domain.md §6, parts of a period): a transfer splits a period into one plan per
    # school, each appraised on its own. None: the pegawai's school in the roster, the period's first or last day.
    bagian: int = 1
    npsn: str | None = None
    mulai: date | None = None
    selesai: date | None = None
    skp_id: uuid.UUID | None = None  # the plan of this part, which observation's events name
    berakhir: bool = False  # a transfer ended this part on `selesai` (skp.ended)
    berakhir_disetujui: bool = False  # and its plan was approved then: it is appraised
    menimbang_periode: bool = False  # the year's annual evaluation over its periods (2024)
    status: Status = Status.MENUNGGU
    version: int = 1
    rencana: Rencana | None = None
    skp_version: int = 0  # the SKP aggregate version last applied
    siklus: Siklus | None = None
    siklus_version: int = 0  # the pelaksanaan aggregate version last applied
    hanya_perilaku: bool = False
    hasil_periodik: tuple[HasilPeriodik, ...] = ()
    periodik_menunggu: int = 0  # periodic penilaian of the year not final yet (annual evaluation only)
    nilai: Nilai | None = None
    final: Finalisasi | None = None
    events: list[Any] = field(default_factory=list, compare=False, repr=False)

    # --- what it needs ---------------------------------------------------------------------------------------

    def missing(self) -> list[str]:
        if self.menimbang_periode:
            return ["periodik"] if not self.hasil_periodik or self.periodik_menunggu else []
        if not self.dinilai_bagian:
            return ["bagian"]  # ended before approval: never appraised (planning's rule)
        missing = []
        if self.rencana is None:
            missing.append("skp")
        # A cycle cut short by a transfer cannot complete: the ended part is rated on what it showed.
        if self.siklus is None and not self.hanya_perilaku and not self.berakhir:
            missing.append("siklus")
        return missing

    def hari_penilai(self, today: date) -> date:
        """The day whose atasan appraises this part (docs/domain.md §1, §6): the last day of a part a transfer
        ended, today for the current part."""
        if self.berakhir and self.selesai is not None and self.selesai < today:
            return self.selesai
        return today

    @property
    def dinilai_bagian(self) -> bool:
        """False for a part a transfer ended before its plan was approved: it is not appraised at all."""
        return not self.berakhir or self.berakhir_disetujui

    def settled_status(self) -> Status:
        if self.missing():
            return Status.MENUNGGU
        return Status.DINILAI if self.nilai is not None else Status.SIAP

    def allows(self, aksi: Aksi) -> bool:
        return (self.status, aksi) in TRANSITIONS

    def require(self, aksi: Aksi) -> None:
        """Refuse, naming the rule, a command the current status does not allow."""
        self._require(aksi)

    # --- what other services tell (each returns what happened, for the handler's log) -----------------------

    def apply_rencana(self, rencana: Rencana, *, skp_version: int) -> str:
        if skp_version <= self.skp_version:
            return "stale"
        if not self.allows(Aksi.SKP_DISETUJUI):
            return "final"
        self.rencana, self.skp_version = rencana, skp_version
        return self._settle()

    def apply_bagian(
        self, *, npsn: str | None, mulai: date | None, selesai: date | None, skp_id: uuid.UUID | None
    ) -> bool:
        """Where and when this part runs, as planning's plan events say it (a FINAL part stays as it went to BKN);
        a part already ended keeps the last day its transfer gave it. Whether anything changed: the event's own
        change counts the version once (`keep_bagian`)."""
        if self.status is Status.FINAL:
            return False
        selesai = self.selesai if self.berakhir else selesai
        known = (self.npsn, self.mulai, self.selesai, self.skp_id)
        news = (npsn or self.npsn, mulai or self.mulai, selesai or self.selesai, skp_id or self.skp_id)
        self.npsn, self.mulai, self.selesai, self.skp_id = news
        return news != known

    def keep_bagian(self, moved: bool, *, read_version: int) -> None:
        """Count a change of the part's place or days that the event applied with it did not already count."""
        if moved and self.version == read_version:
            self._changed()

    def apply_berakhir(self, *, selesai: date, disetujui: bool, skp_version: int) -> str:
        """A transfer ended this part on `selesai`. An approved part becomes ratable without its cycle
        (**assumption**, docs/domain.md §6); one that ended before approval is not appraised.

        The end of an approved part carries no plan: it leaves the plan's version where it was, so an approval
        delivered after it still brings the plan."""
        if skp_version <= self.skp_version:
            return "stale"
        if not self.allows(Aksi.SKP_BERAKHIR):
            return "final"
        if (self.berakhir, self.berakhir_disetujui, self.selesai) == (True, disetujui, selesai):
            return "unchanged"  # the same end told again
        self.berakhir, self.berakhir_disetujui, self.selesai = True, disetujui, selesai
        if not disetujui:
            self.rencana, self.nilai, self.skp_version = None, None, skp_version
        return self._settle()

    def apply_skp_reset(self, *, skp_version: int) -> str:
        if skp_version <= self.skp_version:
            return "stale"
        if not self.allows(Aksi.SKP_DIRESET):
            return "final"
        # The plan goes back to draft: ratings of the old plan mean nothing for the new one.
        self.rencana, self.nilai, self.skp_version = None, None, skp_version
        return self._settle()

    def apply_siklus(self, siklus: Siklus, *, version: int) -> str:
        if version <= self.siklus_version:
            return "stale"
        if not self.allows(Aksi.SIKLUS_SELESAI):
            return "final"
        self.siklus, self.siklus_version = siklus, version
        return self._settle()

    def apply_siklus_ditutup(self, *, version: int) -> str:
        if version <= self.siklus_version:
            return "stale"
        if not self.allows(Aksi.SIKLUS_DITUTUP):
            return "final"
        self.siklus, self.nilai, self.siklus_version = None, None, version
        return self._settle()

    def apply_hasil_periodik(self, hasil: tuple[HasilPeriodik, ...], *, menunggu: int) -> str:
        if not self.menimbang_periode:
            raise ValueError("only the annual evaluation over periods weighs periodic results")
        if (hasil, menunggu) == (self.hasil_periodik, self.periodik_menunggu):
            return "unchanged"
        if not self.allows(Aksi.HASIL_PERIODIK):
            return "final"
        if hasil != self.hasil_periodik:
            self.nilai = None  # the ratings weighed other periods: the atasan rates again
        self.hasil_periodik, self.periodik_menunggu = hasil, menunggu
        return self._settle()

    def _settle(self) -> str:
        before = self.status
        self.status = self.settled_status()
        self._changed()
        return "ready" if self.status is not Status.MENUNGGU and before is Status.MENUNGGU else "applied"

    # --- commands ----------------------------------------------------------------------------------------------

    def set_hanya_perilaku(self, flag: bool) -> None:
        self._require(Aksi.HANYA_PERILAKU)
        if self.menimbang_periode:
            raise InvalidValue(
                "the annual evaluation weighs the periods; mark the period's own penilaian instead",
                rule="penilaian.hanya_perilaku_periodik_only",
                field="hanya_perilaku",
            )
        if flag != self.hanya_perilaku:
            # What the ratings mean changes: the atasan rates again.
            self.hanya_perilaku, self.nilai = flag, None
        self._settle()

    def rate(
        self,
        *,
        hasil_kerja: Rating | None,
        perilaku_kerja: Rating,
        umpan_balik: Mapping[str, str],
        catatan: str | None,
        penilai_id: uuid.UUID,
        at: datetime,
        known_values: set[str],
        matrix: PredikatMatrix | None = None,
        rules: EvaluasiRules | None = None,
    ) -> Nilai:
        target = self._require(Aksi.NILAI)
        rules = rules or default_rules()
        if self.hanya_perilaku:
            if hasil_kerja is not None:
                raise InvalidValue(
                    "this pegawai is rated on perilaku kerja only (appointed at the end of the period)",
                    rule="penilaian.hanya_perilaku",
                    field="hasil_kerja",
                )
            hasil_kerja = rules.hanya_perilaku.hasil_kerja
        elif hasil_kerja is None:
            raise InvalidValue("rate hasil kerja as well", rule="penilaian.hasil_kerja_required", field="hasil_kerja")
        unknown = sorted(set(umpan_balik) - known_values)
        if unknown:
            raise InvalidValue(
                f"not a BerAKHLAK value of this plan: {', '.join(unknown)}"[:200],
                rule="penilaian.umpan_balik_unknown_value",
                field=f"umpan_balik.{unknown[0]}",
            )
        result = (matrix or default_matrix()).predikat(hasil_kerja, perilaku_kerja)
        nilai = Nilai(
            hasil_kerja=result.hasil_kerja,
            perilaku_kerja=result.perilaku,
            predikat=result.predikat,
            cell=result.cell,
            umpan_balik={k: v.strip() for k, v in umpan_balik.items() if v and v.strip()},
            catatan=(catatan or "").strip() or None,
            penilai_id=penilai_id,
            at=at,
        )
        self.nilai = nilai
        self._enter(target)
        return nilai

    def finalize(self, finalisasi: Finalisasi) -> None:
        target = self._require(Aksi.FINALISASI)
        assert self.nilai is not None  # DINILAI is entered only by rating
        self.final = finalisasi
        self._enter(target)
        self.events.append(self._finalized(self.nilai, finalisasi))

    def reopen(self, *, at: datetime, alasan: str) -> None:
        target = self._require(Aksi.BUKA_KEMBALI)
        reason = require_alasan(
            alasan, message=f"a reopen needs a reason of at least {MIN_ALASAN} characters for the audit"
        )
        assert self.final is not None  # FINAL is entered only with its finalisation
        jenis, self.final = self.final.rentang.jenis, None
        self._enter(target)
        self.events.append(
            events.PenilaianReopened(
                penilaian_id=self.id,
                pegawai_id=self.pegawai_id,
                periode=self.periode,
                bagian=self.bagian,
                version=self.version,
                jenis=jenis,
                alasan=reason,
                at=at,
            )
        )

    def _require(self, aksi: Aksi) -> Status:
        target = TRANSITIONS.get((self.status, aksi))
        if target is None:
            raise refusal(self.status, aksi, self.missing())
        return self.settled_status() if target == SETTLE else Status(target)

    def _enter(self, target: Status) -> None:
        # Only once every check has passed: a refused command leaves the penilaian, and its version, as it was.
        self.status = target
        self._changed()

    def _changed(self) -> None:
        self.version += 1

    def _finalized(self, nilai: Nilai, final: Finalisasi) -> events.PenilaianFinalized:
        ak, rentang, penilai = final.angka_kredit, final.rentang, final.penilai
        return events.PenilaianFinalized(
            penilaian_id=self.id,
            pegawai_id=self.pegawai_id,
            periode=self.periode,
            bagian=self.bagian,
            version=self.version,
            nip=final.identitas.nip,
            jenis=rentang.jenis,
            bulan_mulai=rentang.bulan_mulai,
            bulan_selesai=rentang.bulan_selesai,
            tahun_mulai=rentang.tahun_mulai,
            tahun_selesai=rentang.tahun_selesai,
            hasil_kerja=nilai.hasil_kerja,
            perilaku_kerja=nilai.perilaku_kerja,
            predikat=nilai.predikat,
            jenjang=ak.jenjang if ak else None,
            koefisien=ak.koefisien if ak else None,
            angka_kredit=ak.nilai if ak else None,
            angka_kredit_kumulatif=ak.kumulatif if ak else None,
            penilai=events.PenilaiSnapshot(
                pegawai_id=penilai.pegawai_id,
                nip=penilai.nip,
                nama=penilai.nama,
                golongan=penilai.golongan,
                jabatan=penilai.jabatan,
                unor=penilai.unor,
                status_penilai=penilai.status_penilai,
            ),
            finalized_at=final.at,
            hanya_perilaku=self.hanya_perilaku,
        )
