"""Appraisal's reminders (docs/domain.md §3, §6) against the real database, broker and an SMTP server: an atasan
with penilaian of their pegawai not final (not rated, or rated but not finalised) is reminded at the policy's offsets
before the region's effective close, once per window with how many; who finalised is not; a penilaian still waiting
for the plan or the cycle is not the atasan's to act on; an extension moves the close and the offsets with it.

The period here carries the policy's reminder days; each test uses a kab/kota of its own, so the suite's other
penilaian do not change what it finds.
"""

from __future__ import annotations

import sys
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from appraisal.db.pengingat import BELUM_FINAL, appraisal_reminders
from pmm_chassis.reminders.sender import ReminderSender, SmtpConfig
from pmm_contracts.events import planning as contract
from pmm_kernel.clock import WIB
from pmm_testkit import Bus, wait_for
from pmm_testkit.mailbox import smtp_fixture
from pmm_testkit.periods import tahunan
from pmm_testkit.reminders import PORTAL, decided, decider_for
from pmm_testkit.world import scalar

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import finalize, penilaian_of, rate  # noqa: E402

pytestmark = pytest.mark.integration
smtp = smtp_fixture()

PERIODE = "2026-T"


def periode_2026_t() -> contract.PeriodeOpenedV1:
    return tahunan(2026, pengingat_hari=[7, 3, 1])


@pytest.fixture(scope="module")
async def periode(app, world):
    async with Bus(world.bus_url) as bus:
        await bus.publish(periode_2026_t(), aggregate_id=f"periode:{PERIODE}")

    async def known() -> bool:
        return await scalar(app, "SELECT count(*) FROM roster_periode WHERE kode = :k", k=PERIODE) == 1

    await wait_for(known, timeout=15)


async def _sent(app, row_id: int) -> bool:
    return await scalar(app, "SELECT sent_at IS NOT NULL FROM pengingat WHERE id = :i", i=row_id)


async def test_each_atasan_with_penilaian_not_final_is_reminded_once_with_the_count(
    app, client, tokens, world, periode, set_clock, settings, smtp
):
    school = await world.school(teachers=4, kode_wilayah="3211")
    ks = school.kepala
    unrated, rated, final, waiting = school.guru
    await world.set_email(ks, "kepala.3211@belajar.id", "3211")
    set_clock(datetime(2026, 11, 20, 9, 0, tzinfo=WIB))
    for person in (unrated, rated, final, ks):
        await world.cycle(person, periode=PERIODE)
    await world.approve(waiting, periode=PERIODE)  # the cycle is not complete: nothing for the KS to rate yet
    items = {p.nip: await penilaian_of(client, tokens, ks, p, PERIODE) for p in (unrated, rated, final)}
    drafted = await rate(client, tokens, ks, items[rated.nip], "sesuai", "sesuai")
    assert drafted.status_code == 200, drafted.text
    done = await rate(client, tokens, ks, items[final.nip], "sesuai", "sesuai")
    assert (await finalize(client, tokens, ks, items[final.nip]["id"], done.headers["ETag"])).status_code == 200
    await penilaian_of(client, tokens, world.pengawas, ks, PERIODE)

    decider = decider_for(app, appraisal_reminders(), "3211")
    # 28 December: three days before the penilaian window closes (31 December).
    assert await decider.decide(on=date(2026, 12, 28)) == 2
    assert await decider.decide(on=date(2026, 12, 28)) == 0  # deciding again decides nothing
    assert await decider.decide(on=date(2026, 12, 29)) == 0  # still the same bucket
    rows = {r["penerima"]: r for r in await decided_in_periode(app, "3211")}
    # One reminder per atasan: the KS for the unrated and the rated-not-final guru, the pengawas for the KS.
    assert set(rows) == {ks.nip, world.pengawas.nip}
    mine = rows[ks.nip]
    assert (mine["kind"], mine["step"], mine["offset_days"]) == (BELUM_FINAL, "penilaian", 3)
    assert mine["judul"] == "Pengingat: 2 penilaian kinerja Tahunan 2026 belum final"
    assert rows[world.pengawas.nip]["judul"] == "Pengingat: 1 penilaian kinerja Tahunan 2026 belum final"
    assert mine["tautan"] == f"{PORTAL}/penilaian"
    assert mine["tenggat"] == datetime(2026, 12, 31, 23, 59, tzinfo=WIB)
    assert "Kamis, 31 Desember 2026 pukul 23.59 WIB (3 hari lagi)" in mine["isi"] and ks.nama in mine["isi"]
    assert not any(p.nip in r["judul"] for r in rows.values() for p in (ks, *school.guru))

    # The KS's mail arrives once; the pengawas has no address in the roster, so theirs is for the operator.
    sender = ReminderSender(
        service="appraisal",
        dsn=settings.database_url.replace("postgresql+asyncpg://", "postgresql://"),
        smtp=SmtpConfig(host=smtp.host, port=smtp.port, sender="PMM Kinerja <no-reply@pmm.test>", timeout_seconds=5),
        poll_seconds=0.1,
    )
    try:
        await sender.start()
        await wait_for(lambda: _sent(app, mine["id"]), timeout=15)
    finally:
        await sender.stop()
    mails = [m for m in smtp.messages if m["To"] == "kepala.3211@belajar.id"]
    assert len(mails) == 1 and mails[0]["Subject"] == mine["judul"]
    assert f"{PORTAL}/penilaian" in mails[0].get_payload(decode=True).decode()
    assert rows[world.pengawas.nip]["refused_at"] is not None

    # The KS rates the one and finalises both: on the last day only the pengawas is reminded.
    set_clock(datetime(2026, 12, 29, 9, 0, tzinfo=WIB))
    first = await rate(client, tokens, ks, items[unrated.nip], "sesuai", "di_atas")
    assert first.status_code == 200, first.text
    assert (await finalize(client, tokens, ks, items[unrated.nip]["id"], first.headers["ETag"])).status_code == 200
    assert (await finalize(client, tokens, ks, items[rated.nip]["id"], drafted.headers["ETag"])).status_code == 200
    assert await decider.decide(on=date(2026, 12, 30)) == 1
    last_day = [r["penerima"] for r in await decided_in_periode(app, "3211") if r["offset_days"] == 1]
    assert last_day == [world.pengawas.nip]
    assert await decider.decide(on=date(2027, 1, 1)) == 0  # after the close nobody is reminded

    # Each reads their own: the KS their one reminder, already mailed; a guru has none.
    listed = await client.get("/api/v1/pemberitahuan", headers=ks.headers(tokens))
    assert listed.status_code == 200, listed.text
    (item,) = [i for i in listed.json()["items"] if i["periode"] == PERIODE]
    assert (item["kind"], item["terkirim"], item["tautan"]) == (BELUM_FINAL, True, f"{PORTAL}/penilaian")
    theirs = await client.get("/api/v1/pemberitahuan", headers=unrated.headers(tokens))
    assert theirs.status_code == 200 and theirs.json()["items"] == []


