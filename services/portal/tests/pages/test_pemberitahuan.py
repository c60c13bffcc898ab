"""Pemberitahuan on Beranda without JavaScript: three days before planning closes, whoever has not submitted a plan
reads a reminder with its deadline in WIB and the page to act on, the principal with a plan waiting reads theirs,
and the one who submitted reads none; each reminder was mailed once to the stack's mailbox, no NIP in a subject
line. A reminding service that is down hides only its own reminders."""

from __future__ import annotations

import asyncio
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest

from pmm_kernel.clock import WIB
from tools.demo import plan
from tools.mailbox import messages

from .conftest import Browser, World, text_of

pytestmark = pytest.mark.e2e
# Three days before the guru window's effective close (31 March 2024, its late entry).
THREE_DAYS_BEFORE = datetime(2024, 3, 28, 9, 0, tzinfo=WIB)


async def beranda_when(browser: Browser, wanted: str, timeout: float = 40.0) -> str:
    """Beranda once it shows `wanted` (the worker decides within seconds of the clock moving)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        page = await browser.get("/")
        assert page.status_code == 200
        if wanted in page.text or asyncio.get_running_loop().time() > deadline:
            return page.text
        await asyncio.sleep(0.5)


def subjects(world: World) -> list[str]:
    found = []
    for path in messages(world.stack.mail_dir):
        mail = message_from_bytes(path.read_bytes())
        found.append(str(make_header(decode_header(mail["Subject"]))))
    return found


async def test_who_has_not_acted_reads_a_reminder_and_gets_it_by_mail_once(world: World, browser: Browser):
    submitted, waiting, kepala = world.school.guru[0], world.school.guru[1], world.school.kepala
    await plan(world.api, submitted, world.periode, target=4)

    await browser.sign_in(waiting)
    page = await browser.get("/")
    assert "Pemberitahuan" not in text_of(page.text)  # nothing shown while there is none

    world.at(THREE_DAYS_BEFORE)
    html = await beranda_when(browser, "Pemberitahuan")
    text = text_of(html)
    assert "Pemberitahuan" in text
    assert "SKP Semester 1 2024 belum diajukan" in text
    assert "31 Maret 2024 pukul 23.59 WIB" in text
    assert 'href="/perencanaan/2024-S1"' in html
    assert waiting.nip not in html.split("Pemberitahuan", 1)[1].split("</section>", 1)[0]

    principal = Browser(world.portal)
    try:
        await principal.sign_in(kepala)
        html = await beranda_when(principal, "menunggu persetujuan")
        assert "1 SKP menunggu persetujuan Anda" in text_of(html) and 'href="/persetujuan"' in html
    finally:
        await principal.close()

    done = Browser(world.portal)
    try:
        await done.sign_in(submitted)
        assert "Pemberitahuan" not in text_of((await done.get("/")).text)
    finally:
        await done.close()

    # Mailed to the stack's mailbox: the two who have not submitted, and the principal (a plan waiting, and their
    # own plan not yet submitted), each once; no subject names a NIP.
    expected = 4
    deadline = asyncio.get_running_loop().time() + 30
    while len(subjects(world)) < expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.5)
    mailed = subjects(world)
    assert len(mailed) == expected, mailed
    assert sorted(mailed).count("Pengingat: SKP Semester 1 2024 belum diajukan") == 3
    for subject in mailed:
        assert not any(p.nip in subject for p in world.region.people())
    await asyncio.sleep(2)  # a later pass of the worker decides and mails nothing again
    assert len(subjects(world)) == expected


async def test_a_reminding_service_down_hides_only_its_own_reminders(world: World, browser: Browser):
    waiting = world.school.guru[2]
    world.stack.stop("observation")
    try:
        await browser.sign_in(waiting)
        html = await beranda_when(browser, "belum diajukan")
        assert "SKP Semester 1 2024 belum diajukan" in text_of(html)
    finally:
        world.stack.start("observation")
