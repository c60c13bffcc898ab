"""The appraisal service: penilaian, predikat, angka kredit, the evaluation document, monitoring."""

from __future__ import annotations

from typing import Any

from portal.clients.base import ServiceClient


class AppraisalClient(ServiceClient):
    async def penilaian_list(self, token: str, **params: Any) -> dict[str, Any]:
        return (await self.call("GET", "/penilaian", token=token, params=params)).body
