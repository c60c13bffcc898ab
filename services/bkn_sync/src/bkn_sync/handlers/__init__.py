"""bkn_sync's consumers and background loops: an event (or a tick) in, a use case called, nothing else.

Events: the roster projection (with healing of failed pushes when a pegawai, relation or period arrives), the
approved plan, its reset and a transfer's end of it, the finalised penilaian and its reopening. Loops: the push
worker, the feed pull.
"""

from __future__ import annotations

from collections.abc import Mapping

from bkn_sync.handlers.on_penilaian import on_penilaian_finalized, on_penilaian_reopened
from bkn_sync.handlers.on_roster import on_atasan, on_pegawai, on_periode_opened
from bkn_sync.handlers.on_skp import on_skp_approved, on_skp_ended, on_skp_reset
from bkn_sync.usecases import Deps
from pmm_chassis.messaging.consumer import Handler, InRuns
from pmm_contracts import EventData
from pmm_contracts.events import planning
from pmm_contracts.events.appraisal import PenilaianFinalizedV1, PenilaianReopenedV1
from pmm_roster.projections import ROSTER_HANDLERS


def handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    """What each event bkn_sync is bound to is handled by (none of them needs more than its unit of work)."""
    return {
        **ROSTER_HANDLERS,  # schools, pegawai, who appraises whom, periods: a local projection
        planning.PegawaiRegisteredV1: InRuns(on_pegawai),
        planning.PegawaiUpdatedV1: InRuns(on_pegawai),
        planning.AtasanAssignedV1: InRuns(on_atasan),
        planning.AtasanUpdatedV1: InRuns(on_atasan),
        planning.PeriodeOpenedV1: InRuns(on_periode_opened),
        planning.SkpApprovedV1: InRuns(on_skp_approved),
        planning.SkpResetV1: on_skp_reset,
        planning.SkpEndedV1: on_skp_ended,
        PenilaianFinalizedV1: on_penilaian_finalized,
        PenilaianReopenedV1: on_penilaian_reopened,
    }
