"""Sinkron e-Kinerja without JavaScript. BKN's sandbox holds the region with two deliberate mismatches (tools/
demo_bkn.py), so an approved plan either reaches BKN or fails with a typed reason: the teacher sees which, why and
who can fix it; a push held back while BKN is down shows its next attempt; the operator sees the region's failures
per school and per pegawai, tries one again, and decides a conflict (a plan changed in e-Kinerja after approval)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from bkn_sandbox.testing import SandboxAdmin
from tools.demo import plan
from tools.demo_bkn import BknDemo
from tools.demo_roster import Person

from .conftest import Browser, World, text_of

pytestmark = pytest.mark.e2e


@dataclass
class Bkn:
    admin: SandboxAdmin
    synced: Person  # SIASN holds them as the roster does
    nip_mismatch: Person  # SIASN holds their NIP under another name: NIP_TIDAK_SESUAI, for the school operator
    jabatan_mismatch: Person  # SIASN holds a later jenjang: JABATAN_TIDAK_SESUAI, for the Dinas


@pytest.fixture(scope="module")
async def bkn(world: World) -> AsyncIterator[Bkn]:
    demo = BknDemo.for_stack(world.stack, say=lambda _: None)
    mismatches = {m.kode: m.person for m in await demo.seed(world.region)}
    await demo.close()
    synced = next(g for g in world.school.guru if g not in mismatches.values())
    admin = SandboxAdmin(world.stack.url("bkn_sandbox"))
    yield Bkn(admin, synced, mismatches["NIP_TIDAK_SESUAI"], mismatches["JABATAN_TIDAK_SESUAI"])
    await admin.clear_faults()
    await admin.http.aclose()


@pytest.fixture(scope="module")
async def approved(world: World, bkn: Bkn) -> Bkn:
    """The plans of the synced teacher and of the one BKN knows under another name, approved by their principal."""
    for person in (bkn.synced, bkn.nip_mismatch):
        await approve(world, person)
    return bkn


async def approve(world: World, person: Person) -> None:
    skp_id, etag = await plan(world.api, person, world.periode, target=4)
    assert world.school.kepala is not None
    kepala = await world.api.token(world.school.kepala.nip, "guru", "kepala_sekolah")
    await world.api.call("POST", f"/skp/{skp_id}/approve", {**kepala, "If-Match": etag})


async def shown(browser: Browser, path: str, *needles: str, timeout: float = 30.0) -> httpx.Response:
    """The page once it says all of `needles` (bkn_sync pushes in the background), or as it is at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        page = await browser.get(path)
        if all(n in text_of(page.text) for n in needles) or time.monotonic() > deadline:
            return page
        await asyncio.sleep(0.5)


async def signed_in(world: World, person: Person) -> Browser:
    browser = Browser(world.portal)
    await browser.sign_in(person)
    return browser


async def test_a_teacher_sees_a_synced_plan_and_a_failed_one_with_who_fixes_it(world: World, approved: Bkn):
    synced = await signed_in(world, approved.synced)
    failed = await signed_in(world, approved.nip_mismatch)
    try:
        page = await shown(synced, "/sinkron", "Tersinkron pada")
        text = text_of(page.text)
        assert f"Periode {world.periode}" in text and "SKP (rencana kinerja)" in text
        assert "Tersinkron pada 16 Januari 2024 pukul" in text

        page = await shown(failed, "/sinkron", "Gagal")
        text = text_of(page.text)
        assert "Alasan: Di BKN, NIP ini tercatat dengan identitas lain" in text
        assert "Perlu diperbaiki oleh: operator sekolah" in text
        assert "Tersinkron pada" not in text
    finally:
        await synced.close()
        await failed.close()


