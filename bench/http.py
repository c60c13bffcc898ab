"""Planning's deadline endpoints under concurrent clients: SKP submit, approve, and the atasan's queue listing,
each right after the reference endpoint with the same client, the same concurrency and the same count.

The plans are drafted beforehand (not timed): roster imported, each teacher's five steps saved, as on the
deadline's eve. Then N submits, the kepala sekolah's queue listings, N approvals.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import env, load
from bench.clients import Issuer, import_roster, region_for
from bench.consumers import recreate_database
from bench.procs import CpuMeter, Profiler, RssSampler
from bench.reference import SCHEMA
from tools.demo import skp_steps
from tools.demo_roster import Person
from tools.stack import Stack


async def draft(http: httpx.AsyncClient, headers: dict[str, str], periode: str) -> tuple[str, str]:
    """One teacher's plan with every step saved, not submitted: (skp id, ETag)."""
    created = await http.post("/skp", headers=headers, json={"periode": periode})
    created.raise_for_status()
    skp_id, etag = created.json()["id"], created.headers["ETag"]
    rekomendasi = (await http.get("/katalog/indikator/rekomendasi", headers=headers)).json()["items"][0]["kode"]
    for step, body in skp_steps(rekomendasi, target=4):
        saved = await http.put(f"/skp/{skp_id}/{step}", headers={**headers, "If-Match": etag}, json=body)
        saved.raise_for_status()
        etag = saved.headers["ETag"]
    return skp_id, etag


def start_reference_api(stack: Stack, dsn: str) -> subprocess.Popen[bytes]:
    issuer = stack.registry.issuer
    return start_reference(
        "bench.reference:api_app",
        env.REF_API_PORT,
        {
            "BENCH_REF_DSN": dsn,
            "BENCH_REF_JWKS_URL": f"{stack.issuer_url}/.well-known/jwks.json",
            "BENCH_REF_ISSUER": issuer.issuer,
            "BENCH_REF_AUDIENCE": issuer.audience,
        },
    )


def start_reference(factory: str, port: int, settings: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A reference step as a uvicorn process of its own (one worker, like a service), once it answers /healthz."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=env.ROOT,
        env={**os.environ, **(settings or {})},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"the reference step {factory} did not start")


def ratio(subject: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    rps, ref = subject.get("rps"), reference.get("rps")
    return {**subject, "reference": reference, "ratio": round(rps / ref, 3) if rps and ref else None}


async def http_stage(
    teachers: int, concurrency: int, say: Any, *, periode: str = "2024-S1", profile: Path | None = None
) -> dict[str, Any]:
    stack = env.fresh_stack(["planning"])
    stack.set_clock(datetime.fromisoformat("2024-01-16T09:00:00+07:00"))
    ref_proc = None
    try:
        stack.up()
        dsn = await recreate_database(env.REF_DATABASE)
        conn = await asyncpg.connect(dsn)
        await conn.execute(SCHEMA)
        await conn.close()
        ref_proc = start_reference_api(stack, dsn)
        issuer = Issuer(stack)
        region = region_for(teachers)
        await import_roster(stack.url("planning"), issuer, region)
        gurus: list[tuple[Person, Person]] = [(g, s.kepala) for s in region.schools for g in s.guru if s.kepala]
        say(f"  drafting {len(gurus)} plans (not timed)")
        plans: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        limit = asyncio.Semaphore(16)
        async with httpx.AsyncClient(base_url=stack.url("planning") + "/api/v1", timeout=60) as http:

            async def one(guru: Person, kepala: Person) -> None:
                async with limit:
                    h = await issuer.headers(guru.nip, "guru")
                    ks = await issuer.headers(kepala.nip, "guru", "kepala_sekolah")
                    skp_id, etag = await draft(http, h, periode)
                    plans.append((skp_id, etag, h, ks))

            await asyncio.gather(*(one(g, k) for g, k in gurus))
        kepala_headers = [
            await issuer.headers(s.kepala.nip, "guru", "kepala_sekolah") for s in region.schools if s.kepala
        ]
        ref_count = max(len(plans), 2000)
        ref_requests = [
            load.json_request("POST", "/ref/items", h, {"value": f"item {i}"})
            for i, (_, _, h, _) in zip(range(ref_count), _cycle(plans), strict=False)
        ]
        base = stack.url("planning")
        ref_base = f"http://127.0.0.1:{env.REF_API_PORT}"
        pids = {"planning": env.pid_of(stack, "planning"), "reference_api": ref_proc.pid}
        results: dict[str, Any] = {"concurrency": concurrency}
        async with RssSampler(pids) as rss, Profiler(profile, "planning-http", pids["planning"]):

            async def measured(url: str, pid: int, requests: list[load.Request], keep: bool = False) -> Any:
                """The load's result and its summary with the server's CPU per request beside it."""
                with CpuMeter(pid) as cpu:
                    result = await load.run(url, requests, concurrency=concurrency, keep=keep)
                return result, {**result.summary(), "cpu_ms": cpu.per_request_ms(result.requests)}

            async def reference() -> dict[str, Any]:
                return (await measured(ref_base, ref_proc.pid, ref_requests))[1]

            say(f"  reference endpoint, {ref_count} requests; then submit x {len(plans)}")
            ref = await reference()
            submit_requests = [
                load.Request(
                    "POST", f"/api/v1/skp/{skp_id}/submit", {**h, "If-Match": etag, "Idempotency-Key": f"s-{skp_id}"}
                )
                for skp_id, etag, h, _ in plans
            ]
            submitted, summary = await measured(base, pids["planning"], submit_requests, keep=True)
            results["submit"] = ratio(summary, ref)

            say("  reference endpoint; then the approval queue listing")
            ref = await reference()
            queue_requests = [
                load.Request("GET", "/api/v1/antrian-persetujuan?limit=20", kepala_headers[i % len(kepala_headers)])
                for i in range(len(plans))
            ]
            results["queue"] = ratio((await measured(base, pids["planning"], queue_requests))[1], ref)

            say(f"  reference endpoint; then approve x {len(plans)}")
            ref = await reference()
            approve_requests = [
                load.Request("POST", f"/api/v1/skp/{skp_id}/approve", {**ks, "If-Match": response.headers["etag"]})
                for (skp_id, _, _, ks), response in zip(plans, submitted.responses, strict=True)
                if response is not None and response.status == 200
            ]
            results["approve"] = ratio((await measured(base, pids["planning"], approve_requests))[1], ref)
        results["rss_mb"] = {k: round(v, 1) for k, v in rss.peak.items()}
        await issuer.close()
        return results
    finally:
        if ref_proc is not None:
            ref_proc.terminate()
            ref_proc.wait(10)
        stack.down()


def _cycle(items: list[Any]) -> Any:
    while True:
        yield from items
