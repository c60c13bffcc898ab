"""The observation cycle in the portal without JavaScript: the guru's task list and step pages, the kepala sekolah's
team list, schedule, rubric and diskusi, the cycle completed by the guru's refleksi; bukti dukung uploaded as a
plain form and resumably over tus through the portal; and what the service refuses shown as its refusal."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, Route, async_playwright

from portal.pages.bukti import tus_metadata
from portal.session import COOKIE
from tools.demo import PELAKSANAAN_CLOCK, plan
from tools.demo_client import Api
from tools.demo_observation import fake_pdf
from tools.demo_roster import Person

from .conftest import Browser, World, text_of

pytestmark = pytest.mark.e2e

TUS = {"Tus-Resumable": "1.0.0"}
_TARGET = re.compile(r'name="target_perilaku" value="([^"]+)"')


async def _opened(observation: Api, guru: Person, periode: str) -> str:
    """The guru's pelaksanaan id once observation has opened it from the plan's approval (asynchronous)."""
    headers = await observation.token(guru.nip, "guru")
    deadline = time.monotonic() + 30
    while True:
        response = await observation.http.get("/pelaksanaan/saya", params={"periode": periode}, headers=headers)
        if response.status_code == 200:
            return response.json()["id"]
        assert time.monotonic() < deadline, f"no pelaksanaan opened: {response.status_code}"
        await asyncio.sleep(0.25)


def _row(page: str, nama: str) -> str:
    """A person's row of a table, as read."""
    return text_of(html.unescape(page).split(nama, 1)[1].split("</tr>", 1)[0])


@pytest.fixture(scope="module")
async def cycles(world: World) -> AsyncIterator[dict[str, str]]:
    """Each guru's plan approved by the kepala sekolah, the clock inside 2024-S1's pelaksanaan window, and each
    guru's pelaksanaan opened: nip -> pelaksanaan id."""
    kepala = await world.api.token(world.school.kepala.nip, "guru", "kepala_sekolah")
    for guru in world.school.guru:
        skp_id, etag = await plan(world.api, guru, world.periode, target=4)
        await world.api.call("POST", f"/skp/{skp_id}/approve", {**kepala, "If-Match": etag})
    world.at(PELAKSANAAN_CLOCK[2024])
    observation = Api(world.stack.url("observation"), world.stack.issuer_url)
    try:
        yield {guru.nip: await _opened(observation, guru, world.periode) for guru in world.school.guru}
    finally:
        await observation.http.aclose()
        await observation.issuer.aclose()


@pytest.fixture
async def atasan(world: World) -> AsyncIterator[Browser]:
    browser = Browser(world.portal)
    await browser.sign_in(world.school.kepala)
    yield browser
    await browser.close()


