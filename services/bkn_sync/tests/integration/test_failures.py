"""Typed failures that say who can fix them, and pushes that go by themselves once the fix arrives."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from prometheus_client import generate_latest

from bkn_sync.usecases import views
from pmm_contracts.events import planning

from .conftest import periode_opened, wait_until

pytestmark = pytest.mark.integration


async def failed_with(world, guru, kode: str) -> dict:
    async def check():
        rows = await world.pushes(guru)
        return rows[0] if rows and rows[0]["status"] == "failed" and rows[0]["failure_kode"] == kode else None

    return await wait_until(check, timeout=15)


@pytest.mark.parametrize(
    ("siasn", "kode", "fixer"),
    [
        (None, "PEGAWAI_TIDAK_DITEMUKAN", "operator_sekolah"),
        ({"nama": "Nama Lain Sama Sekali"}, "NIP_TIDAK_SESUAI", "operator_sekolah"),
        ({"unorId": "20999999"}, "UNOR_TIDAK_SESUAI", "operator_sekolah"),
        ({"jabatanNama": "Guru Ahli Muda"}, "JABATAN_TIDAK_SESUAI", "dinas"),
        ({"atasanNip": "196001011985031001"}, "ATASAN_BERBEDA", "dinas"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isupper() else None,
)
async def test_each_typed_failure_is_visible_with_who_fixes_it(world, tap, client, tokens, siasn, kode, fixer):
    school = await world.school(teachers=1, siasn={0: siasn})
    guru = school.guru[0]
    await world.approve(guru, school.kepala)
    push = await failed_with(world, guru, kode)
    assert push["next_attempt_at"] is not None  # rechecked slowly, and at once when a fix arrives

    await tap.wait("push.failed", push_id=str(push["id"]))
    [event] = tap.data("push.failed", push_id=str(push["id"]))
    assert (event["kode"], event["fixer"]) == (kode, fixer)
    assert event["action"]

    # The teacher sees it with what to do; so do the KS and the region's operator.
    for headers in (
        tokens.headers(guru.nip, "guru"),
        tokens.headers(school.kepala.nip, "guru", "kepala_sekolah"),
        tokens.headers("op", "operator", wilayah="3273"),
    ):
        state = await client.get(f"/api/v1/sinkron/pegawai/{guru.pegawai_id}", headers=headers)
        assert state.status_code == 200, state.text
        [view] = state.json()["pushes"]
        assert view["failure"]["kode"] == kode and view["failure"]["fixer"] == fixer
        assert view["recent_attempts"][-1]["kode"] == kode


async def test_a_mismatch_heals_by_itself_when_the_corrected_pegawai_arrives(
    world, upstream, admin, tap, client, operator
):
    """The roster has the teacher at their old school; SIASN already at the new one. The school operator moves them
    in Dapodik, planning sends pegawai.updated, and the failed pushes go without anyone pressing retry."""
    school = await world.school(teachers=1, siasn={0: {"unorId": "20999999"}})
    guru = school.guru[0]
    await world.approve(guru, school.kepala)
    failed = await failed_with(world, guru, "UNOR_TIDAK_SESUAI")
    await world.finalize(guru, school.kepala)  # its kinerja periodik and angka kredit wait for the SKP

    async def waiting() -> list | None:
        view = (await client.get(f"/api/v1/sinkron/pegawai/{guru.pegawai_id}", headers=operator())).json()
        held = [p for p in view["pushes"] if p["waiting_for"] == "skp"]
        return held if len(held) == 3 else None

    held = await wait_until(waiting)
    assert {p["jenis"] for p in held} == {"kinerjaperiodik", "angkakredit"}
    assert all(p["attempts"] == 0 and p["status"] == "pending" for p in held)
    sekolah = (await client.get(f"/api/v1/sinkron/sekolah/{school.npsn}", headers=operator())).json()
    assert sekolah["waiting_for_skp"] == 3

    moved = {**guru.snapshot(), "npsn": "20999999"}
    await upstream.publish(
        planning.PegawaiUpdatedV1(**moved, changed=["npsn"]), aggregate_id=f"pegawai:{guru.pegawai_id}"
    )
    pushes = await world.settled(guru, count=4)
    [skp] = [p for p in pushes if p["jenis"] == "skp"]
    assert skp["id"] == failed["id"]
    assert [a["outcome"] for a in await world.attempts(skp["id"])] == ["failed", "succeeded"]
    held_at_bkn = await admin.records(nip=guru.nip)
    assert len(held_at_bkn) == 4 and {r["unorId"] for r in held_at_bkn} == {"20999999"}
    assert {r["jumlahSimpan"] for r in held_at_bkn} == {1}
    await tap.wait("push.succeeded", count=4, pegawai_id=str(guru.pegawai_id))


async def test_a_mismatch_fixed_in_siasn_heals_through_the_change_feed(world, admin):
    school = await world.school(teachers=1, siasn={0: {"jabatanNama": "Guru Ahli Muda"}})
    guru = school.guru[0]
    await world.approve(guru, school.kepala)
    await failed_with(world, guru, "JABATAN_TIDAK_SESUAI")
    await admin.change_pegawai(guru.nip, jabatanNama="Guru Ahli Pertama")  # the BKD corrects SIASN
    [push] = await world.settled(guru, count=1)
    assert [a["outcome"] for a in await world.attempts(push["id"])] == ["failed", "succeeded"]


async def test_kinerja_periodik_before_the_skp_waits_for_it_and_then_goes(world, tap):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await world.finalize(guru, school.kepala, angka_kredit=None)  # no SKP at BKN yet: "plan not approved"

    async def refused() -> bool:
        rows = await world.pushes(guru)
        return len(rows) == 2 and all(r["failure_kode"] == "SKP_BELUM_DISETUJUI" for r in rows)

    await wait_until(refused, timeout=15)

    # The rows commit first; their push.failed events reach RabbitMQ through the outbox relay a moment later.
    async def announced() -> set[str]:
        return {e["fixer"] for e in tap.data("push.failed", pegawai_id=str(guru.pegawai_id))}

    assert await wait_until(announced, timeout=15) == {"guru"}
    await world.approve(guru, school.kepala)
    pushes = await world.settled(guru, count=3)
    assert sorted(p["jenis"] for p in pushes) == ["kinerjaperiodik", "kinerjaperiodik", "skp"]


async def test_a_period_bkn_does_not_have_and_a_period_bkn_sync_does_not_know(world, upstream, admin):
    school = await world.school(teachers=2)
    old, unknown = school.guru
    await upstream.publish(
        periode_opened("2023-S2", date(2023, 7, 1), date(2023, 12, 31)), aggregate_id="periode:2023-S2"
    )
    await asyncio.sleep(0.5)
    await world.approve(old, school.kepala, periode="2023-S2")
    await failed_with(world, old, "PERIODE_TIDAK_ADA")

    await world.approve(unknown, school.kepala, periode="2026-S1")  # planning's periode.opened not received yet
    await failed_with(world, unknown, "PERIODE_BELUM_DIKENAL")
    await admin.set_periode([2024, 2025, 2026])  # BKN has the period...
    await upstream.publish(  # ...and when planning's arrives, the push goes by itself
        periode_opened("2026-S1", date(2026, 1, 1), date(2026, 6, 30)), aggregate_id="periode:2026-S1"
    )
    [push] = await world.settled(unknown, count=1)
    assert [a["kode"] for a in await world.attempts(push["id"])] == ["PERIODE_BELUM_DIKENAL", None]
    [record] = await admin.records(nip=unknown.nip)
    assert record["periodeKey"] == "2026-01-06"


async def test_an_operator_retries_a_failed_push_now(world, admin, client, operator):
    school = await world.school(teachers=1, siasn={0: {"atasanNip": "196001011985031001"}})
    guru = school.guru[0]
    await world.approve(guru, school.kepala)
    push = await failed_with(world, guru, "ATASAN_BERBEDA")
    await admin.change_pegawai(guru.nip, atasanNip=school.kepala.nip)
    # The feed would heal it too; the operator does not wait.
    answer = await client.post(f"/api/v1/sinkron/push/{push['id']}/ulang", headers=operator())
    assert answer.status_code == 200, answer.text
    await world.settled(guru, count=1)
    again = await client.post(f"/api/v1/sinkron/push/{push['id']}/ulang", headers=operator())
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "push.already_succeeded"


async def test_the_region_view_counts_states_and_failure_types(world, client, operator):
    school = await world.school(teachers=2, kode_wilayah="3204", siasn={1: {"unorId": "20999999"}})
    ok, wrong = school.guru
    await world.approve(ok, school.kepala)
    await world.approve(wrong, school.kepala)
    await world.settled(ok, count=1)
    await failed_with(world, wrong, "UNOR_TIDAK_SESUAI")
    region = (await client.get("/api/v1/sinkron/wilayah/3204", headers=operator("3204"))).json()
    assert region["counts"] == {"succeeded": 1, "failed": 1}
    assert region["failures"] == [{"kode": "UNOR_TIDAK_SESUAI", "jumlah": 1, "fixer": "operator_sekolah"}]
    assert [s["npsn"] for s in region["sekolah"]] == [school.npsn]
    sekolah = (await client.get(f"/api/v1/sinkron/sekolah/{school.npsn}", headers=operator("3204"))).json()
    assert {p["pegawai_id"]: p["counts"] for p in sekolah["pegawai"]} == {
        str(ok.pegawai_id): {"succeeded": 1},
        str(wrong.pegawai_id): {"failed": 1},
    }


async def test_the_sync_backlog_is_counted_by_status_for_the_dashboard(world, container):
    school = await world.school(teachers=1, siasn={0: {"unorId": "20999999"}})
    guru = school.guru[0]
    await world.approve(guru, school.kepala)
    await failed_with(world, guru, "UNOR_TIDAK_SESUAI")
    backlog = await views.push_backlog(uow=container.deps.uow())
    assert set(backlog) == {"pending", "failed"} and backlog["failed"] >= 1
    # The worker measured it on its first pass, so the series exist from start-up (zero or not).
    assert 'pmm_bkn_push_backlog{status="failed"}' in generate_latest().decode()
