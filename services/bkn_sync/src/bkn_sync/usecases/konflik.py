"""An operator's decision on a conflict: keep PMM's approved plan (pushed again, overwriting BKN's) or accept
BKN's (sent to planning, where the plan changes only through an operator's audited reset)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain.access import Action, Actor
from bkn_sync.domain.conflict import Keputusan
from bkn_sync.domain.push import JenisPush
from bkn_sync.usecases import Deps
from bkn_sync.usecases.views import authorize, conflict_view
from pmm_kernel.errors import NotFound


@dataclass(frozen=True)
class DecideConflict:
    conflict_id: uuid.UUID
    keputusan: Keputusan
    alasan: str  # kept in the audit trail


async def decide_conflict(cmd: DecideConflict, *, uow: BknSyncUnitOfWork, deps: Deps, actor: Actor) -> dict[str, Any]:
    async with uow:
        conflict = await uow.conflicts.get(cmd.conflict_id, lock=True)
        if conflict is None:
            raise NotFound("no such conflict", rule="conflict.not_found")
        pegawai = await authorize(uow, actor, conflict.pegawai_id, Action.DECIDE, what="conflict")
        now = deps.clock.now()
        conflict.decide(cmd.keputusan, alasan=cmd.alasan, by=actor.subject, nip=pegawai.nip, now=now)
        uow.conflicts.save(conflict)
        if cmd.keputusan is Keputusan.PERTAHANKAN_PMM:
            push = await uow.pushes.by_key(
                pegawai_id=conflict.pegawai_id, jenis=JenisPush.SKP, periode=conflict.periode, bagian=""
            )
            if push is not None:
                push.send_again(now)
                uow.pushes.save(push)
        await uow.commit()
        return conflict_view(conflict)
