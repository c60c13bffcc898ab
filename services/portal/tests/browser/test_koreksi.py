"""A correction report on a phone: the teacher reports a wrong pangkat/golongan from the data diri step, the operator
finds it on the worklist of the region and rejects it with a reason, and the teacher reads the reason on the step.
Every page is checked as the others are (axe-core, CSP, weight)."""

from __future__ import annotations

import pytest

from .conftest import Phones, World

pytestmark = pytest.mark.e2e


async def test_a_teacher_reports_and_the_operator_sees_it_in_the_worklist(world: World, phones: Phones):
    person = world.school.guru[0]
    benar = "III/b" if person.golongan == "III/a" else "III/a"
    guru = await phones.new()
    await guru.sign_in(person)
    await guru.follow("Perencanaan")
    await guru.submit("Mulai")
    assert guru.path.endswith("/data-diri")
    data_diri = guru.path

    await guru.page.get_by_label("Data mana yang salah?").select_option("pangkat_golongan")
    await guru.page.get_by_label("Apa yang benar?").fill(benar)
    await guru.page.get_by_label("Catatan (opsional)").fill("SK kenaikan pangkat sudah terbit")
    await guru.submit("Kirim laporan")
    assert guru.path == data_diri
    shown = await guru.text()
    assert "Laporan Anda terkirim" in shown and f"seharusnya {benar}" in shown and "Menunggu operator" in shown

    operator = await phones.new()
    await operator.sign_in(operator="3273")
    await operator.follow("Operator")
    await operator.follow("Laporan data yang salah")
    assert operator.path == "/operator/koreksi"
    shown = await operator.text()
    assert person.nama in shown and world.school.nama in shown and benar in shown and "0 hari" in shown

    card = operator.page.locator("li.kartu", has_text=person.nama)
    await card.get_by_text("Tolak laporan").click()
    await card.get_by_label("Alasan penolakan (dibaca guru)").fill("SK belum diterima Dinas; kirim salinannya")
    await operator.submit("Tolak")
    assert operator.path == "/operator/koreksi" and "Laporan ditolak" in await operator.text()

    await guru.goto(data_diri)
    shown = await guru.text()
    assert "Ditolak" in shown and "Alasan operator: SK belum diterima Dinas; kirim salinannya" in shown
