"""Observation's event consumers: the contract event in, a use case called, nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from observation.handlers.on_skp_approved import on_skp_approved
from observation.handlers.on_skp_reset import on_skp_reset
from pmm_chassis.messaging.consumer import Handler
from pmm_contracts import EventData
from pmm_contracts.events.planning import SkpApprovedV1, SkpResetV1
from pmm_roster.projections import ROSTER_HANDLERS

HANDLERS: Mapping[type[EventData], Handler] = {
    **ROSTER_HANDLERS,  # the roster, who appraises whom, the periods and their windows
    SkpApprovedV1: on_skp_approved,
    SkpResetV1: on_skp_reset,
}
