"""An approved SKP that e-Kinerja now holds differently: what differs, and what an operator may decide.

After approval a plan is immutable here (docs/domain.md §4), so a difference coming from BKN is never applied
silently: it is kept as a conflict until an operator keeps PMM's version (pushed again, overwriting BKN's) or
accepts BKN's (planning is told; the plan changes only through an operator's audited reset there).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bkn_sync.domain.bkn import SkpEdit
from bkn_sync.domain.events import BknSkpReceived, ConflictOpened, ConflictResolved
from bkn_sync.domain.periods import BknPeriode
from pmm_kernel.errors import InvalidValue, StateConflict

# The parts of an RHK row that e-Kinerja holds; a difference in any of them is a conflict.
COMPARED = ("nama", "rhk_atasan", "aspek", "indikator_kinerja_individu", "target_kuantitas", "satuan")


class Keputusan(StrEnum):
    PERTAHANKAN_PMM = "pertahankan_pmm"  # keep what was approved here: push it again
    TERIMA_BKN = "terima_bkn"  # take BKN's version: planning receives it (bkn.skp.received)


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


def _norm(value: Any) -> Any:
    return " ".join(value.split()).lower() if isinstance(value, str) else value


def differences(pmm: Sequence[Mapping[str, Any]], bkn: Sequence[Mapping[str, Any]]) -> list[str]:
    """Field paths that differ between the approved RHK rows and BKN's, in order; never the values."""
    found = [] if len(pmm) == len(bkn) else ["rhk"]
    for index, (ours, theirs) in enumerate(zip(pmm, bkn, strict=False)):
        found += [f"rhk[{index}].{f}" for f in COMPARED if _norm(ours.get(f)) != _norm(theirs.get(f))]
    return found


@dataclass(frozen=True)
class Plan:
    """The plan planning approved (or reset), as far as BKN's side needs it: to tell a BKN edit before approval
    (planning applies it) from one after (a conflict)."""

    pegawai_id: uuid.UUID
    periode: str
    skp_id: uuid.UUID
    approved: bool
    version: int
    rhk: list[dict[str, Any]] | None  # None on a reset: the rows last approved stay as they were
    # The part of the period (a transfer splits it, one SKP per school at e-Kinerja), its school and days.
    bagian: int = 1
    npsn: str | None = None
    mulai: date | None = None
    selesai: date | None = None


def received(
    item: SkpEdit, pegawai_id: uuid.UUID | None, periode: str | None, conflict_id: uuid.UUID | None = None
) -> BknSkpReceived:
    """BKN's version of an SKP, for planning to apply."""
    return BknSkpReceived(
        nip=item.nip,
        pegawai_id=pegawai_id,
        periode=periode,
        tahun=item.periode.tahun_mulai,
        bulan_mulai=item.periode.bulan_mulai,
        bulan_selesai=item.periode.bulan_selesai,
        status_bkn=item.status,
        rhk=item.rhk,
        at=item.at,
        seq=item.seq,
        conflict_id=conflict_id,
    )


def bkn_snapshot(item: SkpEdit) -> dict[str, Any]:
    """What a conflict keeps of BKN's edit: enough to send it to planning if an operator accepts it."""
    return {"seq": item.seq, "status": item.status, "rhk": item.rhk, "at": item.at.isoformat(),
            "tahun": item.periode.tahun_mulai, "bulan_mulai": item.periode.bulan_mulai,
            "bulan_selesai": item.periode.bulan_selesai}  # fmt: skip


MIN_ALASAN = 5  # characters: a decision is audited with its reason


@dataclass(eq=False)
class Conflict:
    id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    jenis: str
    fields: list[str]  # the paths that differ, never the values
    pmm: dict[str, Any]  # the approved plan: rhk, skp_id, version
    bkn: dict[str, Any]  # BKN's edit (bkn_snapshot)
    opened_at: datetime
    status: ConflictStatus = ConflictStatus.OPEN
    version: int = 1
    keputusan: Keputusan | None = None
    alasan: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    events: list[Any] = field(default_factory=list)

    @classmethod
    def open(cls, plan: Plan, item: SkpEdit, *, jenis: str, fields: list[str], now: datetime) -> Conflict:
        conflict = cls(
            id=uuid.uuid4(),
            pegawai_id=plan.pegawai_id,
            periode=plan.periode,
            jenis=jenis,
            fields=fields,
            pmm={"rhk": plan.rhk, "skp_id": str(plan.skp_id), "version": plan.version},
            bkn=bkn_snapshot(item),
            opened_at=now,
        )
        conflict._opened(now)
        return conflict

    def edited_again(self, item: SkpEdit, *, fields: list[str], now: datetime) -> None:
        """A further BKN edit of the same plan updates the open conflict (announced again, one version on)."""
        self.fields, self.bkn, self.version = fields, bkn_snapshot(item), self.version + 1
        self._opened(now)

    def _opened(self, now: datetime) -> None:
        self.events.append(
            ConflictOpened(self.id, self.pegawai_id, self.periode, self.jenis, self.fields, now, self.version)
        )

    def bkn_edit(self, nip: str) -> SkpEdit:
        bkn = self.bkn
        return SkpEdit(
            seq=bkn["seq"],
            nip=nip,
            periode=BknPeriode(bkn["tahun"], bkn["bulan_mulai"], bkn["tahun"], bkn["bulan_selesai"]),
            status=bkn["status"],
            rhk=bkn["rhk"],
            at=datetime.fromisoformat(bkn["at"]),
        )

    def decide(self, keputusan: Keputusan, *, alasan: str, by: str, nip: str, now: datetime) -> None:
        """An operator's decision, with its reason. Accepting BKN's version sends it to planning (`nip`: the
        pegawai's, as BKN knows them); keeping PMM's is the caller's to push again."""
        if len((alasan or "").strip()) < MIN_ALASAN:
            raise InvalidValue(
                "a decision needs a reason for the audit", rule="conflict.alasan_required", field="alasan"
            )
        if self.status != ConflictStatus.OPEN:
            raise StateConflict("this conflict is already decided", rule="conflict.already_decided")
        self.status, self.keputusan, self.alasan = ConflictStatus.RESOLVED, keputusan, alasan
        self.decided_by, self.decided_at, self.version = by, now, self.version + 1
        if keputusan is Keputusan.TERIMA_BKN:
            self.events.append(received(self.bkn_edit(nip), self.pegawai_id, self.periode, conflict_id=self.id))
        self.events.append(ConflictResolved(self.id, self.pegawai_id, self.periode, keputusan.value, now, self.version))
