"""Penilaian without JavaScript, one semester's story in order: a guru's plan approved and one observation cycle
completed (arranged through the services' APIs), then in June the kepala sekolah rates in the portal (a missing
rating is refused beside its field), checks the predikat's cell of the matrix and the angka kredit the appraisal
service computed, sees the school's distribution warning, finalises; the guru sees predikat and angka kredit and
downloads the evaluation document. The guru cannot rate their own penilaian: the service's refusal is the page."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest

from tools.demo import PELAKSANAAN_CLOCK, PENILAIAN_CLOCK, plan
from tools.demo_client import Api
from tools.demo_observation import Cycles, one_cycle

from .conftest import Browser, World, text_of

pytestmark = pytest.mark.e2e


@dataclass
class Ratable:
    penilaian_id: str
    appraisal: Api  # appraisal's API, to read what the service itself says


async def _observation_cycle(world: World, guru, kepala) -> None:
    observation = Api(world.stack.url("observation"), world.stack.issuer_url)
    try:
        cycles = Cycles(observation, world.periode)
        page = await cycles.wait_opened(kepala, 1, time.monotonic() + 30)
        item = next(i for i in page["items"] if i["pegawai"]["nip"] == guru.nip)
        await one_cycle(cycles, guru, kepala, item["pelaksanaan_id"], date.fromisoformat(page["hari_ini"]),
                        date.fromisoformat(item["window_closes"]), counter=False, resume=False,
                        note=lambda _: None)  # fmt: skip
    finally:
        await observation.http.aclose()
        await observation.issuer.aclose()


async def _when_ratable(appraisal: Api, kepala, guru, periode: str) -> dict:
    """The guru's penilaian once appraisal has heard both the approval and the completed cycle (events)."""
    headers = await appraisal.token(kepala.nip, "guru", "kepala_sekolah")
    deadline = time.monotonic() + 30
    while True:
        items = (await appraisal.call("GET", f"/penilaian?periode={periode}", headers)).json()["items"]
        found = next((i for i in items if i["pegawai"] and i["pegawai"]["nip"] == guru.nip), None)
        if (found and found["status"] == "SIAP") or time.monotonic() > deadline:
            assert found is not None and found["status"] == "SIAP", found
            return found
        await asyncio.sleep(0.3)


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
    # The Dinas sets the school's predikat organisasi, so the principal's distribution warning has a pattern.
    operator = await appraisal.token("operator-3273", "operator", wilayah="3273")
    await appraisal.call("PUT", f"/sekolah/{world.school.npsn}/predikat-organisasi/2024", operator,
                         json={"predikat_organisasi": "baik"})  # fmt: skip
    item = await _when_ratable(appraisal, kepala, guru, world.periode)
    yield Ratable(item["id"], appraisal)
    await appraisal.http.aclose()
    await appraisal.issuer.aclose()


