"""Appraisal's service layer: one async function per command, event or query, split by area.

- `penilaian`: the atasan's two ratings and finalisation, the operator's reopen and perilaku-only mark;
- `sekolah`: the school's predikat organisasi, set by the Dinas;
- `from_planning` and `from_observation`: what the SKP and the observation cycle tell a penilaian;
- `tahunan`: a penilaian opened on first news, and the year's penilaian tahunan kept in step with its periods;
- `views`: what the GET routes show (a penilaian, the evaluation document, the distribution, the monitoring).

Each use case enters its unit of work (a route passes a fresh one, a consumer the one it opened to claim the
message), checks the caller's relation from the roster projection, calls the domain and commits; the outbox rows
go in the same transaction. A pegawai whose roster entry has not arrived yet can be appraised by nobody but an
operator of the whole country: relations come from the roster, and without it there is none.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain.evaluasi import EvaluasiRules
from pmm_chassis.actor_cache import ActorCache
from pmm_kernel.clock import Clock

UowFactory = Callable[[], AppraisalUnitOfWork]


@dataclass(frozen=True)
class Deps:
    """What every use case may need besides its unit of work; built once by the bootstrap."""

    uow: UowFactory
    clock: Clock
    rules: EvaluasiRules
    actors: ActorCache[uuid.UUID] = field(default_factory=ActorCache)  # NIP -> pegawai id, for pegawai_id_by_nip
