"""Observation's reminders (docs/domain.md §3, §5) against the real database, broker and an SMTP server: an atasan
with pelaksanaan steps waiting for them is reminded at the policy's offsets before the region's effective close,
once per window with how many are waiting; who acted is not; an extension moves the close and the offsets with it;
under a policy where the atasan confirms the documents, a kepala sekolah's unconfirmed documents wait for whoever
appraises the KS today (the roster's current relation), not for who approved the plan.

The periods here carry the policy's reminder days; each test uses a kab/kota of its own, so the suite's other
cycles do not change what it finds.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from observation_world import INDIKATOR, approve, opened

from observation.db.pengingat import MENUNGGU_ATASAN, observation_reminders
from observation.domain.bukti import DOKUMEN_KS
from pmm_chassis.reminders.sender import ReminderSender, SmtpConfig
from pmm_contracts.events import planning as contract
from pmm_kernel.clock import WIB
from pmm_testkit import Bus, wait_for
from pmm_testkit.mailbox import smtp_fixture
from pmm_testkit.periods import tahunan
from pmm_testkit.reminders import PORTAL, decided, decider_for
from pmm_testkit.world import Person, scalar

pytestmark = pytest.mark.integration
smtp = smtp_fixture()

PENGINGAT_HARI = [7, 3, 1]


def periode_2024_s2() -> contract.PeriodeOpenedV1:
    """A period whose policy uploads the bukti: only the steps of the cycle wait for the atasan."""
    return contract.PeriodeOpenedV1(
        kode="2024-S2",
        tahun=2024,
        nama="Semester 2 2024",
        jenis="semester",
        mulai=date(2024, 7, 1),
        selesai=date(2024, 12, 31),
        bulan=6,
        policy_year=2024,
        evidence_upload=True,
        data_update_step=False,
        competence_points=(32, 128),
        windows=[
            contract.WindowPart(step="perencanaan_guru", opens=date(2024, 7, 1), closes=date(2024, 7, 31)),
            contract.WindowPart(step="pelaksanaan", opens=date(2024, 8, 1), closes=date(2024, 11, 30)),
            contract.WindowPart(step="penilaian", opens=date(2024, 12, 1), closes=date(2024, 12, 31)),
        ],
        pengingat_hari=PENGINGAT_HARI,
    )


def periode_2026_t() -> contract.PeriodeOpenedV1:
    """A period whose policy has the atasan confirm that the documents exist at school."""
    return tahunan(2026, pengingat_hari=PENGINGAT_HARI)


@pytest.fixture(scope="module")
async def periods(app, world):
    async with Bus(world.bus_url) as bus:
        for periode in (periode_2024_s2(), periode_2026_t()):
            await bus.publish(periode, aggregate_id=f"periode:{periode.kode}")

    async def known() -> bool:
        return await scalar(app, "SELECT count(*) FROM roster_periode WHERE kode IN ('2024-S2', '2026-T')") == 2

    await wait_for(known, timeout=15)


async def persiapan(client, tokens, guru: Person, cycle: dict, jadwal: str) -> str:
    r = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={"target_perilaku": INDIKATOR.perilaku_dianjurkan[:1], "upaya": "Menyiapkan media ajar", "jadwal": jadwal},
        headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
    )
    assert r.status_code == 200, r.text
    return r.headers["ETag"]


def rubric() -> list[dict]:
    return [
        {"perilaku": p, "nilai": "efektif"} for p in (*INDIKATOR.perilaku_dianjurkan, *INDIKATOR.perilaku_dihindari)
    ]


def sender_for(settings, server) -> ReminderSender:
    return ReminderSender(
        service="observation",
        dsn=settings.database_url.replace("postgresql+asyncpg://", "postgresql://"),
        smtp=SmtpConfig(
            host=server.host, port=server.port, sender="PMM Kinerja <no-reply@pmm.test>", timeout_seconds=5
        ),
        poll_seconds=0.1,
    )


async def test_an_atasan_with_steps_waiting_is_reminded_once_with_the_count_and_not_after_acting(
    app, client, tokens, world, periods, set_clock, settings, smtp
):
    school = await world.school(teachers=3, kode_wilayah="3211")
    ks = school.kepala
    idle, proposed, agreed = school.guru
    await world.set_email(ks, "kepala.3211@belajar.id", "3211")
    set_clock(datetime(2024, 8, 5, 9, 0, tzinfo=WIB))
    cycles = {}
    for guru in (idle, proposed, agreed, ks):
        await approve(world, guru, periode="2024-S2", atasan=world.pengawas if guru is ks else ks)
        cycles[guru.nip] = await opened(client, tokens, guru, "2024-S2")
    # One guru has not prepared (their own turn), one proposed a date, one's date is agreed: two wait for the KS.
    proposed_etag = await persiapan(client, tokens, proposed, cycles[proposed.nip], "2024-08-20")
    agreed_etag = await persiapan(client, tokens, agreed, cycles[agreed.nip], "2024-08-21")
    r = await client.post(
        f"/api/v1/pelaksanaan/{cycles[agreed.nip]['id']}/persiapan/setujui",
        headers={**ks.headers(tokens), "If-Match": agreed_etag},
    )
    assert r.status_code == 200 and r.json()["tahap"] == "OBSERVASI", r.text
    agreed_etag = r.headers["ETag"]

    decider = decider_for(app, observation_reminders(), "3211")
    # 27 November: three days before the pelaksanaan window closes (30 November) in 3211.
    assert await decider.decide(on=date(2024, 11, 27)) == 1
    assert await decider.decide(on=date(2024, 11, 27)) == 0  # deciding again decides nothing
    assert await decider.decide(on=date(2024, 11, 28)) == 0  # still the same bucket
    (row,) = [r for r in await decided(app, "3211") if r["periode"] == "2024-S2"]
    assert (row["kind"], row["penerima"], row["step"], row["offset_days"]) == (
        MENUNGGU_ATASAN,
        ks.nip,
        "pelaksanaan",
        3,
    )
    assert row["judul"] == "Pengingat: 2 pelaksanaan menunggu tindakan Anda (Semester 2 2024)"
    assert row["tautan"] == f"{PORTAL}/pelaksanaan/tim"
    assert row["tenggat"] == datetime(2024, 11, 30, 23, 59, tzinfo=WIB)
    assert "Sabtu, 30 November 2024 pukul 23.59 WIB (3 hari lagi)" in row["isi"] and ks.nama in row["isi"]
    assert row["email"] == "kepala.3211@belajar.id" and row["refused_at"] is None
    assert not any(p.nip in row["judul"] for p in (ks, *school.guru))

    # The mail arrives once, with the text decided.
    sender = sender_for(settings, smtp)
    try:
        await sender.start()
        await wait_for(lambda: _sent(app, row["id"]), timeout=15)
    finally:
        await sender.stop()
    mails = [m for m in smtp.messages if m["To"] == "kepala.3211@belajar.id"]
    assert len(mails) == 1 and mails[0]["Subject"] == row["judul"] and mails[0]["Message-ID"] == row["message_id"]
    assert f"{PORTAL}/pelaksanaan/tim" in mails[0].get_payload(decode=True).decode()

    # The KS acts on both: counters the proposed date (now the guru's turn), observes and writes their part of
    # the diskusi (now the guru's notes are awaited). On the last day nothing waits for them: no reminder.
    set_clock(datetime(2024, 11, 28, 9, 0, tzinfo=WIB))
    r = await client.post(
        f"/api/v1/pelaksanaan/{cycles[proposed.nip]['id']}/persiapan/jadwal-lain",
        json={"jadwal": "2024-11-29"},
        headers={**ks.headers(tokens), "If-Match": proposed_etag},
    )
    assert r.status_code == 200 and r.json()["tahap"] == "JADWAL_DIUSULKAN_ATASAN", r.text
    pid = cycles[agreed.nip]["id"]
    r = await client.put(
        f"/api/v1/pelaksanaan/{pid}/observasi",
        json={"mode": "langsung", "items": rubric()},
        headers={**ks.headers(tokens), "If-Match": agreed_etag},
    )
    assert r.status_code == 200 and r.json()["tahap"] == "DISKUSI", r.text
    r = await client.put(
        f"/api/v1/pelaksanaan/{pid}/diskusi/atasan",
        json={
            "catatan": "Umpan balik baik",
            "tujuan": "Umpan balik tertulis",
            "langkah": "Rubrik",
            "jadwal": "2024-11-29",
        },
        headers={**ks.headers(tokens), "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200 and r.json()["tahap"] == "DISKUSI_MENUNGGU_GURU", r.text
    assert await decider.decide(on=date(2024, 11, 29)) == 0
    assert [r["offset_days"] for r in await decided(app, "3211") if r["periode"] == "2024-S2"] == [3]
    # After the close nobody is reminded, however much still waits.
    assert await decider.decide(on=date(2024, 12, 1)) == 0

    # The KS reads their own reminder; the guru, who has nothing waiting for them here, has none.
    mine = await client.get("/api/v1/pemberitahuan", headers=ks.headers(tokens))
    assert mine.status_code == 200, mine.text
    (item,) = [i for i in mine.json()["items"] if i["periode"] == "2024-S2"]
    assert (item["kind"], item["terkirim"], item["tautan"]) == (MENUNGGU_ATASAN, True, f"{PORTAL}/pelaksanaan/tim")
    theirs = await client.get("/api/v1/pemberitahuan", headers=proposed.headers(tokens))
    assert theirs.status_code == 200 and theirs.json()["items"] == []


async def _sent(app, row_id: int) -> bool:
    return await scalar(app, "SELECT sent_at IS NOT NULL FROM pengingat WHERE id = :i", i=row_id)


async def test_an_extension_moves_the_close_and_the_offsets_of_its_region(
    app, client, tokens, world, periods, set_clock
):
    school = await world.school(teachers=1, kode_wilayah="3212")
    (guru,) = school.guru
    set_clock(datetime(2024, 8, 5, 9, 0, tzinfo=WIB))
    await approve(world, guru, periode="2024-S2", atasan=school.kepala)
    await persiapan(client, tokens, guru, await opened(client, tokens, guru, "2024-S2"), "2024-08-20")
    async with Bus(world.bus_url) as bus:
        await bus.publish(
            contract.PeriodeWindowExtendedV1(
                extension_id=uuid.uuid4(),
                kode="2024-S2",
                step="pelaksanaan",
                until=date(2024, 12, 10),
                wilayah="3212",
                alasan="Banjir di Sumedang",
            ),
            aggregate_id="periode:2024-S2",
            version=2,
        )
    await wait_for(lambda: _extended(app, "3212"), timeout=15)
    decider = decider_for(app, observation_reminders(), "3212")

    # 27 November would be three days before the 30th; extended to 10 December, it is too early to remind.
    assert await decider.decide(on=date(2024, 11, 27)) == 0
    # 7 December is three days before the extended close.
    assert await decider.decide(on=date(2024, 12, 7)) == 1
    (row,) = [r for r in await decided(app, "3212") if r["periode"] == "2024-S2"]
    assert (row["penerima"], row["offset_days"]) == (school.kepala.nip, 3)
    assert row["tenggat"] == datetime(2024, 12, 10, 23, 59, tzinfo=WIB)
    assert "Selasa, 10 Desember 2024 pukul 23.59 WIB" in row["isi"]
    # The KS has no address in the roster: listed to them, shown to the region's operator, not mailed.
    assert row["email"] is None and row["refused_at"] is not None
    refused = await client.get(
        "/api/v1/pemberitahuan/gagal", headers=tokens.headers("op-3212", "operator", wilayah="3212")
    )
    assert refused.status_code == 200, refused.text
    assert [i["penerima"] for i in refused.json()["items"]] == [school.kepala.nip]
    elsewhere = await client.get(
        "/api/v1/pemberitahuan/gagal", headers=tokens.headers("op-3211", "operator", wilayah="3211")
    )
    assert elsewhere.status_code == 200 and school.kepala.nip not in {i["penerima"] for i in elsewhere.json()["items"]}
    assert (await client.get("/api/v1/pemberitahuan/gagal", headers=school.kepala.headers(tokens))).status_code == 403
    assert (await client.get("/api/v1/pemberitahuan")).status_code == 401


async def _extended(app, wilayah: str) -> bool:
    return bool(await scalar(app, "SELECT count(*) FROM roster_window_extension WHERE wilayah = :w", w=wilayah))


async def test_unconfirmed_documents_of_a_kepala_sekolah_wait_for_their_current_atasan(
    app, client, tokens, world, periods, set_clock
):
    school = await world.school(teachers=1, kode_wilayah="3213")
    ks, (guru,) = school.kepala, school.guru
    # Since January the KS is appraised by a new pengawas: the roster's relation of today decides, not who
    # approved the plan.
    pengawas = world.person("Pengawas Sekolah", school.npsn, jenjang="Ahli Madya")
    async with Bus(world.bus_url) as bus:
        await world.register(bus, pengawas, "3213")
        await world.relate(bus, ks, pengawas, "pengawas", mulai=date(2026, 1, 1))

    async def related() -> bool:
        return bool(await scalar(app, "SELECT count(*) FROM roster_relasi WHERE atasan_id = :a", a=pengawas.pegawai_id))

    await wait_for(related, timeout=15)
    set_clock(datetime(2026, 3, 2, 9, 0, tzinfo=WIB))
    await approve(world, ks, periode="2026-T", atasan=world.pengawas)
    await approve(world, guru, periode="2026-T", atasan=ks)
    cycle = await opened(client, tokens, ks, "2026-T")
    await opened(client, tokens, guru, "2026-T")

    decider = decider_for(app, observation_reminders(), "3213")
    # Both cycles are at the persiapan, their owners' turn; the KS's four documents are the pengawas's to confirm.
    assert await decider.decide(on=date(2026, 10, 28)) == 1
    (row,) = [r for r in await decided(app, "3213") if r["periode"] == "2026-T"]
    assert (row["penerima"], row["offset_days"]) == (pengawas.nip, 3)
    assert row["judul"] == "Pengingat: 1 pelaksanaan menunggu tindakan Anda (Tahunan 2026)"

    # The pengawas confirms all four: on the last day nothing waits for anyone in 3213.
    set_clock(datetime(2026, 10, 29, 9, 0, tzinfo=WIB))
    for kategori in DOKUMEN_KS:
        r = await client.post(
            f"/api/v1/pelaksanaan/{cycle['id']}/bukti/konfirmasi",
            json={"kategori": kategori},
            headers=pengawas.headers(tokens),
        )
        assert r.status_code == 201, r.text
    assert await decider.decide(on=date(2026, 10, 30)) == 0
    assert {r["penerima"] for r in await decided(app, "3213")} == {pengawas.nip}
