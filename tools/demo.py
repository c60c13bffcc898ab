"""`make demo`: a region's whole semester, through the public HTTP APIs of processes started here.

BKN's sandbox is seeded with two deliberate mismatches; the Dinas operator imports the roster (one bad row on
purpose, reported by line); teachers draft and submit their SKP, each principal approves and returns one with a
note, the teacher revises and resubmits, it is approved; the pengawas approves the principals' plans; every
approved plan runs its observation cycle (one upload dropped and resumed, under a policy with uploads); the
atasan rate and finalise the penilaian; bkn_sync pushes plans and penilaian to BKN and the mismatches heal once the
operator corrects the roster. It ends with a table per school, the time of each phase, and one approval's trace
(HTTP request -> outbox -> relay -> every consumer -> the BKN call) as a tree, with the command that shows it.
The stack stops afterwards unless KEEP=1 (then `make down` stops it).

    python -m tools.demo [--policy 2024|2025|2026] [--schools N] [--teachers N] [--keep]
                         [--port-offset N --db-suffix S --run-dir DIR]   # beside another stack
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl

from tools import pii_scan, traces
from tools.demo_appraisal import appraise_region
from tools.demo_bkn import BknDemo, Mismatch
from tools.demo_client import Api, DemoStepFailed, EventTap, Phases, each, masked, say
from tools.demo_koreksi import correction_report
from tools.demo_mutasi import MUTASI_CLOCK, Mutasi, rate_new_part, transfer_mid_period
from tools.demo_observation import run_cycles
from tools.demo_pengingat import remind_before_planning_closes
from tools.demo_roster import Person, Region, School, demo_region, pns_nip
from tools.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
# Inside each policy's pelaksanaan window (2024-S1: 1 Feb - 30 May; 2025-T: 1 Feb - 31 Oct; 2026-T: 1 Feb - 30 Nov).
PELAKSANAAN_CLOCK = {
    2024: datetime.fromisoformat("2024-02-05T09:00:00+07:00"),
    2025: datetime.fromisoformat("2025-02-05T09:00:00+07:00"),
    2026: datetime.fromisoformat("2026-02-05T09:00:00+07:00"),
}
# Inside each policy's penilaian window (2024-S1: June; 2025-T: 15 Nov - 31 Dec; 2026-T: December).
PENILAIAN_CLOCK = {
    2024: datetime.fromisoformat("2024-06-10T09:00:00+07:00"),
    2025: datetime.fromisoformat("2025-11-20T09:00:00+07:00"),
    2026: datetime.fromisoformat("2026-12-07T09:00:00+07:00"),
}
CLOCK_BY_POLICY = {
    2024: (datetime.fromisoformat("2024-01-16T09:00:00+07:00"), "2024-S1"),
    2025: (datetime.fromisoformat("2025-01-16T09:00:00+07:00"), "2025-T"),
    # 2026: teachers plan and the atasan decide on one day, so inside both planning and the approval days.
    2026: (datetime.fromisoformat("2026-01-23T09:00:00+07:00"), "2026-T"),
}
# The services a teacher's approval reaches: planning publishes, observation opens the pelaksanaan, appraisal the
# penilaian, bkn_sync pushes the plan to BKN.
APPROVAL_CHAIN = frozenset({"planning", "observation", "appraisal", "bkn_sync"})
# Spans leave each process every half second (the SDK's default is 5 s), so the demo can show a trace at once.
DEMO_ENV = {"OTEL_BSP_SCHEDULE_DELAY": "500"}
JAEGER_URL = "http://localhost:16686"  # docker-compose.yml's trace viewer; PMM_JAEGER_URL says otherwise


@dataclass
class Season:
    """What one semester came to, for the summary and for the end-to-end tests' assertions."""

    policy: int
    periode: str
    region: Region
    roster: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> the import report
    plans: dict[str, str] = field(default_factory=dict)  # NIP -> SKP id
    returned: list[str] = field(default_factory=list)  # SKP ids returned with a note, then approved
    cycles: dict[str, Any] = field(default_factory=dict)
    appraised: dict[str, Any] = field(default_factory=dict)
    mismatches: list[Mismatch] = field(default_factory=list)
    bkn: BknDemo | None = None
    events: Counter[str] = field(default_factory=Counter)
    trace_id: str | None = None
    trace_services: set[str] = field(default_factory=set)
    phases: dict[str, float] = field(default_factory=dict)
    mutasi: Mutasi | None = None  # the teacher who moved school during the period, and what came of it


