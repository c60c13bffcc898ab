"""BKN's change feed: SIASN profile changes become bkn_pegawai.changed, SKP edits become bkn_skp.received before
approval and a conflict after it; reconciliation puts back what BKN lost."""

from __future__ import annotations

import pytest

from .conftest import wait_until

pytestmark = pytest.mark.integration


def bkn_skp(target: int, status: str = "DRAFT") -> dict:
    return {
        "tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6, "status": status,
        "rhk": [{"rhk": "Pelatihan mandiri", "aspek": "kuantitas", "indikator": "Modul selesai", "target": target,
                 "satuan": "modul"}],
    }  # fmt: skip


async def test_a_profile_change_in_siasn_is_published_for_planning(world, admin, tap):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await admin.change_pegawai(guru.nip, golRuangAkhir="III/c", jabatanNama="Guru Ahli Muda", unorId=guru.npsn)

    await tap.wait("bkn_pegawai.changed", nip=guru.nip)
    [event] = tap.data("bkn_pegawai.changed", nip=guru.nip)
    assert event["changes"] == {"nama": None, "pangkat_golongan": "III/c", "jenjang_jabatan": "Ahli Muda"}
    [message] = tap.of(nip=guru.nip)
    assert message["routing_key"] == "bkn_sync.bkn_pegawai.changed.v1"
    assert guru.nip not in message["aggregate_id"]  # aggregate ids reach logs; NIPs must not


async def test_an_skp_edited_at_bkn_before_approval_goes_to_planning(world, admin, tap):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await admin.edit_skp(guru.nip, bkn_skp(target=6))
    await tap.wait("bkn_skp.received", nip=guru.nip)
    [event] = tap.data("bkn_skp.received", nip=guru.nip)
    assert (event["pegawai_id"], event["periode"], event["status_bkn"]) == (str(guru.pegawai_id), "2024-S1", "DRAFT")
    assert event["rhk"][0]["target_kuantitas"] == 6
    assert event["conflict_id"] is None


async def test_after_approval_a_bkn_edit_is_a_conflict_never_a_silent_overwrite(world, admin, tap, client, operator):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await world.approve(guru, school.kepala, target=4)
    [push] = await world.settled(guru, count=1)
    await admin.edit_skp(guru.nip, bkn_skp(target=9))

    await tap.wait("conflict.opened", pegawai_id=str(guru.pegawai_id))
    [opened] = tap.data("conflict.opened", pegawai_id=str(guru.pegawai_id))
    assert opened["fields"] == ["rhk[0].target_kuantitas"]
    assert not tap.data("bkn_skp.received", nip=guru.nip)  # planning is not asked to apply it
    # Nothing was overwritten on either side: BKN keeps the teacher's edit, the push is not re-sent.
    [record] = await admin.records(nip=guru.nip, kind="skp")
    assert (record["sumber"], record["rhk"][0]["target"]) == ("bkn", 9)
    assert len(await world.attempts(push["id"])) == 1

    listed = await client.get("/api/v1/konflik?wilayah=3273", headers=operator())
    conflict = next(c for c in listed.json() if c["pegawai_id"] == str(guru.pegawai_id))
    assert conflict["status"] == "open" and conflict["pmm"]["rhk"][0]["target_kuantitas"] == 4

    no_reason = await client.post(
        f"/api/v1/konflik/{conflict['conflict_id']}/keputusan",
        json={"keputusan": "pertahankan_pmm", "alasan": ""},
        headers=operator(),
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["rule"] == "conflict.alasan_required"
    decided = await client.post(
        f"/api/v1/konflik/{conflict['conflict_id']}/keputusan",
        json={"keputusan": "pertahankan_pmm", "alasan": "SKP disetujui kepala sekolah berlaku"},
        headers=operator(),
    )
    assert decided.status_code == 200, decided.text

    async def pushed_again() -> bool:
        [record] = await admin.records(nip=guru.nip, kind="skp")
        return record["sumber"] == "pmm" and record["rhk"][0]["target"] == 4

    await wait_until(pushed_again)
    await tap.wait("conflict.resolved", conflict_id=conflict["conflict_id"])
    twice = await client.post(
        f"/api/v1/konflik/{conflict['conflict_id']}/keputusan",
        json={"keputusan": "terima_bkn", "alasan": "berubah pikiran"},
        headers=operator(),
    )
    assert twice.status_code == 409


async def test_accepting_bkns_version_sends_it_to_planning(world, admin, tap, client, operator):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await world.approve(guru, school.kepala, target=4)
    await world.settled(guru, count=1)
    await admin.edit_skp(guru.nip, bkn_skp(target=7, status="DIAJUKAN"))
    await tap.wait("conflict.opened", pegawai_id=str(guru.pegawai_id))
    [opened] = tap.data("conflict.opened", pegawai_id=str(guru.pegawai_id))
    decided = await client.post(
        f"/api/v1/konflik/{opened['conflict_id']}/keputusan",
        json={"keputusan": "terima_bkn", "alasan": "guru merevisi target bersama kepala sekolah"},
        headers=operator(),
    )
    assert decided.status_code == 200, decided.text
    await tap.wait("bkn_skp.received", conflict_id=opened["conflict_id"])
    [received] = tap.data("bkn_skp.received", conflict_id=opened["conflict_id"])
    assert received["rhk"][0]["target_kuantitas"] == 7 and received["periode"] == "2024-S1"


async def test_reconciliation_finds_and_fixes_a_missing_record(world, admin, client, operator):
    school = await world.school(teachers=2, kode_wilayah="3205")
    for guru in school.guru:
        await world.approve(guru, school.kepala)
    await world.settled(*school.guru, count=1)
    lost = school.guru[0]
    await admin.delete_record("skp", lost.nip, "2024-01-06")  # BKN lost it (a restore from an old backup, say)

    report = await client.post(
        "/api/v1/sinkron/rekonsiliasi", json={"periode": "2024-S1", "wilayah": "3205"}, headers=operator("3205")
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["checked"] == 2 and body["requeued"] == 1 and body["different"] == []
    assert [m["pegawai_id"] for m in body["missing"]] == [str(lost.pegawai_id)]

    async def back() -> bool:
        return bool(await admin.records(nip=lost.nip, kind="skp"))

    await wait_until(back)
    await world.settled(*school.guru, count=1)
    again = await client.post(
        "/api/v1/sinkron/rekonsiliasi", json={"periode": "2024-S1", "wilayah": "3205"}, headers=operator("3205")
    )
    assert (again.json()["checked"], again.json()["missing"]) == (2, [])
