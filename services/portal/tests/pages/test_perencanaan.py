"""A guru plans in the portal without JavaScript: Beranda's task list, Mulai, each step saved on its own, an error
beside its field, the check-your-answers page, ajukan; and what protects the forms (CSRF, the session's end)."""

from __future__ import annotations

import asyncio
import io

import pytest
from pypdf import PdfReader

from tools import traces
from tools.demo import plan

from .conftest import Browser, World, text_of

pytestmark = pytest.mark.e2e


async def test_a_guru_plans_step_by_step_and_submits(world: World, browser: Browser):
    guru = world.school.guru[0]
    page = await browser.sign_in(guru)
    assert page.url.path == "/"
    assert "Perencanaan" in page.text and "Belum dimulai" in text_of(page.text)
    assert "31 Maret 2024 pukul 23.59 WIB" in text_of(page.text)  # the late-entry end of 2024-S1's window

    page = await browser.get(f"/perencanaan/{world.periode}")
    page = await browser.post(f"/perencanaan/{world.periode}/mulai")
    assert page.url.path.endswith("/data-diri")
    skp_path = page.url.path.rsplit("/", 1)[0]
    assert guru.nama in page.text

    # Nothing chosen: the message beside the field and in the summary, nothing saved.
    page = await browser.post(f"{skp_path}/data-diri", {})
    assert page.status_code == 422
    assert 'class="ringkasan-galat"' in page.text and 'href="#sesuai"' in page.text
    assert 'id="sesuai-galat"' in page.text

    page = await browser.post(f"{skp_path}/data-diri", {"sesuai": "ya"})
    assert page.url.path == f"{skp_path}/praktik-kinerja"
    assert "direkomendasikan" in page.text
    kode = page.text.split('name="indikator" value="', 1)[1].split('"', 1)[0]
    page = await browser.post(f"{skp_path}/praktik-kinerja", {"indikator": kode})
    assert page.url.path == f"{skp_path}/pengembangan-kompetensi"

    # A target the catalogue does not allow: the planning service's rule, beside that RHK's target.
    page = await browser.post(f"{skp_path}/pengembangan-kompetensi", [("rhk", "PK-01"), ("target-PK-01", "999")])
    assert page.status_code == 422
    assert 'id="target-PK-01-galat"' in page.text
    page = await browser.post(f"{skp_path}/pengembangan-kompetensi", [("rhk", "PK-01"), ("target-PK-01", "4")])
    assert page.url.path == f"{skp_path}/tugas-tambahan"
    page = await browser.post(f"{skp_path}/tugas-tambahan", [])
    assert page.url.path == f"{skp_path}/perilaku-kerja"
    page = await browser.post(f"{skp_path}/perilaku-kerja", {"paham": "ya"})
    assert page.url.path == f"{skp_path}/rangkuman"
    assert "Mengikuti pelatihan mandiri" in page.text and "Langkah berikut belum lengkap" not in page.text

    form = browser.hidden()
    page = await browser.post(f"{skp_path}/ajukan")
    assert page.url.path == f"/perencanaan/{world.periode}"
    assert "Diajukan" in text_of(page.text)
    # The same form sent again (a resend after a dropped connection): the same key, done once, no error page.
    again = await browser.http.post(f"{skp_path}/ajukan", data=form)
    assert again.status_code == 200 and "Diajukan" in text_of(again.text)

    page = await browser.get("/")
    assert "Menunggu" in text_of(page.text)
    # One trace: the portal's request, planning's handling of the call it made, and the outbox row it wrote.
    assert {"portal", "planning"} <= await _services_in_trace_of(world, "/ajukan")


async def _services_in_trace_of(world: World, path_end: str, timeout: float = 10.0) -> set[str]:
    """The services whose spans share the trace the portal started for its request ending in `path_end`."""
    for _ in range(int(timeout / 0.25)):
        roots = [s for s in traces.read_spans(world.stack.run_dir) if s.service == "portal" and s.kind == "SERVER"
                 and s.name.startswith("POST") and s.name.endswith(path_end)]  # fmt: skip
        found = traces.services_of(world.stack.run_dir, roots[-1].trace_id) if roots else set()
        if "planning" in found:
            return found
        await asyncio.sleep(0.25)
    return found