def otlp_endpoint() -> str | None:
    """A collector named the standard way (OTEL_EXPORTER_OTLP_ENDPOINT): the services export there instead."""
    return os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None


def stack_env() -> dict[str, str]:
    """The demo's settings for every process: quick span export, and the collector's address if there is one."""
    env = dict(DEMO_ENV)
    endpoint = otlp_endpoint()
    if endpoint is not None:
        for spec in Stack(ROOT).registry.enabled:
            env[f"{spec.env_prefix}_OTEL_EXPORTER"] = "otlp"
            env[f"{spec.env_prefix}_OTEL_ENDPOINT"] = endpoint
    return env


def start_fresh(stack: Stack, at: datetime) -> None:
    """Empty databases, vhost and span files, the clock at `at`, every process ready."""
    stack.down()
    for spans in (stack.run_dir / "traces").glob("*.jsonl"):
        spans.unlink()  # an earlier run's traces would only hide this one's
    stack.set_clock(at)
    stack.ensure_infrastructure()
    stack.create_databases(drop_first=True)
    stack.up()


async def summary_table(stack: Stack, operator: dict[str, str], result: Season) -> None:
    """One line per school: how far the semester came, in each service's own words (their public APIs)."""
    sync: dict[str, dict[str, int]] = {}
    kode_wilayah = result.region.schools[0].kode_wilayah
    if "bkn_sync" in stack.services:
        async with httpx.AsyncClient(base_url=stack.url("bkn_sync"), timeout=30) as client:
            state = (await client.get(f"/api/v1/sinkron/wilayah/{kode_wilayah}", headers=operator)).json()
            sync = {school["npsn"]: school["counts"] for school in state.get("sekolah", [])}
    say(f"\n== Summary {result.periode} (policy {result.policy}) ==")
    columns = f"{'school':<18} {'planned':>7} {'approved':>8} {'cycles':>6} {'appraised':>9}  {'AK':>7}"
    say(f"  {columns}  predikat / BKN sync")
    for npsn, school in result.appraised["schools"].items():
        row = school.get("monitoring", {})
        predikat = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in row.get("predikat", {}).items() if v)
        bkn = ", ".join(f"{k} {v}" for k, v in sorted(sync.get(npsn, {}).items())) or "-"
        say(
            f"  {school['nama']:<18} {row.get('direncanakan', 0):>7} {row.get('disetujui', 0):>8}"
            f" {row.get('siklus_selesai', 0):>6} {row.get('dinilai', 0):>9}  {school.get('angka_kredit', '0'):>7}"
            f"  {predikat or '-'} / BKN: {bkn}"
        )


async def region_export(stack: Stack, operator: dict[str, str], result: Season) -> Path:
    """The Dinas' own recap: who is where, by name, as the spreadsheet an operator downloads (streamed by
    appraisal), kept under the run directory."""
    kode_wilayah = result.region.schools[0].kode_wilayah
    target = stack.run_dir / f"monitoring-{kode_wilayah}-{result.periode}.xlsx"
    started = time.perf_counter()
    params = {"periode": result.periode, "kode_wilayah": kode_wilayah}
    async with httpx.AsyncClient(base_url=stack.url("appraisal"), timeout=60) as client:
        async with client.stream("GET", "/api/v1/monitoring/pegawai.xlsx", params=params, headers=operator) as answer:
            answer.raise_for_status()
            with target.open("wb") as out:
                async for chunk in answer.aiter_bytes():
                    out.write(chunk)
    rows = openpyxl.load_workbook(target, read_only=True).active.max_row - 1
    say(f"  the region's recap by name: {rows} pegawai in {target} ({target.stat().st_size / 1024:.0f} KiB, "
        f"{time.perf_counter() - started:.2f} s)")  # fmt: skip
    return target


