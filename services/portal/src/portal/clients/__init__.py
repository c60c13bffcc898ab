"""Typed clients of the four services' public APIs (one module each), every call made with the signed-in user's
own token. `Clients` holds one of each for the whole process (their connection pools are shared)."""

from __future__ import annotations

from portal.clients.appraisal import AppraisalClient
from portal.clients.bkn_sync import BknSyncClient
from portal.clients.observation import ObservationClient
from portal.clients.planning import PlanningClient


class Clients:
    def __init__(
        self,
        planning: PlanningClient,
        observation: ObservationClient,
        appraisal: AppraisalClient,
        bkn_sync: BknSyncClient,
    ) -> None:
        self.planning, self.observation, self.appraisal, self.bkn_sync = planning, observation, appraisal, bkn_sync

    async def close(self) -> None:
        for client in (self.planning, self.observation, self.appraisal, self.bkn_sync):
            await client.close()
