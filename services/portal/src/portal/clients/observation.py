"""The observation service: pelaksanaan, its five steps, bukti dukung."""

from __future__ import annotations

from portal.clients.base import Answer, ServiceClient


class ObservationClient(ServiceClient):
    async def my_pelaksanaan(self, token: str, periode: str) -> Answer | None:
        answer = await self.call("GET", "/pelaksanaan/saya", token=token, params={"periode": periode}, ok=(404,))
        return None if answer.status == 404 else answer
