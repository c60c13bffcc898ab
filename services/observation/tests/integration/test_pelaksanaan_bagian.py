"""The parts of a period through RabbitMQ and HTTP (docs/domain.md §5): a pegawai transferred mid-period has one
pelaksanaan per school; skp.ended stops the old school's after its last day, keeps what it recorded, leaves its
reading to the old KS and reminds nobody of it; an older event changes nothing; a plan without parts stays part 1."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from observation_world import INDIKATOR, approve, end_part, opened, settle

from observation.db.pengingat import waiting_for_atasan
from pmm_chassis.reminders.rules import ReminderWindow
from pmm_contracts.events import planning as contract
from pmm_kernel.clock import WIB
from pmm_testkit import Bus, wait_for
from pmm_testkit.world import scalar

pytestmark = pytest.mark.integration

LAST_DAY = date(2024, 2, 9)  # the old school's part ends; the new school's starts on 10 February
AFTER = datetime(2024, 2, 12, 9, 0, tzinfo=WIB)


async def transfer(world, guru, old_school, new_school) -> None:
    """The roster's side of the transfer: the old KS appraised the guru until LAST_DAY, the new KS from the next
    day."""
    relasi_id = await scalar(world.app, "SELECT relasi_id FROM roster_relasi WHERE pegawai_id = :p", p=guru.pegawai_id)
    async with Bus(world.bus_url) as bus:
        ended = contract.AtasanUpdatedV1(
            relasi_id=relasi_id,
            pegawai_id=guru.pegawai_id,
            atasan_id=old_school.kepala.pegawai_id,
            peran_atasan="kepala_sekolah",
            mulai=date(2023, 7, 1),
            selesai=LAST_DAY,
        )
        await bus.publish(ended, aggregate_id=f"relasi:{relasi_id}", version=2)
        await world.relate(bus, guru, new_school.kepala, "kepala_sekolah", mulai=date(2024, 2, 10))

    async def moved() -> bool:
        query = "SELECT count(*) FROM roster_relasi WHERE pegawai_id = :p AND (selesai IS NOT NULL OR mulai = :m)"
        return await scalar(world.app, query, p=guru.pegawai_id, m=date(2024, 2, 10)) == 2

    await wait_for(moved, timeout=15)


async def persiapan(client, tokens, guru, cycle: dict, jadwal: str = "2024-02-09"):
    return await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={"target_perilaku": INDIKATOR.perilaku_dianjurkan[:1], "upaya": "Menyiapkan media ajar", "jadwal": jadwal},
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )


async def test_a_plan_without_parts_keeps_the_keys_of_part_one(client, tokens, world, app):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await approve(world, guru, atasan=school.kepala)  # an event as producers sent it before the parts
    cycle = await opened(client, tokens, guru)
    assert (cycle["bagian"], cycle["npsn"], cycle["mulai"], cycle["selesai"], cycle["berakhir"]) == (
        1,
        guru.npsn,  # the pegawai's school in the roster
        None,
        None,
        False,
    )
    assert await scalar(app, "SELECT bagian FROM pelaksanaan WHERE id = :i", i=cycle["id"]) == 1


async def test_two_parts_of_one_period_both_open_and_the_old_one_stops_after_its_last_day(
    client, tokens, world, set_clock
):
    old_school, new_school = await world.school(teachers=1), await world.school(teachers=0)
    guru = old_school.guru[0]
    first_skp = await approve(world, guru, atasan=old_school.kepala, bagian=1, npsn=old_school.npsn, version=3)
    first = await opened(client, tokens, guru)
    # The guru prepares at the old school before the transfer.
    r = await persiapan(client, tokens, guru, first)
    assert r.status_code == 200, r.text

    await transfer(world, guru, old_school, new_school)
    await end_part(world, guru, first_skp, selesai=LAST_DAY, version=4)
    second_skp = await approve(
        world, guru, atasan=new_school.kepala, bagian=2, npsn=new_school.npsn, mulai=date(2024, 2, 10), version=3
    )
    assert second_skp != first_skp
    second = await opened(client, tokens, guru, bagian=2)
    assert (second["bagian"], second["npsn"], second["mulai"], second["selesai"]) == (
        2,
        new_school.npsn,
        "2024-02-10",
        None,
    )

    async def first_ended() -> dict | None:
        r = await client.get("/api/v1/pelaksanaan/saya?periode=2024-S1&bagian=1", headers=guru.headers(tokens))
        return r.json() if r.json()["selesai"] == LAST_DAY.isoformat() else None

    part_one = await wait_for(first_ended, timeout=15)
    # Part 1 is not archived by part 2: it keeps its cycle and what it recorded.
    assert (part_one["siklus"], part_one["tahap"], part_one["npsn"]) == (1, "JADWAL_DIUSULKAN", old_school.npsn)
    assert part_one["persiapan"]["upaya"] == "Menyiapkan media ajar"
    latest = await client.get("/api/v1/pelaksanaan/saya?periode=2024-S1", headers=guru.headers(tokens))
    assert latest.json()["id"] == second["id"]

    # After its last day the old part takes no new step; the old KS still reads it, the new KS does not.
    set_clock(AFTER)
    old_ks, new_ks = old_school.kepala.headers(tokens), new_school.kepala.headers(tokens)
    read = await client.get(f"/api/v1/pelaksanaan/{first['id']}", headers=old_ks)
    assert read.status_code == 200, read.text
    assert (read.json()["atasan_id"], read.json()["relation"], read.json()["berakhir"]) == (
        str(old_school.kepala.pegawai_id),
        "atasan",
        True,
    )
    refused = await client.post(
        f"/api/v1/pelaksanaan/{first['id']}/persiapan/setujui", headers={**old_ks, "If-Match": read.headers["ETag"]}
    )
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["rule"] == "pelaksanaan.berakhir"
    assert (await client.get(f"/api/v1/pelaksanaan/{first['id']}", headers=new_ks)).status_code == 404

    # The new school's part takes its steps with the new KS.
    r = await persiapan(client, tokens, guru, second, jadwal="2024-02-20")
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/pelaksanaan/{second['id']}/persiapan/setujui", headers={**new_ks, "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 200 and r.json()["tahap"] == "OBSERVASI", r.text

    # The team of the new KS shows the guru with the new part.
    team = await client.get("/api/v1/tim/pelaksanaan", params={"periode": "2024-S1"}, headers=new_ks)
    (item,) = [i for i in team.json()["items"] if i["pegawai"]["id"] == str(guru.pegawai_id)]
    assert (item["pelaksanaan_id"], item["bagian"]) == (second["id"], 2)


async def test_an_older_end_changes_nothing(client, tokens, world, app):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    skp_id = await approve(world, guru, atasan=school.kepala, version=6)
    cycle = await opened(client, tokens, guru)
    await end_part(world, guru, skp_id, selesai=LAST_DAY, version=5)  # older than the approval
    await settle()
    assert await scalar(app, "SELECT selesai FROM pelaksanaan WHERE id = :i", i=cycle["id"]) is None
    r = await persiapan(client, tokens, guru, cycle)
    assert r.status_code == 200, r.text


async def test_nobody_is_reminded_of_a_part_that_ended(client, tokens, world, app):
    school = await world.school(teachers=2, kode_wilayah="3212")
    ended_guru, staying = school.guru
    cycles = {}
    for guru in (ended_guru, staying):
        skp_id = await approve(world, guru, atasan=school.kepala, version=3)
        cycles[guru.nip] = (skp_id, await opened(client, tokens, guru))
        r = await persiapan(client, tokens, guru, cycles[guru.nip][1], jadwal="2024-05-20")
        assert r.status_code == 200, r.text  # a proposed date: the KS's turn
    await end_part(world, ended_guru, cycles[ended_guru.nip][0], selesai=LAST_DAY, version=4)

    async def recorded() -> bool:
        query = "SELECT selesai FROM pelaksanaan WHERE id = :i"
        return await scalar(app, query, i=cycles[ended_guru.nip][1]["id"]) == LAST_DAY

    await wait_for(recorded, timeout=15)
    window = ReminderWindow(
        periode="2024-S1", step="pelaksanaan", wilayah="3212", opens=date(2024, 2, 1), closes=date(2024, 5, 30)
    )
    async with app.state.container.chassis.sessions() as session:
        # On the last day the ended part still waits for the KS; from the next day only the other guru's does.
        (on_last_day,) = await waiting_for_atasan(session, window, LAST_DAY)
        (after,) = await waiting_for_atasan(session, window, date(2024, 2, 12))
    assert on_last_day.pegawai_id == after.pegawai_id == school.kepala.pegawai_id
    assert (on_last_day.params["jumlah"], after.params["jumlah"]) == ("2", "1")
