"""The observation service: pelaksanaan, its five steps, bukti dukung."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from portal.clients.base import Answer, ServiceClient, if_match

# tus 1.0, as the service speaks it for resumable uploads of bukti dukung.
TUS = {"Tus-Resumable": "1.0.0"}
TUS_CONTENT_TYPE = "application/offset+octet-stream"
IDEMPOTENCY = "Idempotency-Key"


class ObservationClient(ServiceClient):
    async def my_pelaksanaan(self, token: str, periode: str) -> Answer | None:
        answer = await self.call("GET", "/pelaksanaan/saya", token=token, params={"periode": periode}, ok=(404,))
        return None if answer.status == 404 else answer

    async def pelaksanaan(self, token: str, pelaksanaan_id: str) -> Answer:
        return await self.call("GET", f"/pelaksanaan/{pelaksanaan_id}", token=token)

    async def save_step(self, token: str, pelaksanaan_id: str, part: str, body: Any, *, version: str | None) -> Answer:
        """One party's part of a step (`persiapan`, `observasi`, `diskusi/guru`, `upaya`, ...), If-Match kept."""
        return await self.call(
            "PUT", f"/pelaksanaan/{pelaksanaan_id}/{part}", token=token, json=body, headers=if_match(version)
        )

    async def decide_schedule(
        self, token: str, pelaksanaan_id: str, action: str, *, version: str | None, key: str, body: Any = None
    ) -> Answer:
        """setujui, jadwal-lain or terima: each keyed, so a double tap agrees once."""
        headers = {**if_match(version), "Idempotency-Key": key}
        return await self.call(
            "POST", f"/pelaksanaan/{pelaksanaan_id}/persiapan/{action}", token=token, json=body, headers=headers
        )

    async def team(self, token: str, periode: str, *, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
        params: dict[str, Any] = {"periode": periode, "limit": limit, **({"cursor": cursor} if cursor else {})}
        return (await self.call("GET", "/tim/pelaksanaan", token=token, params=params)).body

    async def bukti(self, token: str, pelaksanaan_id: str) -> dict[str, Any]:
        return (await self.call("GET", f"/pelaksanaan/{pelaksanaan_id}/bukti", token=token)).body

    async def berkas(self, token: str, bukti_id: str) -> Answer:
        return await self.call("GET", f"/bukti/{bukti_id}/berkas", token=token, headers={"Accept": "*/*"})

    async def konfirmasi(self, token: str, pelaksanaan_id: str, body: dict[str, Any]) -> Answer:
        return await self.call("POST", f"/pelaksanaan/{pelaksanaan_id}/bukti/konfirmasi", token=token, json=body)

    async def upload_limit(self, token: str, pelaksanaan_id: str) -> int | None:
        """The largest bukti the service accepts (tus Tus-Max-Size), so the portal caps what it takes in alike."""
        answer = await self.call("OPTIONS", f"/pelaksanaan/{pelaksanaan_id}/bukti/unggah", token=token)
        size = answer.headers.get("Tus-Max-Size", "")
        return int(size) if size.isdigit() else None

    async def create_upload(
        self, token: str, pelaksanaan_id: str, *, length: str, metadata: str, key: str | None = None
    ) -> Answer:
        headers = {**TUS, "Upload-Length": length, "Upload-Metadata": metadata, **({IDEMPOTENCY: key} if key else {})}
        return await self.call("POST", f"/pelaksanaan/{pelaksanaan_id}/bukti/unggah", token=token, headers=headers)

    async def upload_offset(self, token: str, upload_id: str) -> Answer:
        return await self.call("HEAD", f"/unggahan/{upload_id}", token=token, headers=TUS)

    async def append_upload(
        self,
        token: str,
        upload_id: str,
        *,
        offset: str,
        content: AsyncIterator[bytes],
        content_type: str = TUS_CONTENT_TYPE,
    ) -> Answer:
        """The bytes from `offset` on, passed on as they arrive (a school's upload is never held whole here)."""
        headers = {**TUS, "Upload-Offset": offset, "Content-Type": content_type}
        # An async iterator goes as a chunked body.
        return await self.call("PATCH", f"/unggahan/{upload_id}", token=token, content=content, headers=headers)
