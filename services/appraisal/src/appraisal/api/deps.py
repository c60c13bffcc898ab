"""Dependencies every appraisal route uses, as `Annotated` aliases (the full-stack template's style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from appraisal.domain.access import Actor
from appraisal.usecases import Deps, resolve_actor
from pmm_chassis.auth.jwt import PrincipalDep


def get_deps(request: Request) -> Deps:
    return request.app.state.container.deps


DepsDep = Annotated[Deps, Depends(get_deps)]


async def get_actor(principal: PrincipalDep, deps: DepsDep) -> Actor:
    return await resolve_actor(
        deps,
        subject=principal.subject,
        roles=frozenset(role.value for role in principal.roles),
        wilayah=principal.wilayah,
    )


ActorDep = Annotated[Actor, Depends(get_actor)]
