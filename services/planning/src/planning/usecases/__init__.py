"""Planning's service layer: one async function per command, one module per area (docs/design.md §9).

`skp` the plan's drafting steps and decisions, `periode` the periods and their windows, `roster` the operator's
imports, `from_bkn` what SIASN and e-Kinerja say, `views` what the GET routes read. Each use case takes its command,
then the unit of work, the `Deps` below when it needs reference data or the clock, and the actor when a person acts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from planning.db.uow import PlanningUnitOfWork
from planning.domain.catalog import Catalog
from planning.domain.policy import Policy
from pmm_chassis.actor_cache import ActorCache
from pmm_kernel.clock import Clock

UowFactory = Callable[[], PlanningUnitOfWork]


@dataclass(frozen=True)
class Deps:
    """What every use case may need besides its unit of work; built once by the bootstrap."""

    uow: UowFactory
    clock: Clock
    catalog: Catalog
    policies: Sequence[Policy]
    actors: ActorCache[uuid.UUID] = field(default_factory=ActorCache)  # NIP -> pegawai id, for pegawai_id_by_nip
