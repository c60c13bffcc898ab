"""The appraisal service: penilaian, predikat, angka kredit, the evaluation document, monitoring."""

from __future__ import annotations

from typing import Any

import aiohttp
from opentelemetry import propagate

from portal.clients.base import Answer, ServiceClient, ServiceDown, if_match, query_of, refusal


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

    async def laporan_kinerja(self, token: str, npsn: str, tahun: int) -> dict[str, Any]:
        """Where the school stands in the year's procedure of the predikat organisasi: its report and predikat."""
        return (await self.call("GET", f"/sekolah/{npsn}/laporan-kinerja", token=token,
                                params={"tahun": tahun})).body  # fmt: skip

    async def kirim_laporan(self, token: str, npsn: str, tahun: int, *, key: str) -> Answer:
        """The kepala sekolah sends the school's results to the Dinas: keyed, so a double tap sends once."""
        return await self.call("POST", f"/sekolah/{npsn}/laporan-kinerja", token=token, params={"tahun": tahun},
                               headers={"Idempotency-Key": key})  # fmt: skip

    async def predikat_organisasi(self, token: str, npsn: str, tahun: int) -> dict[str, Any]:
        """For the Dinas: the school's report for the year (sent or not, its counts) and its predikat organisasi."""
        return (await self.call("GET", f"/sekolah/{npsn}/predikat-organisasi/{tahun}", token=token)).body

    async def set_predikat_organisasi(self, token: str, npsn: str, tahun: int, value: str) -> Answer:
        """The Dinas sets the school's predikat organisasi (audited by the service)."""
        return await self.call("PUT", f"/sekolah/{npsn}/predikat-organisasi/{tahun}", token=token,
                               json={"predikat_organisasi": value})  # fmt: skip

    async def monitoring(self, token: str, periode: str) -> list[dict[str, Any]]:
        """Per school of the caller's region (an operator) or their own school (a kepala sekolah)."""
        params = {"periode": periode, "tingkat": "sekolah"}
        return (await self.call("GET", "/monitoring", token=token, params=params)).body["items"]

    async def monitoring_csv(self, token: str, periode: str) -> bytes:
        params = {"periode": periode, "tingkat": "sekolah"}
        headers = {"Accept": "text/csv"}
        return (await self.call("GET", "/monitoring.csv", token=token, params=params, headers=headers)).body

    async def monitoring_pegawai(self, token: str, **params: Any) -> dict[str, Any]:
        """Who is where in the period, by name: the KS's school, the pengawas' schools, the operator's region."""
        given = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self.call("GET", "/monitoring/pegawai", token=token, params=given)).body

    async def monitoring_pegawai_unduh(self, token: str, jenis: str, **params: Any) -> aiohttp.ClientResponse:
        """The same table as a file (`csv` or `xlsx`), opened as a stream: the caller passes its bytes on as they
        come (a province's file is never held here) and releases it. A refusal is raised as `call` raises it."""
        given = {k: v for k, v in params.items() if v not in (None, "")}
        headers = {"Authorization": f"Bearer {token}"}
        propagate.inject(headers)  # the service continues this trace (traceparent)
        url = f"{self.base_url}/monitoring/pegawai.{jenis}"
        try:
            # A file of a province takes longer than a page's call: only the wait for its first byte is bounded.
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeout, sock_read=self.timeout)
            response = await self.http().get(url, params=query_of(given), headers=headers, timeout=timeout)
        except TimeoutError as exc:
            raise ServiceDown(self.name, "timeout") from exc
        except aiohttp.ClientError as exc:
            raise ServiceDown(self.name, type(exc).__name__) from exc
        if response.status < 400:
            return response
        body = await response.read()
        response.release()
        raise refusal(self.name, response.status, body)
