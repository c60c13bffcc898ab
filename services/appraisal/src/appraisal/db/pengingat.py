"""Appraisal's reminders (docs/domain.md §3, §6): the atasan with penilaian of their pegawai not final yet.

The chassis decides and mails them (pmm_chassis.reminders); these are the reads it asks for, per window (one
period's penilaian step in one kab/kota, with that region's effective close). The atasan is whoever holds the
appraising relation in the roster projection on the day of the decision (a KS for a guru, the pengawas for a KS),
as for rating and finalising; for a part of a period a transfer ended, on its last day, in its school's region (the
old school's KS finishes it; docs/domain.md §6).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.db.tables import PenilaianRow
from appraisal.domain.access import ALLOWED, Relation
from appraisal.domain.penilaian import TRANSITIONS, Status
from pmm_chassis.reminders import Recipient, ReminderKind, ReminderWindow, Reminding, load_templates
from pmm_roster.projections import (
    RosterPegawai,
    RosterRelasi,
    RosterSekolah,
    current_atasan_of,
)
from pmm_roster.reminders import per_atasan, projection_windows

BELUM_FINAL = "penilaian.belum_final"
PENILAIAN_STEPS = frozenset({"penilaian"})
LINK = "/penilaian"


def atasan_to_finish() -> frozenset[Status]:
    """The statuses in which the atasan still has to act for the penilaian to become final: ratable and not rated,
    or rated and not finalised. Read from the state machine and the access table: a penilaian still waiting for
    the plan or the cycle (MENUNGGU) is not the atasan's to act on yet."""
    return frozenset(
        status
        for (status, aksi), target in TRANSITIONS.items()
        if isinstance(target, Status) and ALLOWED.get(aksi) == frozenset({Relation.ATASAN})
    )


NOT_FINAL = atasan_to_finish()


async def reminder_windows(session: AsyncSession, today: date) -> list[ReminderWindow]:
    return await projection_windows(session, today, PENILAIAN_STEPS)


async def not_final(session: AsyncSession, window: ReminderWindow, today: date) -> list[Recipient]:
    """Atasan with penilaian of the region's pegawai in this period not rated or rated but not final, with how
    many."""
    on = literal(today, Date)
    # The same rule as Penilaian.hari_penilai: an ended part's atasan is the one of its last day.
    day = case((and_(PenilaianRow.berakhir, PenilaianRow.selesai < on), PenilaianRow.selesai), else_=on)
    part_school = RosterSekolah.__table__.alias("part_school")
    pending = (
        select(
            PenilaianRow.id,
            current_atasan_of(RosterRelasi, PenilaianRow.pegawai_id, day).label("atasan_id"),
        )
        .join(RosterPegawai, RosterPegawai.pegawai_id == PenilaianRow.pegawai_id)
        .outerjoin(part_school, part_school.c.npsn == PenilaianRow.npsn)
        .where(
            PenilaianRow.periode == window.periode,
            PenilaianRow.status.in_(sorted(s.value for s in NOT_FINAL)),
            func.coalesce(part_school.c.kode_wilayah, RosterPegawai.kode_wilayah) == window.wilayah,
        )
        .subquery("pending")
    )
    return await per_atasan(session, pending, link_path=LINK)


def appraisal_reminders() -> Reminding:
    templates = load_templates("appraisal.domain", "penilaian.toml")
    return Reminding(
        windows=reminder_windows,
        kinds=(ReminderKind(BELUM_FINAL, PENILAIAN_STEPS, not_final, templates[BELUM_FINAL]),),
    )
