"""The predikat organisasi's procedure without JavaScript: in June 2024 the Dinas has set the school's predikat
organisasi (2024 orders nothing), the kepala sekolah rates a guru and reads, beside the finalise button, what the
school's distribution would be with that predikat against the pattern, finalises (a warning, never a block), then
sends the school's results to the Dinas from the school page; a guru has no such page."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest

from tools.demo import PELAKSANAAN_CLOCK, PENILAIAN_CLOCK, plan
from tools.demo_client import Api

from .conftest import Browser, World, text_of
from .test_penilaian import Ratable, _observation_cycle, _when_ratable

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def ratable(world: World) -> AsyncIterator[Ratable]:
    guru, kepala = world.school.guru[0], world.school.kepala
    skp_id, etag = await plan(world.api, guru, world.periode, target=4)
    ks = await world.api.token(kepala.nip, "guru", "kepala_sekolah")
    await world.api.call("POST", f"/skp/{skp_id}/approve",
                         {**ks, "If-Match": etag, "Idempotency-Key": str(uuid.uuid4())})  # fmt: skip
    world.at(PELAKSANAAN_CLOCK[2024])
    await _observation_cycle(world, guru, kepala)
    world.at(PENILAIAN_CLOCK[2024])
    appraisal = Api(world.stack.url("appraisal"), world.stack.issuer_url)
    operator = await appraisal.token("operator-3273", "operator", wilayah="3273")
    await appraisal.call("PUT", f"/sekolah/{world.school.npsn}/predikat-organisasi/2024", operator,
                         json={"predikat_organisasi": "baik"})  # fmt: skip
    item = await _when_ratable(appraisal, kepala, guru, world.periode)
    yield Ratable(item["id"], appraisal)
    await appraisal.http.aclose()
    await appraisal.issuer.aclose()


async def test_the_warning_beside_the_finalise_button_then_the_schools_report(
    world: World, browser: Browser, ratable: Ratable
):
    kepala, pid = world.school.kepala, ratable.penilaian_id
    await browser.sign_in(kepala)
    page = await browser.get("/penilaian/tim")
    assert 'href="/sekolah/laporan-kinerja"' in page.text

    await browser.get(f"/penilaian/{pid}/nilai")
    page = await browser.post(f"/penilaian/{pid}/nilai", {"hasil_kerja": "sesuai", "perilaku_kerja": "sesuai"})
    assert page.url.path == f"/penilaian/{pid}/periksa"
    start = page.text.index('id="peringatan-finalisasi"')
    warning = page.text[start : page.text.index("</form>", start)]
    text = text_of(warning)
    assert "Sebelum finalisasi" in text
    assert "Jika dinilai Baik, 1 dari 1 guru Baik (100 %) — melebihi batas 70 % untuk predikat organisasi Baik." in text
    assert (
        "Jika dinilai Baik, tidak ada guru Butuh Perbaikan atau Kurang/Misconduct — predikat organisasi Baik "
        "mengharuskan ada." in text
    )
    assert "Ini peringatan, bukan larangan" in text
    page = await browser.post(f"/penilaian/{pid}/finalisasi")
    assert page.url.path == "/penilaian/tim"  # finalised: a warning, never a block

    page = await browser.get("/sekolah/laporan-kinerja")
    text = text_of(page.text)
    assert "Hasil kinerja sekolah 2024" in text and "Baik" in text
    assert "Kirim hasil kinerja sekolah ke Dinas" in text
    page = await browser.post("/sekolah/laporan-kinerja?tahun=2024")
    text = text_of(page.text)
    assert page.url.path == "/sekolah/laporan-kinerja"
    assert "Hasil kinerja sekolah tahun 2024 sudah dikirim ke Dinas." in text
    assert f"oleh {kepala.nama}" in text
    assert "Kirim hasil kinerja sekolah ke Dinas" not in text  # once a year
    row = re.search(r'<th scope="row">2024-S1</th>(.*?)</tr>', page.text, re.S)
    assert row is not None
    # Sangat Baik, Baik, Butuh Perbaikan, Kurang, Sangat Kurang
    assert re.findall(r"<td>(\d+)</td>", row.group(1)) == ["0", "1", "0", "0", "0"]

    kepala_api = await ratable.appraisal.token(kepala.nip, "guru", "kepala_sekolah")
    sent = await ratable.appraisal.call("GET", f"/sekolah/{world.school.npsn}/laporan-kinerja?tahun=2024", kepala_api)
    assert sent.json()["laporan"]["counts"]["2024-S1"]["baik"] == 1


async def test_a_guru_has_no_school_report_to_send(world: World, browser: Browser, ratable: Ratable):
    await browser.sign_in(world.school.guru[0])
    page = await browser.get("/penilaian/tim")
    assert 'href="/sekolah/laporan-kinerja"' not in page.text
    page = await browser.get("/sekolah/laporan-kinerja")
    assert page.status_code == 404
    assert "Kirim hasil kinerja sekolah ke Dinas" not in page.text


async def test_the_dinas_reads_the_report_and_sets_the_predikat_organisasi(
    world: World, browser: Browser, ratable: Ratable
):
    npsn = world.school.npsn
    await browser.sign_in(operator="3273")
    page = await browser.get("/operator")
    assert 'href="/operator/predikat-organisasi"' in page.text
    page = await browser.get(f"/operator/predikat-organisasi?npsn={npsn}&tahun=2024")
    assert page.status_code == 200
    text = text_of(page.text)
    # The kepala sekolah sent the school's results above: who, and the counts of that moment.
    assert f"oleh {world.school.kepala.nama}" in text
    row = re.search(r'<th scope="row">2024-S1</th>(.*?)</tr>', page.text, re.S)
    assert row is not None and re.findall(r"<td>(\d+)</td>", row.group(1)) == ["0", "1", "0", "0", "0"]
    assert "Predikat kinerja organisasi yang ditetapkan Dinas: Baik" in text

    page = await browser.post(f"/operator/predikat-organisasi?npsn={npsn}&tahun=2024")
    assert page.status_code == 422 and "Pilih predikat kinerja organisasi." in text_of(page.text)
    page = await browser.post(f"/operator/predikat-organisasi?npsn={npsn}&tahun=2024",
                              {"predikat_organisasi": "istimewa"})  # fmt: skip
    assert page.url.path == "/operator/predikat-organisasi"
    assert "Predikat kinerja organisasi tahun 2024 ditetapkan: Istimewa." in text_of(page.text)

    page = await browser.get("/operator/predikat-organisasi?npsn=99999999&tahun=2024")
    assert page.status_code == 404 and "Sekolah ini tidak ditemukan di wilayah Anda." in text_of(page.text)