def _counts(report: dict) -> str:
    return f"created {report['created']}, updated {report['updated']}, unchanged {report['unchanged']}"


def skp_steps(indikator: str, *, target: int = 4) -> list[tuple[str, dict | None]]:
    """The drafting steps of a demo plan and their bodies, in order (the demo, the bench, the chaos run and the
    planning suite draft the same plan)."""
    rhk = [{"kode": "PK-01", "target_kuantitas": target}, {"kode": "PK-03", "target_kuantitas": 1}]
    return [
        ("data-diri", {"sesuai": True}),
        ("praktik-kinerja", {"indikator": indikator}),
        ("pengembangan-kompetensi", {"rhk": rhk}),
        ("tugas-tambahan", {"rhk": [{"kode": "TT-04", "target_kuantitas": 1}]}),
        ("perilaku-kerja", None),
    ]


async def plan(api: Api, person: Person, periode: str, *, target: int, bagian: int = 1) -> tuple[str, str]:
    """One pegawai drafts the six steps of their SKP (or, after a transfer, of the period's next part) and submits
    it; returns its id and ETag."""
    h = await api.token(person.nip, "guru", *(["kepala_sekolah"] if person.jenis_gtk == "Kepala Sekolah" else []))
    key = f"create-{person.nip}-{periode}" + (f"-{bagian}" if bagian > 1 else "")
    created = await api.call("POST", "/skp", {**h, "Idempotency-Key": key}, json={"periode": periode})
    skp_id, etag = created.json()["id"], created.headers["ETag"]
    rekomendasi = (await api.call("GET", "/katalog/indikator/rekomendasi", h)).json()["items"][0]["kode"]
    for step, body in skp_steps(rekomendasi, target=target):
        etag = (await api.call("PUT", f"/skp/{skp_id}/{step}", {**h, "If-Match": etag}, json=body)).headers["ETag"]
    submitted = await api.call(
        "POST", f"/skp/{skp_id}/submit", {**h, "If-Match": etag, "Idempotency-Key": f"submit-{skp_id}-1"}
    )
    return skp_id, submitted.headers["ETag"]


async def import_roster(api: Api, operator: dict[str, str], result: Season, *, keep_in: Path) -> None:
    region = result.region
    too_young = f"{pns_nip(999)[:8]}13{pns_nip(999)[10:]}"  # a TMT CPNS in 2013 for someone born in 1989
    bad_pegawai = region.pegawai_csv() + (
        f"{too_young},PNS,Nama Contoh,III/b,Ahli Pertama,Guru Mapel,{region.schools[0].npsn},\n"
    )
    files = {"sekolah": region.sekolah_csv(), "pegawai": bad_pegawai, "relasi": region.relasi_csv()}
    # Kept so that the personal-data scan at the end knows every NIP and name that was sent (tools/pii_scan.py).
    keep_in.mkdir(parents=True, exist_ok=True)
    for kind, text in files.items():
        (keep_in / f"{kind}.csv").write_text(text, encoding="utf-8")
    for kind, text in files.items():
        headers = {**operator, "Content-Type": "text/csv"}
        report = (await api.call("POST", f"/roster/{kind}/csv", headers, content=text)).json()
        result.roster[kind] = report
        say(f"  {kind:<8} received {report['received']}, {_counts(report)}")
        for error in report["errors"]:
            say(f"           line {error['line']}: {error['field']} breaks {error['rule']}: {error['detail']}")
    headers = {**operator, "Content-Type": "text/csv"}
    again = (await api.call("POST", "/roster/pegawai/csv", headers, content=region.pegawai_csv())).json()
    result.roster["pegawai_again"] = again
    say(f"  the same pegawai file again: {_counts(again)}")


async def teachers_plan(api: Api, result: Season, *, verbose: bool) -> None:
    async def one(guru: Person) -> None:
        skp_id, _ = await plan(api, guru, result.periode, target=4)
        result.plans[guru.nip] = skp_id
        if verbose:
            say(f"  {guru.nama:<18} NIP {masked(guru.nip)} submitted SKP {skp_id[:8]}")

    for school in result.region.schools:
        await each(school.guru, one)
        if not verbose:
            say(f"  {school.nama}: {len(school.guru)} SKP submitted")


