"""A period split by a transfer (docs/domain.md §6), on the real RabbitMQ and PostgreSQL: planning's events of
part 1, skp.ended, part 2's events and observation's completion; each part rated and finalised by its own atasan,
the other refused; penilaian.finalized per part with its months; the combined result; the old school's document."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from appraisal.db.pengingat import appraisal_reminders
from pmm_contracts.events import observation as obs
from pmm_contracts.events import planning as contract
from pmm_kernel.clock import WIB
from pmm_testkit import Bus, wait_for
from pmm_testkit.periods import tahunan
from pmm_testkit.plans import INDIKATOR, PERILAKU, RHK
from pmm_testkit.reminders import decided, decider_for
from pmm_testkit.world import Person, scalar

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import World, etag, finalize, rate  # noqa: E402

pytestmark = pytest.mark.integration

PERIODE = "2025-T"
LAST_DAY = date(2025, 4, 14)  # the transfer takes effect on 15 April (of 2025 unless a test says otherwise)


class Mutasi:
    """A guru of one school transferred to another on 15 April 2025, as planning's events tell appraisal."""

    def __init__(self, world: World, old, new, *, periode: str = PERIODE, year: int = 2025) -> None:
        self.world, self.old, self.new = world, old, new
        self.guru: Person = old.guru[0]
        self.skp = {1: uuid.uuid4(), 2: uuid.uuid4()}
        self.periode = periode
        self.last_day, self.new_first_day = date(year, 4, 14), date(year, 4, 15)

    def _ref(self, bagian: int) -> dict:
        first = date(self.last_day.year, 1, 1)
        npsn, mulai = (self.old.npsn, first) if bagian == 1 else (self.new.npsn, self.new_first_day)
        return {
            "skp_id": self.skp[bagian],
            "pegawai_id": self.guru.pegawai_id,
            "periode": self.periode,
            "atasan_id": None,
            "bagian": bagian,
            "npsn": npsn,
            "mulai": mulai,
            "selesai": None,
        }

    async def publish(self, data, aggregate_id: str, version: int) -> None:
        async with Bus(self.world.bus_url) as bus:
            await bus.publish(data, aggregate_id=aggregate_id, version=version)

    async def approve(self, bagian: int, version: int) -> None:
        data = contract.SkpApprovedV1(
            **self._ref(bagian), approved_at=datetime.now(UTC), indikator=INDIKATOR, rhk=RHK, perilaku=PERILAKU
        )
        await self.publish(data, f"skp:{self.skp[bagian]}", version)

    async def end(self) -> None:
        data = contract.SkpEndedV1(
            **{**self._ref(1), "selesai": self.last_day},
            ended_at=datetime.combine(self.new_first_day, datetime.min.time(), UTC),
            status="DISETUJUI",
            alasan="mutasi",
        )
        await self.publish(data, f"skp:{self.skp[1]}", 9)

    async def transfer(self) -> None:
        """The roster after the transfer: the old relation ends on the last day, the new KS from the next, and the
        guru is at the new school."""
        guru = self.guru
        async with Bus(self.world.bus_url) as bus:
            relasi = await scalar(
                self.world.app, "SELECT relasi_id FROM roster_relasi WHERE pegawai_id = :p", p=guru.pegawai_id
            )
            ended = contract.AtasanUpdatedV1(
                relasi_id=relasi,
                pegawai_id=guru.pegawai_id,
                atasan_id=self.old.kepala.pegawai_id,
                peran_atasan="kepala_sekolah",
                mulai=date(2023, 7, 1),
                selesai=self.last_day,
            )
            await bus.publish(ended, aggregate_id=f"relasi:{relasi}", version=2)
            new_id = uuid.uuid4()
            assigned = contract.AtasanAssignedV1(
                relasi_id=new_id,
                pegawai_id=guru.pegawai_id,
                atasan_id=self.new.kepala.pegawai_id,
                peran_atasan="kepala_sekolah",
                mulai=self.new_first_day,
                selesai=None,
            )
            await bus.publish(assigned, aggregate_id=f"relasi:{new_id}")
            moved = contract.PegawaiUpdatedV1(
                pegawai_id=guru.pegawai_id,
                nip=guru.nip,
                status=guru.status,
                nama=guru.nama,
                pangkat_golongan=guru.golongan,
                jenjang_jabatan=guru.jenjang,
                jenis_gtk=guru.jenis_gtk,
                npsn=self.new.npsn,
                kode_wilayah=self.new.kode_wilayah,
                changed=["npsn"],
            )
            await bus.publish(moved, aggregate_id=f"pegawai:{guru.pegawai_id}", version=2)

        async def known() -> bool:
            relations = await scalar(
                self.world.app,
                "SELECT count(*) FROM roster_relasi WHERE pegawai_id = :p AND (selesai IS NULL OR selesai = :d)",
                p=guru.pegawai_id,
                d=self.last_day,
            )
            npsn = await scalar(
                self.world.app, "SELECT npsn FROM roster_pegawai WHERE pegawai_id = :p", p=guru.pegawai_id
            )
            return relations == 2 and npsn == self.new.npsn

        await wait_for(known, timeout=15)

    async def complete(self, bagian: int) -> None:
        pelaksanaan_id = uuid.uuid4()
        data = obs.PelaksanaanCompletedV1(
            pelaksanaan_id=pelaksanaan_id,
            skp_id=self.skp[bagian],
            pegawai_id=self.guru.pegawai_id,
            periode=self.periode,
            atasan_id=None,
            rubric=None,
            bukti_count=1,
            completed_at=datetime.now(UTC),
        )
        await self.publish(data, f"pelaksanaan:{pelaksanaan_id}", 12)


