"""Dependencies every observation route uses, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from observation.domain.access import Actor
from observation.usecases import Deps, resolve_actor
from pmm_chassis.auth.jwt import PrincipalDep
from pmm_chassis.db import audit


async def get_deps(request: Request) -> Deps:  # async: a sync dependency runs in the thread pool
    return request.app.state.container.deps


DepsDep = Annotated[Deps, Depends(get_deps)]


async def get_actor(principal: PrincipalDep, deps: DepsDep) -> Actor:
    actor = await resolve_actor(
        deps,
        subject=principal.subject,
        roles=frozenset(role.value for role in principal.roles),
        wilayah=principal.wilayah,
    )
    audit.act_as(actor)  # this request's changes are audited under the caller's roster id, not their NIP
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
