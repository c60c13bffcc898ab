"""Observation's service layer: one async function per command, one module per area (docs/design.md §9).

`pelaksanaan`: the five steps of a cycle; `bukti`: evidence (the atasan's confirmation, resumable uploads);
`from_planning`: what planning's events do here; `views`: what the reading routes return; `cycle`: a cycle loaded
with the caller's relation, the period and the evidence. Routes and handlers build a command and call one of these
with a unit of work; neither touches a session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from observation.db.uow import ObservationUnitOfWork
from observation.domain.ports import ObjectStorage
from pmm_chassis.actor_cache import ActorCache
from pmm_kernel.clock import Clock


@dataclass(frozen=True)
class Deps:
    """What use cases may need besides their unit of work; built once by the bootstrap."""

    uow: Callable[[], ObservationUnitOfWork]
    clock: Clock
    storage: ObjectStorage
    upload_max_bytes: int
    actors: ActorCache[uuid.UUID] = field(default_factory=ActorCache)  # NIP -> pegawai id, for pegawai_id_by_nip