async def principals_approve(api: Api, result: Season, *, verbose: bool) -> list[tuple[Person, Person, str]]:
    """Each principal's queue: the first plan goes back with a note, then the rest are approved in one request that
    also carries the plan just returned (no longer waiting, it is refused by its rule and stays as it is)."""
    returned: list[tuple[Person, Person, str]] = []
    by_skp = {skp_id: nip for nip, skp_id in result.plans.items()}

    async def work_through(school: School) -> None:
        assert school.kepala is not None
        ks = await api.token(school.kepala.nip, "guru", "kepala_sekolah")
        queue = (await api.call("GET", "/antrian-persetujuan?limit=100", ks)).json()["items"]
        first = queue[0]
        sent_back = await api.call(
            "POST",
            f"/skp/{first['skp_id']}/return",
            {**ks, "If-Match": f'"v{first["version"]}"'},
            json={"catatan": "Target pelatihan mandiri perlu dinaikkan menjadi 6 modul."},
        )
        guru = next(g for g in school.guru if g.nip == by_skp[first["skp_id"]])
        returned.append((guru, school.kepala, first["skp_id"]))

        # The returned plan at the version it has now, so it is judged by its state (not by a stale version).
        items = [{"skp_id": first["skp_id"], "version": sent_back.json()["version"]}]
        items += [{"skp_id": item["skp_id"], "version": item["version"]} for item in queue[1:]]
        key = {**ks, "Idempotency-Key": f"setujui-{school.npsn}-{result.periode}"}
        answer = (await api.call("POST", "/persetujuan", key, json={"items": items})).json()
        refused = [item for item in answer["items"] if item["outcome"] == "refused"]
        if [item["skp_id"] for item in refused] != [first["skp_id"]]:
            raise DemoStepFailed(f"demo step failed: {school.nama}'s bulk approval refused {refused}")
        if verbose:
            for item in answer["items"]:
                if item["outcome"] == "approved":
                    say(f"    {school.nama}: approved {item['skp_id'][:8]}")
        rules = ", ".join(item["rule"] for item in refused)
        say(
            f"  {school.nama}: {len(queue)} waiting; 1 returned, {answer['approved']} approved in one step, "
            f"{answer['refused']} refused ({rules})"
        )

    await each(result.region.schools, work_through)
    return returned


async def resubmit(api: Api, returned: list[tuple[Person, Person, str]], result: Season) -> None:
    async def one(case: tuple[Person, Person, str]) -> None:
        guru, kepala, skp_id = case
        h = await api.token(guru.nip, "guru")
        current = await api.call("GET", f"/skp/{skp_id}", h)
        revised = await api.call(
            "PUT",
            f"/skp/{skp_id}/pengembangan-kompetensi",
            {**h, "If-Match": current.headers["ETag"]},
            json={"rhk": [{"kode": "PK-01", "target_kuantitas": 6}, {"kode": "PK-03", "target_kuantitas": 1}]},
        )
        resubmitted = await api.call("POST", f"/skp/{skp_id}/submit", {**h, "If-Match": revised.headers["ETag"]})
        ks = await api.token(kepala.nip, "guru", "kepala_sekolah")
        approved = await api.call("POST", f"/skp/{skp_id}/approve", {**ks, "If-Match": resubmitted.headers["ETag"]})
        result.returned.append(skp_id)
        say(
            f'  {guru.nama} reads "{current.json()["catatan_atasan"]}", revises, resubmits: {skp_id[:8]} is now '
            f"{approved.json()['status']} ({approved.json()['total_poin']} points)"
        )

    await each(returned, one)


async def pengawas_approves(api: Api, result: Season) -> None:
    pengawas = await api.token(result.region.pengawas.nip, "guru", "pengawas")

    async def one(school: School) -> None:
        assert school.kepala is not None
        skp_id, etag = await plan(api, school.kepala, result.periode, target=4)
        result.plans[school.kepala.nip] = skp_id
        approved = await api.call("POST", f"/skp/{skp_id}/approve", {**pengawas, "If-Match": etag})
        say(f"  {school.kepala.nama} (kepala sekolah, {school.nama}): {approved.json()['status']}")

    await each(result.region.schools, one)


