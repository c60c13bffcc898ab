"""No NIP or name of the roster in any log line, span, metric label, error body or parked-message header.

A small stack (every service as a process, port offset 800, one school) runs a short cycle: the roster import,
a plan drafted, submitted and approved (so skp.approved reaches observation, appraisal and bkn_sync, and
bkn_sync pushes it to the BKN sandbox), requests that carry a NIP where it does not belong (path, query, body)
and a poison message carrying one. Then `tools.pii_scan` reads everything the run left behind.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import aio_pika
import httpx
import pytest

from pmm_chassis.messaging import topology
from pmm_testkit import drop_vhost
from tools.demo import plan
from tools.demo_client import Api
from tools.demo_roster import demo_region
from tools.pii_scan import PLACES, Roster, Scanner, load_roster, scan
from tools.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
CONSUMERS = ("planning", "observation", "appraisal", "bkn_sync")


def test_the_scanner_finds_a_nip_however_written_and_a_name(tmp_path):
    roster = Roster()
    roster.add_csv('nip,nama\n198609262015051001,"Siti Rahmawati, S.Pd."\n')
    scanner = Scanner(roster)
    scanner.text("logs", "a", "GET /skp?nip=19860926 201505 1 001")
    scanner.text("logs", "b", '{"msg": "approved by siti rahmawati"}')
    scanner.text("logs", "c", '{"nip": "1986************01", "ts": 1718000000123456789}')  # masked, a timestamp
    assert [(h.source, h.what) for h in scanner.hits] == [("a", "NIP"), ("b", "name")]


def test_spans_keep_urls_without_their_query_string():
    # A name in a query string has no shape to mask: the span keeps the path only (the leak the scan found).
    from opentelemetry.sdk.trace import TracerProvider

    from pmm_chassis.telemetry import mask_span_attributes

    span = TracerProvider().get_tracer("t").start_span("GET")
    span.set_attributes(
        {
            "http.url": "http://h/api/v1/skp/198609262015051001?nama=Dewi Lestari",
            "http.target": "/api/v1/skp?nama=Dewi Lestari",
            "url.query": "nama=Dewi Lestari",
            "http.route": "/api/v1/skp/{skp_id}",
        }
    )
    mask_span_attributes(span)
    assert dict(span.attributes) == {
        "http.url": "http://h/api/v1/skp/1986************01",
        "http.target": "/api/v1/skp",
        "url.query": "",
        "http.route": "/api/v1/skp/{skp_id}",
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        ROOT,
        run_dir=tmp_path_factory.mktemp("pii-run"),
        db_suffix="_pii",
        port_offset=800,
        extra_env={"OTEL_BSP_SCHEDULE_DELAY": "200"},
    )
    stack.set_clock(datetime.fromisoformat("2024-01-16T09:00:00+07:00"))
    stack.ensure_infrastructure()
    stack.create_databases(drop_first=True)
    stack.up()
    yield stack
    stack.down()
    drop_vhost(stack.vhost)  # its quorum queues hold files open in the broker


async def _poison(amqp_url: str, nip: str, nama: str) -> None:
    """A message that can never succeed, with personal data in it: what ends in the parking queue's headers?"""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(topology.EVENTS.name)
        body = {"type": "planning.skp.approved", "version": 1, "data": {"nip": nip, "nama": nama, "rhk": "x" * 3}}
        for key in ("planning.skp.approved.v1", "planning.pegawai.registered.v1"):
            await exchange.publish(aio_pika.Message(json.dumps(body).encode(), message_id=f"poison-{key}"), key)
    finally:
        await connection.close()


async def _parked(amqp_url: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        total = 0
        for service in CONSUMERS:
            queue = await channel.declare_queue(topology.parked_queue_name(service), passive=True)
            total += queue.declaration_result.message_count or 0
        return total
    finally:
        await connection.close()


async def test_a_short_cycle_leaves_no_personal_data_behind(stack):
    run_dir = stack.run_dir
    region = demo_region(schools=1, teachers_per_school=2)
    (run_dir / "roster").mkdir(exist_ok=True)
    (run_dir / "roster" / "pegawai.csv").write_text(region.pegawai_csv())
    (run_dir / "roster" / "relasi.csv").write_text(region.relasi_csv())
    school, guru = region.schools[0], region.schools[0].guru[0]

    api = Api(stack.url("planning"), stack.issuer_url)
    operator = await api.token("operator-3273", "operator", wilayah="3273")
    for kind, text in (("sekolah", region.sekolah_csv()), ("pegawai", region.pegawai_csv())):
        await api.call("POST", f"/roster/{kind}/csv", {**operator, "Content-Type": "text/csv"}, content=text)
    # A relasi file with one bad row: the row error names the line and the rule, not the person.
    bad_relasi = region.relasi_csv() + f"{guru.nip},{guru.nip},kepala_sekolah,2023-07-01,\n"
    await api.http.post("/roster/relasi/csv", content=bad_relasi, headers={**operator, "Content-Type": "text/csv"})

    skp_id, etag = await plan(api, guru, "2024-S1", target=4)
    kepala = await api.token(school.kepala.nip, "guru", "kepala_sekolah")
    await api.call("POST", f"/skp/{skp_id}/approve", {**kepala, "If-Match": etag})

    # Personal data where it does not belong: in the path, the query, a header and a body.
    bodies = []
    teacher = await api.token(guru.nip, "guru")
    for service in ("planning", "observation", "appraisal", "bkn_sync"):
        async with httpx.AsyncClient(base_url=stack.url(service), timeout=10) as http:
            for method, path, kwargs in (
                ("GET", f"/api/v1/skp/{guru.nip}", {}),
                ("GET", f"/api/v1/pelaksanaan/{guru.nip}?nip={guru.nip}&nama={guru.nama}", {}),
                ("GET", f"/api/v1/penilaian/{guru.nip}", {}),
                ("GET", f"/api/v1/sinkron/{guru.nip}", {}),
                ("POST", "/api/v1/skp", {"json": {"periode": guru.nip, "nama": guru.nama}}),
                ("GET", f"/api/v1/skp/{skp_id}", {"headers": {"Authorization": f"Bearer {guru.nip}"}}),
            ):
                headers = {**teacher, **kwargs.pop("headers", {})}
                response = await http.request(method, path, headers=headers, **kwargs)
                if response.status_code >= 400:
                    bodies.append(response.text)
    (run_dir / "bodies").mkdir(exist_ok=True)
    (run_dir / "bodies" / "http.jsonl").write_text("\n".join(bodies) + "\n")

    await _poison(stack.amqp_url, guru.nip, guru.nama)
    for _ in range(150):  # planning's and the others' consumers park it at once: it does not match its schema
        if await _parked(stack.amqp_url) >= 2:
            break
        await asyncio.sleep(0.2)
    assert await _parked(stack.amqp_url) >= 2

    (run_dir / "metrics").mkdir(exist_ok=True)
    async with httpx.AsyncClient(timeout=10) as http:
        for service in CONSUMERS:
            scrape = await http.get(stack.url(service) + "/metrics")
            (run_dir / "metrics" / f"{service}.prom").write_text(scrape.text)
    await asyncio.sleep(0.5)  # the last spans' batch (200 ms)

    scanner = await asyncio.to_thread(
        scan, run_dir, load_roster((run_dir / "roster").glob("*.csv")), amqp_url=stack.amqp_url, services=CONSUMERS
    )
    print("\n" + scanner.report())
    assert len(bodies) >= 10
    assert all(scanner.scanned[place] > 0 for place in PLACES), scanner.report()
    assert scanner.hits == [], scanner.report()
