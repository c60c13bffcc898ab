"""End to end: a whole semester for each policy year, every service and the BKN sandbox as uvicorn processes with
the development issuer, RabbitMQ and PostgreSQL, driven by the demo's own functions through the public HTTP APIs.

Roster import (one bad row), plans submitted, one returned and resubmitted, approved; observation cycles to the
end (under 2024's upload policy one upload dropped mid-request and resumed); penilaian rated and finalised with
predikat and angka kredit; bkn_sync pushes everything to the sandbox, two deliberate mismatches fail with their
typed reason and heal by themselves after the operator's roster correction. The end states are read back through
the public APIs, and the approval of one teacher's plan is one trace across planning, observation, appraisal and
bkn_sync (down to the BKN call), read from the processes' span files.

Both policy years share one stack (started once: the costly part), each with its own region (its own NIPs and
kode wilayah), in year order so the services' clock only moves forward.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from pmm_testkit import drop_vhost
from tools import traces
from tools.demo import APPROVAL_CHAIN, CLOCK_BY_POLICY, Season, season, start_fresh
from tools.demo_client import Api
from tools.stack import Stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
# Each year's region: its kode wilayah and where its people's numbering (so their NIPs) starts.
# 2025's region has two schools, so that one teacher moves school during the year while a pengawas acts as the new
# school's Plt. kepala sekolah (tools/demo_mutasi.py): every service sees the period split into two parts.
REGIONS = {
    2024: {"kode_wilayah": "3273", "first": 1, "schools": 1},
    2025: {"kode_wilayah": "3274", "first": 201, "schools": 2},
    2026: {"kode_wilayah": "3275", "first": 401, "schools": 1},
}
SANDBOX_ADMIN = {"X-Sandbox-Admin": "sandbox-admin"}
# What BKN e-Kinerja receives for a penilaian: a periodic one per triwulan, an annual one as SKP 2022's result.
RATING_KIND = {2024: "kinerjaperiodik", 2025: "skp22", 2026: "skp22"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        ROOT,
        run_dir=tmp_path_factory.mktemp("e2e-semester"),
        db_suffix="_e2e_semester",
        port_offset=500,
        extra_env={
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # spans reach the files every 200 ms instead of 5 s
            "BKN_SYNC_PUSH_POLL_SECONDS": "0.2",
            "BKN_SYNC_PULL_INTERVAL_SECONDS": "1",
            "PLANNING_OPEN_YEARS": "[2024, 2025, 2026]",  # every year's periods exist from the start
        },
    )
    start_fresh(stack, CLOCK_BY_POLICY[2024][0])
    yield stack
    stack.down()
    drop_vhost(stack.vhost)  # its quorum queues hold files open in the broker


@pytest.mark.parametrize("policy", [2024, 2025, 2026])
async def test_a_whole_semester_through_every_service(stack, policy, capsys):
    result = await season(stack, policy, teachers=2, verbose=True, **REGIONS[policy])
    region, school = result.region, result.region.schools[0]
    assert school.kepala is not None
    pegawai = [p for p in region.people() if p is not region.pengawas]
    moved = 1 if result.mutasi is not None else 0  # the transferred teacher's second part: one more of everything
    assert moved == (len(region.schools) > 1)

    # The roster: the bad row named by line, field and rule; the same file again changes nothing.
    errors = result.roster["pegawai"]["errors"]
    assert [(e["line"], e["field"], e["rule"]) for e in errors] == [(len(region.people()) + 2, "nip", "nip.tmt_age")]
    assert result.roster["pegawai_again"]["unchanged"] == len(region.people())

    api = Api(stack.url("planning"), stack.issuer_url)
    try:
        await _plans_approved(api, result)
        await _cycles_done(stack, api, result)
        finals = await _penilaian_final(stack, api, result)
        if result.mutasi is not None:
            await _transfer_and_acting_principal(stack, api, result)
    finally:
        await api.http.aclose()
        await api.issuer.aclose()
    await _at_bkn(stack, result, finals)

    # What went over RabbitMQ for this region: one cycle per plan, five steps each, one penilaian each.
    events = result.events
    # The region, and the teacher who joins late and is reminded to plan (tools/demo_pengingat.py).
    assert events["planning.pegawai.registered.v1"] == len(region.people()) + 1
    returned = len(region.schools)  # each principal returns one plan, which is submitted twice
    assert events["planning.skp.returned.v1"] == returned
    assert events["planning.skp.submitted.v1"] == len(pegawai) + returned + moved
    assert events["planning.skp.approved.v1"] == len(pegawai) + moved
    assert events["planning.skp.ended.v1"] == moved
    assert events["observation.pelaksanaan.opened.v1"] == len(pegawai) + moved
    assert events["observation.pelaksanaan.completed.v1"] == len(pegawai) + moved
    assert events["observation.step.completed.v1"] == 5 * (len(pegawai) + moved)
    # Each guru's cycle adds a modul ajar, each kepala sekolah's a modul ajar and the four accountability documents.
    guru = sum(len(s.guru) for s in region.schools)
    assert events["observation.bukti.added.v1"] == guru + moved + 5 * len(region.schools)
    assert events["appraisal.penilaian.finalized.v1"] == len(pegawai) + moved
    assert events["bkn_sync.push.failed.v1"] >= 2

    _one_trace(stack, result)
    _the_trace_tool_prints_it(stack, result.trace_id, capsys)

    # A SIGTERM'd process drains and comes back with nothing lost (planning one year, observation the other).
    service = {2024: "planning", 2025: "observation", 2026: "planning"}[policy]
    stack.stop(service)
    stack.start(service)
    guru = school.guru[0]
    if service == "planning":
        headers = await _token(stack, guru.nip, "guru")
        async with httpx.AsyncClient(base_url=stack.url("planning") + "/api/v1", headers=headers) as client:
            assert (await client.get(f"/skp/{result.plans[guru.nip]}")).json()["status"] == "DISETUJUI"
    else:
        headers = await _token(stack, guru.nip, "guru")
        async with httpx.AsyncClient(base_url=stack.url("observation") + "/api/v1", headers=headers) as client:
            mine = await client.get("/pelaksanaan/saya", params={"periode": result.periode})
            assert mine.json()["tahap"] == "SELESAI"


async def _token(stack: Stack, sub: str, *roles: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=stack.issuer_url) as issuer:
        answer = await issuer.post("/token", json={"sub": sub, "roles": list(roles), "wilayah": None})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _pegawai(result: Season) -> list:
    """Everyone of the region with a plan: each school's guru and kepala sekolah."""
    return [p for s in result.region.schools for p in (*s.guru, s.kepala)]