async def test_a_plan_started_twice_opens_the_same_plan(world: World, browser: Browser):
    guru = world.school.guru[1]
    await browser.sign_in(guru)
    await browser.get(f"/perencanaan/{world.periode}")
    first = await browser.post(f"/perencanaan/{world.periode}/mulai")
    await browser.get(f"/perencanaan/{world.periode}")
    second = await browser.post(f"/perencanaan/{world.periode}/mulai", hidden=True)
    assert first.url.path == second.url.path


async def test_a_tampered_csrf_token_is_refused(world: World, browser: Browser):
    await browser.sign_in(world.school.guru[2])
    await browser.get(f"/perencanaan/{world.periode}")
    refused = await browser.http.post(f"/perencanaan/{world.periode}/mulai", data={"csrf": "0" * 64})
    assert refused.status_code == 403
    assert "Formulir tidak dapat diterima" in refused.text
    page = await browser.get(f"/perencanaan/{world.periode}")
    assert "Mulai" in page.text  # nothing was created


async def test_without_a_session_masuk_then_back_to_the_page(world: World, browser: Browser):
    page = await browser.get(f"/perencanaan/{world.periode}")
    assert page.url.path == "/masuk"
    assert page.url.params["lanjut"] == f"/perencanaan/{world.periode}"
    page = await browser.post("/masuk/sebagai", {"nip": world.school.guru[2].nip, "lanjut": page.url.params["lanjut"]})
    assert page.url.path == f"/perencanaan/{world.periode}"


async def test_pages_carry_the_security_headers(world: World, browser: Browser):
    page = await browser.get("/masuk")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert world.school.guru[0].nip not in str(page.url)


async def test_a_form_sent_after_the_session_ended_returns_to_the_page_it_was_on(world: World, browser: Browser):
    page = await browser.get(f"/perencanaan/{world.periode}?x=1")
    assert page.url.path == "/masuk" and page.url.params["lanjut"] == f"/perencanaan/{world.periode}?x=1"
    form = browser.hidden()

    async def send_from(referer: str):
        return await browser.http.post(f"/perencanaan/{world.periode}/mulai", data=form,
                                       headers={"Referer": referer}, follow_redirects=False)  # fmt: skip

    sent = await send_from(f"{world.portal}/perencanaan/{world.periode}")
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/masuk?lanjut=/perencanaan/{world.periode}"
    assert (await send_from("https://elsewhere.example/x")).headers["location"] == "/masuk?lanjut=/"


async def test_the_skp_document_downloads_from_the_summary_and_from_the_atasans_page(world: World, browser: Browser):
    kepala, pengawas, guru = world.school.kepala, world.region.pengawas, world.school.guru[0]
    skp_id, _ = await plan(world.api, kepala, world.periode, target=4)  # submitted to the pengawas, not yet approved
    link = f'href="/skp/{skp_id}/dokumen.pdf"'

    await browser.sign_in(kepala)
    page = await browser.get(f"/skp/{skp_id}/rangkuman")
    assert link in page.text and "Unduh dokumen SKP (PDF)" in text_of(page.text)
    own = await browser.http.get(f"/skp/{skp_id}/dokumen.pdf")
    assert own.status_code == 200 and own.headers["content-type"] == "application/pdf"
    assert own.headers["content-disposition"].startswith("attachment")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(own.content)).pages)
    assert "SASARAN KINERJA PEGAWAI" in text and "DRAF" in text  # not yet approved
    assert kepala.nama in text and pengawas.nama in text

    atasan = Browser(world.portal)
    try:
        await atasan.sign_in(pengawas)
        page = await atasan.get(f"/persetujuan/{skp_id}")
        assert link in page.text and "Unduh dokumen SKP (PDF)" in text_of(page.text)
        theirs = await atasan.http.get(f"/skp/{skp_id}/dokumen.pdf")
        assert theirs.status_code == 200 and theirs.content.startswith(b"%PDF")
    finally:
        await atasan.close()

    teacher = Browser(world.portal)
    try:
        await teacher.sign_in(guru)  # the kepala's teacher: the plan is not theirs to read
        refused = await teacher.http.get(f"/skp/{skp_id}/dokumen.pdf")
        assert refused.status_code == 404 and "text/html" in refused.headers["content-type"]
        assert not refused.content.startswith(b"%PDF")
    finally:
        await teacher.close()
