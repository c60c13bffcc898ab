"""What the stages share on the client side: tokens from the development issuer and the roster import."""

from __future__ import annotations

import asyncio
import math

import httpx

from tools.demo_roster import Region, demo_region
from tools.stack import Stack

TEACHERS_PER_SCHOOL = 20


def region_for(teachers: int) -> Region:
    """A region of `teachers` guru in schools of 20 (the demo's NPSN scheme allows 99 schools)."""
    schools = max(1, math.ceil(teachers / TEACHERS_PER_SCHOOL))
    if schools > 99:
        raise ValueError("at most 1,980 teachers: the demo region numbers schools with two digits")
    per_school = math.ceil(teachers / schools)
    return demo_region(schools=schools, teachers_per_school=per_school)


class Issuer:
    """Bearer headers from the stack's development issuer, minted once per (subject, roles)."""

    def __init__(self, stack: Stack) -> None:
        self.http = httpx.AsyncClient(base_url=stack.issuer_url, timeout=30)
        self._cache: dict[tuple, dict[str, str]] = {}
        self._limit = asyncio.Semaphore(16)

    async def headers(self, sub: str, *roles: str, wilayah: str | None = None) -> dict[str, str]:
        key = (sub, roles, wilayah)
        if key not in self._cache:
            async with self._limit:
                answer = await self.http.post("/token", json={"sub": sub, "roles": list(roles), "wilayah": wilayah})
            answer.raise_for_status()
            self._cache[key] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self._cache[key]

    async def close(self) -> None:
        await self.http.aclose()


async def import_roster(planning_url: str, issuer: Issuer, region: Region) -> None:
    operator = await issuer.headers("operator-3273", "operator", wilayah="3273")
    async with httpx.AsyncClient(base_url=planning_url + "/api/v1", timeout=300) as http:
        for kind, text in (
            ("sekolah", region.sekolah_csv()),
            ("pegawai", region.pegawai_csv()),
            ("relasi", region.relasi_csv()),
        ):
            answer = await http.post(
                f"/roster/{kind}/csv", headers={**operator, "Content-Type": "text/csv"}, content=text
            )
            answer.raise_for_status()
            if answer.json()["errors"]:
                raise RuntimeError(f"roster {kind}: {answer.json()['errors'][:3]}")
