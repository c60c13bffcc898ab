"""Appraisal's reminders (docs/domain.md §3, §6): the atasan with penilaian of their pegawai not final yet.

The chassis decides and mails them (pmm_chassis.reminders); these are the reads it asks for, per window (one
period's penilaian step in one kab/kota, with that region's effective close). The atasan is whoever holds the
appraising relation in the roster projection on the day of the decision (a KS for a guru, the pengawas for a KS),
as for rating and finalising.
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from appraisal.db.tables import PenilaianRow
from appraisal.domain.access import ALLOWED, Relation
from appraisal.domain.penilaian import TRANSITIONS, Status
from pmm_chassis.reminders import Recipient, ReminderKind, ReminderWindow, Reminding, Template, windows_from_snapshot
from pmm_kernel.windows import Extension
from pmm_roster.projections import (
    RosterPegawai,
    RosterPeriode,
    RosterRelasi,
    RosterSekolah,
    RosterWindowExtension,
    current_atasan_of,
)

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
    """The penilaian windows of this year's and last year's periods (a period's penilaian may close in the next
    year), in every kab/kota with a school, each with its effective close there."""
    periods = [
        p
        for p in (await session.execute(select(RosterPeriode))).scalars()
        if today.year - 1 <= int(p.snapshot.get("tahun", today.year)) <= today.year
    ]
    if not periods:
        return []
    regions = list((await session.execute(select(RosterSekolah.kode_wilayah).distinct())).scalars())
    if not regions:
        return []
    found: list[ReminderWindow] = []
    for periode in periods:
        rows = (
            await session.execute(select(RosterWindowExtension).where(RosterWindowExtension.kode == periode.kode))
        ).scalars()
        extensions = [Extension(step=r.step, until=r.until, region=r.wilayah, reason=r.alasan) for r in rows]
        found.extend(windows_from_snapshot(periode.snapshot, extensions, steps=PENILAIAN_STEPS, regions=regions))
    return found


async def not_final(session: AsyncSession, window: ReminderWindow, today: date) -> list[Recipient]:
    """Atasan with penilaian of the region's pegawai in this period not rated or rated but not final, with how
    many."""
    pending = (
        select(
            PenilaianRow.id,
            current_atasan_of(RosterRelasi, PenilaianRow.pegawai_id, today).label("atasan_id"),
        )
        .join(RosterPegawai, RosterPegawai.pegawai_id == PenilaianRow.pegawai_id)
        .where(
            PenilaianRow.periode == window.periode,
            PenilaianRow.status.in_(sorted(s.value for s in NOT_FINAL)),
            RosterPegawai.kode_wilayah == window.wilayah,
        )
        .subquery("pending")
    )
    per_atasan = (
        select(pending.c.atasan_id, func.count().label("jumlah"))
        .where(pending.c.atasan_id.is_not(None))
        .group_by(pending.c.atasan_id)
        .subquery("per_atasan")
    )
    atasan = aliased(RosterPegawai)
    query = (
        select(atasan.pegawai_id, atasan.nip, atasan.nama, atasan.email, per_atasan.c.jumlah)
        .join(per_atasan, per_atasan.c.atasan_id == atasan.pegawai_id)
        .order_by(atasan.pegawai_id)
    )
    return [
        Recipient(
            pegawai_id=row.pegawai_id,
            subject=row.nip,
            email=row.email,
            link_path=LINK,
            params={"nama": row.nama, "jumlah": str(row.jumlah)},
        )
        for row in (await session.execute(query)).all()
    ]


def load_templates() -> dict[str, Template]:
    source = resources.files("appraisal.domain") / "reference" / "pengingat" / "penilaian.toml"
    kinds = tomllib.loads(source.read_text(encoding="utf-8"))["kinds"]
    return {kind: Template(subject=t["subject"], body=t["body"].strip() + "\n") for kind, t in kinds.items()}


def appraisal_reminders() -> Reminding:
    templates = load_templates()
    return Reminding(
        windows=reminder_windows,
        kinds=(ReminderKind(BELUM_FINAL, PENILAIAN_STEPS, not_final, templates[BELUM_FINAL]),),
    )
