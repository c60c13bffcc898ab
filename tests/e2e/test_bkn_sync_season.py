"""End to end: planning, bkn_sync and the BKN sandbox as real uvicorn processes, with RabbitMQ and PostgreSQL.

Plans approved through planning's HTTP API reach the sandbox through bkn_sync; two deliberate mismatches between
the roster and SIASN fail with their typed reason and heal by themselves once the operator corrects the roster
in planning (tools/demo_bkn.py drives it, as the demo does); the BKN call is a span in the approval's trace.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tools.demo import Api, plan
from tools.demo_bkn import BknDemo
from tools.demo_roster import demo_region
from tools.stack import Stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("e2e-bkn")
    offset = 200
    stack = Stack(
        ROOT,
        run_dir=run_dir,
        db_suffix="_e2e_bkn",
        port_offset=offset,
        services=["planning", "bkn_sandbox", "bkn_sync"],
        # The stack points bkn_sync at its own sandbox (address, client) and keeps the sandbox's data in run_dir.
        extra_env={
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "BKN_SYNC_PUSH_POLL_SECONDS": "0.2",
            "BKN_SYNC_PULL_INTERVAL_SECONDS": "1",
        },
    )
    stack.set_clock(datetime.fromisoformat("2024-01-16T09:00:00+07:00"))
    stack.ensure_infrastructure()
    stack.create_databases(drop_first=True)
    stack.up()
    yield stack
    stack.down()


async def test_plans_reach_bkn_and_mismatches_heal_after_a_roster_correction(stack):
    lines: list[str] = []
    region = demo_region(schools=2, teachers_per_school=3)
    bkn = BknDemo.for_stack(stack, say=lines.append)
    mismatches = await bkn.seed(region)
    assert [m.kode for m in mismatches] == ["NIP_TIDAK_SESUAI", "JABATAN_TIDAK_SESUAI"]

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
    await asyncio.sleep(1.0)  # bkn_sync's roster projection catches up

    teachers = [(school, guru) for school in region.schools for guru in school.guru]
    for school, guru in teachers:
        skp_id, etag = await plan(api, guru, "2024-S1", target=4)
        ks = await api.token(school.kepala.nip, "guru", "kepala_sekolah")
        await api.call("POST", f"/skp/{skp_id}/approve", {**ks, "If-Match": etag})

    await bkn.wait_until_settled(region, timeout=60)
    await bkn.show_states(region)
    text = "\n".join(lines)
    assert "NIP_TIDAK_SESUAI" in text and "JABATAN_TIDAK_SESUAI" in text and "who fixes it" in text

    async with httpx.AsyncClient(base_url=stack.url("bkn_sandbox"), headers={"X-Sandbox-Admin": "sandbox-admin"}) as sb:
        held = (await sb.get("/admin/records", params={"kind": "skp"})).json()
    wrong = {m.person.nip for m in mismatches}
    assert {r["nip"] for r in held} == {g.nip for _, g in teachers} - wrong

    await bkn.correct_roster(region, mismatches, timeout=60)
    assert sum("healed by itself" in line for line in lines) == 2, "\n".join(lines)
    async with httpx.AsyncClient(base_url=stack.url("bkn_sandbox"), headers={"X-Sandbox-Admin": "sandbox-admin"}) as sb:
        held = (await sb.get("/admin/records", params={"kind": "skp"})).json()
    assert sorted(r["nip"] for r in held) == sorted(g.nip for _, g in teachers)
    assert {r["jumlahSimpan"] for r in held} == {1}
    await bkn.close()
    print("\n" + "\n".join(lines))

    # The BKN call continues the trace of the approval that caused it, across three processes.
    traces = stack.run_dir / "traces"
    for _ in range(50):
        planning_spans = _spans(traces / "planning.jsonl")
        bkn_spans = _spans(traces / "bkn_sync.jsonl")
        approvals = {s["trace_id"] for s in planning_spans if s["kind"].endswith("SERVER") and "approve" in s["name"]}
        calls = {s["trace_id"] for s in bkn_spans if s["name"] == "BKN POST /api/skp/save"}
        if approvals & calls:
            break
        await asyncio.sleep(0.2)
    assert approvals & calls


def _spans(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
