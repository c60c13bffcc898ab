"""End to end: planning as a real uvicorn process with the development issuer, RabbitMQ and PostgreSQL.

The same steps as the demo, with assertions: what the HTTP API answers, what went over RabbitMQ, that one
trace runs from the HTTP request into the publish, and that a SIGTERM'd process comes back with nothing lost.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest

from tools.demo import plan
from tools.demo_client import Api, EventTap
from tools.demo_roster import demo_region
from tools.stack import Stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        ROOT,
        run_dir=tmp_path_factory.mktemp("e2e-run"),
        db_suffix="_e2e",
        port_offset=100,
        services=["planning"],
        extra_env={"OTEL_BSP_SCHEDULE_DELAY": "200"},  # export spans every 200 ms instead of 5 s
    )
    stack.set_clock(datetime.fromisoformat("2024-01-16T09:00:00+07:00"))
    stack.ensure_infrastructure()
    stack.create_databases(drop_first=True)
    stack.up()
    yield stack
    stack.down()


async def test_a_planning_season_across_processes(stack):
    region = demo_region(schools=1, teachers_per_school=2)
    tap = EventTap(stack.amqp_url)
    await tap.start()
    api = Api(stack.url("planning"), stack.issuer_url)
    operator = await api.token("operator-3273", "operator", wilayah="3273")
    for kind, text in (
        ("sekolah", region.sekolah_csv()),
        ("pegawai", region.pegawai_csv()),
        ("relasi", region.relasi_csv()),
    ):
        report = (
            await api.call("POST", f"/roster/{kind}/csv", {**operator, "Content-Type": "text/csv"}, content=text)
        ).json()
        assert report["errors"] == []

    school = region.schools[0]
    skp_id, etag = await plan(api, school.guru[0], "2024-S1", target=4)
    ks = await api.token(school.kepala.nip, "guru", "kepala_sekolah")
    approved = await api.call("POST", f"/skp/{skp_id}/approve", {**ks, "If-Match": etag})
    assert approved.json()["status"] == "DISETUJUI"

    async def seen(key: str) -> bool:
        for _ in range(100):
            if tap.seen[key]:
                return True
            await asyncio.sleep(0.1)
        return False

    assert await seen("planning.skp.approved.v1")
    assert tap.seen["planning.skp.submitted.v1"] == 1
    assert tap.seen["planning.pegawai.registered.v1"] == len(region.people())
    assert tap.seen["planning.periode.opened.v1"] in (0, 2)  # published at start-up, maybe before the tap bound

    # One trace: the approve request's server span and the relay's publish of skp.approved share a trace id.
    trace_file = stack.run_dir / "traces" / "planning.jsonl"
    for _ in range(50):
        spans = [json.loads(line) for line in trace_file.read_text().splitlines()] if trace_file.exists() else []
        approve_traces = {
            s["trace_id"]
            for s in spans
            if s["kind"].endswith("SERVER") and s["name"].startswith("POST") and "approve" in s["name"]
        }
        publish_traces = {s["trace_id"] for s in spans if "skp.approved" in s["name"]}
        if approve_traces & publish_traces:
            break
        await asyncio.sleep(0.2)
    assert approve_traces & publish_traces, (approve_traces, publish_traces)
    # ...and the message RabbitMQ delivered carries that trace in its `traceparent` header.
    assert tap.trace_ids[(f"skp:{skp_id}", "planning.skp.approved.v1")] in approve_traces

    # A SIGTERM'd process drains and comes back; the approved plan is still there.
    stack.stop("planning")
    stack.start("planning")
    again = await api.call("GET", f"/skp/{skp_id}", ks)
    assert again.json()["status"] == "DISETUJUI"
    await tap.stop()
