"""Consumer hot paths: the reference step and each service's real handler, msg/s per process, back to back.

For each service: a fresh stack of that service alone (bkn_sync with the BKN sandbox), its inbox queue
pre-loaded with N realistic events while the service is stopped, then ONE process started and timed from its
first inbox commit to its last (the inbox table's `processed_at`, the same formula as the reference's).
The reference runs on the same vhost just before, so each ratio compares two runs a few seconds apart.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg

from bench import env, events
from bench.clients import Issuer, import_roster, region_for
from bench.procs import Profiler, RssSampler
from bench.reference import INBOX_QUEUE, OUT_QUEUE, QUORUM, SCHEMA
from pmm_chassis.messaging import topology

SERVICES = ("planning", "observation", "appraisal", "bkn_sync")
STALL_SECONDS = 20.0


async def recreate_database(name: str) -> str:
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


async def reference_consumer(amqp_url: str, count: int, sample_body: bytes) -> dict[str, Any]:
    dsn = await recreate_database(env.REF_DATABASE)
    conn = await asyncpg.connect(dsn)
    await conn.execute(SCHEMA)
    await conn.close()
    bodies = []
    template = json.loads(sample_body)
    for _ in range(count):
        event_id = str(uuid.uuid4())
        bodies.append((event_id, json.dumps({**template, "event_id": event_id}).encode()))
    await env.preload(amqp_url, OUT_QUEUE, [], declare=QUORUM)
    await env.preload(amqp_url, INBOX_QUEUE, bodies, declare=QUORUM)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.reference", "consumer", "--amqp", amqp_url, "--dsn", dsn, "--count", str(count)],
        cwd=env.ROOT,
        stdout=subprocess.PIPE,
    )
    async with RssSampler({"reference_consumer": proc.pid}) as rss:
        while proc.poll() is None:
            await asyncio.sleep(0.2)
    out = json.loads(proc.stdout.read() if proc.stdout else b"{}")
    n, seconds = await env.inbox_rate(dsn, "ref_inbox")
    await _purge(amqp_url, OUT_QUEUE)
    return {
        "handled": n,
        "msg_per_s": round((n - 1) / seconds, 1) if seconds else None,
        "step_p50_ms": round(out["step_p50_ms"], 2),
        "step_p99_ms": round(out["step_p99_ms"], 2),
        "rss_mb": round(rss.peak.get("reference_consumer", 0.0), 1),
    }


async def _purge(amqp_url: str, queue: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        await (await channel.declare_queue(queue, durable=True, arguments=QUORUM)).purge()
    finally:
        await connection.close()


def stream_for(service: str, count: int) -> list[events.Outbound]:
    region = region_for(min(1980, max(20, count)))
    if service == "planning":
        return events.take(events.bkn_profile_changes(region), count)
    return events.take(events.deadline_stream(region, submitted=service == "appraisal"), count)


async def service_consumer(service: str, count: int, say: Any, *, profile: Path | None = None) -> dict[str, Any]:
    stack = env.fresh_stack([service, *(["bkn_sandbox"] if service == "bkn_sync" else [])])
    try:
        stack.up()
        if service == "planning":  # SIASN's changes are for pegawai planning knows: its roster first
            issuer = Issuer(stack)
            await import_roster(stack.url("planning"), issuer, region_for(min(1980, max(20, count))))
            await issuer.close()
        stack.down()
        # The measured process is a worker: consumers and relay on, the API off (the issuer is not needed).
        stack = env.bench_stack([service], env.env_for_all([service], run_http="false"))
        stream = stream_for(service, count)
        say(f"  {service}: reference consumer, {count} messages")
        reference = await reference_consumer(stack.amqp_url, count, stream[-1].body)
        say(f"  {service}: pre-loading {len(stream)} events, then one process")
        await env.preload(stack.amqp_url, topology.inbox_queue_name(service), [(e.event_id, e.body) for e in stream])
        database = env.dsn(stack, service)
        consumer = f"{service}.inbox"
        where = f"WHERE consumer = '{consumer}'"
        stack.start(service)
        pid = env.pid_of(stack, service)
        last, last_change = -1, time.monotonic()
        async with RssSampler({service: pid}) as rss, Profiler(profile, f"{service}-consumer", pid):
            while True:
                done, _ = await env.inbox_rate(database, where=where)
                if done >= len(stream):
                    break
                if done != last:
                    last, last_change = done, time.monotonic()
                elif time.monotonic() - last_change > STALL_SECONDS:
                    say(f"  {service}: stalled at {done} of {len(stream)} (see {stack.log_file(service)})")
                    break
                await asyncio.sleep(0.25)
        done, seconds = await env.inbox_rate(database, where=where)
        rate = (done - 1) / seconds if seconds else None
        return {
            "events": len(stream),
            "handled": done,
            "msg_per_s": round(rate, 1) if rate else None,
            "rss_mb": round(rss.peak.get(service, 0.0), 1),
            "reference": reference,
            "ratio": round(rate / reference["msg_per_s"], 3) if rate and reference["msg_per_s"] else None,
        }
    finally:
        stack.down()
