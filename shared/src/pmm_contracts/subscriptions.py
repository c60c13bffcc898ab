"""Who consumes what: the binding keys of each service's inbox queue, as data.

Every service declares every inbox queue and its bindings when it starts (idempotently), not only its own. So an
event published before its consumer ever ran (planning announcing the periods while observation is still starting,
or a service deployed later than the others) waits in that consumer's queue instead of being unroutable. Each
service's test suite checks that its handlers and this table agree.
"""

from __future__ import annotations

from pmm_contracts.catalogue import routing_key
from pmm_contracts.envelope import EventData
from pmm_contracts.events import appraisal, bkn_sync, observation, planning

# The roster projection every consuming service keeps (pmm_roster.projections.ROSTER_HANDLERS).
ROSTER: tuple[type[EventData], ...] = (
    planning.SekolahRegisteredV1,
    planning.SekolahUpdatedV1,
    planning.PegawaiRegisteredV1,
    planning.PegawaiUpdatedV1,
    planning.AtasanAssignedV1,
    planning.AtasanUpdatedV1,
    planning.PeriodeOpenedV1,
    planning.PeriodeWindowExtendedV1,
)

SUBSCRIPTIONS: dict[str, tuple[type[EventData], ...]] = {
    "planning": (bkn_sync.BknPegawaiChangedV1, bkn_sync.BknSkpReceivedV1),
    "observation": (*ROSTER, planning.SkpApprovedV1, planning.SkpResetV1, planning.SkpEndedV1),
    "appraisal": (
        *ROSTER,
        planning.SkpSubmittedV1,
        planning.SkpApprovedV1,
        planning.SkpResetV1,
        planning.SkpEndedV1,  # a transfer ended a part of the period: its atasan of that day appraises it
        observation.PelaksanaanCompletedV1,
        observation.PelaksanaanClosedV1,
        # monitoring by name (appraisal.domain.monitoring): every phase's state per pegawai
        planning.SkpReturnedV1,
        planning.KoreksiReportedV1,
        planning.KoreksiClosedV1,
        observation.StepCompletedV1,
        observation.ObservasiRecordedV1,
        bkn_sync.PushSucceededV1,
        bkn_sync.PushFailedV1,
    ),
    "bkn_sync": (
        *ROSTER,
        planning.SkpApprovedV1,
        planning.SkpResetV1,
        planning.SkpEndedV1,  # a transfer ended a part: its SKP at e-Kinerja goes again with the shortened period
        appraisal.PenilaianFinalizedV1,
        appraisal.PenilaianReopenedV1,
    ),
}


def binding_keys(service: str) -> list[str]:
    return sorted(routing_key(model) for model in SUBSCRIPTIONS.get(service, ()))
