"""Observation's reminders (docs/domain.md §3, §5): the atasan with pelaksanaan steps waiting for them.

The chassis decides and mails them (pmm_chassis.reminders); these are the reads it asks for, per window (one
period's pelaksanaan step in one kab/kota, with that region's effective close). The atasan is whoever holds the
appraising relation in the roster projection on the day of the decision (a KS for a guru, the pengawas for a KS),
as for every action on a cycle. A part of the period a transfer ended before that day takes no new step, so nobody
is reminded of it (docs/domain.md §5).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from observation.db.tables import BuktiRow, PelaksanaanRow
from observation.domain import window
from observation.domain.access import ALLOWED, Relation
from observation.domain.bukti import DOKUMEN_KS, KEPALA_SEKOLAH, EvidenceMode, evidence_mode
from observation.domain.pelaksanaan import FINAL, TRANSITIONS, Tahap
from pmm_chassis.reminders import Recipient, ReminderKind, ReminderWindow, Reminding, load_templates
from pmm_roster.projections import (
    RosterPegawai,
    RosterPeriode,
    RosterRelasi,
    current_atasan_of,
)
from pmm_roster.reminders import per_atasan, projection_windows

MENUNGGU_ATASAN = "pelaksanaan.menunggu_atasan"
PELAKSANAAN_STEPS = frozenset({window.WINDOW})
LINK = "/pelaksanaan/tim"


def atasan_turn() -> frozenset[Tahap]:
    """The tahap in which a step of the cycle is the atasan's to take: an action only the atasan may take leads to
    another tahap (approving or countering a proposed date, recording the observation, the atasan's part of the
    diskusi). Read from the state machine and the access table, so a new step needs no change here."""
    return frozenset(
        tahap
        for (tahap, aksi), (target, _) in TRANSITIONS.items()
        if target is not tahap and ALLOWED.get(aksi) == frozenset({Relation.ATASAN})
    )


ATASAN_TURN = atasan_turn()


def confirms_documents(evidence_upload: bool) -> bool:
    """Under a policy without uploads the atasan confirms that a kepala sekolah's accountability documents exist;
    until all of them are confirmed the KS cannot complete the cycle (docs/domain.md §5)."""
    return evidence_mode(evidence_upload) is EvidenceMode.KONFIRMASI


async def reminder_windows(session: AsyncSession, today: date) -> list[ReminderWindow]:
    return await projection_windows(session, today, PELAKSANAAN_STEPS)


async def waiting_for_atasan(session: AsyncSession, window: ReminderWindow, today: date) -> list[Recipient]:
    """Atasan with cycles of the region's pegawai waiting for them in this period, with how many: a step only
    they can take, or (under a policy where the atasan confirms) a kepala sekolah's document still unconfirmed."""
    periode = await session.get(RosterPeriode, window.periode)
    if periode is None:
        return []
    waiting = PelaksanaanRow.tahap.in_(sorted(t.value for t in ATASAN_TURN))
    if confirms_documents(bool(periode.snapshot.get("evidence_upload"))):
        confirmed = (
            select(func.count(func.distinct(BuktiRow.kategori)))
            .where(
                BuktiRow.pelaksanaan_id == PelaksanaanRow.id,
                BuktiRow.kategori.in_(DOKUMEN_KS),
                BuktiRow.outside_period.is_(False),
            )
            .scalar_subquery()
        )
        waiting = waiting | ((RosterPegawai.jenis_gtk == KEPALA_SEKOLAH) & (confirmed < len(DOKUMEN_KS)))
    cycles = (
        select(
            PelaksanaanRow.id,
            current_atasan_of(RosterRelasi, PelaksanaanRow.pegawai_id, today).label("atasan_id"),
        )
        .join(RosterPegawai, RosterPegawai.pegawai_id == PelaksanaanRow.pegawai_id)
        .where(
            PelaksanaanRow.periode == window.periode,
            PelaksanaanRow.tahap.not_in([t.value for t in FINAL]),
            PelaksanaanRow.selesai.is_(None) | (PelaksanaanRow.selesai >= today),  # domain/bagian.is_ended
            RosterPegawai.kode_wilayah == window.wilayah,
            waiting,
        )
        .subquery("waiting")
    )
    return await per_atasan(session, cycles, link_path=LINK)


def observation_reminders() -> Reminding:
    templates = load_templates("observation.domain", "pelaksanaan.toml")
    return Reminding(
        windows=reminder_windows,
        kinds=(ReminderKind(MENUNGGU_ATASAN, PELAKSANAAN_STEPS, waiting_for_atasan, templates[MENUNGGU_ATASAN]),),
    )