async def part_of(client, tokens, atasan: Person, guru: Person, bagian: int, status: str) -> dict:
    """Wait until `atasan` lists part `bagian` of the guru's period in `status`."""

    async def read() -> dict | None:
        r = await client.get(f"/api/v1/penilaian?periode={PERIODE}&limit=200", headers=atasan.headers(tokens))
        assert r.status_code == 200, r.text
        for item in r.json()["items"]:
            mine = item["pegawai"] and item["pegawai"]["id"] == str(guru.pegawai_id)
            if mine and item["bagian"] == bagian and item["status"] == status:
                return item
        return None

    return await wait_for(read, timeout=15)


async def test_a_transfer_splits_the_period_into_parts_each_appraised_by_its_own_atasan(
    client, tokens, world, tap, set_clock
):
    old, new = await world.school(teachers=1), await world.school(teachers=1)
    m = Mutasi(world, old, new)
    guru, ks_lama, ks_baru = m.guru, old.kepala, new.kepala
    set_clock(datetime(2025, 12, 1, 9, 0, tzinfo=WIB))  # 2025-T's penilaian window

    # Part 1 at the old school, approved, then ended by the transfer: ratable without its cycle.
    await m.approve(1, version=7)
    await m.transfer()
    await m.end()
    first = await part_of(client, tokens, ks_lama, guru, 1, "SIAP")
    # Part 2 at the new school: approved, its cycle completed.
    await m.approve(2, version=3)
    await m.complete(2)
    second = await part_of(client, tokens, ks_baru, guru, 2, "SIAP")
    # The read models show the latest part: part 2's plan and cycle, though their versions count from 1 again.
    monitor = "SELECT bagian::text || ' ' || {col} FROM {table} WHERE pegawai_id = :p"
    skp = await scalar(world.app, monitor.format(col="status", table="skp_monitor"), p=guru.pegawai_id)
    cycle = await scalar(world.app, monitor.format(col="langkah", table="pelaksanaan_monitor"), p=guru.pegawai_id)
    assert (skp, cycle) == ("2 DISETUJUI", "2 selesai")
    late = obs.StepCompletedV1(
        pelaksanaan_id=uuid.uuid4(),
        skp_id=m.skp[1],
        pegawai_id=guru.pegawai_id,
        periode=PERIODE,
        step="diskusi",
        completed_at=datetime.now(UTC),
    )
    await m.publish(late, f"pelaksanaan:{late.pelaksanaan_id}", 30)
    await asyncio.sleep(1.0)  # every chance to apply
    cycle = await scalar(world.app, monitor.format(col="langkah", table="pelaksanaan_monitor"), p=guru.pegawai_id)
    assert cycle == "2 selesai"

    # The new KS neither sees nor rates the old part; the old KS does not rate the new one.
    shown = await client.get(f"/api/v1/penilaian/{first['id']}", headers=ks_baru.headers(tokens))
    assert shown.status_code == 403, shown.text
    assert shown.headers["content-type"].startswith("application/problem+json")
    refused = await rate(client, tokens, ks_baru, first, "sesuai", "sesuai")
    assert refused.status_code == 403, refused.text
    assert refused.json()["errors"][0]["rule"] == "penilaian.atasan_bagian"
    refused = await rate(client, tokens, ks_lama, second, "sesuai", "sesuai")
    assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (403, "penilaian.atasan_bagian")

    # Each part by its own atasan: part 1 January-April (4 months), part 2 May-December (8 months).
    rated = await rate(client, tokens, ks_lama, first, "sesuai", "sesuai")
    assert rated.status_code == 200, rated.text
    body = rated.json()
    assert (body["bagian"], body["npsn"], body["selesai"], body["berakhir"]) == (1, old.npsn, "2025-04-14", True)
    assert (body["angka_kredit"]["bulan"], body["angka_kredit"]["nilai"]) == (4, "4.17")
    done = await finalize(client, tokens, ks_lama, first["id"], rated.headers["ETag"])
    assert done.status_code == 200, done.text
    assert done.json()["penilai"]["pegawai_id"] == str(ks_lama.pegawai_id)

    rated = await rate(client, tokens, ks_baru, second, "di_atas", "di_atas")
    assert rated.status_code == 200, rated.text
    assert (rated.json()["angka_kredit"]["bulan"], rated.json()["angka_kredit"]["nilai"]) == (8, "12.50")
    done = await finalize(client, tokens, ks_baru, second["id"], rated.headers["ETag"])
    assert done.status_code == 200, done.text

    # bkn_sync learns each part with its months.
    (one,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=first["id"])
    (two,) = await tap.wait("appraisal.penilaian.finalized.v1", penilaian_id=second["id"])
    assert (one["data"]["bagian"], one["data"]["bulan_mulai"], one["data"]["bulan_selesai"]) == (1, 1, 4)
    assert (two["data"]["bagian"], two["data"]["bulan_mulai"], two["data"]["bulan_selesai"]) == (2, 5, 12)

    # The combined result: the sum of the parts' rounded AK, the last part's predikat.
    combined = await client.get(f"/api/v1/hasil-periode/{guru.pegawai_id}/{PERIODE}", headers=guru.headers(tokens))
    assert combined.status_code == 200, combined.text
    result = combined.json()
    assert [(b["bagian"], b["npsn"], b["bulan"], b["angka_kredit"]) for b in result["bagian"]] == [
        (1, old.npsn, 4, "4.17"),
        (2, new.npsn, 8, "12.50"),
    ]
    assert (result["hasil"]["angka_kredit"], result["hasil"]["predikat"], result["hasil"]["lengkap"]) == (
        "16.67",
        "sangat_baik",
        True,
    )
    url = f"/api/v1/hasil-periode/{guru.pegawai_id}/{PERIODE}"
    for atasan in (ks_lama, ks_baru):  # each part's atasan sees the whole period's result
        seen = await client.get(url, headers=atasan.headers(tokens))
        assert seen.status_code == 200 and seen.json()["hasil"]["angka_kredit"] == "16.67", seen.text
    stranger = await client.get(url, headers=new.guru[0].headers(tokens))
    assert stranger.status_code == 404, stranger.text
    # The old school's distribution counts its part; the new school's its own.
    old_dist = await client.get(f"/api/v1/penilaian/{first['id']}", headers=ks_lama.headers(tokens))
    assert old_dist.json()["distribusi"]["counts"]["baik"] == 1
    assert old_dist.json()["periode_bagian"]["hasil"]["angka_kredit"] == "16.67"

    # The document of the ended part carries the old school's letterhead, its days and months.
    pdf = await client.get(f"/api/v1/penilaian/{first['id']}/dokumen", headers=guru.headers(tokens))
    assert pdf.status_code == 200, pdf.text
    text = " ".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(pdf.content)).pages)
    assert f"NPSN {old.npsn}" in text and "Bagian 1 periode: 1 Januari 2025 - 14 April 2025" in " ".join(text.split())


