"""`make demo`: a school region's planning season, through the public HTTP API of processes started here.

An operator imports the roster (one bad row on purpose, reported by line), teachers draft and submit their SKP,
each principal approves most and returns one with a note, the teacher revises and resubmits, it is approved, the
pengawas approves the principals' own plans; every event that went over RabbitMQ is printed as it arrives.
The stack stops afterwards unless KEEP=1 (then `make down` stops it).

    python -m tools.demo [--policy 2024|2025] [--schools N] [--teachers N] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx

from tools.demo_appraisal import appraise_region
from tools.demo_bkn import BknDemo
from tools.demo_client import Api, EventTap, masked, say
from tools.demo_observation import run_cycles
from tools.demo_roster import Person, demo_region, pns_nip
from tools.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
# Inside each policy's pelaksanaan window (2024-S1: 1 Feb - 30 May; 2025-T: 1 Feb - 31 Oct).
PELAKSANAAN_CLOCK = {
    2024: datetime.fromisoformat("2024-02-05T09:00:00+07:00"),
    2025: datetime.fromisoformat("2025-02-05T09:00:00+07:00"),
}
# Inside each policy's penilaian window (2024-S1: June; 2025-T: 15 Nov - 31 Dec).
PENILAIAN_CLOCK = {
    2024: datetime.fromisoformat("2024-06-10T09:00:00+07:00"),
    2025: datetime.fromisoformat("2025-11-20T09:00:00+07:00"),
}
CLOCK_BY_POLICY = {
    2024: (datetime.fromisoformat("2024-01-16T09:00:00+07:00"), "2024-S1"),
    2025: (datetime.fromisoformat("2025-01-16T09:00:00+07:00"), "2025-T"),
}


async def summary_table(stack: Stack, operator: dict[str, str], appraised: dict) -> None:
    """One line per school: how far the semester came, in each service's own words (their public APIs)."""
    sync: dict[str, dict[str, int]] = {}
    if "bkn_sync" in stack.services:
        async with httpx.AsyncClient(base_url=stack.url("bkn_sync"), timeout=30) as client:
            state = (await client.get("/api/v1/sinkron/wilayah/3273", headers=operator)).json()
            sync = {school["npsn"]: school["counts"] for school in state.get("sekolah", [])}
    say(f"\n== Summary {appraised['periode']} ==")
    columns = f"{'school':<18} {'planned':>7} {'approved':>8} {'cycles':>6} {'appraised':>9}  {'AK':>7}"
    say(f"  {columns}  predikat / BKN sync")
    for npsn, school in appraised["schools"].items():
        row = school.get("monitoring", {})
        predikat = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in row.get("predikat", {}).items() if v)
        bkn = ", ".join(f"{k} {v}" for k, v in sorted(sync.get(npsn, {}).items())) or "-"
        say(
            f"  {school['nama']:<18} {row.get('direncanakan', 0):>7} {row.get('disetujui', 0):>8}"
            f" {row.get('siklus_selesai', 0):>6} {row.get('dinilai', 0):>9}  {school.get('angka_kredit', '0'):>7}"
            f"  {predikat or '-'} / BKN: {bkn}"
        )


def _counts(report: dict) -> str:
    return f"created {report['created']}, updated {report['updated']}, unchanged {report['unchanged']}"


async def plan(api: Api, person: Person, periode: str, *, target: int) -> tuple[str, str]:
    h = await api.token(person.nip, "guru", *(["kepala_sekolah"] if person.jenis_gtk == "Kepala Sekolah" else []))
    created = await api.call(
        "POST", "/skp", {**h, "Idempotency-Key": f"create-{person.nip}-{periode}"}, json={"periode": periode}
    )
    skp_id, etag = created.json()["id"], created.headers["ETag"]
    rekomendasi = (await api.call("GET", "/katalog/indikator/rekomendasi", h)).json()["items"][0]["kode"]
    rhk = [{"kode": "PK-01", "target_kuantitas": target}, {"kode": "PK-03", "target_kuantitas": 1}]
    for step, body in (
        ("data-diri", {"sesuai": True}),
        ("praktik-kinerja", {"indikator": rekomendasi}),
        ("pengembangan-kompetensi", {"rhk": rhk}),
        ("tugas-tambahan", {"rhk": [{"kode": "TT-04", "target_kuantitas": 1}]}),
        ("perilaku-kerja", None),
    ):
        etag = (await api.call("PUT", f"/skp/{skp_id}/{step}", {**h, "If-Match": etag}, json=body)).headers["ETag"]
    submitted = await api.call(
        "POST", f"/skp/{skp_id}/submit", {**h, "If-Match": etag, "Idempotency-Key": f"submit-{skp_id}-1"}
    )
    return skp_id, submitted.headers["ETag"]


