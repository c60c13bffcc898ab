"""Appraisal's event consumers: the contract event in, a command built from its fields, a use case called."""

from __future__ import annotations

from collections.abc import Mapping

from appraisal.handlers.on_pelaksanaan import on_langkah, on_pelaksanaan_closed, on_pelaksanaan_completed
from appraisal.handlers.on_push import on_push_failed, on_push_succeeded
from appraisal.handlers.on_skp import (
    on_koreksi_closed,
    on_koreksi_reported,
    on_skp_approved,
    on_skp_ended,
    on_skp_reset,
    on_skp_returned,
    on_skp_submitted,
)
from appraisal.usecases import Deps
from pmm_chassis.messaging.consumer import Handler, InRuns
from pmm_contracts import EventData
from pmm_contracts.events.bkn_sync import PushFailedV1, PushSucceededV1
from pmm_contracts.events.observation import (
    ObservasiRecordedV1,
    PelaksanaanClosedV1,
    PelaksanaanCompletedV1,
    StepCompletedV1,
)
from pmm_contracts.events.planning import (
    KoreksiClosedV1,
    KoreksiReportedV1,
    SkpApprovedV1,
    SkpEndedV1,
    SkpResetV1,
    SkpReturnedV1,
    SkpSubmittedV1,
)
from pmm_roster.projections import ROSTER_HANDLERS


def handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    """Every event appraisal consumes and its handler; the use cases' rules come with `deps`."""
    return {
        **ROSTER_HANDLERS,  # the roster, who appraises whom, the periods and their windows
        SkpSubmittedV1: InRuns(on_skp_submitted),  # monitoring: planned
        SkpApprovedV1: InRuns(on_skp_approved(deps)),  # opens the penilaian; monitoring: approved
        SkpResetV1: on_skp_reset(deps),
        SkpEndedV1: on_skp_ended(deps),  # a transfer ended a part: its last day, ratable without its cycle
        PelaksanaanCompletedV1: on_pelaksanaan_completed(deps),  # makes it ratable; the rubric is its evidence
        PelaksanaanClosedV1: on_pelaksanaan_closed(deps),
        # monitoring by name: where each pegawai stands in every phase
        SkpReturnedV1: on_skp_returned,
        StepCompletedV1: InRuns(on_langkah),
        ObservasiRecordedV1: InRuns(on_langkah),
        PushSucceededV1: on_push_succeeded,
        PushFailedV1: on_push_failed,
        KoreksiReportedV1: on_koreksi_reported,  # an open correction blocks the pegawai's data
        KoreksiClosedV1: on_koreksi_closed,
    }
