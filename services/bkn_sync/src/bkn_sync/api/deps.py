"""Dependencies every bkn_sync route uses, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from bkn_sync.domain.access import Actor
from bkn_sync.usecases import Deps
from bkn_sync.usecases.views import resolve_actor
from pmm_chassis.http.actor import actor_dependency, app_deps

DepsDep = Annotated[Deps, Depends(app_deps)]
ActorDep = Annotated[Actor, Depends(actor_dependency(resolve_actor))]