async def _plans_approved(api: Api, result: Season) -> None:
    """Every plan approved, as its owner reads it (a transferred teacher's first part stays as it was approved); the
    returned one with the target the note asked for."""
    assert set(result.plans) == {p.nip for p in _pegawai(result)}
    assert len(result.returned) == len(result.region.schools)
    for person in _pegawai(result):
        roles = ("guru", "kepala_sekolah") if person.jenis_gtk == "Kepala Sekolah" else ("guru",)
        skp = (await api.call("GET", f"/skp/{result.plans[person.nip]}", await api.token(person.nip, *roles))).json()
        assert skp["status"] == "DISETUJUI", skp
        if skp["id"] in result.returned:
            targets = {r["kode"]: r["target_kuantitas"] for r in skp["pengembangan_kompetensi"]}
            assert targets["PK-01"] == 6, skp


async def _cycles_done(stack: Stack, api: Api, result: Season) -> None:
    """Every cycle SELESAI, as its owner reads it (a transferred teacher's latest part: the one at the new school)."""
    assert len(result.cycles["completed"]) == len(_pegawai(result)) and result.cycles["skipped"] == []
    completed = {*result.cycles["completed"], *([result.mutasi.pelaksanaan] if result.mutasi else [])}
    async with httpx.AsyncClient(base_url=stack.url("observation") + "/api/v1") as client:
        for person in _pegawai(result):
            headers = await api.token(person.nip, "guru")
            mine = (await client.get("/pelaksanaan/saya", params={"periode": result.periode}, headers=headers)).json()
            assert mine["tahap"] == "SELESAI" and mine["id"] in completed, mine
    resumed = result.cycles["resumed_upload"]
    if result.policy == 2024:  # 2024's policy uploads the bukti dukung; 2025's has the atasan confirm them
        assert resumed is not None and 0 < resumed["offset_after_drop"] < resumed["size"]
    else:
        assert resumed is None


