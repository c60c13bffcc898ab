"""The bkn_sync service: each person's pushes to BKN e-Kinerja, failures, conflicts."""

from __future__ import annotations

from typing import Any

from portal.clients.base import ServiceClient


class BknSyncClient(ServiceClient):
    async def my_sync(self, token: str) -> Any:
        return (await self.call("GET", "/sinkron/saya", token=token)).body

    async def region_sync(self, token: str, kode_wilayah: str) -> dict[str, Any]:
        """Counts by school, state and failure type over an operator's region."""
        return (await self.call("GET", f"/sinkron/wilayah/{kode_wilayah}", token=token)).body

    async def school_sync(self, token: str, npsn: str) -> dict[str, Any]:
        return (await self.call("GET", f"/sinkron/sekolah/{npsn}", token=token)).body

    async def pegawai_sync(self, token: str, pegawai_id: str) -> dict[str, Any]:
        return (await self.call("GET", f"/sinkron/pegawai/{pegawai_id}", token=token)).body

    async def retry_push(self, token: str, push_id: str, *, key: str) -> dict[str, Any]:
        headers = {"Idempotency-Key": key}
        return (await self.call("POST", f"/sinkron/push/{push_id}/ulang", token=token, headers=headers)).body

    async def conflicts(self, token: str, wilayah: str) -> list[dict[str, Any]]:
        """The open conflicts of a region (kode wilayah prefix)."""
        return (await self.call("GET", "/konflik", token=token, params={"wilayah": wilayah})).body

    async def decide_conflict(self, token: str, conflict_id: str, body: dict[str, Any], *, key: str) -> dict[str, Any]:
        headers = {"Idempotency-Key": key}
        path = f"/konflik/{conflict_id}/keputusan"
        return (await self.call("POST", path, token=token, json=body, headers=headers)).body