async def season(stack: Stack, policy: int, schools: int, teachers: int) -> None:
    started = time.monotonic()
    _, periode = CLOCK_BY_POLICY[policy]
    region = demo_region(schools=schools, teachers_per_school=teachers)
    tap = EventTap(stack.amqp_url)
    await tap.start()
    api = Api(stack.url("planning"), stack.issuer_url)
    operator = await api.token("operator-3273", "operator", wilayah="3273")
    bkn = BknDemo.for_stack(stack, say=say) if "bkn_sync" in stack.services else None
    mismatches = []
    if bkn is not None:
        say("\n== 0. BKN's side (the sandbox standing in for SIASN / e-Kinerja) knows the region, two mismatches ==")
        mismatches = await bkn.seed(region)

    say(f"\n== 1. The Dinas operator imports the roster of {schools} school(s), {len(region.people())} pegawai ==")
    too_young = f"{pns_nip(999)[:8]}13{pns_nip(999)[10:]}"  # a TMT CPNS in 2013 for someone born in 1989
    bad_pegawai = region.pegawai_csv() + (
        f"{too_young},PNS,Nama Contoh,III/b,Ahli Pertama,Guru Mapel,{region.schools[0].npsn}\n"
    )
    for kind, text in (
        ("sekolah", region.sekolah_csv()),
        ("pegawai", bad_pegawai),
        ("relasi", region.relasi_csv()),
    ):
        report = (
            await api.call("POST", f"/roster/{kind}/csv", {**operator, "Content-Type": "text/csv"}, content=text)
        ).json()
        say(f"  {kind:<8} received {report['received']}, {_counts(report)}")
        for error in report["errors"]:
            say(f"           line {error['line']}: {error['field']} breaks {error['rule']}: {error['detail']}")
    again = (
        await api.call(
            "POST",
            "/roster/pegawai/csv",
            {**operator, "Content-Type": "text/csv"},
            content=region.pegawai_csv(),
        )
    ).json()
    say(f"  the same pegawai file again: {_counts(again)}")
    await asyncio.sleep(1.0)

    say(f"\n== 2. Teachers draft their SKP for {periode} (six steps, each saved as a draft) and submit ==")
    plans: dict[str, tuple[Person, str, str]] = {}
    for school in region.schools:
        for guru in school.guru:
            skp_id, etag = await plan(api, guru, periode, target=4)
            plans[skp_id] = (guru, skp_id, etag)
            say(f"  {guru.nama:<18} NIP {masked(guru.nip)} submitted SKP {skp_id[:8]}")
    await asyncio.sleep(0.5)

    say("\n== 3. Each principal works through the approval queue: approves, and returns one plan with a note ==")
    returned: list[tuple[Person, Person, str]] = []
    for school in region.schools:
        assert school.kepala is not None
        ks = await api.token(school.kepala.nip, "guru", "kepala_sekolah")
        queue = (await api.call("GET", "/antrian-persetujuan?limit=50", ks)).json()["items"]
        say(f"  {school.nama}: {len(queue)} plan(s) waiting")
        for index, item in enumerate(queue):
            etag = f'"v{item["version"]}"'
            if index == 0:
                await api.call(
                    "POST",
                    f"/skp/{item['skp_id']}/return",
                    {**ks, "If-Match": etag},
                    json={"catatan": "Target pelatihan mandiri perlu dinaikkan menjadi 6 modul."},
                )
                guru = next(p for p, sid, _ in plans.values() if sid == item["skp_id"])
                returned.append((guru, school.kepala, item["skp_id"]))
                say(f"    returned {item['skp_id'][:8]} with a note")
            else:
                await api.call("POST", f"/skp/{item['skp_id']}/approve", {**ks, "If-Match": etag})
                say(f"    approved {item['skp_id'][:8]}")
    await asyncio.sleep(0.5)

    say("\n== 4. The teacher reads the note, revises, resubmits; the principal approves ==")
    for guru, kepala, skp_id in returned:
        h = await api.token(guru.nip, "guru")
        current = await api.call("GET", f"/skp/{skp_id}", h)
        say(f'  {guru.nama} reads: "{current.json()["catatan_atasan"]}"')
        revised = await api.call(
            "PUT",
            f"/skp/{skp_id}/pengembangan-kompetensi",
            {**h, "If-Match": current.headers["ETag"]},
            json={"rhk": [{"kode": "PK-01", "target_kuantitas": 6}, {"kode": "PK-03", "target_kuantitas": 1}]},
        )
        resubmitted = await api.call("POST", f"/skp/{skp_id}/submit", {**h, "If-Match": revised.headers["ETag"]})
        ks = await api.token(kepala.nip, "guru", "kepala_sekolah")
        approved = await api.call("POST", f"/skp/{skp_id}/approve", {**ks, "If-Match": resubmitted.headers["ETag"]})
        say(f"  {skp_id[:8]} is now {approved.json()['status']} ({approved.json()['total_poin']} points)")

    say("\n== 5. Principals plan too; their pengawas approves ==")
    pengawas = await api.token(region.pengawas.nip, "guru", "pengawas")
    for school in region.schools:
        assert school.kepala is not None
        skp_id, etag = await plan(api, school.kepala, periode, target=4)
        approved = await api.call("POST", f"/skp/{skp_id}/approve", {**pengawas, "If-Match": etag})
        say(f"  {school.kepala.nama} (kepala sekolah): {approved.json()['status']}")

    pelaksanaan_at = PELAKSANAAN_CLOCK[policy]
    say(f"\n== 6. Pelaksanaan from {pelaksanaan_at:%d %B %Y}: every approved plan runs the five steps ==")
    stack.set_clock(pelaksanaan_at)
    await run_cycles(stack.url("observation"), stack.issuer_url, region, periode)

    penilaian_at = PENILAIAN_CLOCK[policy]
    say(f"\n== 7. Penilaian from {penilaian_at:%d %B %Y}: atasan rate, predikat and angka kredit, finalised ==")
    stack.set_clock(penilaian_at)
    appraised = await appraise_region(stack.url("appraisal"), stack.issuer_url, region, periode)

    if bkn is not None:
        say("\n== 8. BKN e-Kinerja: approved plans and finalised penilaian pushed by bkn_sync ==")
        await bkn.wait_until_settled(region)
        await bkn.show_states(region)
        say("\n== 9. The school operator corrects the roster; the failed pushes retry by themselves ==")
        await bkn.correct_roster(region, mismatches)
        await bkn.close()

    await summary_table(stack, operator, appraised)

    await asyncio.sleep(2.0)  # let the relays publish the last commits
    await tap.stop()
    say("\n== What went over RabbitMQ ==")
    for key, count in sorted(tap.seen.items()):
        say(f"  {count:>4}  {key}")
    one = next(iter(returned), None)
    if one is not None:
        trace = tap.trace_ids.get((f"skp:{one[2]}", "planning.skp.approved.v1"))
        say(
            f"\n  the approval of the returned-then-revised plan {one[2][:8]} is trace {trace}: its HTTP request,\n"
            f"  the outbox relay's publish and RabbitMQ's delivery share it (spans: {stack.run_dir / 'traces'}/)"
        )
    say(f"\n  done in {time.monotonic() - started:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policy", type=int, choices=sorted(CLOCK_BY_POLICY), default=2024)
    parser.add_argument("--schools", type=int, default=2)
    parser.add_argument("--teachers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", default=os.environ.get("KEEP") == "1")
    args = parser.parse_args(argv)
    stack = Stack(ROOT)
    at, _ = CLOCK_BY_POLICY[args.policy]
    say(f"Starting the stack (fresh databases, RabbitMQ vhost {stack.vhost}); the services' clock is {at.isoformat()}")
    stack.down()
    stack.set_clock(at)
    stack.ensure_infrastructure()
    stack.create_databases(drop_first=True)
    stack.up()
    try:
        asyncio.run(season(stack, args.policy, args.schools, args.teachers))
    finally:
        if args.keep:
            say(f"\nThe stack stays up (planning at {stack.url('planning')}/docs); `make down` stops it.")
        else:
            stack.down()
            say("Stack stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
