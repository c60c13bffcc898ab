"""The parts of a period at BKN, against the real database, broker and the BKN sandbox (docs/domain.md §7): a
pegawai transferred mid-period has one SKP per school at e-Kinerja, each with its own months; the end of the old
school's part sends its SKP again with the shortened period; each part's penilaian goes on its own keys; an older
event changes nothing and a plan without parts keeps part 1's keys."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from pmm_contracts.events import planning

from .conftest import PERIODE, wait_until

pytestmark = pytest.mark.integration

LAST_DAY = date(2024, 3, 15)  # the old school's part ends; the new school's starts on 16 March


async def transfer(world, guru, old, new) -> None:
    """The move as SIASN and planning's roster know it: the new unit and its KS (SIASN keeps the old placement)."""
    await world.admin.change_pegawai(guru.nip, unorId=new.npsn, atasanNip=new.kepala.nip)
    guru.npsn = new.npsn
    await world.upstream.publish(
        planning.PegawaiUpdatedV1(**guru.snapshot(), changed=["npsn"]), aggregate_id=f"pegawai:{guru.pegawai_id}"
    )
    relasi_id = uuid.uuid4()
    relasi = planning.AtasanAssignedV1(
        relasi_id=relasi_id,
        pegawai_id=guru.pegawai_id,
        atasan_id=new.kepala.pegawai_id,
        peran_atasan="kepala_sekolah",
        mulai=date(2024, 3, 16),
        selesai=None,
    )
    await world.upstream.publish(relasi, aggregate_id=f"relasi:{relasi_id}")


async def test_two_parts_of_one_period_each_push_their_skp_and_penilaian(world):
    old, new = await world.school(teachers=1), await world.school(teachers=0)
    guru = old.guru[0]
    first = await world.approve(guru, old.kepala, bagian=1, npsn=old.npsn)
    [skp] = await world.settled(guru, count=1)
    assert (skp["bagian"], skp["bulan_mulai"], skp["bulan_selesai"]) == ("", 1, 6)

    await transfer(world, guru, old, new)
    await world.end_part(guru, first, selesai=LAST_DAY, npsn=old.npsn)
    await world.approve(guru, new.kepala, bagian=2, npsn=new.npsn, mulai=date(2024, 3, 16))

    async def both_skp_at_bkn() -> list[dict] | None:
        rows = {r["bagian"]: r for r in await world.pushes(guru)}
        done = set(rows) == {"", "2/"} and rows[""]["revision"] == 2
        return rows if done and all(r["status"] == "succeeded" for r in rows.values()) else None

    rows = await wait_until(both_skp_at_bkn)
    assert (rows[""]["bulan_mulai"], rows[""]["bulan_selesai"]) == (1, 3)  # the old school's months
    assert (rows["2/"]["bulan_mulai"], rows["2/"]["bulan_selesai"]) == (3, 6)  # the new school's
    skp_at_bkn = {r["periodeKey"]: r for r in await world.admin.records(nip=guru.nip, kind="skp")}
    assert {"2024-01-03", "2024-03-06"} <= set(skp_at_bkn)
    assert skp_at_bkn["2024-01-03"]["unorId"] == old.npsn
    assert skp_at_bkn["2024-01-03"]["penilaiNipNrp"] == old.kepala.nip
    assert skp_at_bkn["2024-03-06"]["unorId"] == new.npsn

    # Each part's penilaian goes on its own: part 1's keys as they always were, part 2's prefixed.
    await world.finalize(guru, old.kepala, months=(2024, 1, 2024, 3), angka_kredit=Decimal("3.13"))
    await world.finalize(guru, new.kepala, months=(2024, 3, 2024, 6), angka_kredit=Decimal("4.17"), bagian=2)
    pushes = await world.settled(guru, count=7)
    assert sorted((p["jenis"], p["bagian"]) for p in pushes) == [
        ("angkakredit", ""),
        ("angkakredit", "2/"),
        ("kinerjaperiodik", "2/2024-03..03"),
        ("kinerjaperiodik", "2/2024-04..06"),
        ("kinerjaperiodik", "2024-01..03"),
        ("skp", ""),
        ("skp", "2/"),
    ]
    kredit = {r["periodeKey"]: r for r in await world.admin.records(nip=guru.nip, kind="angkakredit")}
    assert kredit["2024-01-03"]["kreditUtamaBaru"] == "3.13" and kredit["2024-01-03"]["unorId"] == old.npsn
    assert kredit["2024-03-06"]["kreditUtamaBaru"] == "4.17" and kredit["2024-03-06"]["unorId"] == new.npsn


async def test_an_older_end_changes_nothing_and_a_plan_without_parts_keeps_part_ones_keys(world, container):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    skp_id = await world.approve(guru, school.kepala)  # as producers sent it before the parts: version 3
    [pushed] = await world.settled(guru, count=1)
    assert (pushed["bagian"], pushed["revision"], pushed["bulan_selesai"]) == ("", 1, 6)

    older = await world.end_part(guru, skp_id, selesai=LAST_DAY, version=2)  # older than the approval
    same = await world.end_part(guru, skp_id, selesai=LAST_DAY, version=3)  # the approval's own version
    await world.handled(older, same)

    [after] = await world.pushes(guru)
    assert (after["bagian"], after["revision"], after["bulan_mulai"], after["bulan_selesai"]) == ("", 1, 1, 6)
    async with container.chassis.engine.connect() as conn:
        plan = (
            await conn.execute(
                text("SELECT bagian, selesai FROM skp_plan WHERE pegawai_id = :p AND periode = :k"),
                {"p": guru.pegawai_id, "k": PERIODE},
            )
        ).one()
    assert (plan.bagian, plan.selesai) == (1, None)
