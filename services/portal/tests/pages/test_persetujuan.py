"""The atasan's approval queue without JavaScript: a kepala sekolah returns a guru's plan with a note (an empty note is
refused beside the field), the guru reads it and resubmits, the plan is approved; the next plan is always first; a
decision sent twice is done once; a stale page is shown again as it is now; a guru gets the service's refusal. Plans
ticked in the queue are approved in one step, each refused one named with its reason, and sent twice approve once."""

from __future__ import annotations

import re
import uuid

import pytest

from tools.demo import plan
from tools.demo_roster import Person, pns_nip

from .conftest import KODE_WILAYAH, Browser, World, text_of

pytestmark = pytest.mark.e2e

NOTE = "Target pelatihan mandiri perlu dinaikkan menjadi 6 modul."


def form_fields(browser: Browser, html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action`: a plan's page has two decisions, each with its own key."""
    start = html.index(f'action="{action}"')
    return browser.hidden(html[start : html.index("</form>", start)])


async def _plan_of(world: World, person) -> dict:
    headers = await world.api.token(person.nip, "guru")
    return (await world.api.call("GET", f"/skp/saya?periode={world.periode}", headers)).json()


async def test_a_principal_returns_a_plan_with_a_note_then_approves_the_revision(world: World, browser: Browser):
    guru, other, kepala = world.school.guru[0], world.school.guru[1], world.school.kepala
    skp_id, _ = await plan(world.api, guru, world.periode, target=4)
    other_id, _ = await plan(world.api, other, world.periode, target=4)

    await browser.sign_in(kepala)
    page = await browser.get("/persetujuan")
    assert page.status_code == 200
    # Oldest submission first, and its link before anything else on the page.
    assert f"Buka rencana berikutnya: {guru.nama}" in text_of(page.text)
    assert page.text.index(f"/persetujuan/{skp_id}") < page.text.index(f"/persetujuan/{other_id}")
    assert guru.nip not in page.text  # the queue names people; their NIP is on the plan's own page only

    page = await browser.get(f"/persetujuan/{skp_id}")
    assert "Mengikuti pelatihan mandiri" in page.text and "4 topik" in text_of(page.text)
    assert "Berorientasi Pelayanan" in page.text

    # An empty note: refused here, beside the field and in the summary; nothing sent to planning.
    kembalikan = f"/persetujuan/{skp_id}/kembalikan"
    page = await browser.post(kembalikan, {**form_fields(browser, page.text, kembalikan), "catatan": ""}, hidden=False)
    assert page.status_code == 422
    assert 'id="catatan-galat"' in page.text and 'href="#catatan"' in page.text
    assert (await _plan_of(world, guru))["status"] == "DIAJUKAN"

    page = await browser.post(kembalikan, {**form_fields(browser, page.text, kembalikan), "catatan": NOTE},
                              hidden=False)  # fmt: skip
    assert page.url.path == "/persetujuan"
    assert f"Rencana kinerja {guru.nama} dikembalikan dengan catatan." in text_of(page.text)
    assert f"/persetujuan/{skp_id}" not in page.text  # gone from the Diajukan queue
    assert f"Buka rencana berikutnya: {other.nama}" in text_of(page.text)
    page = await browser.get("/persetujuan?status=DIKEMBALIKAN")
    assert f"/persetujuan/{skp_id}" in page.text

    guru_browser = Browser(world.portal)
    try:
        await guru_browser.sign_in(guru)
        page = await guru_browser.get(f"/perencanaan/{world.periode}")
        assert "Catatan dari atasan" in page.text and NOTE in page.text
    finally:
        await guru_browser.close()

    # The guru revises and resubmits (through planning's API); the plan comes back, now after the other one.
    headers = await world.api.token(guru.nip, "guru")
    current = await world.api.call("GET", f"/skp/{skp_id}", headers)
    revised = await world.api.call(
        "PUT",
        f"/skp/{skp_id}/pengembangan-kompetensi",
        {**headers, "If-Match": current.headers["ETag"]},
        json={"rhk": [{"kode": "PK-01", "target_kuantitas": 6}, {"kode": "PK-03", "target_kuantitas": 1}]},
    )
    resubmit = {**headers, "If-Match": revised.headers["ETag"], "Idempotency-Key": str(uuid.uuid4())}
    await world.api.call("POST", f"/skp/{skp_id}/submit", resubmit)
    page = await browser.get("/persetujuan")
    assert page.text.index(f"/persetujuan/{other_id}") < page.text.index(f"/persetujuan/{skp_id}")

    page = await browser.get(f"/persetujuan/{skp_id}")
    assert "6 topik" in text_of(page.text) and NOTE in page.text  # the revision, beside the note it answers
    setujui = f"/persetujuan/{skp_id}/setujui"
    page = await browser.post(setujui, form_fields(browser, page.text, setujui), hidden=False)
    assert page.url.path == "/persetujuan"
    assert f"Rencana kinerja {guru.nama} disetujui." in text_of(page.text)
    assert f"/persetujuan/{skp_id}" not in page.text
    assert (await _plan_of(world, guru))["status"] == "DISETUJUI"
    page = await browser.get("/persetujuan?status=DISETUJUI")
    assert f"/persetujuan/{skp_id}" in page.text


async def test_the_same_approval_sent_twice_is_done_once_and_a_guru_sees_the_refusal(world: World, browser: Browser):
    guru, colleague, kepala = world.school.guru[2], world.school.guru[1], world.school.kepala
    skp_id, _ = await plan(world.api, guru, world.periode, target=4)
    await browser.sign_in(kepala)
    page = await browser.get(f"/persetujuan/{skp_id}")
    setujui = f"/persetujuan/{skp_id}/setujui"
    sent = form_fields(browser, page.text, setujui)

    first = await browser.post(setujui, sent, hidden=False)
    assert first.url.path == "/persetujuan" and "disetujui" in text_of(first.text)
    version = (await _plan_of(world, guru))["version"]
    # The same form again (a resend after the line dropped): the same Idempotency-Key, the same answer, no new work.
    again = await browser.post(setujui, sent, hidden=False)
    assert again.status_code == 200 and again.url.path == "/persetujuan"
    after = await _plan_of(world, guru)
    assert after["status"] == "DISETUJUI" and after["version"] == version

    # A page link that was tampered with or outlived its queue: planning's rule, in the user's words.
    page = await browser.get("/persetujuan?status=DISETUJUI&cursor=bukan-kursor")
    assert page.status_code == 422 and "Halaman itu tidak dikenal" in page.text

    # A guru is no one's atasan here: planning refuses, and its refusal is the page.
    other = Browser(world.portal)
    try:
        await other.sign_in(colleague)
        page = await other.get(f"/persetujuan/{skp_id}")
        assert page.status_code in (403, 404)
        assert "Setujui" not in page.text and guru.nama not in page.text
        page = await other.get("/persetujuan")
        assert page.status_code == 403
    finally:
        await other.close()


async def test_a_pengawas_deciding_on_a_stale_page_sees_the_plan_as_it_is_now(world: World, browser: Browser):
    kepala, pengawas = world.school.kepala, world.region.pengawas
    skp_id, _ = await plan(world.api, kepala, world.periode, target=4)
    await browser.sign_in(pengawas)
    page = await browser.get("/persetujuan")
    assert f"Buka rencana berikutnya: {kepala.nama}" in text_of(page.text)
    page = await browser.get(f"/persetujuan/{skp_id}")
    setujui = f"/persetujuan/{skp_id}/setujui"
    stale = form_fields(browser, page.text, setujui)

    # Meanwhile, on another device, the pengawas returns it.
    headers = await world.api.token(pengawas.nip, "guru", "pengawas")
    current = await world.api.call("GET", f"/skp/{skp_id}", headers)
    await world.api.call("POST", f"/skp/{skp_id}/return", {**headers, "If-Match": current.headers["ETag"]},
                         json={"catatan": "Lengkapi dokumen KOSP terlebih dahulu."})  # fmt: skip

    page = await browser.post(setujui, stale, hidden=False)
    assert page.url.path == f"/persetujuan/{skp_id}"
    assert "baru saja diubah oleh orang lain" in page.text
    assert "Dikembalikan" in text_of(page.text) and f'action="{setujui}"' not in page.text


# --- approving many at once ------------------------------------------------------------------------------------


async def _more_teachers(world: World, count: int) -> list[Person]:
    """Teachers of the school beyond the world's three, imported as the operator would, each under its kepala."""
    operator = await world.api.token(f"operator-{KODE_WILAYAH}", "operator", wilayah=KODE_WILAYAH)
    kepala = world.school.kepala
    assert kepala is not None
    people = [
        Person(pns_nip(820 + i), f"Guru Serentak {i}", "PNS", "Guru Mapel", "Ahli Pertama", "III/b", world.school.npsn)
        for i in range(count)
    ]
    rows = [
        {"nip": p.nip, "status": p.status, "nama": p.nama, "pangkat_golongan": p.golongan,
         "jenjang_jabatan": p.jenjang, "jenis_gtk": p.jenis_gtk, "npsn": p.npsn}
        for p in people
    ]  # fmt: skip
    relasi = [{"nip_pegawai": p.nip, "nip_atasan": kepala.nip, "peran_atasan": "kepala_sekolah",
               "mulai": "2023-07-01"} for p in people]  # fmt: skip
    await world.api.call("POST", "/roster/pegawai", operator, json=rows)
    await world.api.call("POST", "/roster/relasi", operator, json=relasi)
    return people


def ticked(html: str) -> list[str]:
    """The values of the queue's checkboxes, as the page wrote them (`<skp_id>:<version>`)."""
    return re.findall(r'name="pilih" value="([^"]+)"', html)


async def test_a_principal_ticks_plans_and_approves_them_in_one_step(world: World, browser: Browser):
    kepala = world.school.kepala
    assert kepala is not None
    teachers = await _more_teachers(world, 3)
    plans = {p.nip: (await plan(world.api, p, world.periode, target=4))[0] for p in teachers}
    ks = await world.api.token(kepala.nip, "guru", "kepala_sekolah")
    waiting = {i["skp_id"] for i in (await world.api.call("GET", "/antrian-persetujuan?limit=100", ks)).json()["items"]}
    assert set(plans.values()) <= waiting

    await browser.sign_in(kepala)
    page = await browser.get("/persetujuan")
    boxes = ticked(page.text)
    assert {value.split(":")[0] for value in boxes} == waiting  # one box per plan waiting, carrying its version
    assert "checked" not in page.text and "Pilih semua" in page.text and "Setujui yang dipilih" in page.text
    setujui = "/persetujuan/setujui-terpilih"
    fields = form_fields(browser, page.text, setujui)

    # Nothing ticked: refused here, beside the choice and in the summary; nothing sent to planning.
    refused = await browser.post(setujui, fields, hidden=False)
    assert refused.status_code == 422
    assert 'id="pilih-galat"' in refused.text and 'href="#pilih"' in refused.text
    assert "Centang paling sedikit satu rencana" in text_of(refused.text)

    # "Pilih semua" without JavaScript: the same queue with every box ticked.
    page = await browser.get("/persetujuan?pilih=semua")
    assert page.text.count(" checked") == len(boxes) and "Kosongkan pilihan" in page.text
    fields = form_fields(browser, page.text, setujui)

    # Meanwhile, on another device, one plan goes back to its teacher: its box now holds a version that is stale.
    returned_nip = teachers[0].nip
    current = await world.api.call("GET", f"/skp/{plans[returned_nip]}", ks)
    await world.api.call("POST", f"/skp/{plans[returned_nip]}/return", {**ks, "If-Match": current.headers["ETag"]},
                         json={"catatan": "Lengkapi target pelatihan mandiri."})  # fmt: skip
    stranger = f"{uuid.uuid4()}:1"  # a box no queue of this principal wrote (a tampered page)
    sent = [*fields.items(), *(("pilih", value) for value in ticked(page.text)), ("pilih", stranger)]

    result = await browser.post(setujui, sent, hidden=False)

    assert result.status_code == 200 and result.url.path == setujui
    shown = text_of(result.text)
    approved = len(boxes) - 1
    assert f"{approved} rencana kinerja disetujui sekaligus." in shown
    assert "2 rencana tidak dapat disetujui" in shown
    assert f"{teachers[0].nama} Data ini baru saja diubah oleh orang lain." in shown  # by name, in Indonesian
    assert "Rencana yang tidak ada di antrian Anda Rencana kinerja tidak ditemukan." in shown
    assert 'href="/persetujuan"' in result.text and "Kembali ke antrian persetujuan" in shown
    assert "if_match" not in result.text and "not_found" not in result.text  # rules and English stay out of sight
    for teacher in teachers[1:]:
        assert (await _plan_of(world, teacher))["status"] == "DISETUJUI"
    returned = await _plan_of(world, teachers[0])
    assert returned["status"] == "DIKEMBALIKAN"
    versions = {t.nip: (await _plan_of(world, t))["version"] for t in teachers}

    # The same form again (a reload, a resend after the line dropped): the same answer, nothing approved twice.
    again = await browser.post(setujui, sent, hidden=False)
    assert text_of(again.text) == shown
    assert {t.nip: (await _plan_of(world, t))["version"] for t in teachers} == versions
    page = await browser.get("/persetujuan")
    assert ticked(page.text) == [] and "Tidak ada rencana yang menunggu persetujuan Anda." in text_of(page.text)

    # A guru is no one's atasan: planning refuses the whole request, and its refusal is the page.
    other = Browser(world.portal)
    try:
        await other.sign_in(world.school.guru[0])
        await other.get("/")
        page = await other.post(setujui, [("pilih", f"{plans[teachers[1].nip]}:1")])
        assert page.status_code == 403
    finally:
        await other.close()