async def test_a_part_that_ended_before_approval_is_not_appraised(client, tokens, world, set_clock):
    old, new = await world.school(teachers=1), await world.school(teachers=1)
    m = Mutasi(world, old, new)
    set_clock(datetime(2025, 12, 1, 9, 0, tzinfo=WIB))
    await m.transfer()
    data = contract.SkpEndedV1(
        **{**m._ref(1), "selesai": LAST_DAY},
        ended_at=datetime(2025, 4, 15, 1, 0, tzinfo=UTC),
        status="DIAJUKAN",
        alasan="mutasi",
    )
    await m.publish(data, f"skp:{m.skp[1]}", 4)
    item = await part_of(client, tokens, old.kepala, m.guru, 1, "MENUNGGU")
    assert item["missing"] == ["bagian"]
    refused = await rate(client, tokens, old.kepala, item, "sesuai", "sesuai")
    assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (409, "penilaian.belum_siap")
    assert etag(item)


async def test_the_reminder_to_finish_an_ended_part_goes_to_the_old_school_s_atasan(app, world, set_clock):
    """The penilaian reminders (docs/domain.md §3, §6): an ended part not final is the old KS's to finish, in the
    old school's region; the new KS is not reminded of it."""
    periode = tahunan(2027, pengingat_hari=[7, 3, 1])
    async with Bus(world.bus_url) as bus:
        await bus.publish(periode, aggregate_id="periode:2027-T")
    await wait_for(lambda: _known(app, "2027-T"), timeout=15)
    old = await world.school(teachers=1, kode_wilayah="3215")
    new = await world.school(teachers=1, kode_wilayah="3216")
    m = Mutasi(world, old, new, periode="2027-T", year=2027)
    set_clock(datetime(2027, 12, 1, 9, 0, tzinfo=WIB))
    await m.approve(1, version=7)
    await m.transfer()
    await m.end()

    async def ratable() -> bool:
        query = "SELECT status FROM penilaian WHERE pegawai_id = :p AND periode = '2027-T' AND bagian = 1"
        return await scalar(app, query, p=m.guru.pegawai_id) == "SIAP"

    await wait_for(ratable, timeout=15)
    # 28 December: three days before the penilaian window closes.
    assert await decider_for(app, appraisal_reminders(), "3215").decide(on=date(2027, 12, 28)) == 1
    assert await decider_for(app, appraisal_reminders(), "3216").decide(on=date(2027, 12, 28)) == 0
    rows = [r for r in await decided(app, "3215") if r["periode"] == "2027-T"]
    assert [r["penerima"] for r in rows] == [old.kepala.nip]


async def _known(app, kode: str) -> bool:
    return await scalar(app, "SELECT count(*) FROM roster_periode WHERE kode = :k", k=kode) == 1
