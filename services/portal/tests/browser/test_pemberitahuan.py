"""Pemberitahuan on a phone: three days before planning closes, a guru who has not submitted opens Beranda, reads the
reminder with its deadline in WIB and follows it to their plan. The page is checked as every other (axe-core, CSP,
width, weight), with JavaScript and without."""

from __future__ import annotations

from datetime import datetime

import pytest

from pmm_kernel.clock import WIB

from .conftest import Phones, World

pytestmark = pytest.mark.e2e
THREE_DAYS_BEFORE = datetime(2024, 3, 28, 9, 0, tzinfo=WIB)
REMINDER = "Pengingat: SKP Semester 1 2024 belum diajukan"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
async def test_a_guru_reads_the_reminder_and_follows_it_to_their_plan(world: World, phones: Phones, js: bool):
    guru = world.school.guru[0 if js else 1]
    world.at(THREE_DAYS_BEFORE)  # forward only: the second run finds the clock already there
    phone = await phones.new(js=js)
    await phone.sign_in(guru)
    await phone.wait_for("/", REMINDER, seconds=40)
    text = await phone.text()
    assert "Pemberitahuan" in text
    assert "31 Maret 2024 pukul 23.59 WIB" in text
    assert guru.nip not in text.split("Pemberitahuan", 1)[1].split("Tahapan", 1)[0]

    await phone.follow(REMINDER)
    assert phone.path == f"/perencanaan/{world.periode}"
