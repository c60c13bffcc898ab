"""Monitoring by name without JavaScript: the kepala sekolah, the pengawas and the Dinas operator each see the
school's pegawai by name with each phase's state (a submitted plan shows as such), the deadlines; the filters, with a
bad one or a school outside theirs refused beside its field; the CSV and the XLSX passed through; a teacher refused."""

from __future__ import annotations

import asyncio
import io
import time

import openpyxl
import pytest

from tools.demo import plan

from .conftest import KODE_WILAYAH, Browser, World, text_of

pytestmark = pytest.mark.e2e


async def page_until(browser: Browser, path: str, text: str):
    """The page once it shows `text` (appraisal learns the roster and the plans from events)."""
    deadline = time.monotonic() + 25
    page = await browser.get(path)
    while text not in page.text and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        page = await browser.get(path)
    return page


def row_of(html: str, nama: str) -> str:
    return text_of(html.split(nama, 1)[1].split("</tr>", 1)[0])


@pytest.fixture(scope="module")
async def submitted(world: World):
    """The first teacher's plan, submitted."""
    guru = world.school.guru[0]
    await plan(world.api, guru, world.periode, target=4)
    return guru


async def test_the_kepala_sekolah_sees_their_school_by_name(world: World, browser: Browser, submitted):
    school = world.school
    await browser.sign_in(school.kepala)
    page = await page_until(browser, "/monitoring", "Diajukan")
    assert page.status_code == 200
    assert "Monitoring kinerja per pegawai" in page.text
    assert "Diajukan" in row_of(page.text, submitted.nama)
    other = school.guru[1]
    assert "Belum diajukan" in row_of(page.text, other.nama)
    assert "Belum mulai" in row_of(page.text, other.nama)
    assert "Belum dinilai" in row_of(page.text, other.nama)
    assert "Belum dikirim" in row_of(page.text, other.nama)
    for person in (*school.guru, school.kepala):
        assert person.nama in page.text
    # The period's deadlines where the school is.
    assert "Batas waktu" in page.text and f"Untuk wilayah {KODE_WILAYAH}." in page.text
    assert "Perencanaan (guru)" in text_of(page.text)
    assert 'href="/monitoring/unduh.csv?periode=' in page.text

    filtered = await browser.get(f"/monitoring?periode={world.periode}&fase=perencanaan&status=diajukan")
    assert submitted.nama in filtered.text and other.nama not in filtered.text


async def test_bad_filters_and_another_school_are_refused_beside_their_field(world: World, browser: Browser):
    await browser.sign_in(world.school.kepala)
    page = await browser.get(f"/monitoring?periode={world.periode}&npsn=abc")
    assert page.status_code == 422
    assert 'id="npsn-galat"' in page.text and "NPSN terdiri atas 8 angka atau huruf besar." in page.text
    page = await browser.get(f"/monitoring?periode={world.periode}&status=final")
    assert page.status_code == 422
    assert 'id="status-galat"' in page.text and "Pilih tahap lebih dulu" in page.text
    page = await browser.get(f"/monitoring?periode={world.periode}&npsn=99999999")
    assert page.status_code == 422
    assert 'id="npsn-galat"' in page.text
    assert 'aria-invalid="true"' in page.text


async def test_the_pengawas_sees_the_schools_of_the_ks_they_appraise(world: World, browser: Browser):
    pengawas = world.region.pengawas
    await browser.sign_in(pengawas)
    page = await page_until(browser, "/monitoring", world.school.guru[0].nama)
    assert page.status_code == 200
    assert world.school.kepala.nama in page.text
    assert world.school.nama in page.text  # the school column: a pengawas has several


async def test_the_operator_downloads_csv_and_xlsx(world: World, browser: Browser, submitted):
    await browser.sign_in(operator=KODE_WILAYAH)
    page = await page_until(browser, "/monitoring", submitted.nama)
    assert page.status_code == 200
    query = f"periode={world.periode}&npsn={world.school.npsn}"

    csv = await browser.http.get(f"/monitoring/unduh.csv?{query}")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"].startswith("attachment; filename=")
    assert csv.headers["cache-control"] == "private, no-store"
    assert csv.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("periode,npsn,nama_sekolah,kode_wilayah,nama_wilayah,nama,jenis_gtk,perencanaan")
    assert len(lines) == 1 + len(world.school.guru) + 1
    assert any(submitted.nama in line and ",diajukan," in line for line in lines[1:])

    xlsx = await browser.http.get(f"/monitoring/unduh.xlsx?{query}")
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["periode", "npsn", "nama_sekolah"]
    rows = {r[header.index("nama")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[submitted.nama][header.index("perencanaan")] == "diajukan"
    assert rows[submitted.nama][header.index("npsn")] == world.school.npsn

    hidden = await browser.http.get(f"/monitoring/unduh.csv?periode={world.periode}&npsn=99999999")
    assert hidden.status_code == 404


async def test_a_teacher_is_refused(world: World, browser: Browser):
    await browser.sign_in(world.school.guru[1])
    page = await browser.get("/monitoring")
    assert page.status_code == 403
    download = await browser.http.get(f"/monitoring/unduh.xlsx?periode={world.periode}")
    assert download.status_code == 403
