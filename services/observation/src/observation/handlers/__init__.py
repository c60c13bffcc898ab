"""Observation's event consumers: the contract event in, a command built, a use case called, nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from observation.handlers.on_skp_approved import on_skp_approved
from observation.handlers.on_skp_ended import on_skp_ended
from observation.handlers.on_skp_reset import on_skp_reset
from observation.usecases import Deps
from pmm_chassis.messaging.consumer import Handler, InRuns
from pmm_contracts import EventData
from pmm_contracts.events.planning import SkpApprovedV1, SkpEndedV1, SkpResetV1
from pmm_roster.projections import ROSTER_HANDLERS


def handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    """Every event observation consumes and its handler (planning's plan events need nothing from `deps`)."""
    return {
        **ROSTER_HANDLERS,  # the roster, who appraises whom, the periods and their windows
        SkpApprovedV1: InRuns(on_skp_approved),
        SkpResetV1: on_skp_reset,
        SkpEndedV1: on_skp_ended,
    }