async def wait_for_trace(run_dir: Path, trace_id: str, services: frozenset[str], timeout: float = 20.0) -> set[str]:
    """The services whose span files hold the trace, once all of `services` do (or the time is up): spans reach
    the files in batches, the BKN call's last."""
    deadline = time.monotonic() + timeout
    while True:
        found = traces.services_of(run_dir, trace_id)
        if services <= found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def show_trace(stack: Stack, result: Season, trace_id: str | None) -> None:
    if trace_id is None:
        say("\n  (no approval's traceparent was seen on RabbitMQ: no trace to show)")
        return
    guru = next((p for p in result.region.people() if result.plans.get(p.nip) in result.returned), None)
    who = f"{guru.nama}, NIP {masked(guru.nip)}" if guru else "a teacher"
    say(f"\n== One trace: the approval of {who}'s returned-then-revised plan ==")
    result.trace_id = trace_id
    if otlp_endpoint() is not None:
        jaeger = os.environ.get("PMM_JAEGER_URL", JAEGER_URL).rstrip("/")
        say(f"  trace {trace_id}: spans went to the collector at {otlp_endpoint()}; see {jaeger}/trace/{trace_id}")
        return
    result.trace_services = await wait_for_trace(stack.run_dir, trace_id, APPROVAL_CHAIN)
    tree = traces.render(traces.build_tree(traces.read_spans(stack.run_dir, trace_id)))
    say(f"  trace {trace_id} crosses {len(result.trace_services)} services: {', '.join(sorted(result.trace_services))}")
    say("  (HTTP request -> outbox row -> relay's publish -> each consumer -> their events -> the BKN call)")
    for line in tree:
        say(f"  {line}")
    run_dir = "" if stack.run_dir == ROOT / ".run" else f" --run-dir {stack.run_dir}"
    say(f"\n  see it again:  .venv/bin/python -m tools.traces {trace_id}{run_dir}")
    say(f"  (span files: {stack.run_dir / 'traces'}/<service>.jsonl; `--queries` shows each SQL statement too)")


