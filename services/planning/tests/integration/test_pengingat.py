"""Planning's reminders (docs/domain.md §3) against the real database: who has not submitted a plan and which atasan
has plans waiting are reminded at the policy's offsets before the region's effective close; who acted is not; an
extension moves the close and the offsets with it; the person reads their own reminders, the operator the
addresses that could not be mailed.

Each test imports a kab/kota of its own, so the suite's other people and plans do not change what it finds.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text

from planning.db.pengingat import BELUM_DIAJUKAN, MENUNGGU_PERSETUJUAN, planning_reminders
from pmm_kernel.clock import WIB
from pmm_testkit.reminders import decided, decider_for
from tools.demo_roster import Region, demo_region

pytestmark = pytest.mark.integration
NATIONAL = ("op-nasional", "operator")


async def import_region(client, tokens, region: Region) -> None:
    headers = {**tokens.headers(*NATIONAL, wilayah=""), "Content-Type": "text/csv"}
    for kind, body in (
        ("sekolah", region.sekolah_csv()),
        ("pegawai", region.pegawai_csv()),
        ("relasi", region.relasi_csv()),
    ):
        response = await client.post(f"/api/v1/roster/{kind}/csv", content=body, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["errors"] == [], response.json()


async def test_who_has_not_submitted_and_the_atasan_with_plans_waiting_are_reminded_once(
    app, client, tokens, draft_plan
):
    region = demo_region(schools=1, teachers_per_school=3, kode_wilayah="3211", first=7001)
    await import_region(client, tokens, region)
    school = region.schools[0]
    submitted, drafted, nothing = school.guru
    # On the session's clock (10 January): one submits, one only drafts, one does nothing.
    skp_id, etag = await draft_plan(submitted)
    sent = await client.post(
        f"/api/v1/skp/{skp_id}/submit", headers={**tokens.headers(submitted.nip, "guru"), "If-Match": etag}
    )
    assert sent.status_code == 200, sent.text
    drafted_id, drafted_etag = await draft_plan(drafted)

    decider = decider_for(app, planning_reminders(), "3211")
    # 28 March: three days before the guru window's effective close (31 March, its late entry).
    first = await decider.decide(on=date(2024, 3, 28))
    assert await decider.decide(on=date(2024, 3, 28)) == 0  # deciding again decides nothing
    assert await decider.decide(on=date(2024, 3, 29)) == 0  # still the same bucket
    rows = [r for r in await decided(app, "3211") if r["step"] == "perencanaan_guru"]
    assert first >= len(rows) == 3
    by_kind = {(r["kind"], r["penerima"]) for r in rows}
    assert by_kind == {
        (BELUM_DIAJUKAN, drafted.nip),
        (BELUM_DIAJUKAN, nothing.nip),
        (MENUNGGU_PERSETUJUAN, school.kepala.nip),
    }
    assert {r["offset_days"] for r in rows} == {3}
    assert {r["tenggat"] for r in rows} == {datetime(2024, 3, 31, 23, 59, tzinfo=WIB)}
    waiting = next(r for r in rows if r["kind"] == MENUNGGU_PERSETUJUAN)
    assert "1 SKP menunggu persetujuan" in waiting["judul"] and waiting["tautan"] == "https://portal.test/persetujuan"
    assert "Minggu, 31 Maret 2024 pukul 23.59 WIB" in waiting["isi"]
    for row in rows:
        assert row["email"] and row["refused_at"] is None
        assert not any(p.nip in row["judul"] for p in region.people())  # no NIP in a subject line

    # The one who drafted submits before the 1-day offset: not reminded again; the one who did nothing is.
    late = await client.post(
        f"/api/v1/skp/{drafted_id}/submit", headers={**tokens.headers(drafted.nip, "guru"), "If-Match": drafted_etag}
    )
    assert late.status_code == 200, late.text
    await decider.decide(on=date(2024, 3, 30))
    last_day = {
        (r["kind"], r["penerima"])
        for r in await decided(app, "3211")
        if r["offset_days"] == 1 and r["step"] == "perencanaan_guru"
    }
    assert last_day == {(BELUM_DIAJUKAN, nothing.nip), (MENUNGGU_PERSETUJUAN, school.kepala.nip)}

    # Each reads their own, newest first; the one who submitted has none of these.
    mine = await client.get("/api/v1/pemberitahuan", headers=tokens.headers(nothing.nip, "guru"))
    assert mine.status_code == 200, mine.text
    items = mine.json()["items"]
    assert [i["kind"] for i in items if i["periode"] == "2024-S1"][:2] == [BELUM_DIAJUKAN, BELUM_DIAJUKAN]
    assert items[0]["tautan"] == "https://portal.test/perencanaan/2024-S1" and items[0]["terkirim"] is False
    assert items[0]["id"] > items[1]["id"]
    theirs = await client.get("/api/v1/pemberitahuan", headers=tokens.headers(submitted.nip, "guru"))
    assert [i for i in theirs.json()["items"] if i["kind"] == BELUM_DIAJUKAN] == []


async def test_an_extension_moves_the_close_and_the_offsets_of_its_region(app, client, tokens):
    region = demo_region(schools=1, teachers_per_school=2, kode_wilayah="3212", first=7101)
    await import_region(client, tokens, region)
    decider = decider_for(app, planning_reminders(), "3212")
    extended = await client.post(
        "/api/v1/periode/2024-S2/perpanjangan",
        json={"step": "perencanaan_guru", "until": "2024-08-10", "wilayah": "3212", "alasan": "Banjir di Sumedang"},
        headers=tokens.headers(*NATIONAL, wilayah=""),
    )
    assert extended.status_code == 201, extended.text

    # 28 July would be three days before the 31st; extended to 10 August, it is too early to remind anyone.
    await decider.decide(on=date(2024, 7, 28))
    assert [
        r for r in await decided(app, "3212") if r["periode"] == "2024-S2" and r["step"] == "perencanaan_guru"
    ] == []
    # 7 August is three days before the extended close.
    await decider.decide(on=date(2024, 8, 7))
    rows = [r for r in await decided(app, "3212") if r["periode"] == "2024-S2" and r["step"] == "perencanaan_guru"]
    assert {r["penerima"] for r in rows} == {g.nip for g in region.schools[0].guru}
    assert {r["offset_days"] for r in rows} == {3}
    assert {r["tenggat"] for r in rows} == {datetime(2024, 8, 10, 23, 59, tzinfo=WIB)}
    assert "Sabtu, 10 Agustus 2024 pukul 23.59 WIB" in rows[0]["isi"]


async def test_refused_addresses_are_shown_to_the_operator_of_the_region_only(app, client, tokens):
    region = demo_region(schools=1, teachers_per_school=1, kode_wilayah="3213", first=7201)
    await import_region(client, tokens, region)
    await decider_for(app, planning_reminders(), "3213").decide(on=date(2024, 3, 30))
    (guru,) = region.schools[0].guru
    async with app.state.container.chassis.sessions() as session, session.begin():
        await session.execute(
            text(
                "UPDATE pengingat SET refused_at = now(), refused_reason = '550 5.1.1 mailbox unavailable' "
                "WHERE penerima = :nip"
            ),
            {"nip": guru.nip},
        )
    own = await client.get("/api/v1/pemberitahuan/gagal", headers=tokens.headers("op-3213", "operator", wilayah="3213"))
    assert own.status_code == 200, own.text
    refused = [i for i in own.json()["items"] if i["penerima"] == guru.nip]
    assert refused and refused[0]["alasan"].startswith("550") and refused[0]["email"] == guru.email
    other = await client.get(
        "/api/v1/pemberitahuan/gagal", headers=tokens.headers("op-3273", "operator", wilayah="3273")
    )
    assert other.status_code == 200 and all(i["wilayah"].startswith("3273") for i in other.json()["items"])
    teacher = await client.get("/api/v1/pemberitahuan/gagal", headers=tokens.headers(guru.nip, "guru"))
    assert teacher.status_code == 403
    anonymous = await client.get("/api/v1/pemberitahuan")
    assert anonymous.status_code == 401
