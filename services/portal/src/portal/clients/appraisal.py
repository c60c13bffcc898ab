"""The appraisal service: penilaian, predikat, angka kredit, the evaluation document, monitoring."""

from __future__ import annotations

from typing import Any

from portal.clients.base import Answer, ServiceClient, if_match


class AppraisalClient(ServiceClient):
    async def penilaian_list(self, token: str, **params: Any) -> dict[str, Any]:
        return (await self.call("GET", "/penilaian", token=token, params=params)).body

    async def penilaian(self, token: str, penilaian_id: str) -> Answer:
        return await self.call("GET", f"/penilaian/{penilaian_id}", token=token)

    async def rate(self, token: str, penilaian_id: str, body: dict[str, Any], *, version: str | None) -> Answer:
        """The atasan's two ratings and feedback: a draft the service turns into predikat and angka kredit."""
        return await self.call("PUT", f"/penilaian/{penilaian_id}/nilai", token=token, json=body,
                               headers=if_match(version))  # fmt: skip

    async def finalize(self, token: str, penilaian_id: str, *, version: str | None, key: str) -> Answer:
        """Irreversible (but for an operator's audited reopen): keyed, so a double tap finalises once."""
        headers = {**if_match(version), "Idempotency-Key": key}
        return await self.call("POST", f"/penilaian/{penilaian_id}/finalisasi", token=token, headers=headers)

    async def dokumen(self, token: str, penilaian_id: str) -> Answer:
        """The evaluation document as the service renders it (a PDF of a few pages)."""
        return await self.call("GET", f"/penilaian/{penilaian_id}/dokumen", token=token,
                               headers={"Accept": "application/pdf"})  # fmt: skip

    async def monitoring(self, token: str, periode: str) -> list[dict[str, Any]]:
        """Per school of the caller's region (an operator) or their own school (a kepala sekolah)."""
        params = {"periode": periode, "tingkat": "sekolah"}
        return (await self.call("GET", "/monitoring", token=token, params=params)).body["items"]

    async def monitoring_csv(self, token: str, periode: str) -> bytes:
        params = {"periode": periode, "tingkat": "sekolah"}
        headers = {"Accept": "text/csv"}
        return (await self.call("GET", "/monitoring.csv", token=token, params=params, headers=headers)).body
