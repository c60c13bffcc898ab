"""The Dinas operator without JavaScript: a roster file imported with its bad row reported by line, column and rule;
no file, or a file that cannot be read, refused beside the file input; a window extended for the region (and a
teacher's deadline moving with it); monitoring per school by name, and the same table as a CSV for a spreadsheet."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tools.demo_roster import pns_nip

from .conftest import Browser, World, text_of

pytestmark = pytest.mark.e2e


async def upload(browser: Browser, kind: str, name: str, content: bytes) -> httpx.Response:
    """The roster form submitted with a file chosen (multipart, with the page's hidden fields)."""
    return await browser.post("/operator/roster", {"jenis": kind}, files={"berkas": (name, content, "text/csv")})


async def test_a_roster_file_with_a_bad_row_is_reported_by_line_column_and_rule(world: World, browser: Browser):
    await browser.sign_in(operator="3273")
    page = await browser.get("/operator")
    assert 'href="/operator/roster"' in page.text and 'href="/operator/sinkron"' in page.text

    await browser.get("/operator/roster")
    # tools/demo.py's bad row: a TMT CPNS less than 18 years after the birth date in the NIP.
    too_young = f"{pns_nip(999)[:8]}13{pns_nip(999)[10:]}"
    bad_row = f"{too_young},PNS,Nama Contoh,III/b,Ahli Pertama,Guru Mapel,{world.school.npsn},\n"
    text = world.region.pegawai_csv() + bad_row
    bad_line = text.count("\n")  # the header is line 1, so the last row's number is the file's line count
    page = await upload(browser, "pegawai", "pegawai.csv", text.encode())
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Hasil impor roster" in shown
    assert f"Baris diterima {bad_line - 1}" in shown and "Tidak berubah" in shown
    row = page.text.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert f"<td>{bad_line}</td>" in row and "<code>nip</code>" in row
    assert "TMT pada NIP kurang dari 18 tahun" in row  # nip.tmt_age, in the operator's words
    assert too_young not in page.text  # the rejected NIP is not echoed back


async def test_no_file_or_an_unreadable_file_is_refused_beside_the_file_input(world: World, browser: Browser):
    await browser.sign_in(operator="3273")
    await browser.get("/operator/roster")
    # A browser sends an empty file part when nothing was chosen.
    nothing_chosen = {"berkas": ("", b"", "application/octet-stream")}
    page = await browser.post("/operator/roster", {"jenis": "pegawai"}, files=nothing_chosen)
    assert page.status_code == 422
    assert 'id="berkas-galat"' in page.text and 'href="#berkas"' in page.text
    assert "Pilih berkas CSV" in text_of(page.text)
    assert 'value="pegawai" checked' in page.text  # the kind chosen is kept

    header_without_jenis_gtk = "nip,status,nama,pangkat_golongan,jenjang_jabatan,npsn\n"
    page = await upload(browser, "pegawai", "pegawai.csv", header_without_jenis_gtk.encode())
    assert page.status_code == 422
    message = page.text.split('id="berkas-galat"', 1)[1].split("</p>", 1)[0]
    assert "Kolom wajib tidak ada di baris judul: jenis_gtk." in message
    assert "tidak ada yang diimpor" in message

    # Over planning's 5 MB cap: refused here, before a slow line spends minutes sending it.
    page = await upload(browser, "pegawai", "besar.csv", b"nip,status\n" + b"x" * (5 * 1024 * 1024))
    assert page.status_code == 422
    assert "lebih dari 5 MB" in page.text.split('id="berkas-galat"', 1)[1].split("</p>", 1)[0]


async def test_an_extension_needs_a_reason_and_moves_the_teachers_deadline(world: World, browser: Browser):
    await browser.sign_in(operator="3273")
    page = await browser.get("/operator/periode")
    assert "Perencanaan (guru)" in page.text and "31 Maret 2024" in page.text
    form = {"periode": world.periode, "tahap": "perencanaan_guru", "sampai": "2024-04-15"}

    page = await browser.post("/operator/periode/perpanjangan", {**form, "alasan": ""})
    assert page.status_code == 422
    assert 'id="alasan-galat"' in page.text and 'href="#alasan"' in page.text
    assert 'value="2024-04-15"' in page.text  # what was typed stays

    # The planning service's own rule: the new date must be after the window's close.
    page = await browser.post("/operator/periode/perpanjangan", {**form, "sampai": "2024-01-20", "alasan": "Jaringan"})
    assert page.status_code == 422
    assert 'id="sampai-galat"' in page.text
    assert "sesudah tanggal penutupan" in page.text.split('id="sampai-galat"', 1)[1].split("</p>", 1)[0]

    alasan = "Gangguan jaringan di banyak sekolah"
    page = await browser.post("/operator/periode/perpanjangan", {**form, "alasan": alasan})
    assert page.url.path == "/operator/periode"
    shown = text_of(page.text)
    assert "diperpanjang sampai 15 April 2024" in shown  # the flash
    assert alasan in shown and "15 April 2024" in shown

    teacher = Browser(world.portal)
    try:
        await teacher.sign_in(world.school.guru[0])
        await teacher.get(f"/perencanaan/{world.periode}")
        await teacher.post(f"/perencanaan/{world.periode}/mulai")  # Beranda knows the teacher's region from the plan
        page = await teacher.get("/")
        assert "15 April 2024 pukul 23.59 WIB · diperpanjang" in text_of(page.text)
    finally:
        await teacher.close()


async def test_monitoring_lists_the_school_by_name_and_downloads_as_csv(world: World, browser: Browser):
    await browser.sign_in(operator="3273")
    school = world.school
    deadline = time.monotonic() + 20
    page = await browser.get("/operator/monitoring")
    while school.nama not in page.text and time.monotonic() < deadline:
        await asyncio.sleep(0.5)  # the appraisal service learns the roster from planning's events
        page = await browser.get("/operator/monitoring")
    assert page.status_code == 200
    row = page.text.split(school.nama, 1)[1].split("</tr>", 1)[0]
    assert f"NPSN {school.npsn}" in row
    assert "<td>4</td>" in row  # three teachers and their principal; the pengawas is not counted

    csv = await browser.http.get(f"/operator/monitoring.csv?periode={world.periode}")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"].startswith("attachment; filename=")
    assert csv.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("periode,kode,nama,")
    assert any(school.nama in line and school.npsn in line for line in lines[1:])


async def test_a_teacher_sees_the_monitoring_refused_by_the_service(world: World, browser: Browser):
    await browser.sign_in(world.school.guru[1])
    page = await browser.get("/operator/monitoring")
    assert page.status_code == 403
    assert "Monitoring hanya untuk operator Dinas, pengawas, dan kepala sekolah" in page.text


async def test_the_operator_sees_which_reminders_no_mail_delivered(world: World, browser: Browser):
    await browser.sign_in(operator="3273")
    menu = await browser.get("/operator")
    assert 'href="/operator/pengingat-gagal"' in menu.text
    page = await browser.get("/operator/pengingat-gagal")
    assert page.status_code == 200
    # Mail is not sent in this stack, so nothing was refused: the page says so rather than showing an empty table.
    assert "Semua pengingat di wilayah Anda terkirim." in text_of(page.text)

    await browser.sign_in(world.school.guru[1])
    refused = await browser.get("/operator/pengingat-gagal")
    assert refused.status_code == 403 and "Hanya operator Dinas yang dapat melakukan ini." in text_of(refused.text)
