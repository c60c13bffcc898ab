"""Dependencies every observation route uses, as `Annotated` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from observation.domain.access import Actor
from observation.usecases import Deps
from observation.usecases.views import PegawaiByNip, pegawai_id_by_nip
from pmm_chassis.http.actor import actor_dependency, app_deps, roster_actor


async def _pegawai_id(deps: Deps, nip: str) -> uuid.UUID | None:
    # Remembered: every request of a teacher at a deadline asks it again (pmm_chassis.actor_cache).
    return await deps.actors.get(nip, lambda: pegawai_id_by_nip(PegawaiByNip(nip), uow=deps.uow()))


DepsDep = Annotated[Deps, Depends(app_deps)]
ActorDep = Annotated[Actor, Depends(actor_dependency(roster_actor(_pegawai_id)))]
