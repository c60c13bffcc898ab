"""Development sign-in: pick a person of the demo roster and get a token from the development issuer.

Only built when `dev_issuer_url` is set, which production settings refuse. The list of people comes from
planning's roster API, read with an operator token of the configured region (the issuer signs anything; that is
why it never runs outside development).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from portal.clients.base import ServiceDown
from portal.clients.planning import PlanningClient
from portal.settings import PortalSettings


class DevLogin:
    def __init__(self, settings: PortalSettings, planning: PlanningClient) -> None:
        assert settings.dev_issuer_url is not None
        self.issuer = httpx.AsyncClient(base_url=settings.dev_issuer_url, timeout=10)
        self.planning = planning
        self.wilayah = settings.dev_wilayah

    async def close(self) -> None:
        await self.issuer.aclose()

    async def mint(self, sub: str, roles: list[str], wilayah: str | None = None) -> dict[str, Any]:
        """A session's user: the issuer's token for `sub` with `roles`."""
        try:
            response = await self.issuer.post("/token", json={"sub": sub, "roles": roles, "wilayah": wilayah})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ServiceDown("issuer", type(exc).__name__) from exc
        body = response.json()
        return {
            "sub": sub,
            "roles": roles,
            "wilayah": wilayah,
            "access_token": body["access_token"],
            "expires_at": time.time() + float(body.get("expires_in", 3600)),
        }

    async def people(self) -> list[dict[str, Any]]:
        """Everyone of the configured regions, with the roles they sign in with."""
        people: list[dict[str, Any]] = []
        for wilayah in self.wilayah:
            operator = await self.mint(f"operator-{wilayah}", ["operator"], wilayah)
            people.extend(await self.planning.roster_pegawai(operator["access_token"]))
        return people
