"""bkn_sync's service layer: one async function per command, one module per area.

`from_planning` and `from_appraisal` take what arrives by event (an approved plan or a finalised penilaian becomes
pushes, a roster correction heals failed ones), `push` is the worker's work and an operator's retry and
reconciliation, `pull` reads BKN's change feed, `konflik` decides conflicts, `views` answers the reads. None of
them touches a session, a trace or BKN's HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain.ports import BknPort, Random, Stopwatch
from bkn_sync.domain.push import RetryPolicy
from pmm_chassis.actor_cache import ActorCache
from pmm_kernel.clock import Clock

UowFactory = Callable[[], BknSyncUnitOfWork]


@dataclass(frozen=True)
class Deps:
    """What the use cases need besides their unit of work; built once by the bootstrap."""

    uow: UowFactory
    clock: Clock
    bkn: BknPort
    random: Random  # jitter of retry delays
    stopwatch: Stopwatch  # how long a BKN call took
    policy: RetryPolicy = RetryPolicy()
    lease_seconds: float = 120.0  # a claimed push is the claimer's this long; then another worker may take it
    # NIP -> (pegawai id, school), for resolve_actor
    actors: ActorCache[tuple[uuid.UUID, str]] = field(default_factory=ActorCache)
