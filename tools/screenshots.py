"""`make screenshots`: the portal's main pages at a phone's width (360 px), saved to docs/screenshots/<name>.png.

A stack of its own (port offset 650, databases `_shots`) with one demo school in a realistic state, arranged through
the services' public APIs with the demo's drivers (tools.demo, tools.demo_observation, tools.demo_bkn), and the
pages taken in Chromium as each person sees them, while the services' clock moves through 2024-S1: Masuk, the
operator's roster import report, Beranda, a planning step with an error, Rangkuman, the Persetujuan queue, a
Pelaksanaan step, the Penilaian check page with the predikat matrix, Sinkron. A page whose route is not there yet
is skipped with a note. The stack stops afterwards.

    python -m tools.screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Browser, Page, Playwright, async_playwright

from pmm_testkit import drop_vhost
from tools.demo import (
    CLOCK_BY_POLICY,
    PELAKSANAAN_CLOCK,
    PENILAIAN_CLOCK,
    Season,
    pengawas_approves,
    plan,
    principals_approve,
    resubmit,
    skp_steps,
    start_fresh,
)
from tools.demo_bkn import BknDemo
from tools.demo_client import Api, say
from tools.demo_observation import run_cycles
from tools.demo_roster import Person, demo_region
from tools.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
PORT_OFFSET = 650
DB_SUFFIX = "_shots"
KODE_WILAYAH = "3273"
POLICY = 2024
# Small pools: PostgreSQL's 100 connections are shared with whatever else runs on the machine.
STACK_ENV = {f"{p}_DB_POOL_SIZE": "2" for p in ("PLANNING", "OBSERVATION", "APPRAISAL", "BKN_SYNC")} | {
    "BKN_SYNC_PUSH_POLL_SECONDS": "0.2",
    "PLANNING_OPEN_YEARS": f"[{POLICY}]",
}
# Debian's Chromium: Playwright's own browser builds cannot be downloaded here.
CHROMIUM = Path("/usr/bin/chromium")
# No background networking, updates, sync or QUIC: this machine's closed network refuses those attempts.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# A school's phone: 360 x 800, touch, Indonesian, in WIB.
PHONE = {
    "viewport": {"width": 360, "height": 800},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
}


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))


class NotBuilt(Exception):
    """The portal has no page at this address yet."""


class Camera:
    """Each person's phone (their own context, signed in through Masuk) and the pictures taken with it."""

    def __init__(self, chromium: Browser, base: str, out: Path) -> None:
        self.chromium = chromium
        self.base = base
        self.out = out
        self.taken: list[str] = []
        self.skipped: list[str] = []

    async def phone(self, person: Person | None = None, *, operator: str | None = None) -> Page:
        """A phone of its own, signed in through Masuk as `person` or as the region's operator (or not at all)."""
        page = await (await self.chromium.new_context(**PHONE)).new_page()
        if person is not None or operator is not None:
            await self.open(page, "/masuk")
            await submit(page, f"Masuk sebagai {person.nama}" if person else f"Operator Dinas wilayah {operator}")
        return page

    async def open(self, page: Page, path: str) -> None:
        response = await page.goto(self.base + path)
        if response is not None and response.status in (404, 405):
            raise NotBuilt(path)

    async def wait_for(self, page: Page, path: str, text: str, seconds: float = 60) -> None:
        """Opens `path` until it shows `text` (what a service learns from an event arrives a moment later)."""
        deadline = time.monotonic() + seconds
        await self.open(page, path)
        while text not in " ".join(str(await page.text_content("main")).split()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path} did not show {text!r} within {seconds:.0f} s")
            await page.wait_for_timeout(500)
            await self.open(page, path)

    async def shoot(self, page: Page, name: str) -> None:
        path = self.out / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        self.taken.append(name)
        say(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  ({page.url.split('/', 3)[-1]})")

    async def scene(self, name: str, take: Callable[[], Awaitable[None]]) -> None:
        try:
            await take()
        except NotBuilt as missing:
            self.skipped.append(name)
            say(f"  skipped {name}: the portal has no page at {missing} yet")


async def submit(page: Page, button: str) -> None:
    async with page.expect_navigation():
        await page.get_by_role("button", name=button, exact=True).click()


async def follow(page: Page, link: str) -> None:
    async with page.expect_navigation():
        await page.get_by_role("link", name=link, exact=True).first.click()


# --- the semester, arranged through the APIs, photographed through the pages ---------------------------------------


async def take_all(stack: Stack, camera: Camera) -> None:
    periode = CLOCK_BY_POLICY[POLICY][1]
    region = demo_region(schools=1, teachers_per_school=4, kode_wilayah=KODE_WILAYAH)
    school = region.schools[0]
    kepala = school.kepala
    assert kepala is not None
    season = Season(POLICY, periode, region)
    api = Api(stack.url("planning"), stack.issuer_url)
    bkn = BknDemo.for_stack(stack, say=lambda _: None, kode_wilayah=KODE_WILAYAH)
    try:
        await bkn.seed(region)  # BKN's side knows the region, with two deliberate mismatches (Sinkron shows them)
        operator = await api.token(f"operator-{KODE_WILAYAH}", "operator", wilayah=KODE_WILAYAH)
        for kind, text in (("sekolah", region.sekolah_csv()), ("pegawai", region.pegawai_csv()),
                           ("relasi", region.relasi_csv())):  # fmt: skip
            await api.call("POST", f"/roster/{kind}/csv", {**operator, "Content-Type": "text/csv"}, content=text)

        say("Perencanaan (the services' clock: 16 January 2024)")
        await camera.scene("masuk", lambda: masuk(camera))
        await camera.scene("operator-roster", lambda: roster_report(camera, region.pegawai_csv(), school.npsn))
        late, early = school.guru[-1], school.guru[:-1]
        for guru in early:
            season.plans[guru.nip] = (await plan(api, guru, periode, target=4))[0]
        await camera.scene("beranda", lambda: beranda(camera, late))
        skp_id = await planning_pages(camera, api, late, periode)
        if skp_id is not None:
            season.plans[late.nip] = skp_id
        await camera.scene("persetujuan", lambda: persetujuan(camera, kepala))
        returned = await principals_approve(api, season, verbose=False)
        await resubmit(api, returned, season)
        await pengawas_approves(api, season)

        say("Pelaksanaan (5 February 2024)")
        stack.set_clock(PELAKSANAAN_CLOCK[POLICY])
        await camera.scene("pelaksanaan-persiapan", lambda: persiapan(camera, school.guru[0], periode))
        await run_cycles(stack.url("observation"), stack.issuer_url, region, periode, verbose=False)

        say("Penilaian (10 June 2024)")
        stack.set_clock(PENILAIAN_CLOCK[POLICY])
        await camera.scene("penilaian-periksa", lambda: periksa(camera, kepala, school.guru[0], periode))
        await camera.scene("sinkron", lambda: sinkron(camera, school.guru[0], periode))
    finally:
        await bkn.close()
        await api.http.aclose()
        await api.issuer.aclose()


async def masuk(camera: Camera) -> None:
    page = await camera.phone()
    await camera.open(page, "/masuk")
    await camera.shoot(page, "masuk")


async def roster_report(camera: Camera, pegawai_csv: str, npsn: str) -> None:
    """The operator imports the pegawai file again, with one row whose NIP is too short: the report by line."""
    page = await camera.phone(operator=KODE_WILAYAH)
    await camera.open(page, "/operator/roster")
    await page.locator("#jenis-pegawai").check()
    content = pegawai_csv + f"12345,PNS,Nama Contoh,III/b,Ahli Pertama,Guru Mapel,{npsn}\n"
    await page.locator("#berkas").set_input_files({"name": "pegawai.csv", "mimeType": "text/csv",
                                                   "buffer": content.encode()})  # fmt: skip
    await submit(page, "Impor")
    await camera.shoot(page, "operator-roster")


async def beranda(camera: Camera, guru: Person) -> None:
    page = await camera.phone(guru)
    await camera.open(page, "/")
    await camera.shoot(page, "beranda")


async def planning_pages(camera: Camera, api: Api, guru: Person, periode: str) -> str | None:
    """A step sent without its answer (the error summary and the message beside the field), then the plan filled
    in through the API and its Rangkuman; then submitted, like the others. Returns the plan's id."""
    found: list[str] = []

    async def step_with_error() -> None:
        page = await camera.phone(guru)
        await camera.open(page, f"/perencanaan/{periode}")
        await submit(page, "Mulai")
        found.append(page.url.rsplit("/", 2)[-2])
        await submit(page, "Simpan dan lanjutkan")
        await camera.shoot(page, "perencanaan-galat")

    async def rangkuman() -> None:
        if not found:
            raise NotBuilt(f"/perencanaan/{periode}")
        headers = await api.token(guru.nip, "guru")
        skp_id = found[0]
        etag = (await api.call("GET", f"/skp/{skp_id}", headers)).headers["ETag"]
        indikator = (await api.call("GET", "/katalog/indikator/rekomendasi", headers)).json()["items"][0]["kode"]
        for step, body in skp_steps(indikator, target=4):
            etag = (await api.call("PUT", f"/skp/{skp_id}/{step}", {**headers, "If-Match": etag}, json=body)).headers[
                "ETag"
            ]
        page = await camera.phone(guru)
        await camera.open(page, f"/skp/{skp_id}/rangkuman")
        await camera.shoot(page, "rangkuman")
        await api.call("POST", f"/skp/{skp_id}/submit", {**headers, "If-Match": etag})

    await camera.scene("perencanaan-galat", step_with_error)
    await camera.scene("rangkuman", rangkuman)
    return found[0] if found else None


async def persetujuan(camera: Camera, kepala: Person) -> None:
    page = await camera.phone(kepala)
    await camera.open(page, "/persetujuan")
    await camera.shoot(page, "persetujuan")


async def persiapan(camera: Camera, guru: Person, periode: str) -> None:
    """The guru's first pelaksanaan step, open once planning's approval reached observation."""
    page = await camera.phone(guru)
    await camera.wait_for(page, f"/pelaksanaan/{periode}", "Persiapan observasi")
    await follow(page, "1. Persiapan observasi")
    await camera.shoot(page, "pelaksanaan-persiapan")


async def periksa(camera: Camera, kepala: Person, guru: Person, periode: str) -> None:
    """The kepala sekolah rates the guru and sees the check page: the predikat's cell in the matrix, the angka
    kredit, the finalisasi button."""
    page = await camera.phone(kepala)
    rate = f"Nilai {guru.nama} {periode}"
    await camera.wait_for(page, "/penilaian/tim", rate)
    await follow(page, rate)
    await page.locator("#hasil_kerja-sesuai").check()
    await page.locator("#perilaku_kerja").check()
    await submit(page, "Simpan dan periksa")
    await camera.shoot(page, "penilaian-periksa")
    await submit(page, "Finalisasi")


async def sinkron(camera: Camera, guru: Person, periode: str) -> None:
    page = await camera.phone(guru)
    await camera.wait_for(page, "/sinkron", f"Periode {periode}")
    await page.wait_for_timeout(2000)  # the finalised penilaian's push follows the plan's
    await camera.open(page, "/sinkron")
    await camera.shoot(page, "sinkron")


async def photograph(stack: Stack, out: Path) -> Camera:
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        try:
            camera = Camera(chromium, stack.url("portal"), out)
            await take_all(stack, camera)
        finally:
            await chromium.close()
    return camera


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        say(f"No Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium).")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pmm-shots-") as run_dir:
        stack = Stack(ROOT, run_dir=Path(run_dir), db_suffix=DB_SUFFIX, port_offset=PORT_OFFSET, extra_env=STACK_ENV)
        say(f"Starting a stack of its own (ports +{PORT_OFFSET}, databases *{DB_SUFFIX}); this takes ~20 s")
        try:
            start_fresh(stack, CLOCK_BY_POLICY[POLICY][0])
            camera = asyncio.run(photograph(stack, args.out))
        finally:
            stack.down()
            drop_vhost(stack.vhost)  # its quorum queues hold files open in the broker
            say("Stack stopped.")
    say(f"{len(camera.taken)} screenshot(s) in {args.out}" + (f"; skipped: {', '.join(camera.skipped)}"
                                                             if camera.skipped else ""))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
