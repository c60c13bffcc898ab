"""A transfer during a period against the real database and outbox (docs/domain.md §4): the roster import ends
the approved plan at the old school with `planning.skp.ended.v1`, the old kepala sekolah keeps the ended part, and
the teacher plans, submits and has approved the second part at the new school, every event naming the part."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import text

from pmm_kernel.clock import WIB
from tools.demo import skp_steps
from tools.demo_roster import Person, pns_nip

pytestmark = pytest.mark.integration

PEGAWAI_HEADER = "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn,tmt_penempatan\n"
RELASI_HEADER = "nip_pegawai,nip_atasan,peran_atasan,mulai,selesai\n"


async def outbox_of(app, skp_id: str) -> list[tuple[str, dict]]:
    """Every event published about one plan, in order: (routing key, its data)."""
    async with app.state.container.chassis.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT routing_key, body FROM outbox_message WHERE aggregate_id = :a ORDER BY id"),
                {"a": f"skp:{skp_id}"},
            )
        ).all()
    return [(key, json.loads(body)["data"]) for key, body in rows]


def part(data: dict) -> tuple:
    return (data["bagian"], data["npsn"], data["mulai"], data["selesai"])


async def test_a_transfer_mid_period_ends_the_part_and_the_teacher_plans_the_next_at_the_new_school(
    app, client, tokens, roster, operator_csv, set_clock
) -> None:
    old_school, new_school = roster.schools
    old_ks, new_ks = old_school.kepala, new_school.kepala
    teacher = Person(pns_nip(3101), "Rina Mutasi", "PNS", "Guru Kelas", "Ahli Pertama", "III/a", old_school.npsn)
    national = tokens.headers("op-nasional", "operator", wilayah="")
    me = tokens.headers(teacher.nip, "guru")
    old_ks_h = tokens.headers(old_ks.nip, "guru", "kepala_sekolah")
    new_ks_h = tokens.headers(new_ks.nip, "guru", "kepala_sekolah")

    # January 2025: a new teacher of the first school plans the year and their kepala sekolah approves it.
    set_clock(datetime(2025, 1, 10, 9, 0, tzinfo=WIB))
    opened = await client.post("/api/v1/periode/tahun/2025", headers=national)
    assert opened.status_code in (200, 409), opened.text
    row = f"{teacher.nip},PNS,{teacher.nama},III/a,Ahli Pertama,Guru Kelas,{old_school.npsn},2024-07-15\n"
    imported = await client.post("/api/v1/roster/pegawai/csv", content=PEGAWAI_HEADER + row, headers=operator_csv)
    assert imported.json()["created"] == 1, imported.text
    relasi = f"{teacher.nip},{old_ks.nip},kepala_sekolah,2024-07-15,\n"
    assert (
        await client.post("/api/v1/roster/relasi/csv", content=RELASI_HEADER + relasi, headers=operator_csv)
    ).json()["created"] == 1
    created = await client.post("/api/v1/skp", json={"periode": "2025-T"}, headers=me)
    assert created.status_code == 201, created.text
    first = created.json()["id"]
    assert created.json()["bagian"] == {
        "bagian": 1,
        "npsn": old_school.npsn,
        "nama_sekolah": old_school.nama,
        "mulai": "2025-01-01",
        "selesai": "2025-12-31",
        "berakhir": False,
        "alasan_berakhir": None,
    }
    etag = created.headers["ETag"]
    for step, body in skp_steps("D.1.3"):
        saved = await client.put(f"/api/v1/skp/{first}/{step}", json=body, headers={**me, "If-Match": etag})
        assert saved.status_code == 200, (step, saved.text)
        etag = saved.headers["ETag"]
    submitted = await client.post(f"/api/v1/skp/{first}/submit", headers={**me, "If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    approved = await client.post(
        f"/api/v1/skp/{first}/approve", headers={**old_ks_h, "If-Match": submitted.headers["ETag"]}
    )
    assert approved.status_code == 200, approved.text

    # 20 April: the operator records the transfer to the second school from 15 April, and its kepala sekolah.
    set_clock(datetime(2025, 4, 20, 9, 0, tzinfo=WIB))
    row = f"{teacher.nip},PNS,{teacher.nama},III/a,Ahli Pertama,Guru Kelas,{new_school.npsn},2025-04-15\n"
    moved = (await client.post("/api/v1/roster/pegawai/csv", content=PEGAWAI_HEADER + row, headers=operator_csv)).json()
    assert (moved["updated"], moved["skp_berakhir"], moved["errors"]) == (1, 1, [])
    relasi = f"{teacher.nip},{new_ks.nip},kepala_sekolah,2025-04-15,\n"
    assert (
        await client.post("/api/v1/roster/relasi/csv", content=RELASI_HEADER + relasi, headers=operator_csv)
    ).json()["created"] == 1

    ((key, ended),) = [(k, d) for k, d in await outbox_of(app, first) if k == "planning.skp.ended.v1"]
    assert part(ended) == (1, old_school.npsn, None, "2025-04-14")
    assert (ended["status"], ended["alasan"], ended["atasan_id"]) == (
        "DISETUJUI",
        "mutasi",
        approved.json()["atasan_id"],
    )

    # The ended part is read-only, stays with the old kepala sekolah, and the new one does not see it.
    old_part = await client.get(f"/api/v1/skp/{first}", headers=me)
    assert old_part.json()["bagian"]["berakhir"] is True
    assert old_part.json()["bagian"]["selesai"] == "2025-04-14"
    assert old_part.json()["bagian"]["alasan_berakhir"] == "mutasi"
    frozen = await client.put(
        f"/api/v1/skp/{first}/perilaku-kerja", headers={**me, "If-Match": old_part.headers["ETag"]}
    )
    assert frozen.status_code == 409 and frozen.json()["errors"][0]["rule"] == "skp.berakhir", frozen.text
    assert (await client.get(f"/api/v1/skp/{first}", headers=old_ks_h)).status_code == 200
    assert (await client.get(f"/api/v1/skp/{first}", headers=new_ks_h)).status_code == 404
    pdf = await client.get(f"/api/v1/skp/{first}/dokumen.pdf", headers=old_ks_h)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"

    # The teacher starts the second part at the new school, after the January planning window, and it is decided
    # by the new kepala sekolah.
    created = await client.post("/api/v1/skp", json={"periode": "2025-T"}, headers=me)
    assert created.status_code == 201, created.text
    second = created.json()["id"]
    assert created.json()["bagian"] == {
        "bagian": 2,
        "npsn": new_school.npsn,
        "nama_sekolah": new_school.nama,
        "mulai": "2025-04-15",
        "selesai": "2025-12-31",
        "berakhir": False,
        "alasan_berakhir": None,
    }
    again = await client.post("/api/v1/skp", json={"periode": "2025-T"}, headers=me)
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "skp.exists"
    etag = created.headers["ETag"]
    for step, body in skp_steps("D.1.3"):
        saved = await client.put(f"/api/v1/skp/{second}/{step}", json=body, headers={**me, "If-Match": etag})
        assert saved.status_code == 200, (step, saved.text)
        etag = saved.headers["ETag"]
    submitted = await client.post(f"/api/v1/skp/{second}/submit", headers={**me, "If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    queue = (await client.get("/api/v1/antrian-persetujuan?periode=2025-T", headers=new_ks_h)).json()["items"]
    assert [(i["skp_id"], i["bagian"]["bagian"]) for i in queue if i["pegawai"]["nip"] == teacher.nip] == [(second, 2)]
    approved = await client.post(
        f"/api/v1/skp/{second}/approve", headers={**new_ks_h, "If-Match": submitted.headers["ETag"]}
    )
    assert approved.status_code == 200, approved.text
    published = await outbox_of(app, second)
    assert [k for k, _ in published] == ["planning.skp.submitted.v1", "planning.skp.approved.v1"]
    assert {part(d) for _, d in published} == {(2, new_school.npsn, "2025-04-15", None)}
    old_queue = (
        await client.get("/api/v1/antrian-persetujuan?periode=2025-T&status=DISETUJUI", headers=old_ks_h)
    ).json()
    assert [i["skp_id"] for i in old_queue["items"] if i["pegawai"]["nip"] == teacher.nip] == [first]

    parts = (await client.get("/api/v1/skp/saya/bagian?periode=2025-T", headers=me)).json()["items"]
    assert [(p["skp_id"], p["status"], p["bagian"]["npsn"], p["bagian"]["berakhir"]) for p in parts] == [
        (first, "DISETUJUI", old_school.npsn, True),
        (second, "DISETUJUI", new_school.npsn, False),
    ]
    assert (await client.get("/api/v1/skp/saya?periode=2025-T", headers=me)).json()["id"] == second
