"""The full cycle of N teachers through every service and the BKN sandbox, through their public HTTP APIs.

Roster import; every teacher (and every kepala sekolah) drafts and submits an SKP and their atasan approves it;
the services' clock moves to the pelaksanaan window and each approved plan runs its observation cycle; then to
the penilaian window, where each is rated and finalised; until BKN (the sandbox) holds every approved plan.
Teachers act concurrently (`concurrency` at a time), each step reusing the demo's drivers. Wall time from the
roster import to BKN's last write; events/s from every service's outbox; approval -> BKN push from the
approve response's wall-clock time to the sandbox's record of the write (`dibuat`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from bench import env
from bench.clients import Issuer, import_roster, region_for
from bench.procs import RssSampler, percentile
from bench.transport import AiohttpTransport
from bkn_sandbox.seed import profiles_from_region
from tools.demo import PELAKSANAAN_CLOCK, PENILAIAN_CLOCK, plan
from tools.demo_bkn import OPEN_YEARS, SANDBOX_ADMIN_KEY
from tools.demo_client import Api
from tools.demo_observation import Cycles, one_cycle
from tools.demo_roster import Person

PERIODE = "2024-S1"
PLANNING_CLOCK = datetime.fromisoformat("2024-01-16T09:00:00+07:00")
SERVICES = ("planning", "observation", "appraisal", "bkn_sync", "bkn_sandbox")


def roles(person: Person) -> tuple[str, ...]:
    return {"Kepala Sekolah": ("guru", "kepala_sekolah"), "Pengawas Sekolah": ("guru", "pengawas")}.get(
        person.jenis_gtk, ("guru",)
    )


async def _bounded(limit: asyncio.Semaphore, coroutine: Any) -> Any:
    async with limit:
        return await coroutine


async def _planning_phase(stack: Any, pairs: list, limit: asyncio.Semaphore) -> dict[str, float]:
    api = Api(stack.url("planning"), stack.issuer_url, transport=AiohttpTransport())
    approved_at: dict[str, float] = {}

    async def one(pegawai: Person, atasan: Person) -> None:
        skp_id, etag = await plan(api, pegawai, PERIODE, target=4)
        headers = await api.token(atasan.nip, *roles(atasan))
        await api.call("POST", f"/skp/{skp_id}/approve", {**headers, "If-Match": etag})
        approved_at[pegawai.nip] = time.time()

    await asyncio.gather(*(_bounded(limit, one(p, a)) for p, a in pairs))
    await api.http.aclose()
    await api.issuer.aclose()
    return approved_at


async def _observation_phase(stack: Any, pairs: list, limit: asyncio.Semaphore) -> int:
    api = Api(stack.url("observation"), stack.issuer_url, transport=AiohttpTransport())
    cycles = Cycles(api, PERIODE)
    pages = {}
    deadline = time.monotonic() + 120
    for atasan in {a.nip: a for _, a in pairs}.values():
        expected = sum(1 for _, a in pairs if a.nip == atasan.nip)
        pages[atasan.nip] = await cycles.wait_opened(atasan, expected, deadline)
    hari_ini = datetime.fromisoformat(next(iter(pages.values()))["hari_ini"]).date()

    async def one(pegawai: Person, atasan: Person) -> bool:
        item = next((i for i in pages[atasan.nip]["items"] if i["pegawai"]["nip"] == pegawai.nip), None)
        if item is None or item["pelaksanaan_id"] is None:
            return False
        closes = datetime.fromisoformat(item["window_closes"]).date()
        await one_cycle(cycles, pegawai, atasan, item["pelaksanaan_id"], hari_ini, closes, counter=False, resume=False)
        return True

    done = await asyncio.gather(*(_bounded(limit, one(p, a)) for p, a in pairs))
    await api.http.aclose()
    await api.issuer.aclose()
    return sum(done)


async def _appraisal_phase(stack: Any, pairs: list, limit: asyncio.Semaphore) -> int:
    api = Api(stack.url("appraisal"), stack.issuer_url, transport=AiohttpTransport())
    by_atasan: dict[str, tuple[Person, set[str]]] = {}
    for pegawai, atasan in pairs:
        by_atasan.setdefault(atasan.nip, (atasan, set()))[1].add(pegawai.nip)

    async def ratable(atasan: Person, wanted: set[str]) -> list[dict[str, Any]]:
        headers = await api.token(atasan.nip, *roles(atasan))
        deadline = time.monotonic() + 120
        while True:
            items = (await api.call("GET", f"/penilaian?periode={PERIODE}&limit=200", headers)).json()["items"]
            ready = [i for i in items if i["pegawai"] and i["pegawai"]["nip"] in wanted and i["status"] == "SIAP"]
            if len(ready) == len(wanted) or time.monotonic() > deadline:
                return ready
            await asyncio.sleep(0.5)

    async def appraise(atasan: Person, item: dict[str, Any]) -> None:
        headers = await api.token(atasan.nip, *roles(atasan))
        rated = await api.call(
            "PUT",
            f"/penilaian/{item['id']}/nilai",
            {**headers, "If-Match": f'"v{item["version"]}"'},
            json={"hasil_kerja": "sesuai", "perilaku_kerja": "sesuai", "umpan_balik": {}, "catatan": "Bench."},
        )
        await api.call("POST", f"/penilaian/{item['id']}/finalisasi", {**headers, "If-Match": rated.headers["ETag"]})

    ready = await asyncio.gather(*(ratable(a, wanted) for a, wanted in by_atasan.values()))
    jobs = [(atasan, item) for (atasan, _), items in zip(by_atasan.values(), ready, strict=True) for item in items]
    await asyncio.gather(*(_bounded(limit, appraise(a, i)) for a, i in jobs))
    await api.http.aclose()
    await api.issuer.aclose()
    return len(jobs)


async def _outbox_total(stack: Any) -> int:
    total = 0
    for service in ("planning", "observation", "appraisal", "bkn_sync"):
        conn = await asyncpg.connect(env.dsn(stack, service))
        total += await conn.fetchval("SELECT count(*) FROM outbox_message")
        await conn.close()
    return total


async def cycle_stage(teachers: int, concurrency: int, say: Any) -> dict[str, Any]:
    # Every pegawai acts at once here, faster than people do: the per-user write limit would answer 429.
    stack = env.fresh_stack(SERVICES, env.env_for_all(SERVICES[:4], write_rate_per_second="1000", write_burst="1000"))
    stack.set_clock(PLANNING_CLOCK)
    sandbox = None
    try:
        stack.up()
        pids = {name: env.pid_of(stack, name) for name in SERVICES}
        region = region_for(teachers)
        pairs = region.appraisals()
        sandbox = httpx.AsyncClient(
            base_url=stack.url("bkn_sandbox"), headers={"X-Sandbox-Admin": SANDBOX_ADMIN_KEY}, timeout=60
        )
        seeded = await sandbox.post(
            "/admin/seed", json={"profil": profiles_from_region(region), "tahun": OPEN_YEARS, "reset": True}
        )
        seeded.raise_for_status()
        limit = asyncio.Semaphore(concurrency)
        phases: dict[str, float] = {}
        # The demo drivers print every step: thousands of lines here, so they go nowhere.
        quiet = contextlib.redirect_stdout(io.StringIO())
        async with RssSampler(pids) as rss:
            started, client_cpu = time.monotonic(), time.process_time()
            issuer = Issuer(stack)
            await import_roster(stack.url("planning"), issuer, region)
            await issuer.close()
            say(f"  {len(pairs)} pegawai: plan, submit, approve")
            with quiet:
                approved_at = await _planning_phase(stack, pairs, limit)
            phases["planning_s"] = time.monotonic() - started
            stack.set_clock(PELAKSANAAN_CLOCK[2024])
            say("  observation cycles")
            with contextlib.redirect_stdout(io.StringIO()):
                cycles = await _observation_phase(stack, pairs, limit)
            phases["pelaksanaan_s"] = time.monotonic() - started - phases["planning_s"]
            stack.set_clock(PENILAIAN_CLOCK[2024])
            say("  penilaian: rate and finalise")
            appraised = await _appraisal_phase(stack, pairs, limit)
            phases["penilaian_s"] = time.monotonic() - started - phases["planning_s"] - phases["pelaksanaan_s"]
            say("  waiting for BKN to hold every approved plan")
            deadline = time.monotonic() + 120
            while True:
                records = (await sandbox.get("/admin/records", params={"kind": "skp"})).json()
                if len(records) >= len(approved_at) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            wall, client_cpu = time.monotonic() - started, time.process_time() - client_cpu
        events = await _outbox_total(stack)
        lags = [
            (datetime.fromisoformat(r["dibuat"]).timestamp() - approved_at[nip]) * 1000
            for r in records
            if (nip := r.get("nip") or r.get("nipBaru")) in approved_at
        ]
        return {
            "teachers": teachers,
            "pegawai": len(pairs),
            "concurrency": concurrency,
            "wall_s": round(wall, 1),
            "client_cpu_s": round(client_cpu, 1),  # the drivers' own, in this process
            "phases_s": {k: round(v, 1) for k, v in phases.items()},
            "cycles_completed": cycles,
            "appraised": appraised,
            "events": events,
            "events_per_s": round(events / wall, 1),
            "bkn_skp_records": len(records),
            "approval_to_bkn_p50_ms": _r(percentile(lags, 50)),
            "approval_to_bkn_p99_ms": _r(percentile(lags, 99)),
            "rss_mb": {k: round(v, 1) for k, v in rss.peak.items()},
        }
    finally:
        if sandbox is not None:
            await sandbox.aclose()
        stack.down()


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
