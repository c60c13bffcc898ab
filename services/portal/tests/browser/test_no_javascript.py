"""The planning flow with JavaScript off: every step is a plain HTML form that posts and is answered with a
redirect, so a phone that blocks scripts (or has not loaded them yet on a slow line) loses nothing. The pages are
still checked with axe-core, on the same page opened with JavaScript (conftest.py)."""

from __future__ import annotations

import pytest

from .conftest import Phone, Phones, World, plan_and_submit

pytestmark = pytest.mark.e2e


async def test_a_guru_plans_and_the_kepala_sekolah_approves_without_javascript(world: World, phones: Phones):
    guru_person, kepala_person = world.school.guru[0], world.school.kepala
    assert kepala_person is not None
    guru = await phones.new(js=False)
    await guru.sign_in(guru_person)
    assert guru.path == "/"
    await plan_and_submit(guru, world.periode)

    kepala = await phones.new(js=False)
    await kepala.sign_in(kepala_person)
    await kepala.follow("Persetujuan")
    await kepala.follow(f"Buka rencana berikutnya: {guru_person.nama}")
    await kepala.submit("Setujui")
    assert kepala.path == "/persetujuan" and "disetujui" in await kepala.text()

    await guru.goto(f"/perencanaan/{world.periode}")
    assert "Disetujui" in await guru.text()


async def test_errors_and_more_indicators_without_javascript(world: World, phone_no_js: Phone):
    guru = phone_no_js
    await guru.sign_in(world.school.guru[1])
    await guru.goto(f"/perencanaan/{world.periode}")
    await guru.submit("Mulai")
    skp = guru.path.rsplit("/", 1)[0]

    # Nothing chosen: the server's answer carries the summary and the message beside the field; no script needed.
    refused = await guru.submit()
    assert refused.status == 422
    summary_link = guru.page.locator(".ringkasan-galat a[href='#sesuai']")
    assert await summary_link.inner_text() == "Pilih apakah data sudah sesuai."
    assert await guru.page.locator("#sesuai-galat").is_visible()
    assert await guru.page.locator(".ringkasan-galat:focus").count() == 0  # portal.js, which focuses it, is off
    await guru.page.get_by_label("Data sudah sesuai").check()
    await guru.submit()

    # "Lihat indikator lainnya" swaps the list in place with JavaScript; without it, it is a link to the full list.
    recommended = await guru.page.locator("input[name=indikator]").count()
    await guru.follow("Lihat indikator lainnya")
    assert "Indikator lainnya" in await guru.text()
    everything = guru.page.locator("input[name=indikator]")
    assert await everything.count() > recommended
    chosen = everything.nth(recommended)  # the first of the others
    kode = await chosen.get_attribute("value")
    await chosen.check()
    await guru.submit()
    assert guru.path == f"{skp}/pengembangan-kompetensi"
    await guru.goto(f"{skp}/rangkuman")
    assert str(kode) in await guru.page.locator(".daftar-ringkas").inner_text()
