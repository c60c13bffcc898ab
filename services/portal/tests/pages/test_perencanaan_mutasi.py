"""A teacher transferred to another school during the period (mutasi): the planning page lists the parts of the
period, the part at the old school is read-only, and the teacher starts the next part at the new school."""

from __future__ import annotations

import pytest

from .conftest import KODE_WILAYAH, Browser, World, text_of

pytestmark = pytest.mark.e2e

NEW_SCHOOL = "20217399"


async def _transfer(world: World, guru, tmt: str) -> None:
    """The operator imports the new school and the teacher's placement there from `tmt`."""
    operator = {
        **(await world.api.token(f"operator-{KODE_WILAYAH}", "operator", wilayah=KODE_WILAYAH)),
        "Content-Type": "text/csv",
    }
    sekolah = f"npsn,nama,kode_wilayah,nama_wilayah\n{NEW_SCHOOL},SD Negeri 99 Demo,{KODE_WILAYAH},Kota Demo\n"
    await world.api.call("POST", "/roster/sekolah/csv", operator, content=sekolah)
    pegawai = (
        "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn,tmt_penempatan\n"
        f"{guru.nip},{guru.status},{guru.nama},{guru.golongan},{guru.jenjang},{guru.jenis_gtk},{NEW_SCHOOL},{tmt}\n"
    )
    report = (await world.api.call("POST", "/roster/pegawai/csv", operator, content=pegawai)).json()
    assert report["skp_berakhir"] == 1, report


async def test_the_part_at_the_old_school_ends_and_the_teacher_starts_the_next(world: World, browser: Browser):
    guru = world.school.guru[0]
    await browser.sign_in(guru)
    await browser.get(f"/perencanaan/{world.periode}")
    page = await browser.post(f"/perencanaan/{world.periode}/mulai")
    first = page.url.path.rsplit("/", 1)[0]

    await _transfer(world, guru, "2024-01-12")

    page = await browser.get(f"/perencanaan/{world.periode}")
    text = text_of(page.text)
    assert "Bagian 1 — SD Negeri 1 Demo" in text
    assert "1 Januari 2024 s.d. 11 Januari 2024, berakhir karena mutasi" in text
    assert "Mulai bagian baru" in text

    # The ended part is read-only: no step can be saved, nothing to submit.
    page = await browser.get(f"{first}/rangkuman")
    assert "berakhir pada 11 Januari 2024 karena mutasi dan hanya dapat dibaca" in text_of(page.text)
    assert f'action="{first}/ajukan"' not in page.text
    page = await browser.get(f"{first}/perilaku-kerja")
    assert "hanya dapat dibaca" in text_of(page.text) and "Simpan dan lanjutkan" not in text_of(page.text)

    # The next part, at the new school from the day of the placement.
    await browser.get(f"/perencanaan/{world.periode}")
    page = await browser.post(f"/perencanaan/{world.periode}/mulai")
    assert page.url.path.endswith("/data-diri")
    second = page.url.path.rsplit("/", 1)[0]
    assert second != first
    assert "hanya dapat dibaca" not in text_of(page.text)
    page = await browser.get(f"/perencanaan/{world.periode}")
    text = text_of(page.text)
    assert "Bagian 1 — SD Negeri 1 Demo" in text and "Bagian 2 — SD Negeri 99 Demo" in text
    assert "sejak 12 Januari 2024" in text
    assert "Mulai bagian baru" not in text
    assert f'href="{first}/rangkuman"' in page.text  # the ended part opens from the list

    # The old school's kepala sekolah still reads the ended part, with its dates.
    ks = Browser(world.portal)
    try:
        await ks.sign_in(world.school.kepala)
        page = await ks.get(f"/persetujuan/{first.rsplit('/', 1)[1]}")
        assert page.status_code == 200, page.text
        text = text_of(page.text)
        assert "Bagian 1 — SD Negeri 1 Demo" in text and "berakhir karena mutasi" in text
    finally:
        await ks.close()
