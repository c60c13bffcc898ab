"""The bkn_sync service: each person's pushes to BKN e-Kinerja, failures, conflicts."""

from __future__ import annotations

from typing import Any

from portal.clients.base import ServiceClient


class BknSyncClient(ServiceClient):
    async def my_sync(self, token: str) -> Any:
        return (await self.call("GET", "/sinkron/saya", token=token)).body