async def test_a_whole_cycle_between_the_guru_and_the_kepala_sekolah(
    world: World, cycles: dict[str, str], browser: Browser, atasan: Browser
):
    guru = world.school.guru[0]
    pid = cycles[guru.nip]
    cycle = f"/pelaksanaan/p/{pid}"
    await browser.sign_in(guru)
    page = await browser.get("/pelaksanaan")
    assert page.url.path == f"/pelaksanaan/{world.periode}"
    assert "Persiapan observasi" in page.text and "Giliran Anda" in text_of(page.text)
    assert f'href="{cycle}/persiapan"' in page.text

    # 1. persiapan: the upaya left out is named beside its field; nothing is saved until it is there.
    page = await browser.get(f"{cycle}/persiapan")
    targets = [html.unescape(v) for v in _TARGET.findall(page.text)]
    assert len(targets) >= 2
    page = await browser.post(f"{cycle}/persiapan", [("target_perilaku", targets[0]), ("jadwal", "2024-02-12")])
    assert page.status_code == 422
    assert 'id="upaya-galat"' in page.text and 'href="#upaya"' in page.text
    page = await browser.post(
        f"{cycle}/persiapan",
        [("target_perilaku", targets[0]), ("upaya", "Menyiapkan LKPD berdiferensiasi"), ("jadwal", "2024-02-12")],
    )
    assert page.url.path == cycle
    assert "Menunggu atasan" in text_of(page.text)

    # The kepala sekolah finds the guru in the team list, agrees to the date, and records the rubric.
    page = await atasan.get("/pelaksanaan/tim")
    assert f'href="{cycle}"' in page.text
    assert "Persiapan observasi" in _row(page.text, guru.nama) and "Atasan" in _row(page.text, guru.nama)
    page = await atasan.get(f"{cycle}/persiapan")
    assert "12 Februari 2024" in text_of(page.text)
    page = await atasan.post(f"{cycle}/persiapan/keputusan", {"keputusan": "setujui"})
    assert page.url.path == cycle and "Tanggal observasi disetujui" in page.text

    page = await atasan.get(f"{cycle}/observasi")
    rated = page.text.count('value="efektif"')
    assert rated >= 2
    page = await atasan.post(f"{cycle}/observasi", {"mode": "langsung", "nilai-0": "efektif"})
    assert page.status_code == 422
    assert 'id="nilai-1-galat"' in page.text and 'href="#nilai-1"' in page.text  # each unrated one, beside it
    rubric = {f"nilai-{i}": ("efektif" if i % 2 == 0 else "belum_efektif") for i in range(rated)}
    # Today (5 February) is before the agreed 12 February: the page says so and asks why, beside its own field.
    page = await atasan.get(f"{cycle}/observasi")
    assert "Tanggal observasi yang disepakati adalah 12 Februari 2024" in text_of(page.text)
    assert 'id="alasan_pindah"' in page.text
    page = await atasan.post(f"{cycle}/observasi", {"mode": "langsung", **rubric, "catatan": "Murid aktif"})
    assert page.status_code == 409
    assert 'id="alasan_pindah-galat"' in page.text and 'href="#alasan_pindah"' in page.text
    assert "Tuliskan alasan observasi dimajukan" in page.text
    page = await atasan.post(
        f"{cycle}/observasi", {"mode": "langsung", **rubric, "catatan": "Murid aktif", "alasan_pindah": "izin"}
    )
    assert page.status_code == 422 and "paling sedikit 5 karakter" in page.text
    reason = "Guru bertugas ke luar kota pada tanggal 12"
    page = await atasan.post(
        f"{cycle}/observasi", {"mode": "langsung", **rubric, "catatan": "Murid aktif", "alasan_pindah": reason}
    )
    assert page.url.path == cycle and "Hasil observasi tersimpan" in page.text

    # 3. diskusi: each party writes their part, in either order.
    page = await atasan.get(f"{cycle}/diskusi")
    page = await atasan.post(
        f"{cycle}/diskusi/atasan",
        {
            "catatan": "Pertahankan pembukaan",
            "tujuan": "Umpan balik tertulis",
            "langkah": "Menyusun rubrik",
            "jadwal": "2024-02-20",
        },
    )
    assert page.url.path == cycle
    page = await browser.get(f"{cycle}/observasi")
    assert "Dilakukan dan efektif" in page.text and "Murid aktif" in page.text
    assert "Alasan observasi dimajukan" in page.text and reason in page.text  # kept with the record, for both
    page = await browser.get(f"{cycle}/diskusi")
    assert "Umpan balik tertulis" in page.text
    page = await browser.post(f"{cycle}/diskusi/guru", {"catatan": "Saya akan mencoba rubrik"})
    assert page.url.path == cycle

    # 4. upaya, one at a time; 5. refleksi on the page that sums the cycle up, which completes it.
    page = await browser.get(f"{cycle}/upaya")
    page = await browser.post(
        f"{cycle}/upaya",
        {"deskripsi": "Pelatihan mandiri asesmen formatif", "tempat": "platform", "tanggal": "2024-02-05"},
    )
    assert page.url.path == f"{cycle}/upaya"
    assert "Pelatihan mandiri asesmen formatif" in page.text and f'href="{cycle}/refleksi"' in page.text
    page = await browser.get(f"{cycle}/refleksi")
    assert "Umpan balik tertulis" in page.text and "Pelatihan mandiri asesmen formatif" in page.text
    page = await browser.post(
        f"{cycle}/refleksi", {"refleksi": "Umpan balik tertulis membuat murid lebih cepat memperbaiki pekerjaannya."}
    )
    assert page.url.path == cycle
    text = text_of(page.text)
    assert "Siklus observasi ini selesai pada 5 Februari 2024" in text
    assert text.count("Selesai") >= 5 and "Giliran Anda" not in text

    page = await atasan.get("/pelaksanaan/tim")
    assert "Selesai" in _row(page.text, guru.nama)