async def _penilaian_final(stack: Stack, api: Api, result: Season) -> dict[str, dict]:
    """Every penilaian FINAL with a predikat and (for these jabatan fungsional) angka kredit, as each reads it: one per
    pegawai, two for the teacher who moved school (one per part)."""
    moved = result.mutasi.person.nip if result.mutasi else None
    finals: dict[str, dict] = {}
    async with httpx.AsyncClient(base_url=stack.url("appraisal") + "/api/v1") as client:
        for person in _pegawai(result):
            headers = await api.token(person.nip, "guru")
            page = (await client.get("/penilaian", params={"periode": result.periode}, headers=headers)).json()
            mine = [i for i in page["items"] if i["pegawai"] and i["pegawai"]["nip"] == person.nip]
            assert sorted(i["bagian"] for i in mine) == ([1, 2] if person.nip == moved else [1]), page
            for item in mine:
                penilaian = (await client.get(f"/penilaian/{item['id']}", headers=headers)).json()
                assert penilaian["status"] == "FINAL", penilaian
                assert penilaian["predikat"]["kode"] in {"sangat_baik", "baik", "butuh_perbaikan", "kurang"}
                assert penilaian["angka_kredit"] and float(penilaian["angka_kredit"]["nilai"]) > 0, penilaian
                finals[person.nip] = penilaian
    # The region's appraisal step rates everyone's first part; the new part is rated after the acting ends.
    assert result.appraised["appraised"] == len(_pegawai(result))
    return finals


async def _at_bkn(stack: Stack, result: Season, finals: dict[str, dict]) -> None:
    """BKN holds each pegawai's plan, rating and angka kredit, each saved once; the mismatches failed first with
    their typed reason, were missing from BKN until the correction, and healed by themselves."""
    bkn = result.bkn
    assert bkn is not None
    assert [m.kode for m in result.mismatches] == ["NIP_TIDAK_SESUAI", "JABATAN_TIDAK_SESUAI"]
    assert {"NIP_TIDAK_SESUAI", "JABATAN_TIDAK_SESUAI"} <= set(bkn.failures)
    wrong = {m.person.nip for m in result.mismatches}
    assert bkn.held_before_correction == set(finals) - wrong
    assert bkn.healed == wrong
    async with httpx.AsyncClient(base_url=stack.url("bkn_sandbox"), headers=SANDBOX_ADMIN) as sandbox:
        for kind in ("skp", RATING_KIND[result.policy], "angkakredit"):
            held = (await sandbox.get("/admin/records", params={"kind": kind})).json()
            assert {r["nip"] for r in held} == set(finals), kind
            if kind == "skp":
                assert {r["jumlahSimpan"] for r in held} == {1}


