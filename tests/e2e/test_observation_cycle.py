"""End to end: planning and observation as real uvicorn processes, with the development issuer, RabbitMQ and
PostgreSQL. Plans approved in planning open cycles in observation over the bus; the demo's `run_cycles` then
drives every cycle to completion through observation's HTTP API, with one upload dropped mid-request (a real TCP
disconnect under uvicorn) and resumed.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from tools.demo import plan
from tools.demo_client import Api, EventTap
from tools.demo_observation import run_cycles
from tools.demo_roster import demo_region
from tools.stack import Stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # Its own ports, databases and vhost: runs beside a developer's stack and beside the planning e2e test.
    options = {"run_dir": tmp_path_factory.mktemp("e2e-observation"), "db_suffix": "_e2e_obs", "port_offset": 200}
    stack = Stack(ROOT, services=["planning", "observation"], **options)
    stack.set_clock(datetime.fromisoformat("2024-01-16T09:00:00+07:00"))
    stack.ensure_infrastructure()
    stack.create_databases(drop_first=True)
    # Observation first: planning publishes periode.opened once, when it starts, and a consumer whose queue does
    # not exist yet never sees it (the event goes to pmm.unrouted).
    Stack(ROOT, services=["observation"], **options).up()
    stack.up()
    yield stack
    stack.down()


async def test_approved_plans_open_cycles_that_run_to_completion_with_a_resumed_upload(stack):
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
        await api.call("POST", f"/roster/{kind}/csv", {**operator, "Content-Type": "text/csv"}, content=text)
    school = region.schools[0]
    ks = await api.token(school.kepala.nip, "guru", "kepala_sekolah")
    for guru in school.guru:
        skp_id, etag = await plan(api, guru, "2024-S1", target=4)
        await api.call("POST", f"/skp/{skp_id}/approve", {**ks, "If-Match": etag})
    pengawas = await api.token(region.pengawas.nip, "guru", "pengawas")
    skp_id, etag = await plan(api, school.kepala, "2024-S1", target=4)
    await api.call("POST", f"/skp/{skp_id}/approve", {**pengawas, "If-Match": etag})

    stack.set_clock(datetime.fromisoformat("2024-02-05T09:00:00+07:00"))  # into the pelaksanaan window
    summary = await run_cycles(stack.url("observation"), stack.issuer_url, region, "2024-S1")

    assert len(summary["completed"]) == 3 and summary["skipped"] == []  # two guru and the kepala sekolah
    resumed = summary["resumed_upload"]
    assert resumed is not None and 0 < resumed["offset_after_drop"] < resumed["size"]
    for _ in range(100):
        if tap.seen["observation.pelaksanaan.completed.v1"] >= 3:
            break
        await asyncio.sleep(0.1)
    assert tap.seen["observation.pelaksanaan.opened.v1"] == 3
    assert tap.seen["observation.pelaksanaan.completed.v1"] == 3
    assert tap.seen["observation.step.completed.v1"] == 15
    # Two guru upload a modul ajar each, the kepala sekolah a modul ajar and the four accountability documents.
    assert tap.seen["observation.bukti.added.v1"] == 7
    await tap.stop()