async def test_a_guru_posting_the_observation_gets_the_services_refusal(
    world: World, cycles: dict[str, str], browser: Browser
):
    guru = world.school.guru[1]
    pid = cycles[guru.nip]
    await browser.sign_in(guru)
    await browser.get(f"/pelaksanaan/p/{pid}/persiapan")  # a form of their own cycle: CSRF token and version
    page = await browser.post(f"/pelaksanaan/p/{pid}/observasi", {"mode": "langsung", "nilai-0": "efektif"})
    assert page.status_code == 403
    assert "Hasil observasi hanya dapat dicatat oleh atasan guru ini" in page.text
    page = await browser.get(f"/pelaksanaan/p/{pid}/observasi")
    assert page.status_code == 200 and "Atasan belum mencatat hasil observasi" in page.text


async def test_a_bukti_uploaded_as_a_plain_form(world: World, cycles: dict[str, str], browser: Browser):
    guru = world.school.guru[1]
    pid = cycles[guru.nip]
    bukti = f"/pelaksanaan/p/{pid}/bukti"
    await browser.sign_in(guru)
    page = await browser.get(bukti)
    assert 'enctype="multipart/form-data"' in page.text and "10 MB" in page.text
    assert "tus-4.3.1" in page.text and "unggah" in page.text  # the resumable upload, for browsers that run it

    page = await browser.post(bukti, {"kategori": "modul_ajar"})
    assert page.status_code == 422 and 'id="berkas-galat"' in page.text

    # A modul ajar carries its document date: the form asks for it, and the service's refusal stands beside it.
    assert 'id="tanggal_dokumen"' in page.text and 'type="date"' in page.text
    assert "Wajib untuk: Modul ajar" in text_of(page.text)
    content = fake_pdf("modul ajar", 3 * 1024)
    berkas = {"berkas": ("modul-ajar.pdf", content, "application/pdf")}
    page = await browser.post(bukti, {"kategori": "modul_ajar"}, files=berkas)
    assert page.status_code == 422 and 'id="tanggal_dokumen-galat"' in page.text
    assert "Isi tanggal dokumen untuk jenis bukti ini" in page.text
    page = await browser.post(bukti, {"kategori": "modul_ajar", "tanggal_dokumen": "2024-02-06"}, files=berkas)
    assert page.status_code == 422 and "tidak boleh sesudah hari ini" in page.text
    page = await browser.post(bukti, {"kategori": "modul_ajar", "tanggal_dokumen": "2024-01-15"}, files=berkas)
    assert page.url.path == bukti
    assert "modul-ajar.pdf" in page.text and "Modul ajar" in page.text and "15 Januari 2024" in text_of(page.text)
    link = re.search(r'href="(/pelaksanaan/berkas/[0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    served = await browser.http.get(link)
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-type"] == "application/pdf"

    # Content, not the name, decides: a text file called .pdf is refused beside the file input.
    page = await browser.get(bukti)
    page = await browser.post(
        bukti, {"kategori": "lainnya"}, files={"berkas": ("catatan.pdf", b"bukan pdf sama sekali", "application/pdf")}
    )
    assert page.status_code == 422 and 'id="berkas-galat"' in page.text and "diperiksa dari isinya" in page.text


async def test_a_resumable_upload_through_the_portal(world: World, cycles: dict[str, str], browser: Browser):
    guru = world.school.guru[2]
    pid = cycles[guru.nip]
    await browser.sign_in(guru)
    await browser.get(f"/pelaksanaan/p/{pid}/bukti")
    csrf = {"X-CSRF-Token": browser.hidden()["csrf"], **TUS}
    content = fake_pdf("dokumen observasi", 40 * 1024)
    half = len(content) // 2
    octets = {"Content-Type": "application/offset+octet-stream"}

    created = await browser.http.post(
        f"/pelaksanaan/p/{pid}/unggahan",
        headers={
            **csrf,
            "Upload-Length": str(len(content)),
            "Upload-Metadata": tus_metadata(filename="observasi.pdf", kategori="dokumen_observasi"),
        },
    )
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith("/unggahan/")

    first = await browser.http.patch(location, content=content[:half], headers={**csrf, **octets, "Upload-Offset": "0"})
    assert first.status_code == 204 and first.headers["upload-offset"] == str(half)

    # Without the page's token the portal passes nothing on.
    at_half = {**octets, "Upload-Offset": str(half)}
    refused = await browser.http.patch(location, content=content[half:], headers={**TUS, **at_half})
    assert refused.status_code == 403
    head = await browser.http.head(location, headers=csrf)
    assert head.status_code == 200
    assert head.headers["upload-offset"] == str(half) and head.headers["upload-length"] == str(len(content))

    # A part sent again from the start (a client that lost track) is a 409 that names where to go on.
    stale = await browser.http.patch(location, content=content, headers={**csrf, **octets, "Upload-Offset": "0"})
    assert stale.status_code == 409 and stale.headers["upload-offset"] == str(half)

    rest = await browser.http.patch(location, content=content[half:], headers={**csrf, **at_half})
    assert rest.status_code == 204 and rest.headers["upload-offset"] == str(len(content))

    page = await browser.get(f"/pelaksanaan/p/{pid}/bukti")
    assert "observasi.pdf" in page.text and "Dokumen observasi dan tindak lanjut" in page.text
    link = re.search(r'href="(/pelaksanaan/berkas/[0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (await browser.http.get(link)).content == content


async def test_the_atasan_proposes_another_date_and_the_guru_accepts(
    world: World, cycles: dict[str, str], browser: Browser, atasan: Browser
):
    guru = world.school.guru[2]
    cycle = f"/pelaksanaan/p/{cycles[guru.nip]}"
    await browser.sign_in(guru)
    page = await browser.get(f"{cycle}/persiapan")
    target = html.unescape(_TARGET.findall(page.text)[0])
    await browser.post(
        f"{cycle}/persiapan",
        [("target_perilaku", target), ("upaya", "Menyiapkan rubrik umpan balik"), ("jadwal", "2024-02-12")],
    )

    await atasan.get(f"{cycle}/persiapan")
    page = await atasan.post(f"{cycle}/persiapan/keputusan", {"keputusan": "lain"})
    assert page.status_code == 422 and 'id="jadwal_lain-galat"' in page.text  # another date, but which?
    page = await atasan.post(
        f"{cycle}/persiapan/keputusan",
        {"keputusan": "lain", "jadwal_lain": "2024-02-14", "catatan_atasan": "Ada rapat dinas"},
    )
    assert page.url.path == cycle and "Menunggu guru" in text_of(page.text)

    page = await browser.get(f"{cycle}/persiapan")
    assert "14 Februari 2024" in text_of(page.text) and "Ada rapat dinas" in page.text
    page = await browser.post(f"{cycle}/persiapan/terima")
    assert page.url.path == cycle and "Anda menerima tanggal observasi" in page.text
    page = await browser.get(f"{cycle}/persiapan")
    assert "Tanggal observasi yang disepakati 14 Februari 2024" in text_of(page.text)
    assert 'action="' + cycle + '/persiapan"' not in page.text  # agreed: nothing left to change


async def test_without_an_approved_plan_the_page_says_so(world: World, cycles: dict[str, str], browser: Browser):
    await browser.sign_in(world.school.kepala)  # the kepala sekolah's own plan was never drafted
    page = await browser.get(f"/pelaksanaan/{world.periode}")
    assert page.status_code == 200 and "Pelaksanaan belum dibuka" in page.text
    assert f'href="/perencanaan/{world.periode}"' in page.text and 'href="/pelaksanaan/tim"' in page.text


CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (CI installs Debian's)")


@asynccontextmanager
async def _phone(world: World, browser: Browser) -> AsyncIterator[tuple[BrowserContext, Page, list[str]]]:
    """Chromium at a phone's width, signed in as `browser`'s person; the list collects what the strict CSP blocked
    and every script error."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        context = await chromium.new_context(viewport=PHONE)
        await context.add_cookies([{"name": COOKIE, "value": browser.http.cookies[COOKIE], "url": world.portal}])
        page = await context.new_page()
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda error: refused.append(str(error)))
        try:
            yield context, page, refused
        finally:
            await chromium.close()


@needs_chromium
async def test_the_guru_pages_fit_a_phone(world: World, cycles: dict[str, str], browser: Browser):
    guru = world.school.guru[2]
    cycle = f"{world.portal}/pelaksanaan/p/{cycles[guru.nip]}"
    await browser.sign_in(guru)
    async with _phone(world, browser) as (_, page, refused):
        for path in ("", "/persiapan", "/bukti"):
            await page.goto(cycle + path)
            assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            header = await page.evaluate("getComputedStyle(document.querySelector('.kepala')).backgroundColor")
            assert header == "rgb(15, 47, 92)", "the portal's stylesheet is served"
    assert refused == []


@needs_chromium
async def test_a_table_wider_than_a_phone_scrolls_in_its_wrapper_not_the_page(world: World, browser: Browser):
    """A wide list (a kepala sekolah's team of forty, say) scrolls sideways inside its `.tabel-gulir`, and only
    there: the screen-reader text at the end of each row (`.sr`, positioned absolutely) stays inside the wrapper
    rather than widening the whole page on a phone."""
    await browser.sign_in(world.school.guru[2])
    async with _phone(world, browser) as (_, page, refused):
        await page.goto(f"{world.portal}/")
        wrapper_scrolls, page_width = await page.evaluate(
            """() => {
                const wrapper = document.createElement('div');
                wrapper.className = 'tabel-gulir';
                const table = wrapper.appendChild(document.createElement('table'));
                table.className = 'tabel';
                const row = table.insertRow();
                const name = row.insertCell();
                name.textContent = 'Agus Prasetyo';
                name.style.minWidth = '600px';
                const hidden = row.insertCell().appendChild(document.createElement('span'));
                hidden.className = 'sr';
                hidden.textContent = 'Nilai Agus Prasetyo 2024-S1';
                document.querySelector('main').appendChild(wrapper);
                return [wrapper.scrollWidth > wrapper.clientWidth, document.documentElement.scrollWidth];
            }"""
        )
    assert wrapper_scrolls
    assert page_width <= PHONE["width"]
    assert refused == []


@needs_chromium
async def test_with_javascript_a_dropped_upload_goes_on_where_it_stopped(
    world: World, cycles: dict[str, str], browser: Browser, tmp_path: Path
):
    """unggah.js in a real browser: the upload goes in parts over tus to the portal; the line drops on the second
    part; back online, it goes on from the offset the portal reports and ends on the list with the file in it."""
    guru = world.school.guru[1]
    bukti = f"{world.portal}/pelaksanaan/p/{cycles[guru.nip]}/bukti"
    await browser.sign_in(guru)
    document = tmp_path / "sertifikat-pelatihan.pdf"
    document.write_bytes(fake_pdf("sertifikat pelatihan", 2 * 1024 * 1024 + 512))  # three parts of 1 MB
    patches: list[str] = []

    async with _phone(world, browser) as (context, page, refused):

        async def drop_the_second_part(route: Route) -> None:
            if route.request.method == "PATCH":
                patches.append(route.request.headers.get("upload-offset", ""))
            if route.request.method == "PATCH" and len(patches) == 2:
                await context.set_offline(True)
                await route.abort("internetdisconnected")
            else:
                await route.continue_()

        await page.route("**/unggahan/*", drop_the_second_part)
        await page.goto(bukti)
        await page.select_option("#kategori", "sertifikat")
        await page.fill("#tanggal_dokumen", "2024-02-02")
        await page.set_input_files("#berkas", str(document))
        await page.click("form[data-unggah] button[type=submit]")
        await page.wait_for_selector("[data-lanjutkan]:not([hidden])")
        assert "Koneksi terputus" in await page.inner_text("[data-status]")
        assert await page.is_visible("progress")

        await context.set_offline(False)  # back online: it goes on by itself
        await page.wait_for_selector('a:has-text("sertifikat-pelatihan.pdf")', timeout=20_000)  # the list, reloaded

    assert refused == []
    part = str(1024 * 1024)
    assert patches[:2] == ["0", part] and part in patches[2:]  # the dropped part was sent again, not the first
    assert (await browser.get(bukti)).text.count("sertifikat-pelatihan.pdf") == 1
