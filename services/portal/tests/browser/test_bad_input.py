"""What a person sees when something is wrong, in the browser with JavaScript on: a missing answer (the summary on
top, linked to the field, and the message beside it), a tampered form (the 403 page), a session that ended (Masuk,
then back to the page asked for), and a service that stopped mid-flow (a page that keeps the form; "Coba kirim
lagi" saves it once the service is back)."""

from __future__ import annotations

import pytest

from .conftest import Phone, World

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


async def start_plan(phone: Phone, periode: str) -> str:
    """Mulai from the plan's page: the data-diri step's path."""
    await phone.goto(f"/perencanaan/{periode}")
    await phone.submit("Mulai")
    assert phone.path.endswith("/data-diri")
    return phone.path


async def focused(phone: Phone) -> str:
    return await phone.page.evaluate("() => document.activeElement?.id || document.activeElement?.className || ''")


async def test_a_missing_answer_is_summarised_on_top_and_shown_beside_its_field(world: World, phone: Phone):
    guru = phone
    await guru.sign_in(world.school.guru[0])
    await start_plan(guru, world.periode)

    refused = await guru.submit()
    assert refused.status == 422
    summary = guru.page.locator(".ringkasan-galat")
    link = summary.get_by_role("link", name="Pilih apakah data sudah sesuai.")
    assert await link.get_attribute("href") == "#sesuai"
    beside = guru.page.locator("#sesuai-galat")
    assert "Pilih apakah data sudah sesuai." in await beside.inner_text()
    assert await guru.page.locator("fieldset:has(#sesuai)").get_attribute("aria-describedby") == "sesuai-galat"
    # On top: above the page's heading and the form; it takes the focus, and its link moves the focus to the field.
    heading = await guru.page.locator("h1").bounding_box()
    box = await summary.bounding_box()
    assert box is not None and heading is not None and box["y"] < heading["y"]
    assert await focused(guru) == "ringkasan-galat"
    await link.click()
    assert await focused(guru) == "sesuai"


async def test_a_tampered_csrf_token_gets_the_403_page_and_changes_nothing(world: World, phone: Phone):
    guru = phone
    await guru.sign_in(world.school.guru[1])
    await guru.goto(f"/perencanaan/{world.periode}")
    await guru.page.evaluate(
        "() => { document.querySelector('form[action$=\"/mulai\"] input[name=csrf]').value = '0'.repeat(64); }"
    )
    refused = await guru.submit("Mulai")
    assert refused.status == 403
    assert await guru.page.locator("h1").inner_text() == "Formulir tidak dapat diterima"
    await guru.goto(f"/perencanaan/{world.periode}")
    assert await guru.page.get_by_role("button", name="Mulai").count() == 1  # no plan was started


async def test_after_the_session_ends_masuk_leads_back_to_the_page_asked_for(world: World, phone: Phone):
    guru_person, guru = world.school.guru[0], phone
    await guru.sign_in(guru_person)
    await guru.follow("Perencanaan")
    await guru.follow("Praktik kinerja")
    asked = guru.path

    await guru.context.clear_cookies()
    await guru.goto(asked)
    assert guru.path == "/masuk"
    await guru.submit(f"Masuk sebagai {guru_person.nama}")
    assert guru.path == asked
    assert await guru.page.locator("h1").inner_text() == "Praktik kinerja"

    # A form sent after the session ended: Masuk, then back to that step's page.
    await guru.context.clear_cookies()
    await guru.page.locator("input[name=indikator]").first.check()
    await guru.submit()
    assert guru.path == "/masuk"
    await guru.submit(f"Masuk sebagai {guru_person.nama}")
    assert guru.path == asked


async def test_a_service_stopped_mid_flow_keeps_the_form_and_saves_it_when_back(world: World, phone: Phone):
    guru = phone
    await guru.sign_in(world.school.guru[2])
    data_diri = await start_plan(guru, world.periode)
    skp = data_diri.rsplit("/", 1)[0]
    await guru.page.get_by_label("Data sudah sesuai").check()

    world.stack.stop("planning")
    try:
        down = await guru.submit()
        assert down.status == 503
        assert await guru.page.locator("h1").inner_text() == "Layanan sedang tidak dapat dihubungi"
        assert "Tidak ada data yang hilang" in await guru.text()
        kept = guru.page.locator("form:has(button:text-is('Coba kirim lagi')) input[name=sesuai]")
        assert await kept.get_attribute("value") == "ya"
    finally:
        world.stack.start("planning")

    await guru.submit("Coba kirim lagi")
    assert guru.path == f"{skp}/praktik-kinerja"
    await guru.goto(f"/perencanaan/{world.periode}")
    step = guru.page.locator("li.tugas", has=guru.page.locator("#langkah-data-diri"))
    assert "Selesai" in str(await step.text_content())