async def test_the_operator_sees_the_failure_per_school_and_pegawai_and_tries_again(
    world: World, approved: Bkn, browser: Browser
):
    school = world.school
    await browser.sign_in(operator="3273")
    page = await shown(browser, "/operator/sinkron", "Gagal 1")
    text = text_of(page.text)
    assert school.nama in text
    reason = "Di BKN, NIP ini tercatat dengan identitas lain (misalnya nama berbeda)."
    assert f"1 × {reason} Perlu diperbaiki oleh: operator sekolah" in text

    page = await browser.get(f"/operator/sinkron/sekolah/{school.npsn}")
    text = text_of(page.text)
    assert approved.nip_mismatch.nama in text and approved.synced.nama not in text  # only who needs something done
    assert "Perlu diperbaiki oleh: operator sekolah" in text and "Coba kirim ulang" in text
    action = re.search(r'action="(/operator/sinkron/push/[0-9a-f-]+/ulang)"', page.text)
    assert action is not None

    page = await browser.post(action.group(1), {"npsn": school.npsn})
    assert page.url.path == f"/operator/sinkron/sekolah/{school.npsn}"
    assert "Pengiriman dijadwalkan ulang sekarang" in text_of(page.text)
    # Tried again at once, and refused again for the same reason: the fix is the school operator's, not a retry.
    page = await shown(browser, f"/operator/sinkron/sekolah/{school.npsn}", "Gagal", "Coba kirim ulang")
    assert "tercatat dengan identitas lain" in text_of(page.text)


async def test_a_push_waiting_for_bkn_shows_its_next_attempt_then_its_failure(world: World, bkn: Bkn):
    await bkn.admin.faults(outage_seconds=120)
    teacher = await signed_in(world, bkn.jabatan_mismatch)
    try:
        await approve(world, bkn.jabatan_mismatch)
        # Waiting, once the first attempt has met the outage (before it, a push waits with no reason yet).
        page = await shown(teacher, "/sinkron", "Menunggu", "Percobaan berikutnya", "sedang lambat", timeout=60)
        text = text_of(page.text)
        assert "Alasan: Layanan BKN sedang lambat atau tidak dapat dihubungi." in text
        assert "Perlu diperbaiki oleh: BKN" in text

        await bkn.admin.clear_faults()  # BKN is back: the next attempt reaches it, and BKN finds the jabatan differs
        page = await shown(teacher, "/sinkron", "Gagal", timeout=90)
        text = text_of(page.text)
        assert "Jabatan di SIASN berbeda dengan data roster." in text
        assert "Perlu diperbaiki oleh: Dinas" in text
    finally:
        await teacher.close()


async def test_the_operator_decides_a_conflict_with_a_reason(world: World, approved: Bkn, browser: Browser):
    teacher = await signed_in(world, approved.synced)
    try:
        await shown(teacher, "/sinkron", "Tersinkron pada")
        # The teacher changes the approved plan in e-Kinerja: bkn_sync's pull of BKN's feed finds it.
        edit = {"tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6, "status": "DRAFT",
                "rhk": [{"rhk": "Pelatihan mandiri", "aspek": "kuantitas", "indikator": "Modul selesai", "target": 9,
                         "satuan": "modul"}]}  # fmt: skip
        await approved.admin.edit_skp(approved.synced.nip, edit)

        await browser.sign_in(operator="3273")
        # The conflict once it is there (its decision form), not only the school's line with the teacher's name.
        page = await shown(browser, "/operator/sinkron", approved.synced.nama, "Simpan keputusan", timeout=90)
        text = text_of(page.text)
        assert "Konflik yang perlu diputuskan" in text and approved.synced.nama in text
        assert "Jumlah RHK" in text or "RHK 1" in text  # what differs, row by row
        conflict = re.search(r'action="/operator/sinkron/konflik/([0-9a-f-]+)"', page.text)
        assert conflict is not None
        path = f"/operator/sinkron/konflik/{conflict.group(1)}"

        page = await teacher.get("/sinkron")
        assert "diubah di e-Kinerja" in text_of(page.text)

        page = await browser.post(path, {"keputusan": "pertahankan_pmm", "alasan": ""})
        assert page.status_code == 422
        assert f'id="alasan-{conflict.group(1)}-galat"' in page.text
        assert f'href="#alasan-{conflict.group(1)}"' in page.text
        assert 'value="pertahankan_pmm" checked' in page.text  # the choice made stays

        page = await browser.post(path, {"keputusan": "pertahankan_pmm", "alasan": "SKP yang disetujui berlaku"})
        assert page.url.path == "/operator/sinkron"
        text = text_of(page.text)
        assert "Keputusan tersimpan." in text and "Tidak ada konflik terbuka." in text

        page = await teacher.get("/sinkron")
        assert "diubah di e-Kinerja" not in text_of(page.text)
        assert "Pertahankan versi PMM Kinerja" in text_of(page.text)
    finally:
        await teacher.close()
