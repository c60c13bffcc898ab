"""The observation cycle through HTTP and RabbitMQ: opened by skp.approved, five steps, pelaksanaan.completed."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

import pytest
from observation_world import INDIKATOR, approve, opened, reset, settle, upload_whole

from pmm_kernel.clock import WIB
from pmm_testkit import audit_trail
from pmm_testkit.world import scalar

pytestmark = pytest.mark.integration
PROBLEM_JSON = "application/problem+json"


def rubric(value: str = "efektif") -> list[dict]:
    return [
        {"perilaku": p, "nilai": value, "catatan": "terlihat"}
        for p in (*INDIKATOR.perilaku_dianjurkan, *INDIKATOR.perilaku_dihindari)
    ]


async def run_to_refleksi(client, tokens, guru, ks, cycle: dict) -> str:
    """Steps 1-4 through HTTP, each party with its own token; returns the ETag before the refleksi."""
    pid, g, k = cycle["id"], guru.headers(tokens), ks.headers(tokens)
    r = await client.put(
        f"/api/v1/pelaksanaan/{pid}/persiapan",
        json={
            "target_perilaku": INDIKATOR.perilaku_dianjurkan[:2],
            "upaya": "Menyiapkan LKPD berdiferensiasi",
            "jadwal": "2024-02-05",
        },
        headers={**g, "If-Match": cycle["etag"]},
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/pelaksanaan/{pid}/persiapan/setujui", headers={**k, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text
    assert r.json()["step"] == "observasi"
    r = await client.put(
        f"/api/v1/pelaksanaan/{pid}/observasi",
        json={"mode": "langsung", "items": rubric(), "catatan": "Kelas aktif"},
        headers={**k, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        f"/api/v1/pelaksanaan/{pid}/diskusi/atasan",
        json={
            "catatan": "Pertahankan umpan balik",
            "tujuan": "Umpan balik tertulis",
            "langkah": "Rubrik sederhana",
            "jadwal": "2024-03-01",
        },
        headers={**k, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        f"/api/v1/pelaksanaan/{pid}/diskusi/guru",
        json={"catatan": "Saya akan mencoba rubrik"},
        headers={**g, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["step"] == "upaya"
    r = await client.put(
        f"/api/v1/pelaksanaan/{pid}/upaya",
        json={"upaya": [{"deskripsi": "Mengikuti pelatihan asesmen", "tempat": "platform", "tanggal": "2024-02-05"}]},
        headers={**g, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    return r.headers["ETag"]


async def test_the_whole_cycle_through_http_ends_with_pelaksanaan_completed_on_rabbitmq(client, tokens, world, tap):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    skp_id = await approve(world, guru, atasan=ks)
    cycle = await opened(client, tokens, guru)
    assert (cycle["tahap"], cycle["step"], cycle["skp_id"]) == ("PERSIAPAN", "persiapan", str(skp_id))
    assert cycle["indikator"]["kode"] == "D.1" and cycle["evidence_mode"] == "unggah"

    etag = await run_to_refleksi(client, tokens, guru, ks, cycle)
    empty = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/refleksi",
        json={"refleksi": "  "},
        headers={**guru.headers(tokens), "If-Match": etag},
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0] == {
        "field": "refleksi",
        "rule": "refleksi.required",
        "detail": empty.json()["detail"],
    }
    done = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/refleksi",
        json={"refleksi": "Umpan balik tertulis membuat murid lebih cepat memperbaiki pekerjaannya."},
        headers={**guru.headers(tokens), "If-Match": etag},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["tahap"], body["step"]) == ("SELESAI", "selesai")
    assert [s["selesai"] for s in body["steps"]] == [True] * 5

    (completed,) = await tap.wait("observation.pelaksanaan.completed.v1", pelaksanaan_id=cycle["id"])
    assert completed["data"]["rubric"]["efektif"] == 5 and completed["data"]["rubric"]["mode"] == "langsung"
    assert completed["data"]["bukti_count"] == 0 and completed["data"]["atasan_id"] == str(ks.pegawai_id)
    steps = [
        m["data"]["step"] for m in await tap.wait("observation.step.completed.v1", pelaksanaan_id=cycle["id"], count=5)
    ]
    assert steps == ["persiapan", "observasi", "diskusi", "upaya", "refleksi"]
    (recorded,) = tap.of("observation.observasi.recorded.v1", pelaksanaan_id=cycle["id"])
    assert len(recorded["data"]["rubric"]["items"]) == 5
    # Versions grow with every event of the aggregate, so a consumer's version guard drops none of them.
    versions = [m["aggregate_version"] for m in tap.messages if m["aggregate_id"] == f"pelaksanaan:{cycle['id']}"]
    assert len(versions) == len(set(versions))


async def test_a_counter_proposed_date_is_accepted_by_the_guru(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await approve(world, guru, atasan=ks)
    cycle = await opened(client, tokens, guru)
    g, k = guru.headers(tokens), ks.headers(tokens)
    r = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={
            "target_perilaku": [INDIKATOR.perilaku_dihindari[0]],
            "upaya": "Diskusi kelompok",
            "jadwal": "2024-02-12",
        },
        headers={**g, "If-Match": cycle["etag"]},
    )
    outside = await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan/jadwal-lain",
        json={"jadwal": "2024-07-01"},
        headers={**k, "If-Match": r.headers["ETag"]},
    )
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["rule"] == "persiapan.jadwal_outside_window"
    assert outside.json()["errors"][0]["field"] == "jadwal"
    r = await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan/jadwal-lain",
        json={"jadwal": "2024-02-14", "catatan": "Saya rapat tanggal 12"},
        headers={**k, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200 and r.json()["tahap"] == "JADWAL_DIUSULKAN_ATASAN"
    not_the_atasans_turn = await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan/terima", headers={**k, "If-Match": r.headers["ETag"]}
    )
    assert not_the_atasans_turn.status_code == 403
    r = await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan/terima", headers={**g, "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["persiapan"]["jadwal_disepakati"] == "2024-02-14" and r.json()["step"] == "observasi"


async def test_only_the_pegawais_current_atasan_records_the_observation(client, tokens, world):
    school, other = await world.school(teachers=1), await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await approve(world, guru, atasan=ks)
    cycle = await opened(client, tokens, guru)
    r = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={
            "target_perilaku": [INDIKATOR.perilaku_dianjurkan[0]],
            "upaya": "Menyiapkan media",
            "jadwal": "2024-02-05",
        },
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )
    r = await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan/setujui",
        headers={**ks.headers(tokens), "If-Match": r.headers["ETag"]},
    )
    etag = r.headers["ETag"]
    body = {"mode": "rekaman", "items": rubric("belum_efektif")}
    path = f"/api/v1/pelaksanaan/{cycle['id']}/observasi"

    another_ks = await client.put(path, json=body, headers={**other.kepala.headers(tokens), "If-Match": etag})
    assert another_ks.status_code == 404
    assert another_ks.headers["content-type"].startswith(PROBLEM_JSON)
    assert another_ks.json()["errors"][0]["rule"] == "pelaksanaan.not_found"
    the_guru = await client.put(path, json=body, headers={**guru.headers(tokens), "If-Match": etag})
    assert the_guru.status_code == 403
    assert the_guru.json()["errors"][0]["rule"] == "pelaksanaan.catat_observasi_forbidden"
    missing = await client.put(path, json={"items": rubric()[:3]}, headers={**ks.headers(tokens), "If-Match": etag})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["rule"] == "observasi.rubric_incomplete"
    assert len(missing.json()["missing"]) == 2
    recorded = await client.put(path, json=body, headers={**ks.headers(tokens), "If-Match": etag})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["observasi"]["mode"] == "rekaman"
    assert recorded.json()["observasi"]["ringkasan"] == {"belum_dilakukan": 0, "belum_efektif": 5, "efektif": 0}


async def test_a_step_out_of_order_and_a_stale_etag_are_refused(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await approve(world, guru, atasan=ks)
    cycle = await opened(client, tokens, guru)
    early = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/refleksi",
        json={"refleksi": "Refleksi yang terlalu cepat ditulis sebelum waktunya."},
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )
    assert early.status_code == 409
    assert early.json()["errors"][0]["rule"] == "pelaksanaan.catat_refleksi_not_allowed_in_persiapan"
    no_etag = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={
            "target_perilaku": [INDIKATOR.perilaku_dianjurkan[0]],
            "upaya": "Menyiapkan media",
            "jadwal": "2024-02-12",
        },
        headers=guru.headers(tokens),
    )
    assert no_etag.status_code == 428
    unknown = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={"target_perilaku": ["Perilaku karangan"], "upaya": "Menyiapkan media", "jadwal": "2024-02-12"},
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0] == {
        "field": "target_perilaku[0]",
        "rule": "persiapan.target_unknown",
        "detail": unknown.json()["detail"],
    }
    typo = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={"target_perilaku": [], "upaya": "x", "jadwal": "kemarin", "jadwl": 1},
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )
    assert typo.status_code == 422
    assert {e["field"] for e in typo.json()["errors"]} >= {"jadwal", "jadwl"}
    unchanged = await client.get(f"/api/v1/pelaksanaan/{cycle['id']}", headers=guru.headers(tokens))
    assert unchanged.headers["ETag"] == cycle["etag"]  # nothing half-written survived the refusals


async def test_outside_the_pelaksanaan_window_every_step_is_409_naming_the_window(client, tokens, world, set_clock):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await approve(world, guru, atasan=ks)
    cycle = await opened(client, tokens, guru)
    set_clock(datetime(2024, 6, 3, 9, 0, tzinfo=WIB))  # 2024-S1's pelaksanaan closed on 30 May
    late = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={
            "target_perilaku": [INDIKATOR.perilaku_dianjurkan[0]],
            "upaya": "Menyiapkan media",
            "jadwal": "2024-06-04",
        },
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )
    assert late.status_code == 409
    problem = late.json()
    assert problem["errors"][0]["rule"] == "window.pelaksanaan"
    assert (problem["opens"], problem["closes"]) == ("2024-02-01", "2024-05-30")


async def test_the_same_approval_delivered_twice_opens_one_cycle(app, client, tokens, world, tap):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    event_id = uuid.uuid4()
    skp_id = await approve(world, guru, atasan=school.kepala, event_id=event_id, times=2)
    cycle = await opened(client, tokens, guru)
    # The same plan version again under another event id (a producer's retry): the version gate drops it.
    await approve(world, guru, atasan=school.kepala, skp_id=skp_id)
    await tap.wait("observation.pelaksanaan.opened.v1", pelaksanaan_id=cycle["id"])
    await settle()
    assert len(tap.of("observation.pelaksanaan.opened.v1", pelaksanaan_id=cycle["id"])) == 1
    assert await scalar(app, "SELECT count(*) FROM pelaksanaan WHERE pegawai_id = :p", p=guru.pegawai_id) == 1
    again = await client.get(f"/api/v1/pelaksanaan/{cycle['id']}", headers=guru.headers(tokens))
    assert again.json()["version"] == 1 and again.json()["siklus"] == 1


async def test_skp_reset_closes_the_cycle_and_a_later_approval_opens_a_fresh_one(client, tokens, world, tap):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    skp_id = await approve(world, guru, atasan=ks, version=5)
    cycle = await opened(client, tokens, guru)
    r = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={
            "target_perilaku": [INDIKATOR.perilaku_dianjurkan[0]],
            "upaya": "Menyiapkan media",
            "jadwal": "2024-02-12",
        },
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )
    assert r.status_code == 200
    await reset(world, guru, skp_id, version=6)
    (closed,) = await tap.wait("observation.pelaksanaan.closed.v1", pelaksanaan_id=cycle["id"])
    assert closed["data"]["reason"] == "Salah indikator, dikembalikan operator"
    now = await client.get(f"/api/v1/pelaksanaan/{cycle['id']}", headers=guru.headers(tokens))
    assert now.json()["tahap"] == "DITUTUP"
    refused = await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan/setujui",
        headers={**ks.headers(tokens), "If-Match": now.headers["ETag"]},
    )
    assert refused.status_code == 409

    # An approval older than the reset (a retried delivery overtaken by it) changes nothing.
    await approve(world, guru, atasan=ks, skp_id=skp_id, version=5)
    await settle()
    assert (await client.get(f"/api/v1/pelaksanaan/{cycle['id']}", headers=guru.headers(tokens))).json()[
        "tahap"
    ] == "DITUTUP"

    await approve(world, guru, atasan=ks, skp_id=skp_id, version=9)
    fresh = await opened(client, tokens, guru, siklus=2)
    assert fresh["id"] == cycle["id"] and fresh["tahap"] == "PERSIAPAN" and fresh["persiapan"] is None
    assert len(await tap.wait("observation.pelaksanaan.opened.v1", pelaksanaan_id=cycle["id"], count=2)) == 2


async def test_a_reset_that_overtakes_its_approval_keeps_the_cycle_closed(client, tokens, world):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    skp_id = uuid.uuid4()
    await reset(world, guru, skp_id, version=7)
    await settle()
    await approve(world, guru, atasan=school.kepala, skp_id=skp_id, version=6)
    await settle()
    r = await client.get("/api/v1/pelaksanaan/saya?periode=2024-S1", headers=guru.headers(tokens))
    assert r.status_code == 404 and r.json()["errors"][0]["rule"] == "pelaksanaan.not_opened"


async def test_a_principals_cycle_runs_with_the_pengawas_and_needs_the_four_documents(client, tokens, world, tap):
    school = await world.school(teachers=0)
    ks, pengawas = school.kepala, world.pengawas
    ks_indikator = INDIKATOR.model_copy(update={"kode": "D.3", "nama": "Kepemimpinan instruksional"})
    await approve(world, ks, atasan=pengawas, indikator=ks_indikator)
    cycle = await opened(client, tokens, ks)
    assert cycle["dokumen_ks_kurang"] == ["kosp", "rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru"]
    guru_of_ks = replace(ks)  # the KS acting as the guru of their cycle
    etag = await run_to_refleksi(client, tokens, guru_of_ks, pengawas, cycle)
    refleksi = {"refleksi": "Supervisi akademik lebih terencana dan guru lebih terbuka pada umpan balik."}
    blocked = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/refleksi", json=refleksi, headers={**ks.headers(tokens), "If-Match": etag}
    )
    assert blocked.status_code == 409
    assert blocked.json()["errors"][0]["rule"] == "refleksi.dokumen_ks_missing"
    for kategori in ("kosp", "rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru"):
        await upload_whole(client, tokens, ks, cycle["id"], kategori=kategori)
    done = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/refleksi", json=refleksi, headers={**ks.headers(tokens), "If-Match": etag}
    )
    assert done.status_code == 200, done.text
    (completed,) = await tap.wait("observation.pelaksanaan.completed.v1", pelaksanaan_id=cycle["id"])
    assert completed["data"]["bukti_count"] == 4 and completed["data"]["atasan_id"] == str(pengawas.pegawai_id)


async def test_observing_before_the_agreed_date_needs_the_atasans_reason(client, tokens, world, tap, settings):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await approve(world, guru, atasan=ks)
    cycle = await opened(client, tokens, guru)
    pid, k = cycle["id"], ks.headers(tokens)
    r = await client.put(
        f"/api/v1/pelaksanaan/{pid}/persiapan",
        json={"target_perilaku": INDIKATOR.perilaku_dianjurkan[:1], "upaya": "Menyiapkan LKPD", "jadwal": "2024-02-12"},
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )
    r = await client.post(f"/api/v1/pelaksanaan/{pid}/persiapan/setujui", headers={**k, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json()["persiapan"]["jadwal_disepakati"] == "2024-02-12", r.text
    etag, path = r.headers["ETag"], f"/api/v1/pelaksanaan/{pid}/observasi"

    early = await client.put(path, json={"items": rubric()}, headers={**k, "If-Match": etag})  # today is 5 February
    assert early.status_code == 409 and early.headers["content-type"].startswith(PROBLEM_JSON)
    problem = early.json()
    error = problem["errors"][0]
    assert (error["rule"], error["field"]) == ("observasi.sebelum_jadwal", "alasan_pindah")
    assert problem["jadwal_disepakati"] == "2024-02-12"
    short = await client.put(path, json={"items": rubric(), "alasan_pindah": "izin"}, headers={**k, "If-Match": etag})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "alasan_pindah"

    reason = "Guru bertugas ke luar kota minggu depan"
    body = {"items": rubric(), "alasan_pindah": reason}
    recorded = await client.put(path, json=body, headers={**k, "If-Match": etag})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["observasi"]["alasan_pindah"] == reason and recorded.json()["tahap"] == "DISKUSI"
    again = await client.get(f"/api/v1/pelaksanaan/{pid}", headers=guru.headers(tokens))
    assert again.json()["observasi"]["alasan_pindah"] == reason  # kept with the record, for both parties to read
    trail = await audit_trail(settings.database_url, pid)
    moved = [r for r in trail if (r["from_state"], r["to_state"]) == ("OBSERVASI", "DISKUSI")]
    assert [r["actor"] for r in moved] == [f"pegawai:{ks.pegawai_id}"]  # who recorded it, reason and all
