"""What the reminding services that keep the roster projection (observation, appraisal) read alike.

A consuming service's reminders concern its own phase, but the windows (the periods planning published, with the
operators' extensions) and the atasan to mail (whoever holds the relation today) come from the projection, the same
in every one of them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pmm_chassis.reminders import Recipient, ReminderWindow, windows_from_snapshot
from pmm_kernel.windows import Extension
from pmm_roster.projections import RosterPegawai, RosterPeriode, RosterSekolah, RosterWindowExtension


async def projection_windows(session: AsyncSession, today: date, steps: Collection[str]) -> list[ReminderWindow]:
    """`steps`' windows of this year's and last year's periods (a period's step may close in the next year), in
    every kab/kota with a school, each with its effective close there."""
    periods = [
        p
        for p in (await session.execute(select(RosterPeriode))).scalars()
        if today.year - 1 <= int(p.snapshot.get("tahun", today.year)) <= today.year
    ]
    regions = list((await session.execute(select(RosterSekolah.kode_wilayah).distinct())).scalars())
    if not periods or not regions:
        return []
    found: list[ReminderWindow] = []
    for periode in periods:
        rows = (
            await session.execute(select(RosterWindowExtension).where(RosterWindowExtension.kode == periode.kode))
        ).scalars()
        extensions = [Extension(step=r.step, until=r.until, region=r.wilayah, reason=r.alasan) for r in rows]
        found.extend(windows_from_snapshot(periode.snapshot, extensions, steps=frozenset(steps), regions=regions))
    return found


async def per_atasan(session: AsyncSession, pending: Any, *, link_path: str) -> list[Recipient]:
    """One recipient per atasan of `pending` (a subquery with an `atasan_id` per record waiting for them), with how
    many records wait (`jumlah`), mailed at their roster address."""
    counts = (
        select(pending.c.atasan_id, func.count().label("jumlah"))
        .where(pending.c.atasan_id.is_not(None))
        .group_by(pending.c.atasan_id)
        .subquery("per_atasan")
    )
    atasan = aliased(RosterPegawai)
    query = (
        select(atasan.pegawai_id, atasan.nip, atasan.nama, atasan.email, counts.c.jumlah)
        .join(counts, counts.c.atasan_id == atasan.pegawai_id)
        .order_by(atasan.pegawai_id)
    )
    return [
        Recipient(
            pegawai_id=row.pegawai_id,
            subject=row.nip,
            email=row.email,
            link_path=link_path,
            params={"nama": row.nama, "jumlah": str(row.jumlah)},
        )
        for row in (await session.execute(query)).all()
    ]