async def _extended(app, wilayah: str) -> bool:
    return bool(await scalar(app, "SELECT count(*) FROM roster_window_extension WHERE wilayah = :w", w=wilayah))


async def test_an_extension_moves_the_close_and_the_offsets_of_its_region(
    app, client, tokens, world, periode, set_clock
):
    school = await world.school(teachers=1, kode_wilayah="3212")
    (guru,) = school.guru
    set_clock(datetime(2026, 11, 20, 9, 0, tzinfo=WIB))
    await world.cycle(guru, periode=PERIODE)
    await penilaian_of(client, tokens, school.kepala, guru, PERIODE)
    async with Bus(world.bus_url) as bus:
        await bus.publish(
            contract.PeriodeWindowExtendedV1(
                extension_id=uuid.uuid4(),
                kode=PERIODE,
                step="penilaian",
                until=date(2027, 1, 10),
                wilayah="3212",
                alasan="Banjir di Sumedang",
            ),
            aggregate_id=f"periode:{PERIODE}",
            version=2,
        )
    await wait_for(lambda: _extended(app, "3212"), timeout=15)
    decider = decider_for(app, appraisal_reminders(), "3212")

    # 28 December would be three days before the 31st; extended to 10 January, it is too early to remind.
    assert await decider.decide(on=date(2026, 12, 28)) == 0
    # 7 January is three days before the extended close.
    assert await decider.decide(on=date(2027, 1, 7)) == 1
    (row,) = await decided_in_periode(app, "3212")
    assert (row["penerima"], row["offset_days"]) == (school.kepala.nip, 3)
    assert row["tenggat"] == datetime(2027, 1, 10, 23, 59, tzinfo=WIB)
    assert "Minggu, 10 Januari 2027 pukul 23.59 WIB" in row["isi"]
    # No address in the roster: listed to the KS, shown to the region's operator, not mailed.
    assert row["email"] is None and row["refused_at"] is not None
    refused = await client.get(
        "/api/v1/pemberitahuan/gagal", headers=tokens.headers("op-3212", "operator", wilayah="3212")
    )
    assert refused.status_code == 200, refused.text
    assert [i["penerima"] for i in refused.json()["items"]] == [school.kepala.nip]
    elsewhere = await client.get(
        "/api/v1/pemberitahuan/gagal", headers=tokens.headers("op-3273", "operator", wilayah="3273")
    )
    assert elsewhere.status_code == 200 and school.kepala.nip not in {i["penerima"] for i in elsewhere.json()["items"]}
    assert (await client.get("/api/v1/pemberitahuan/gagal", headers=school.kepala.headers(tokens))).status_code == 403
    assert (await client.get("/api/v1/pemberitahuan")).status_code == 401


async def decided_in_periode(app, wilayah: str) -> list[dict]:
    return [r for r in await decided(app, wilayah) if r["periode"] == PERIODE]