async def season(
    stack: Stack,
    policy: int,
    schools: int,
    teachers: int,
    *,
    kode_wilayah: str = "3273",
    first: int = 1,
    verbose: bool | None = None,
) -> Season:
    """One semester of a region on a running stack, from the roster to BKN; `first` numbers its people (two
    seasons on one stack need regions with different NIPs and a different kode_wilayah)."""
    at, periode = CLOCK_BY_POLICY[policy]
    stack.set_clock(at)
    result = Season(policy, periode, demo_region(schools=schools, teachers_per_school=teachers,
                                                 kode_wilayah=kode_wilayah, first=first))  # fmt: skip
    region = result.region
    verbose = teachers <= 4 if verbose is None else verbose
    phase = Phases()
    tap = EventTap(stack.amqp_url, print_limit=None if verbose else 2)
    await tap.start()
    api = Api(stack.url("planning"), stack.issuer_url)
    operator = await api.token(f"operator-{kode_wilayah}", "operator", wilayah=kode_wilayah)
    bkn = BknDemo.for_stack(stack, say=say, kode_wilayah=kode_wilayah) if "bkn_sync" in stack.services else None
    result.bkn = bkn
    if not verbose:
        say("  (RabbitMQ: the first two events of each type are printed as they arrive; all are counted)")

    if bkn is not None:
        say("\n== 0. BKN's side (the sandbox standing in for SIASN / e-Kinerja) knows the region, two mismatches ==")
        async with phase("0 BKN seeded"):
            result.mismatches = await bkn.seed(region)

    people = len(region.people())
    say(f"\n== 1. The Dinas operator imports the roster: {schools} school(s), {people} pegawai (one bad row) ==")
    async with phase("1 roster import"):
        await import_roster(api, operator, result, keep_in=stack.run_dir / "roster")

    say("\n== 1b. A teacher reports a wrong pangkat/golongan; the operator's corrected import closes the report ==")
    async with phase("1b correction report"):
        await correction_report(api, result)

    say(f"\n== 2. {schools * teachers} teachers draft their SKP for {periode} (six steps, each a draft) and submit ==")
    async with phase("2 teachers plan"):
        await teachers_plan(api, result, verbose=verbose)

    say("\n== 3. Each principal works through the approval queue: approves, and returns one plan with a note ==")
    async with phase("3 principals approve"):
        returned = await principals_approve(api, result, verbose=verbose)

    say("\n== 4. The teacher reads the note, revises, resubmits; the principal approves ==")
    async with phase("4 return, resubmit"):
        await resubmit(api, returned, result)

    say("\n== 5. Principals plan too; their pengawas approves ==")
    async with phase("5 pengawas approves"):
        await pengawas_approves(api, result)

    say("\n== 5b. Three days before planning closes: who has not planned is reminded by mail ==")
    async with phase("5b reminders"):
        await remind_before_planning_closes(stack, api, operator, region, periode)

    pelaksanaan_at = PELAKSANAAN_CLOCK[policy]
    say(f"\n== 6. Pelaksanaan from {pelaksanaan_at:%d %B %Y}: every approved plan runs the five steps ==")
    stack.set_clock(pelaksanaan_at)
    # One teacher takes up their jenjang now, part way through the period: their angka kredit counts the months
    # served from here (docs/domain.md §6), as the appraisal step shows.
    tmt = pelaksanaan_at.date().replace(day=1)
    headers = {**operator, "Content-Type": "text/csv"}
    await api.call("POST", "/roster/pegawai/csv", headers, content=region.tmt_jabatan_csv(tmt))
    say(f"  the operator records {region.promoted().nama}'s new jenjang from {tmt:%d %B %Y} (TMT jabatan)")
    async with phase("6 observation cycles"):
        result.cycles = await run_cycles(stack.url("observation"), stack.issuer_url, region, periode, verbose=verbose)

    say(f"\n== 6b. From {MUTASI_CLOCK[policy]:%d %B %Y}: a teacher moves school; a pengawas acts as its principal ==")
    async with phase("6b transfer, Plt."):
        result.mutasi = await transfer_mid_period(stack, api, operator, region, periode, policy, plan=plan, bkn=bkn)

    penilaian_at = PENILAIAN_CLOCK[policy]
    say(f"\n== 7. Penilaian from {penilaian_at:%d %B %Y}: atasan rate, predikat and angka kredit, finalised ==")
    stack.set_clock(penilaian_at)
    async with phase("7 appraisal"):
        result.appraised = await appraise_region(stack.url("appraisal"), stack.issuer_url, region, periode)
        if result.mutasi is not None:
            say("\n== 7b. The transferred teacher's new part, and the period's result from both parts ==")
            await rate_new_part(stack, result.mutasi, periode)

    if bkn is not None:
        say("\n== 8. BKN e-Kinerja: approved plans and finalised penilaian pushed by bkn_sync ==")
        async with phase("8 BKN push"):
            await bkn.wait_until_settled(region)
            await bkn.show_states(region)
        say("\n== 9. The school operator corrects the roster; the failed pushes retry by themselves ==")
        async with phase("9 BKN self-heals"):
            await bkn.correct_roster(region, result.mismatches)
        await bkn.close()

    await summary_table(stack, operator, result)
    await region_export(stack, operator, result)
    await api.http.aclose()
    await api.issuer.aclose()

    await asyncio.sleep(1.0)  # the relays publish the last commits
    await tap.stop()
    result.events = tap.seen
    say("\n== What went over RabbitMQ ==")
    for key, count in sorted(tap.seen.items()):
        say(f"  {count:>4}  {key}")
    chosen = next(iter(result.returned), None)
    trace_id = tap.trace_ids.get((f"skp:{chosen}", "planning.skp.approved.v1")) if chosen else None
    await show_trace(stack, result, trace_id)
    result.phases = phase.seconds
    return result


