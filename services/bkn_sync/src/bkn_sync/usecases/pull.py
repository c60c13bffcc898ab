"""The pull of BKN's change feed: a SIASN profile change becomes `bkn.pegawai.changed` for planning (and heals the
pushes it may have fixed); a BKN-side edit of an SKP goes to planning while the plan is a draft, and becomes a
conflict for an operator once it is approved (docs/domain.md §4)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain import events
from bkn_sync.domain.bkn import ProfilChange, Refused, SkpEdit
from bkn_sync.domain.conflict import Conflict, differences, received
from bkn_sync.domain.mapping import HEALING_FIELDS, roster_changes
from bkn_sync.domain.periods import kode_of
from bkn_sync.domain.push import JenisPush, Trigger
from bkn_sync.usecases import Deps
from bkn_sync.usecases.push import heal

logger = logging.getLogger(__name__)

FEED = "bkn_feed"


@dataclass(frozen=True)
class PullChanges:
    batch: int  # entries asked of BKN at once


async def pull_changes(cmd: PullChanges, *, uow: BknSyncUnitOfWork, deps: Deps) -> int:
    """Read one page of BKN's feed and handle each entry in its own transaction with the cursor's advance, so an
    entry is applied once even if the process dies half-way. Returns how many entries were handled."""
    async with uow:
        since = await uow.cursor.position(FEED)
    page = await deps.bkn.changes(since, cmd.batch)
    if isinstance(page, Refused):
        logger.warning("BKN change feed unavailable", extra={"kode": page.kode, "status": page.http_status})
        return 0
    handled = 0
    for item in page.items:
        async with uow:
            if item.seq <= await uow.cursor.position(FEED, lock=True):
                continue  # another replica handled it
            if isinstance(item, ProfilChange):
                await _apply_profile_change(uow, item)
            else:
                await _apply_skp_edit(uow, item)
            await uow.cursor.advance(FEED, item.seq, now=deps.clock.now())
            await uow.commit()
            handled += 1
    if not page.items and page.position > since:
        async with uow:
            await uow.cursor.advance(FEED, page.position, now=deps.clock.now())
            await uow.commit()
    return handled


async def _apply_profile_change(uow: BknSyncUnitOfWork, item: ProfilChange) -> None:
    changes = roster_changes(item.changes)
    if changes:
        uow.record(events.BknPegawaiChanged(nip=item.nip, changes=changes, at=item.at, seq=item.seq))
    if HEALING_FIELDS & set(item.changes):
        pegawai = await uow.roster.pegawai_by_nip(item.nip)
        if pegawai is not None:
            await heal(uow, Trigger.SIASN, pegawai_ids=[pegawai.pegawai_id])


async def _apply_skp_edit(uow: BknSyncUnitOfWork, item: SkpEdit) -> None:
    pegawai = await uow.roster.pegawai_by_nip(item.nip)
    periode = kode_of(await uow.roster_extra.periods(), item.periode)
    # An edit of the whole period's months is part 1's SKP: BKN names a part by its months, which only part 1 shares
    # with the period; an edit of a later part's months finds no period here and goes to planning as received.
    plan = await uow.plans.get(pegawai.pegawai_id, periode, 1) if pegawai is not None and periode else None
    if plan is None or not plan.approved:
        # Before approval the plan is still the teacher's to change: planning applies BKN's version.
        uow.record(received(item, pegawai.pegawai_id if pegawai else None, periode))
        return
    fields = differences(plan.rhk or [], item.rhk)
    if not fields:
        return  # BKN holds what was approved: nothing to decide
    now = uow.clock.now()
    conflict = await uow.conflicts.open_for(pegawai_id=plan.pegawai_id, periode=plan.periode, jenis=JenisPush.SKP)
    if conflict is None:
        uow.conflicts.add(Conflict.open(plan, item, jenis=JenisPush.SKP.value, fields=fields, now=now))
    else:
        conflict.edited_again(item, fields=fields, now=now)
        uow.conflicts.save(conflict)
