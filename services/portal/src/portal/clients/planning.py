"""The planning service: periods, the SKP and its steps and decisions, the catalogues, the roster."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from portal.clients.base import Answer, ServiceClient, ServiceProblem, SessionExpired, if_match

# Every signed-in person is answered the same periods, and they change only when an operator opens a year or extends
# a window: one answer serves every page for a few seconds (an extension made through this portal shows at once).
PERIODS_FRESH_SECONDS = 15.0


class PlanningClient(ServiceClient):
    _periods: tuple[float, list[dict[str, Any]]] | None = None
    _periods_asked: asyncio.Task[list[dict[str, Any]]] | None = None
    _periods_changed = 0  # an extension made here: an answer asked before it is not kept

    async def periods(self, token: str) -> list[dict[str, Any]]:
        """The periods, from the last few seconds' answer. When it is stale, the pages that come while planning is
        asked wait for that one answer: on a deadline morning everyone who opens Beranda at once would otherwise
        ask planning the same thing each. A page whose wait fails for the first asker's token (refused, say) asks
        with its own."""
        now = time.monotonic()
        if self._periods is not None and now - self._periods[0] < PERIODS_FRESH_SECONDS:
            return self._periods[1]
        asked = self._periods_asked
        if asked is None:
            asked = self._periods_asked = asyncio.create_task(self._ask_periods(token))
            asked.add_done_callback(self._periods_answered)
            return await asyncio.shield(asked)  # a page that goes away leaves the answer to the others
        try:
            return await asyncio.shield(asked)
        except (ServiceProblem, SessionExpired):  # about the first asker's token, not about this page's
            return await self._ask_periods(token)

    async def _ask_periods(self, token: str) -> list[dict[str, Any]]:
        asked_at, changed = time.monotonic(), self._periods_changed
        periods = (await self.call("GET", "/periode", token=token)).body
        if changed == self._periods_changed:
            self._periods = (asked_at, periods)
        return periods

    def _periods_answered(self, asked: asyncio.Task[list[dict[str, Any]]]) -> None:
        if self._periods_asked is asked:
            self._periods_asked = None
        if not asked.cancelled():
            asked.exception()  # retrieved here: the pages that waited for it may all have gone away

    async def my_skp(self, token: str, periode: str) -> Answer | None:
        answer = await self.call("GET", "/skp/saya", token=token, params={"periode": periode}, ok=(404,))
        return None if answer.status == 404 else answer

    async def my_parts(self, token: str, periode: str) -> list[dict[str, Any]]:
        """The parts of the signed-in pegawai's plan for a period, first part first: one per school after a transfer
        (mutasi) during the period, each with its school, first and last day and whether the transfer ended it."""
        return (await self.call("GET", "/skp/saya/bagian", token=token, params={"periode": periode})).body["items"]

    async def create_skp(self, token: str, periode: str, *, key: str) -> Answer:
        return await self.call("POST", "/skp", token=token, json={"periode": periode}, headers={"Idempotency-Key": key})

    async def skp(self, token: str, skp_id: str) -> Answer:
        return await self.call("GET", f"/skp/{skp_id}", token=token)

    async def dokumen_skp(self, token: str, skp_id: str) -> Answer:
        """The plan as the official SKP document, as planning renders it (a PDF of a few pages)."""
        return await self.call("GET", f"/skp/{skp_id}/dokumen.pdf", token=token,
                               headers={"Accept": "application/pdf"})  # fmt: skip

    async def save_step(self, token: str, skp_id: str, step: str, body: Any, *, version: str | None) -> Answer:
        return await self.call("PUT", f"/skp/{skp_id}/{step}", token=token, json=body, headers=if_match(version))

    async def decide(
        self, token: str, skp_id: str, action: str, *, version: str | None, key: str, body: Any = None
    ) -> Answer:
        """submit, approve, return or reset: each keyed, so a double tap does it once."""
        headers = {**if_match(version), "Idempotency-Key": key}
        return await self.call("POST", f"/skp/{skp_id}/{action}", token=token, json=body, headers=headers)

    async def approve_many(self, token: str, items: list[tuple[str, int]], *, key: str) -> Answer:
        """Approve the chosen plans in one request: each plan's outcome comes back, approved or refused with its
        rule (a refused one changes nothing); keyed, so a double tap approves once."""
        body = {"items": [{"skp_id": skp_id, "version": version} for skp_id, version in items]}
        return await self.call("POST", "/persetujuan", token=token, json=body, headers={"Idempotency-Key": key})

    async def recommended_indicators(self, token: str) -> dict[str, Any]:
        return (await self.call("GET", "/katalog/indikator/rekomendasi", token=token)).body

    async def indicators(self, token: str, *, peran: str) -> dict[str, Any]:
        """The indicators a plan of `peran` picks from (planning decides whose those are)."""
        return (await self.call("GET", "/katalog/indikator", token=token, params={"peran": peran})).body

    async def rhk_catalogue(self, token: str) -> dict[str, Any]:
        return (await self.call("GET", "/katalog/rhk", token=token)).body

    async def approval_queue(self, token: str, *, status: str | None, cursor: str | None, limit: int = 20) -> Answer:
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if cursor:
            params["cursor"] = cursor
        return await self.call("GET", "/antrian-persetujuan", token=token, params=params)

    async def roster_pegawai(self, token: str) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 500}
        return (await self.call("GET", "/roster/pegawai", token=token, params=params)).body["items"]

    async def import_roster(self, token: str, kind: str, content: bytes, *, key: str) -> dict[str, Any]:
        """An operator's CSV file as it was uploaded: a report per line (or a 422 for a file that cannot be read)."""
        headers = {"Content-Type": "text/csv", "Idempotency-Key": key}
        return (await self.call("POST", f"/roster/{kind}/csv", token=token, content=content, headers=headers)).body

    async def roster_sekolah(self, token: str) -> list[dict[str, Any]]:
        return (await self.call("GET", "/roster/sekolah", token=token)).body["items"]

    async def extend_window(self, token: str, kode: str, body: dict[str, Any], *, key: str) -> dict[str, Any]:
        """A later last day for one step of a period (audited by the service)."""
        headers = {"Idempotency-Key": key}
        granted = await self.call("POST", f"/periode/{kode}/perpanjangan", token=token, json=body, headers=headers)
        self._periods, self._periods_asked = None, None
        self._periods_changed += 1
        return granted.body

    # --- correction reports (koreksi) ----------------------------------------------------------------------------

    async def report_koreksi(self, token: str, body: dict[str, Any], *, key: str) -> Answer:
        """The signed-in pegawai reports wrong roster data about themselves (a field, or their atasan); keyed, so
        a double tap reports once."""
        return await self.call("POST", "/koreksi", token=token, json=body, headers={"Idempotency-Key": key})

    async def my_koreksi(self, token: str, *, fresh_for: float = 0.0) -> list[dict[str, Any]]:
        """The signed-in pegawai's reports, newest first, each with its status (DILAPORKAN, SELESAI, DITOLAK)."""
        return (await self.call("GET", "/koreksi/saya", token=token, fresh_for=fresh_for)).body["items"]

    async def koreksi_worklist(
        self, token: str, *, status: str | None = "DILAPORKAN", npsn: str | None = None, cursor: str | None = None,
        limit: int = 50,
    ) -> Answer:  # fmt: skip
        """The operator's worklist of their region, the longest waiting first."""
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if npsn:
            params["npsn"] = npsn
        if cursor:
            params["cursor"] = cursor
        return await self.call("GET", "/koreksi", token=token, params=params)

    async def koreksi(self, token: str, koreksi_id: str) -> Answer:
        return await self.call("GET", f"/koreksi/{koreksi_id}", token=token)

    async def decide_koreksi(
        self, token: str, koreksi_id: str, action: str, *, version: str | None, key: str, body: Any = None
    ) -> Answer:
        """selesai or tolak (with `alasan`): the operator's decision, at the version the page showed."""
        headers = {**if_match(version), "Idempotency-Key": key}
        return await self.call("POST", f"/koreksi/{koreksi_id}/{action}", token=token, json=body, headers=headers)
