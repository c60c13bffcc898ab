"""The portal under concurrent users: Beranda (a guru's task list: four services asked at once) and the approval
queue (a kepala sekolah's page of submitted plans), each right after a bare Jinja2 page (the reference step) with
the same client, the same concurrency and the same count.

Every user signs in through the portal's own Masuk (a session cookie each), as on the morning of a deadline;
their plans are submitted beforehand (not timed), so each kepala sekolah's queue holds a school's worth of rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench import env, load
from bench.clients import Issuer, import_roster, region_for
from bench.http import draft, ratio, start_reference
from bench.procs import CpuMeter, Profiler, RssSampler
from tools.demo_roster import Person

SERVICES = ("planning", "observation", "appraisal", "bkn_sync", "bkn_sandbox", "portal")
# The processes a page costs CPU in: the portal and the four services it asks (the sandbox only answers bkn_sync).
SERVING = ("portal", "planning", "observation", "appraisal", "bkn_sync")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def sign_in(portal: str, person: Person) -> str:
    """The Cookie header of `person`'s session, signed in through "masuk sebagai"."""
    async with httpx.AsyncClient(base_url=portal, timeout=60) as browser:
        masuk = await browser.get("/masuk")
        match = _CSRF.search(masuk.text)
        if match is None:
            raise RuntimeError("the Masuk page carries no form")
        answer = await browser.post("/masuk/sebagai", data={"csrf": match.group(1), "nip": person.nip, "lanjut": "/"})
        if answer.status_code != 303 or answer.headers["location"] != "/":
            raise RuntimeError(f"sign-in refused: {answer.status_code}")
        return f"pmm_sesi={browser.cookies['pmm_sesi']}"


async def submit_plans(stack: Any, issuer: Issuer, gurus: list[Person], periode: str) -> None:
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=stack.url("planning") + "/api/v1", timeout=60) as http:

        async def one(guru: Person) -> None:
            async with limit:
                headers = await issuer.headers(guru.nip, "guru")
                skp_id, etag = await draft(http, headers, periode)
                sent = await http.post(f"/skp/{skp_id}/submit", headers={**headers, "If-Match": etag})
                sent.raise_for_status()

        await asyncio.gather(*(one(g) for g in gurus))


async def portal_stage(
    users: int, requests: int, say: Any, *, periode: str = "2024-S1", profile: Path | None = None
) -> dict[str, Any]:
    stack = env.fresh_stack(SERVICES)
    stack.set_clock(datetime.fromisoformat("2024-01-16T09:00:00+07:00"))
    ref_proc = None
    try:
        stack.up()
        ref_proc = start_reference("bench.reference:page_app", env.REF_PAGE_PORT)
        issuer = Issuer(stack)
        region = region_for(users)
        await import_roster(stack.url("planning"), issuer, region)
        gurus = [g for s in region.schools for g in s.guru]
        kepala = [s.kepala for s in region.schools if s.kepala]
        say(f"  {len(gurus)} plans submitted, {len(gurus) + len(kepala)} people signed in (not timed)")
        await submit_plans(stack, issuer, gurus, periode)
        await issuer.close()
        portal = stack.url("portal")
        guru_cookies = await asyncio.gather(*(sign_in(portal, g) for g in gurus))
        kepala_cookies = await asyncio.gather(*(sign_in(portal, k) for k in kepala))

        def pages(path: str, cookies: list[str]) -> list[load.Request]:
            return [load.Request("GET", path, {"Cookie": cookies[i % len(cookies)]}) for i in range(requests)]

        reference = [load.Request("GET", "/ref/page")] * requests
        ref_base = f"http://127.0.0.1:{env.REF_PAGE_PORT}"
        results: dict[str, Any] = {"users": users}
        pids = {name: env.pid_of(stack, name) for name in SERVING}
        async with RssSampler({"portal": pids["portal"]}) as rss, contextlib.AsyncExitStack() as profilers:
            for process, pid in pids.items():
                await profilers.enter_async_context(Profiler(profile, f"portal-stage-{process}", pid))
            for name, path, cookies in (("beranda", "/", guru_cookies), ("queue", "/persetujuan", kepala_cookies)):
                say(f"  reference page, {requests} requests; then {path} x {requests} by {users} users at once")
                ref = (await load.run(ref_base, reference, concurrency=users)).summary()
                with contextlib.ExitStack() as meters:
                    cpu = {process: meters.enter_context(CpuMeter(pid)) for process, pid in pids.items()}
                    page = (await load.run(portal, pages(path, cookies), concurrency=users)).summary()
                # Where a page's CPU goes: the portal's own work, and each service's answer to it.
                results[name] = {
                    **ratio(page, ref),
                    "cpu_ms": {process: meter.per_request_ms(requests) for process, meter in cpu.items()},
                }
        results["rss_mb"] = {k: round(v, 1) for k, v in rss.peak.items()}
        return results
    finally:
        if ref_proc is not None:
            ref_proc.terminate()
            ref_proc.wait(10)
        stack.down()
