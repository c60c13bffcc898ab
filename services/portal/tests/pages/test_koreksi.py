"""Correction reports without JavaScript: a teacher reports a wrong pangkat/golongan on the data diri step (an empty
form and a second report on the same field refused beside their fields), the operator sees it on the worklist of
the region with its age and school, the roster import of the corrected row closes it and the step shows the data as
it is now; another report is rejected with a reason the teacher reads."""

from __future__ import annotations

import re

import pytest

from .conftest import Browser, World, text_of

pytestmark = pytest.mark.e2e

_TOLAK = re.compile(r'action="/operator/koreksi/([0-9a-f-]+)/tolak"')


def section(html: str, marker: str) -> str:
    """The part of the page from `marker` on: where that form's own hidden fields are."""
    return html.split(marker, 1)[1]


async def report(browser: Browser, skp_path: str, **fields: str):
    hidden = browser.hidden(section(browser.page.text, 'id="laporan"'))
    return await browser.post(f"{skp_path}/data-diri/koreksi", {**hidden, **fields}, hidden=False)


async def open_data_diri(world: World, browser: Browser, guru) -> str:
    await browser.sign_in(guru)
    await browser.get(f"/perencanaan/{world.periode}")
    page = await browser.post(f"/perencanaan/{world.periode}/mulai")
    assert page.url.path.endswith("/data-diri")
    return page.url.path.rsplit("/", 1)[0]


async def test_a_report_reaches_the_operator_and_the_roster_import_closes_it(world: World, browser: Browser):
    guru = world.school.guru[0]
    benar = "III/b" if guru.golongan == "III/a" else "III/a"
    skp_path = await open_data_diri(world, browser, guru)
    page = browser.page
    assert "Laporkan data yang salah" in page.text and 'name="koreksi_field"' in page.text

    # Nothing chosen, nothing written: both messages beside their inputs and in the summary; nothing sent.
    page = await report(browser, skp_path, koreksi_field="", nilai_benar="")
    assert page.status_code == 422
    assert 'id="koreksi_field-galat"' in page.text and 'id="nilai_benar-galat"' in page.text
    assert 'href="#koreksi_field"' in page.text and "Pilih data mana yang salah." in text_of(page.text)

    page = await report(browser, skp_path, koreksi_field="pangkat_golongan", nilai_benar=benar,
                        koreksi_catatan="SK kenaikan pangkat sudah terbit")  # fmt: skip
    assert page.status_code == 200 and page.url.path == f"{skp_path}/data-diri"
    shown = text_of(page.text)
    assert "Laporan Anda terkirim" in shown
    assert f"Pangkat / golongan : seharusnya {benar} Menunggu operator" in shown
    # Beranda shows the report and its state beside the phases.
    beranda = text_of((await browser.get("/")).text)
    assert "Laporan data yang salah" in beranda and f"seharusnya {benar} Menunggu operator" in beranda
    await browser.get(f"{skp_path}/data-diri")

    # The same field again while the first waits: the planning service's koreksi.exists, beside the field.
    page = await report(browser, skp_path, koreksi_field="pangkat_golongan", nilai_benar=benar)
    assert page.status_code == 422
    message = section(page.text, 'id="koreksi_field-galat"').split("</p>", 1)[0]
    assert "masih menunggu operator" in message
    assert f'value="{benar}"' in page.text  # what was typed stays

    # The operator's worklist: the teacher, the school, the age, what is right; a way to the roster import.
    operator = Browser(world.portal)
    try:
        await operator.sign_in(operator="3273")
        page = await operator.get("/operator")
        assert 'href="/operator/koreksi"' in page.text
        page = await operator.get("/operator/koreksi")
        shown = text_of(page.text)
        assert guru.nama in shown and world.school.nama in shown
        assert f"Yang benar menurut guru {benar}" in shown and "Menunggu 0 hari" in shown
        assert 'href="/operator/roster"' in page.text

        # The corrected row imported through the roster page closes the report by itself.
        corrected = world.region.pegawai_csv().splitlines()
        header, row = corrected[0], next(line for line in corrected if line.startswith(guru.nip))
        row = row.replace(f",{guru.golongan},", f",{benar},", 1)
        await operator.get("/operator/roster")
        berkas = {"berkas": ("pegawai.csv", f"{header}\n{row}\n".encode(), "text/csv")}
        page = await operator.post("/operator/roster", {"jenis": "pegawai"}, files=berkas)
        assert page.status_code == 200 and "Diperbarui 1" in text_of(page.text)
        page = await operator.get("/operator/koreksi")
        assert guru.nama not in text_of(page.text)
        page = await operator.get("/operator/koreksi?status=SELESAI")
        assert guru.nama in text_of(page.text)
    finally:
        await operator.close()

    # The teacher's step shows the report done and the data as the roster says it now.
    page = await browser.get(f"{skp_path}/data-diri")
    shown = text_of(page.text)
    assert "Sudah diperbaiki" in shown and "data di atas adalah data terbaru" in shown
    assert f"Pangkat / golongan {benar}" in shown


async def test_the_operator_rejects_with_a_reason_the_teacher_reads(world: World, browser: Browser):
    guru = world.school.guru[1]
    skp_path = await open_data_diri(world, browser, guru)
    page = await report(browser, skp_path, koreksi_field="atasan", nilai_benar="Kepala sekolah yang baru")
    assert page.status_code == 200 and "Atasan saya" in text_of(page.text)

    operator = Browser(world.portal)
    try:
        await operator.sign_in(operator="3273")
        page = await operator.get("/operator/koreksi")
        row = section(page.text, guru.nama)
        koreksi_id = _TOLAK.search(row).group(1)  # type: ignore[union-attr]
        hidden = operator.hidden(section(row, f'action="/operator/koreksi/{koreksi_id}/tolak"'))
        page = await operator.post(f"/operator/koreksi/{koreksi_id}/tolak", {**hidden, "alasan": "no"}, hidden=False)
        assert page.status_code == 422
        assert f'id="alasan-{koreksi_id}-galat"' in page.text and f'href="#alasan-{koreksi_id}"' in page.text

        alasan = "Relasi atasan sudah sesuai SK kepala sekolah"
        page = await operator.post(f"/operator/koreksi/{koreksi_id}/tolak", {**hidden, "alasan": alasan}, hidden=False)
        assert page.status_code == 200 and "Laporan ditolak" in text_of(page.text)
        assert guru.nama not in text_of(page.text)
        # The same form sent again (a double tap): the same key, answered as the first, no error page.
        again = await operator.post(f"/operator/koreksi/{koreksi_id}/tolak", {**hidden, "alasan": alasan}, hidden=False)
        assert again.status_code == 200
    finally:
        await operator.close()

    page = await browser.get(f"{skp_path}/data-diri")
    shown = text_of(page.text)
    assert "Ditolak" in shown and f"Alasan operator: {alasan}" in shown


async def test_a_teacher_has_no_worklist(world: World, browser: Browser):
    await browser.sign_in(world.school.guru[2])
    page = await browser.get("/operator/koreksi")
    assert page.status_code == 403
