"""A pelaksanaan loaded with what the caller's rights, the window and the evidence rules depend on.

Every use case that reads or changes one cycle starts here: the pegawai from the roster projection, their atasan
TODAY (or, for a part a transfer ended, on its last day: the old school's), the caller's relation (someone else's
cycle is a 404), the period's windows and the cycle's bukti, all read in one round trip.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from observation.db.uow import ObservationUnitOfWork
from observation.domain import bagian as parts
from observation.domain import bukti as rules
from observation.domain import window
from observation.domain.access import READ, Actor, Relation, relation_to, require_allowed
from observation.domain.bukti import Bukti
from observation.domain.pelaksanaan import Pelaksanaan
from observation.usecases import Deps
from pmm_kernel.clock import today
from pmm_kernel.errors import NotFound
from pmm_kernel.windows import effective_close
from pmm_roster.records import PegawaiRecord, PeriodeWindows


@dataclass
class Cycle:
    pelaksanaan: Pelaksanaan
    pegawai: PegawaiRecord
    relation: Relation
    atasan_id: uuid.UUID | None  # the part's atasan: the current one, or the one on the last day of an ended part
    periode: PeriodeWindows
    bukti: list[Bukti] = field(default_factory=list)
    ended: bool = False  # a transfer ended the cycle's part before today (`domain/bagian.is_ended`)

    @property
    def evidence_mode(self) -> rules.EvidenceMode:
        return rules.evidence_mode(bool(self.periode.snapshot["evidence_upload"]))

    @property
    def is_kepala_sekolah(self) -> bool:
        return rules.is_kepala_sekolah(self.pegawai.jenis_gtk)

    def counted_bukti(self) -> list[Bukti]:
        return rules.counted(self.bukti)

    def dokumen_ks_kurang(self) -> list[str]:
        return rules.dokumen_ks_kurang(self.bukti, is_kepala_sekolah=self.is_kepala_sekolah)

    def period_dates(self) -> tuple[date, date]:
        return period_dates(self.periode)

    @property
    def npsn(self) -> str:
        """The part's school: the one its plan named, else the pegawai's in the roster."""
        return self.pelaksanaan.npsn or self.pegawai.npsn

    def check_window(self, on: date) -> None:
        self.pelaksanaan.check_not_ended(on)
        self.periode.check_open(window.WINDOW, on, region_code=self.pegawai.kode_wilayah)

    def jadwal_range(self, on: date) -> tuple[date, date]:
        pelaksanaan = self.periode.window(window.WINDOW)
        closes = effective_close(pelaksanaan, self.periode.extensions, self.pegawai.kode_wilayah)
        allowed = window.jadwal_range(today=on, opens=pelaksanaan.opens, closes=closes)
        return parts.clip_to_part(allowed, self.pelaksanaan.selesai)

    def upaya_range(self, on: date) -> tuple[date, date]:
        return window.upaya_range(today=on, opens=self.periode.window(window.WINDOW).opens)


def period_dates(periode: PeriodeWindows) -> tuple[date, date]:
    """The period's first and last day, from the snapshot planning announced."""
    return date.fromisoformat(periode.snapshot["mulai"]), date.fromisoformat(periode.snapshot["selesai"])


async def load_cycle(
    pelaksanaan_id: uuid.UUID, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor, for_update: bool = False
) -> Cycle:
    on = today(deps.clock)
    found = await uow.pelaksanaan.get_in_context(pelaksanaan_id, on=on, for_update=for_update)
    if found is None:
        raise NotFound("no such pelaksanaan", rule="pelaksanaan.not_found")
    pelaksanaan, pegawai, atasan_id, periode, bukti = found
    if pegawai is None:
        # The plan's approval overtook the roster event (different aggregates are not ordered): nobody can be
        # told who owns this cycle yet, so it is not shown to anyone.
        raise NotFound("no such pelaksanaan", rule="pelaksanaan.not_found")
    relation = relation_to(
        actor, owner_id=pegawai.pegawai_id, current_atasan_id=atasan_id, kode_wilayah=pegawai.kode_wilayah
    )
    require_allowed(relation, READ)
    if periode is None:
        raise NotFound(f"no period {pelaksanaan.periode}", rule="periode.unknown", field="periode")
    return Cycle(
        pelaksanaan=pelaksanaan,
        pegawai=pegawai,
        relation=relation,
        atasan_id=atasan_id,
        periode=periode,
        bukti=bukti,
        ended=pelaksanaan.is_ended(on),
    )