async def _transfer_and_acting_principal(stack: Stack, api: Api, result: Season) -> None:
    """The transfer through every service: planning ended the old part the day before the new placement and the
    new part was approved by the Plt. (a pengawas); observation keeps the old part's cycle for the old kepala
    sekolah only; appraisal rated each part by its own atasan for its own months and adds their angka kredit; the
    former Plt. sees nothing once the acting ended; BKN holds the new part's SKP with its own months."""
    mutasi = result.mutasi
    assert mutasi is not None and mutasi.lama.kepala is not None and mutasi.baru.kepala is not None
    person, old_ks, new_ks, plt = mutasi.person, mutasi.lama.kepala, mutasi.baru.kepala, mutasi.plt
    guru = await api.token(person.nip, "guru")
    parts = (await api.call("GET", f"/skp/saya/bagian?periode={result.periode}", guru)).json()["items"]
    assert [(p["bagian"]["bagian"], p["bagian"]["npsn"], p["bagian"]["berakhir"], p["status"]) for p in parts] == [
        (1, mutasi.lama.npsn, True, "DISETUJUI"),
        (2, mutasi.baru.npsn, False, "DISETUJUI"),
    ]
    day_before = (mutasi.tmt - timedelta(days=1)).isoformat()
    assert (parts[0]["bagian"]["selesai"], parts[1]["bagian"]["mulai"]) == (day_before, mutasi.tmt.isoformat())
    # The Plt. approved part 2 (tools/demo_mutasi.py); now that the acting ended, it is the new kepala sekolah's.
    new_ks_headers = await api.token(new_ks.nip, "guru", "kepala_sekolah")
    assert (await api.call("GET", f"/skp/{mutasi.parts[2]}", new_ks_headers)).json()["status"] == "DISETUJUI"

    async with httpx.AsyncClient(base_url=stack.url("observation") + "/api/v1") as observation:
        old_cycle = (
            await observation.get("/pelaksanaan/saya", params={"periode": result.periode, "bagian": 1}, headers=guru)
        ).json()
        assert old_cycle["bagian"] == 1 and old_cycle["berakhir"], old_cycle
        for reader, status in ((old_ks, 200), (new_ks, 404)):
            headers = await api.token(reader.nip, "guru", "kepala_sekolah")
            assert (await observation.get(f"/pelaksanaan/{old_cycle['id']}", headers=headers)).status_code == status

    async with httpx.AsyncClient(base_url=stack.url("appraisal") + "/api/v1") as appraisal:
        hasil = mutasi.hasil
        assert hasil is not None
        months = [(p["bagian"], p["bulan"], p["final"]) for p in hasil["bagian"]]
        # A part counts the months whose first day it holds: the old part holds the month of the move, unless the
        # move is on its first day.
        first = mutasi.tmt.month if mutasi.tmt.day > 1 else mutasi.tmt.month - 1
        assert months == [(1, first, True), (2, 12 - first, True)], hasil
        total = sum(Decimal(str(p["angka_kredit"])) for p in hasil["bagian"])
        assert Decimal(str(hasil["hasil"]["angka_kredit"])) == total and hasil["hasil"]["predikat_bagian"] == 2
        part2_penilaian = next(p["penilaian_id"] for p in hasil["bagian"] if p["bagian"] == 2)
        plt_headers = await api.token(plt.nip, "guru", "pengawas")
        assert (await appraisal.get(f"/penilaian/{part2_penilaian}", headers=plt_headers)).status_code == 404

    async with httpx.AsyncClient(base_url=stack.url("bkn_sandbox"), headers=SANDBOX_ADMIN) as sandbox:
        held = (await sandbox.get("/admin/records", params={"kind": "skp", "nip": person.nip})).json()
        # Each part's SKP runs from its first day's month to its last day's: both hold the month of the move.
        spans = {(r["bulanMulai"], r["bulanSelesai"]) for r in held}
        assert (1, (mutasi.tmt - timedelta(days=1)).month) in spans and (mutasi.tmt.month, 12) in spans, held


def _one_trace(stack: Stack, result: Season) -> None:
    """The approval of the returned-then-revised plan: its HTTP request, its outbox row, the relay's publish, each
    consumer in observation, appraisal and bkn_sync, and bkn_sync's call to BKN are one trace."""
    assert result.trace_id is not None
    assert result.trace_services >= APPROVAL_CHAIN, result.trace_services
    spans = traces.read_spans(stack.run_dir, result.trace_id)
    roots = traces.build_tree(spans)
    request = [r for r in roots if r.kind == "SERVER"]
    assert len(request) == 1 and request[0].service == "planning" and request[0].name.endswith("/approve")
    names = {(s.service, s.name) for s in spans}
    assert ("planning", "outbox row(s): INSERT INTO outbox_message") in names
    assert ("planning", "pmm.events.planning.skp.approved.v1 publish") in names
    for consumer in ("observation", "appraisal", "bkn_sync"):
        assert (consumer, "pmm.events.planning.skp.approved.v1 process") in names, consumer
    assert ("bkn_sync", "BKN POST /api/skp/save") in names
    # Nothing of it hangs loose: every span but the request has its parent in the files.
    assert len(roots) == 1, [(r.service, r.name) for r in roots]
    # ...and no consumer anywhere in the run, nor a push to BKN, started a trace of its own.
    assert [(s.service, s.name) for s in traces.broken_hops(stack.run_dir)] == []


def _the_trace_tool_prints_it(stack: Stack, trace_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    """What the demo tells people to run: `python -m tools.traces <trace_id> --run-dir <run_dir>`."""
    capsys.readouterr()
    assert traces.main([trace_id, "--run-dir", str(stack.run_dir)]) == 0
    tree = capsys.readouterr().out.splitlines()
    assert tree[0].startswith(f"trace {trace_id}: ") and "in 4 services" in tree[0]
    assert "[planning] POST /api/v1/skp/{skp_id}/approve (server)" in tree[2]
    assert any("[bkn_sync] BKN POST /api/skp/save (client)" in line for line in tree)
    assert traces.main(["0" * 32, "--run-dir", str(stack.run_dir)]) == 1