def _checked(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" value="(\w+)" checked', html)
    return match.group(1) if match else None


async def test_the_guru_cannot_rate_their_own_penilaian(world: World, browser: Browser, ratable: Ratable):
    await browser.sign_in(world.school.guru[0])
    page = await browser.get(f"/penilaian/{ratable.penilaian_id}/nilai")
    page = await browser.post(f"/penilaian/{ratable.penilaian_id}/nilai",
                              {"hasil_kerja": "di_atas", "perilaku_kerja": "di_atas"})  # fmt: skip
    assert page.status_code == 403
    assert "Anda tidak memiliki akses" in page.text
    assert "Hanya atasan pegawai ini yang dapat memberi rating." in page.text
    status = await ratable.appraisal.call("GET", f"/penilaian/{ratable.penilaian_id}",
                                          await ratable.appraisal.token(world.school.guru[0].nip, "guru"))  # fmt: skip
    assert status.json()["status"] == "SIAP"


async def test_the_principal_rates_checks_the_matrix_and_finalises(world: World, browser: Browser, ratable: Ratable):
    guru, kepala, pid = world.school.guru[0], world.school.kepala, ratable.penilaian_id
    await browser.sign_in(kepala)
    page = await browser.get("/penilaian/tim")
    assert guru.nama in page.text and f"/penilaian/{pid}/nilai" in page.text
    assert "Siap dinilai" in text_of(page.text)

    page = await browser.get(f"/penilaian/{pid}/nilai")
    assert "Ringkasan observasi" in page.text
    assert "Dilakukan dan efektif: " in text_of(page.text)  # the rubric, as evidence
    assert 'name="umpan_balik-kolaboratif"' in page.text

    # One rating missing: the message beside it and in the summary; the other choice is kept; nothing saved.
    page = await browser.post(f"/penilaian/{pid}/nilai", {"perilaku_kerja": "di_atas"})
    assert page.status_code == 422
    assert 'id="hasil_kerja-galat"' in page.text and 'href="#hasil_kerja"' in page.text
    assert _checked(page.text, "perilaku_kerja") == "di_atas"
    kepala_api = await ratable.appraisal.token(kepala.nip, "guru", "kepala_sekolah")
    assert (await ratable.appraisal.call("GET", f"/penilaian/{pid}", kepala_api)).json()["nilai"] is None

    chosen = {"hasil_kerja": "di_atas", "perilaku_kerja": "di_atas", "umpan_balik-kolaboratif": "Aktif berbagi"}
    page = await browser.post(f"/penilaian/{pid}/nilai", chosen)
    assert page.url.path == f"/penilaian/{pid}/periksa"
    # The predikat's cell: row perilaku di atas, column hasil kerja di atas (the last), as the service decided.
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page.text, re.S) if "terpilih" in r)
    assert "Perilaku di atas" in row
    assert re.findall(r"<td[^>]*>", row)[-1] == '<td class="terpilih">'
    assert '<td class="terpilih">Sangat Baik</td>' in page.text
    service = (await ratable.appraisal.call("GET", f"/penilaian/{pid}", kepala_api)).json()
    assert service["predikat"]["kode"] == "sangat_baik"
    assert service["angka_kredit"]["nilai"] == "9.38"  # Ahli Pertama, Sangat Baik, one semester
    assert "9,38" in text_of(page.text)
    assert "Aktif berbagi" in page.text
    # School "Baik": someone should be Butuh Perbaikan or Kurang. A warning beside the button, never a block.
    assert (
        "Jika dinilai Sangat Baik, tidak ada guru Butuh Perbaikan atau Kurang/Misconduct — predikat organisasi Baik "
        "mengharuskan ada." in text_of(page.text)
    )

    page = await browser.get(f"/penilaian/{pid}/nilai")  # "Ubah": the form as saved
    assert _checked(page.text, "hasil_kerja") == "di_atas" and "Aktif berbagi" in page.text

    page = await browser.get(f"/penilaian/{pid}/periksa")
    page = await browser.post(f"/penilaian/{pid}/finalisasi")
    assert page.url.path == "/penilaian/tim"
    assert f"Penilaian kinerja {guru.nama} sudah difinalisasi." in text_of(page.text)
    assert "Final" in text_of(page.text)
    assert (await ratable.appraisal.call("GET", f"/penilaian/{pid}", kepala_api)).json()["status"] == "FINAL"


async def test_the_guru_sees_predikat_and_angka_kredit_and_downloads_the_document(
    world: World, browser: Browser, ratable: Ratable
):
    guru, pid = world.school.guru[0], ratable.penilaian_id
    await browser.sign_in(guru)
    page = await browser.get("/penilaian")
    text = text_of(page.text)
    assert "Sangat Baik" in text and "9,38" in text and "Final" in text
    assert f'href="/penilaian/{pid}/dokumen.pdf"' in page.text

    page = await browser.get(f"/penilaian/{world.periode}")  # where Beranda's task list points
    text = text_of(page.text)
    assert "Sangat Baik" in text and "9,38" in text and world.school.kepala.nama in text

    pdf = await browser.http.get(f"/penilaian/{pid}/dokumen.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    assert pdf.content.startswith(b"%PDF")
    assert guru.nip not in str(pdf.url)