def print_times(result: Season, started: float, stack_seconds: float) -> None:
    say("\n== Time ==")
    say(f"  {'stack start (fresh databases, migrations, 6 processes)':<58} {stack_seconds:>6.1f} s")
    for name, seconds in result.phases.items():
        say(f"  {name:<58} {seconds:>6.1f} s")
    say(f"  {'total':<58} {time.monotonic() - started:>6.1f} s")
    region = result.region
    say(
        f"  {len(region.schools)} schools, {sum(len(s.guru) for s in region.schools)} teachers, "
        f"{len(region.schools)} principals, 1 pengawas; {sum(result.events.values())} events over RabbitMQ"
    )


def show_portal(stack: Stack, result: Season, *, keep: bool) -> None:
    """Where the people of the demo region can carry on in the browser, and as whom to sign in: by the names the
    roster holds at the end (a name the operator corrected to SIASN's spelling is listed so on Masuk)."""
    if "portal" not in stack.services:
        return
    say(f"\n== The portal: {stack.url('portal')} ==")
    if not keep:
        say("  (`make demo KEEP=1` leaves the stack up to sign in there)")
        return
    region = result.region
    school = region.schools[0]
    names = {m.person.nip: m.correction["nama"] for m in result.mismatches if "nama" in m.correction}
    guru = school.guru[0]
    say('  Masuk -> "Masuk sebagai" (development sign-in) as, for example:')
    say(f"    Operator Dinas wilayah {school.kode_wilayah}: roster import, windows, monitoring, BKN failures")
    if school.kepala is not None:
        say(f"    {school.kepala.nama} (kepala sekolah, {school.nama}): persetujuan, observasi, penilaian")
    nama = names.get(guru.nip, guru.nama)
    say(f"    {nama} (guru, {school.nama}): Beranda, the plan, pelaksanaan, the evaluation PDF")
    say(f"    {region.pengawas.nama} (pengawas): the principals' plans")


def personal_data_check(stack: Stack) -> bool:
    """UU 27/2022: no NIP or name of the roster in any log line, span, metric label or parked message of the run."""
    say("\n== Personal data: the roster's NIPs and names searched in everything the run left ==")
    roster = pii_scan.load_roster(sorted((stack.run_dir / "roster").glob("*.csv")))
    ours = [name for name in stack.services if not stack.registry.services[name].dev_only]
    scanner = pii_scan.scan(
        stack.run_dir,
        roster,
        metrics_urls=[f"{stack.url(name)}/metrics" for name in ours],
        amqp_url=stack.amqp_url,
        services=ours,
    )
    for line in scanner.report().splitlines():
        say(f"  {line}")
    return not scanner.hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--policy", type=int, choices=sorted(CLOCK_BY_POLICY), default=2024, help="the policy year whose rules run"
    )
    parser.add_argument("--schools", type=int, default=3)
    parser.add_argument("--teachers", type=int, default=20, help="per school")
    parser.add_argument("--keep", action="store_true", default=os.environ.get("KEEP") == "1")
    parser.add_argument("--port-offset", type=int, default=0, help="run beside another stack (its ports + N)")
    parser.add_argument("--db-suffix", default="", help="databases and vhost of their own (pmm_planning<suffix>)")
    parser.add_argument("--run-dir", type=Path, default=None, help="logs, spans, pids (default .run)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    stack = Stack(
        ROOT, run_dir=args.run_dir, db_suffix=args.db_suffix, port_offset=args.port_offset, extra_env=stack_env()
    )
    at, _ = CLOCK_BY_POLICY[args.policy]
    say(f"Starting the stack (fresh databases, RabbitMQ vhost {stack.vhost}); the services' clock is {at.isoformat()}")
    try:
        start_fresh(stack, at)
        stack_seconds = time.monotonic() - started
        result = asyncio.run(season(stack, args.policy, args.schools, args.teachers))
        print_times(result, started, stack_seconds)
        clean = personal_data_check(stack)
        show_portal(stack, result, keep=args.keep)
    except DemoStepFailed as failed:
        say(f"\n{failed}\n(the processes' logs: {stack.run_dir / 'logs'})")
        clean = False
    finally:
        if args.keep:
            say(f"\nThe stack stays up (planning at {stack.url('planning')}/docs); `make down` stops it.")
        else:
            stack.down()
            say("Stack stopped.")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
