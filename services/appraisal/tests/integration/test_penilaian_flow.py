"""The penilaian from events in to penilaian.finalized out, on the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pmm_contracts.events import planning as contract
from pmm_kernel.clock import WIB
from pmm_testkit import Bus, wait_for

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import appraise, etag, finalize, penilaian_of, rate  # noqa: E402

from pmm_testkit.world import scalar  # noqa: E402

pytestmark = pytest.mark.integration


async def test_rate_and_finalize_publishes_penilaian_finalized_once(client, tokens, world, tap):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    assert item["missing"] == []

    rated = await rate(
        client, tokens, ks, item, "sesuai", "di_atas",
        umpan_balik={"akuntabel": "Selalu tepat waktu"}, catatan="Perdalam diferensiasi",
    )  # fmt: skip
    assert rated.status_code == 200, rated.text
    body = rated.json()
    assert body["status"] == "DINILAI"
    assert body["predikat"] == {
        "kode": "baik",
        "label": "Baik",
        "bkn_kode": 2,
        "cell": "perilaku di_atas x hasil_kerja sesuai",
        "regulation": "PermenPANRB 6/2022",
    }
    # Ahli Pertama, Baik, one semester: 6/12 x 100 % x 12.5 = 6.25 (what finalising now would give).
    assert body["angka_kredit"] == {
        "jenjang": "ahli_pertama",
        "koefisien": "12.5",
        "bulan": 6,
        "bulan_mulai": 1,
        "tahun_mulai": 2024,
        "nilai": "6.25",
        "kumulatif": "6.25",
        "final": False,
    }
    assert body["progress"]["kenaikan_pangkat"] == {"needed": "50.00", "remaining": "43.75", "reached": False}
    assert body["siklus"]["rubrik"]["efektif"] == 1  # the observation summary is shown as evidence
    assert body["rencana"]["indikator"]["kode"] == "D.1.3"
    assert tap.of("appraisal.penilaian.finalized.v1", penilaian_id=item["id"]) == []  # a draft stays inside

    done = await finalize(client, tokens, ks, item["id"], rated.headers["ETag"], **{"Idempotency-Key": "fin-1"})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["angka_kredit"]["final"]) == ("FINAL", True)
    again = await finalize(client, tokens, ks, item["id"], rated.headers["ETag"], **{"Idempotency-Key": "fin-1"})
    assert (again.status_code, again.headers.get("Idempotency-Replayed")) == (200, "true")  # a retried request

    (event,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=item["id"])
    data = event["data"]
    assert event["persistent"] and event["aggregate_id"] == f"penilaian:{item['id']}"
    assert (data["predikat"], data["predikat_kode"], data["hasil_kerja_kode"], data["perilaku_kerja_kode"]) == (
        "baik", 2, 2, 1,
    )  # fmt: skip
    assert (data["angka_kredit"], data["angka_kredit_kumulatif"], data["koefisien"]) == ("6.25", "6.25", "12.5")
    assert (data["bulan_mulai"], data["bulan_selesai"], data["tahun_mulai"], data["jenis"]) == (1, 6, 2024, "periodik")
    assert (data["nip"], data["penilai"]["nip"], data["penilai"]["status_penilai"]) == (guru.nip, ks.nip, "ASN")
    assert data["penilai"]["unor"] == f"SD Negeri Uji {school.npsn}"
    assert data["penilai"]["jabatan"] == "Kepala Sekolah Ahli Madya"
    await asyncio.sleep(1.0)
    assert len(tap.of("appraisal.penilaian.finalized.v1", penilaian_id=item["id"])) == 1  # published once


async def test_the_pengawas_appraises_the_kepala_sekolah_for_the_dinas(client, tokens, world, tap):
    school = await world.school(teachers=0)
    ks, pengawas = school.kepala, world.pengawas
    await world.cycle(ks)
    done = await appraise(client, tokens, pengawas, ks, "di_atas", "di_atas")
    # Ahli Madya, Sangat Baik, one semester: 6/12 x 150 % x 37.5 = 28.125 -> 28.13
    assert (done["predikat"]["kode"], done["angka_kredit"]["nilai"]) == ("sangat_baik", "28.13")
    (event,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=done["id"])
    assert event["data"]["penilai"]["unor"] == "Dinas Pendidikan Kota Bandung"


async def test_cycle_completed_before_the_plan_is_approved(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.complete(guru)  # observation's event overtakes planning's

    async def waiting():
        r = await client.get("/api/v1/penilaian?periode=2024-S1", headers=guru.headers(tokens))
        return [i for i in r.json()["items"] if i["missing"] == ["skp"]]

    (item,) = await wait_for(waiting)
    assert item["status"] == "MENUNGGU"
    await world.approve(guru)
    ready = await penilaian_of(client, tokens, ks, guru)
    assert ready["id"] == item["id"]  # the same penilaian, now ratable


async def test_a_duplicate_event_has_one_effect(app, client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    approved = await world.approve(guru, times=3)  # one event delivered three times
    completed = await world.complete(guru, times=2)
    item = await penilaian_of(client, tokens, ks, guru)
    await asyncio.sleep(1.0)  # give the duplicates every chance to apply again
    for event_id in (approved, completed):
        assert await scalar(app, "SELECT count(*) FROM inbox_message WHERE event_id = :e", e=event_id) == 1
    # Created, plan applied, cycle applied: three versions, not five.
    version = await scalar(app, "SELECT version FROM penilaian WHERE id = :i", i=item["id"])
    assert version == item["version"] == 3
    # The same plan event again under a new id (the producer re-sent it): stale by its version, no change.
    await world.approve(guru)
    await asyncio.sleep(1.0)
    assert await scalar(app, "SELECT version FROM penilaian WHERE id = :i", i=item["id"]) == 3


async def test_a_plan_reset_before_finalisation_sends_it_back_to_waiting(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    assert (await rate(client, tokens, ks, item, "sesuai", "sesuai")).status_code == 200
    await world.reset(guru, version=8)
    waiting = await penilaian_of(client, tokens, ks, guru, status="MENUNGGU")
    assert waiting["missing"] == ["skp"] and waiting["predikat"] is None  # the old plan's ratings are gone
    await world.approve(guru, version=9)
    await penilaian_of(client, tokens, ks, guru)


async def test_a_closed_cycle_must_be_completed_again(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    assert (await rate(client, tokens, ks, item, "di_atas", "sesuai")).status_code == 200
    await world.close(guru, version=13)
    waiting = await penilaian_of(client, tokens, ks, guru, status="MENUNGGU")
    assert (waiting["missing"], waiting["predikat"]) == (["siklus"], None)
    await world.complete(guru, version=12)  # the old cycle's completion, redelivered late: stale
    await asyncio.sleep(1.0)
    assert (await penilaian_of(client, tokens, ks, guru, status="MENUNGGU"))["id"] == item["id"]
    await world.complete(guru, version=20)  # the fresh cycle
    await penilaian_of(client, tokens, ks, guru)


async def test_cumulative_angka_kredit_and_the_annual_evaluation_of_2024(client, tokens, world, tap, set_clock):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    first = await appraise(client, tokens, ks, guru, "di_atas", "di_atas")  # Sangat Baik: 6/12 x 150 % x 12.5
    assert first["angka_kredit"]["nilai"] == "9.38"

    # The year's penilaian tahunan opens with the first final semester; once the second semester's plan is
    # approved it waits for that one too.
    annual = await penilaian_of(client, tokens, ks, guru, "2024-T", status="SIAP")
    assert annual["menimbang_periode"]
    set_clock(datetime(2024, 12, 10, 9, 0, tzinfo=WIB))
    await world.approve(guru, periode="2024-S2")
    annual = await penilaian_of(client, tokens, ks, guru, "2024-T", status="MENUNGGU")
    assert annual["missing"] == ["periodik"]
    await world.complete(guru, periode="2024-S2")
    second = await appraise(client, tokens, ks, guru, "sesuai", "sesuai", periode="2024-S2")
    assert (second["angka_kredit"]["nilai"], second["angka_kredit"]["kumulatif"]) == ("6.25", "15.63")
    (event,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=second["id"])
    assert event["data"]["angka_kredit_kumulatif"] == "15.63"

    annual = await penilaian_of(client, tokens, ks, guru, "2024-T")
    detail = (await client.get(f"/api/v1/penilaian/{annual['id']}", headers=ks.headers(tokens))).json()
    assert [(h["periode"], h["predikat"]) for h in detail["hasil_periodik"]] == [
        ("2024-S1", "sangat_baik"),
        ("2024-S2", "baik"),
    ]
    rated = await rate(client, tokens, ks, annual, "di_atas", "sesuai")
    assert rated.status_code == 200, rated.text
    # Its window is January 2025: finalising in December is refused, naming the window.
    early = await finalize(client, tokens, ks, annual["id"], rated.headers["ETag"])
    assert early.status_code == 409, early.text
    assert early.json()["errors"][0]["rule"] == "window.penilaian_tahunan"
    set_clock(datetime(2025, 1, 15, 9, 0, tzinfo=WIB))
    done = await finalize(client, tokens, ks, annual["id"], rated.headers["ETag"])
    assert done.status_code == 200, done.text
    assert done.json()["angka_kredit"] is None  # earned per semester, not again for the year
    assert "per period" in done.json()["angka_kredit_catatan"]
    (event,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=annual["id"])
    assert (event["data"]["jenis"], event["data"]["periode"], event["data"]["predikat"]) == (
        "tahunan", "2024-T", "baik",
    )  # fmt: skip
    assert (event["data"]["bulan_mulai"], event["data"]["bulan_selesai"], event["data"]["angka_kredit"]) == (
        1,
        12,
        None,
    )


async def test_2025_one_annual_period_earns_a_years_angka_kredit(client, tokens, world, tap, set_clock):
    school = await world.school(teachers=1, jenjang=("Ahli Muda",))
    guru, ks = school.guru[0], school.kepala
    set_clock(datetime(2025, 11, 20, 9, 0, tzinfo=WIB))
    await world.cycle(guru, periode="2025-T")
    done = await appraise(client, tokens, ks, guru, "sesuai", "sesuai", periode="2025-T")
    assert (done["jenis"], done["angka_kredit"]["bulan"], done["angka_kredit"]["nilai"]) == ("tahunan", 12, "25.00")
    (event,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=done["id"])
    assert (event["data"]["jenis"], event["data"]["angka_kredit"]) == ("tahunan", "25.00")


async def test_perilaku_only_for_a_pegawai_appointed_at_the_end_of_the_period(client, tokens, world, tap, operator):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.approve(guru)  # no cycle: appointed too late for one
    item = await penilaian_of(client, tokens, ks, guru, status="MENUNGGU")
    marked = await client.put(
        f"/api/v1/penilaian/{item['id']}/hanya-perilaku",
        json={"hanya_perilaku": True, "alasan": "TMT jabatan 1 Juni 2024"},
        headers={**operator, "If-Match": etag(item)},
    )
    assert marked.status_code == 200, marked.text
    assert (marked.json()["status"], marked.json()["missing"]) == ("SIAP", [])
    item = await penilaian_of(client, tokens, ks, guru)
    refused = await rate(client, tokens, ks, item, "di_atas", "di_atas")
    assert refused.status_code == 422
    assert (refused.json()["errors"][0]["field"], refused.json()["errors"][0]["rule"]) == (
        "hasil_kerja", "penilaian.hanya_perilaku",
    )  # fmt: skip
    rated = await rate(client, tokens, ks, item, None, "di_atas")
    assert rated.json()["predikat"]["kode"] == "baik"
    done = await finalize(client, tokens, ks, item["id"], rated.headers["ETag"])
    assert done.status_code == 200, done.text
    (event,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=item["id"])
    assert (event["data"]["hanya_perilaku"], event["data"]["hasil_kerja"]) == (True, "sesuai")


async def test_an_operators_audited_reopen(app, client, tokens, world, tap, operator):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    done = await appraise(client, tokens, ks, guru, "di_bawah", "sesuai")
    assert done["predikat"]["kode"] == "butuh_perbaikan"
    # With an Idempotency-Key, as the portal sends it: the reopen writes straight into the key's transaction, and its
    # audit record (an ORM row) is flushed there all the same.
    reopened = await client.post(
        f"/api/v1/penilaian/{done['id']}/buka-kembali",
        json={"alasan": "Rating hasil kerja salah input"},
        headers={**operator, "If-Match": f'"v{done["version"]}"', "Idempotency-Key": str(uuid.uuid4())},
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "DINILAI"
    (event,) = await tap.wait("appraisal.penilaian.reopened.v1", penilaian_id=done["id"])
    assert event["data"]["alasan"] == "Rating hasil kerja salah input"
    audit = await scalar(app, "SELECT detail->>'alasan' FROM appraisal_audit WHERE target = :t", t=done["id"])
    assert audit == "Rating hasil kerja salah input"
    item = await penilaian_of(client, tokens, ks, guru, status="DINILAI")
    rated = await rate(client, tokens, ks, item, "sesuai", "sesuai")
    again = await finalize(client, tokens, ks, item["id"], rated.headers["ETag"])
    assert again.status_code == 200
    finals = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=done["id"], count=2)
    assert [f["data"]["predikat"] for f in finals] == ["butuh_perbaikan", "baik"]
    # The cumulative figure counts the corrected one only.
    assert finals[-1]["data"]["angka_kredit_kumulatif"] == "6.25"
    assert Decimal(finals[-1]["data"]["angka_kredit"]) == Decimal("6.25")


async def test_a_pegawai_who_took_up_their_jenjang_mid_period_earns_the_months_served(client, tokens, world, tap):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    # Planning's update: the guru took up their jenjang on 1 March 2024 (docs/domain.md §6).
    update = contract.PegawaiUpdatedV1(
        pegawai_id=guru.pegawai_id,
        nip=guru.nip,
        status=guru.status,
        nama=guru.nama,
        pangkat_golongan=guru.golongan,
        jenjang_jabatan=guru.jenjang,
        jenis_gtk=guru.jenis_gtk,
        npsn=guru.npsn,
        kode_wilayah="3273",
        tmt_jabatan=date(2024, 3, 1),
        changed=["tmt_jabatan"],
    )
    async with Bus(world.bus_url) as bus:
        await bus.publish(update, aggregate_id=f"pegawai:{guru.pegawai_id}", version=2)

    async def known() -> bool:
        query = "SELECT tmt_jabatan FROM roster_pegawai WHERE pegawai_id = :p"
        return await scalar(world.app, query, p=guru.pegawai_id) == date(2024, 3, 1)

    await wait_for(known, timeout=15)
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    rated = await rate(client, tokens, ks, item, "sesuai", "sesuai")
    assert rated.status_code == 200, rated.text
    # Ahli Pertama, Baik, March to June: 4/12 x 100 % x 12.5 = 4.17, shown with the months served.
    shown = rated.json()["angka_kredit"]
    assert (shown["bulan"], shown["bulan_mulai"], shown["tahun_mulai"], shown["nilai"]) == (4, 3, 2024, "4.17")
    done = await finalize(client, tokens, ks, item["id"], rated.headers["ETag"])
    assert done.status_code == 200, done.text
    kept = done.json()["angka_kredit"]
    assert (kept["bulan"], kept["bulan_mulai"], kept["nilai"], kept["final"]) == (4, 3, "4.17", True)
    (event,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=item["id"])
    data = event["data"]
    assert (data["bulan_mulai"], data["bulan_selesai"], data["tahun_mulai"], data["angka_kredit"]) == (
        3, 6, 2024, "4.17",
    )  # fmt: skip
