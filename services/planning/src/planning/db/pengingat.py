"""Planning's reminders (docs/domain.md §3): who has not submitted a plan, and which atasan has plans waiting.

The chassis decides and mails them (pmm_chassis.reminders); these are the reads it asks for, per window (one
period's planning step in one kab/kota, with that region's effective close).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from planning.db.tables import Pegawai, Periode, Sekolah, SkpRow, WindowExtension
from planning.domain.skp import SkpStatus, planning_step
from pmm_chassis.reminders import (
    Recipient,
    ReminderKind,
    ReminderWindow,
    Reminding,
    load_templates,
    windows_from_snapshot,
)
from pmm_kernel.windows import Extension

BELUM_DIAJUKAN = "perencanaan.belum_diajukan"
MENUNGGU_PERSETUJUAN = "persetujuan.menunggu"
PLANNING_STEPS = frozenset({planning_step("guru"), planning_step("kepala_sekolah")})
_KS = "Kepala Sekolah"
_PENGAWAS = "Pengawas Sekolah"
# A plan not yet before its atasan: none, a draft, or one returned and not submitted again.
_NOT_SUBMITTED = (SkpStatus.DRAFT.value, SkpStatus.DIKEMBALIKAN.value)


async def reminder_windows(session: AsyncSession, today: date) -> list[ReminderWindow]:
    """The planning windows of this year's and last year's periods (a period's planning may close in the next
    year), in every kab/kota with a school, each with its effective close there."""
    periods = (
        await session.execute(select(Periode).where(Periode.tahun.between(today.year - 1, today.year)))
    ).scalars()
    regions = list((await session.execute(select(Sekolah.kode_wilayah).distinct())).scalars())
    if not regions:
        return []
    found: list[ReminderWindow] = []
    for periode in periods:
        rows = (await session.execute(select(WindowExtension).where(WindowExtension.kode == periode.kode))).scalars()
        extensions = [Extension(step=r.step, until=r.until, region=r.wilayah, reason=r.alasan) for r in rows]
        found.extend(windows_from_snapshot(periode.snapshot, extensions, steps=PLANNING_STEPS, regions=regions))
    return found


def _peran(step: str) -> str:
    return "kepala_sekolah" if step == planning_step("kepala_sekolah") else "guru"


async def not_submitted(session: AsyncSession, window: ReminderWindow, today: date) -> list[Recipient]:
    """Guru (or kepala sekolah, in their window) of the region whose plan for the period is missing, a draft, or
    returned and not submitted again."""
    peran = _peran(window.step)
    role_filter = Pegawai.jenis_gtk == _KS if peran == "kepala_sekolah" else Pegawai.jenis_gtk.not_in((_KS, _PENGAWAS))
    query = (
        select(Pegawai.id, Pegawai.nip, Pegawai.nama, Pegawai.email)
        .join(Sekolah, Sekolah.npsn == Pegawai.npsn)
        # Only a part no transfer has ended: a pegawai whose part ended is reminded to plan at the new school.
        .outerjoin(
            SkpRow,
            and_(SkpRow.pegawai_id == Pegawai.id, SkpRow.periode == window.periode, SkpRow.selesai.is_(None)),
        )
        .where(
            Sekolah.kode_wilayah == window.wilayah,
            role_filter,
            or_(SkpRow.id.is_(None), SkpRow.status.in_(_NOT_SUBMITTED)),
        )
        .order_by(Pegawai.id)
    )
    return [
        Recipient(
            pegawai_id=row.id,
            subject=row.nip,
            email=row.email,
            link_path=f"/perencanaan/{window.periode}",
            params={"nama": row.nama},
        )
        for row in (await session.execute(query)).all()
    ]


async def awaiting_approval(session: AsyncSession, window: ReminderWindow, today: date) -> list[Recipient]:
    """Atasan with plans of the region's pegawai submitted to them (DIAJUKAN) in this window, with how many."""
    peran = _peran(window.step)
    waiting = (
        select(SkpRow.atasan_id, func.count().label("jumlah"))
        .join(Pegawai, Pegawai.id == SkpRow.pegawai_id)
        .join(Sekolah, Sekolah.npsn == Pegawai.npsn)
        .where(
            SkpRow.periode == window.periode,
            SkpRow.peran == peran,
            SkpRow.status == SkpStatus.DIAJUKAN.value,
            SkpRow.selesai.is_(None),  # a part a transfer ended is frozen: nothing to decide
            SkpRow.atasan_id.is_not(None),
            Sekolah.kode_wilayah == window.wilayah,
        )
        .group_by(SkpRow.atasan_id)
        .subquery()
    )
    query = (
        select(Pegawai.id, Pegawai.nip, Pegawai.nama, Pegawai.email, waiting.c.jumlah)
        .join(waiting, waiting.c.atasan_id == Pegawai.id)
        .order_by(Pegawai.id)
    )
    return [
        Recipient(
            pegawai_id=row.id,
            subject=row.nip,
            email=row.email,
            link_path="/persetujuan",
            params={"nama": row.nama, "jumlah": str(row.jumlah)},
        )
        for row in (await session.execute(query)).all()
    ]


def planning_reminders() -> Reminding:
    templates = load_templates("planning.domain", "perencanaan.toml")
    return Reminding(
        windows=reminder_windows,
        kinds=(
            ReminderKind(BELUM_DIAJUKAN, PLANNING_STEPS, not_submitted, templates[BELUM_DIAJUKAN]),
            ReminderKind(MENUNGGU_PERSETUJUAN, PLANNING_STEPS, awaiting_approval, templates[MENUNGGU_PERSETUJUAN]),
        ),
    )
