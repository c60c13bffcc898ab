"""Dependencies every planning route uses, as `Annotated` aliases (the full-stack template's style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from planning.domain.access import Actor
from planning.usecases import Deps
from planning.usecases.roster import pegawai_id_by_nip
from pmm_chassis.http.actor import actor_dependency, app_deps, roster_actor

DepsDep = Annotated[Deps, Depends(app_deps)]
ActorDep = Annotated[Actor, Depends(actor_dependency(roster_actor(pegawai_id_by_nip)))]
