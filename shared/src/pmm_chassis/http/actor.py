"""Who is calling a service's route: the verified principal, as the service's roster knows them.

A service declares its caller once, in its `api/deps.py`, with `actor_dependency`; every route that takes that actor
is authenticated (and its writes rate-limited) by the principal it depends on, and the actor it returns is the one
this request's changes are audited under: the caller's roster id, never their NIP.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from fastapi import Request

from pmm_chassis.auth.jwt import BearerDep, limit_writes, verified_principal
from pmm_chassis.db import audit
from pmm_kernel.access import Actor

DepsT = TypeVar("DepsT", contravariant=True)
ActorT = TypeVar("ActorT", covariant=True)
D = TypeVar("D")
A = TypeVar("A", bound=audit.HasIdentity)


class ActorResolver(Protocol[DepsT, ActorT]):
    """A service's rule for turning a verified principal into its actor (what its authorisation checks read)."""

    def __call__(
        self, deps: DepsT, *, subject: str, roles: frozenset[str], wilayah: str | None
    ) -> Awaitable[ActorT]: ...


async def app_deps(request: Request) -> Any:  # async: a sync dependency runs in the thread pool
    """The service's use-case dependencies (its `Deps`), built once by its container at start-up."""
    return request.app.state.container.deps


def actor_dependency(resolve: ActorResolver[D, A]) -> Callable[..., Awaitable[A]]:
    """The FastAPI dependency for a service's caller: resolved by `resolve`, then made the audited actor."""

    async def current_actor(request: Request, credentials: BearerDep) -> A:
        # The chain (the token verified, the write limit taken, the service's deps) called here as plain functions:
        # FastAPI spends some 25 µs resolving each dependency of a route on every request, whatever it does.
        principal = await limit_writes(request, await verified_principal(request, credentials))
        actor = await resolve(
            await app_deps(request),
            subject=principal.subject,
            roles=frozenset(role.value for role in principal.roles),
            wilayah=principal.wilayah,
        )
        audit.act_as(actor)  # this request's changes are audited under the caller's roster id, not their NIP
        return actor

    return current_actor


def roster_actor(pegawai_id_by_nip: Callable[[D, str], Awaitable[uuid.UUID | None]]) -> ActorResolver[D, Actor]:
    """The resolver of a service whose callers are its roster's pegawai, found by NIP with `pegawai_id_by_nip`.

    An operator is not in the roster: they act within the wilayah their token names. Anyone else acts only as
    their roster row, and someone not (yet) in the roster has no pegawai id, so no relation to any record.
    """

    async def resolve(deps: D, *, subject: str, roles: frozenset[str], wilayah: str | None) -> Actor:
        pegawai_id = await pegawai_id_by_nip(deps, subject) if roles - {"operator"} else None
        return Actor(
            subject=subject, roles=roles, pegawai_id=pegawai_id, wilayah=wilayah if "operator" in roles else None
        )

    return resolve
