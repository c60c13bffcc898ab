"""A kepala sekolah approves the plans waiting in one step on a phone: "Pilih semua", one plan left unticked, one
changed on another device meanwhile; the result page says how many were approved at once and names the refused
plan with its reason in Indonesian. Every page is checked as the others are (axe-core, CSP, width, weight)."""

from __future__ import annotations

import pytest

from tools.demo import plan
from tools.demo_roster import Person, pns_nip

from ..pages.conftest import KODE_WILAYAH
from .conftest import Phones, World

pytestmark = pytest.mark.e2e


async def _teachers(world: World, count: int) -> list[Person]:
    """Teachers of the school beyond the world's three, imported as the operator would, each under its kepala."""
    operator = await world.api.token(f"operator-{KODE_WILAYAH}", "operator", wilayah=KODE_WILAYAH)
    kepala = world.school.kepala
    assert kepala is not None
    people = [
        Person(pns_nip(840 + i), f"Guru Serentak {i}", "PNS", "Guru Mapel", "Ahli Pertama", "III/b", world.school.npsn)
        for i in range(count)
    ]
    rows = [
        {"nip": p.nip, "status": p.status, "nama": p.nama, "pangkat_golongan": p.golongan,
         "jenjang_jabatan": p.jenjang, "jenis_gtk": p.jenis_gtk, "npsn": p.npsn}
        for p in people
    ]  # fmt: skip
    relasi = [{"nip_pegawai": p.nip, "nip_atasan": kepala.nip, "peran_atasan": "kepala_sekolah",
               "mulai": "2023-07-01"} for p in people]  # fmt: skip
    await world.api.call("POST", "/roster/pegawai", operator, json=rows)
    await world.api.call("POST", "/roster/relasi", operator, json=relasi)
    return people


async def test_select_all_approve_and_see_the_refused_plan_with_its_reason(world: World, phones: Phones):
    kepala_person = world.school.kepala
    assert kepala_person is not None
    changed, kept, *approved = await _teachers(world, 4)
    plans = {p.nip: (await plan(world.api, p, world.periode, target=4))[0] for p in (changed, kept, *approved)}

    kepala = await phones.new()
    await kepala.sign_in(kepala_person)
    await kepala.follow("Persetujuan")
    boxes = kepala.page.locator("input[name=pilih]")
    assert await boxes.count() == len(plans)
    await kepala.follow("Pilih semua")
    for index in range(len(plans)):
        assert await boxes.nth(index).is_checked()
    # A tap anywhere on the row's first cell: the box's label fills it (a phone's finger, not a mouse pointer).
    cell = await kepala.page.locator("label.kotak-pilih").first.bounding_box()
    assert cell is not None and cell["width"] >= 44 and cell["height"] >= 44
    await kepala.page.get_by_label(f"Pilih rencana {kept.nama}").uncheck()

    # Meanwhile, on another device, the kepala sekolah sends one of the ticked plans back to its teacher.
    ks = await world.api.token(kepala_person.nip, "guru", "kepala_sekolah")
    current = await world.api.call("GET", f"/skp/{plans[changed.nip]}", ks)
    await world.api.call("POST", f"/skp/{plans[changed.nip]}/return", {**ks, "If-Match": current.headers["ETag"]},
                         json={"catatan": "Lengkapi target pelatihan mandiri."})  # fmt: skip

    await kepala.submit("Setujui yang dipilih")

    text = await kepala.text()
    assert f"{len(approved)} rencana kinerja disetujui sekaligus." in text
    assert "1 rencana tidak dapat disetujui" in text
    assert f"{changed.nama} Data ini baru saja diubah oleh orang lain." in text
    assert kept.nama not in text  # not ticked: not sent, not refused

    await kepala.follow("← Kembali ke antrian persetujuan")
    assert kepala.path == "/persetujuan"
    assert await boxes.count() == 1 and kept.nama in await kepala.text()
    statuses = {
        p.nip: (await world.api.call("GET", f"/skp/{plans[p.nip]}", ks)).json()["status"]
        for p in (changed, kept, *approved)
    }
    assert statuses == {changed.nip: "DIKEMBALIKAN", kept.nip: "DIAJUKAN"} | dict.fromkeys(
        (p.nip for p in approved), "DISETUJUI"
    )
