"""The authorisation matrix through HTTP: every /api/v1 operation of the OpenAPI document, every kind of caller.

Relations come from the roster projection: the owner, the current atasan, an operator of the region, and
strangers (another school's KS, a colleague, an operator elsewhere). Someone else's record is 404, a record the
caller may see but not act on is 403; an allowed caller gets past authorisation (then the state may still say no).
Every operation must be in `MATRIX`: a new route that is not fails `test_every_operation_is_in_the_matrix`.
"""

from __future__ import annotations

import pytest
from observation_world import INDIKATOR, approve, opened

from pmm_contracts.events import planning as contract
from pmm_testkit import Bus
from pmm_testkit.authz import (
    Persona,
    assert_covered,
    assert_personas,
    probe_mass_assignment,
    probe_page_caps,
)

pytestmark = pytest.mark.integration

CALLERS = ("owner", "atasan", "operator", "other_ks", "colleague", "pengawas", "wrong_pengawas", "operator_elsewhere")
# The callers under the names every service's matrix uses (pmm_testkit.authz.Persona).
PERSONAS = {
    "owner": Persona.OWNER, "atasan": Persona.ATASAN, "operator": Persona.OPERATOR, "other_ks": Persona.OTHER_KS,
    "colleague": Persona.PEER, "pengawas": Persona.PENGAWAS, "wrong_pengawas": Persona.WRONG_PENGAWAS,
    "operator_elsewhere": Persona.OTHER_OPERATOR,
}  # fmt: skip
# Whose cycle: a guru's (atasan: their KS; the school's pengawas is a stranger to it) or a KS's own (atasan: the
# pengawas, so the "pengawas" caller *is* the atasan there and is not listed twice).
KINDS = ("guru", "ks")
STRANGERS = {
    "guru": {"other_ks", "colleague", "pengawas", "wrong_pengawas", "operator_elsewhere"},
    "ks": {"other_ks", "colleague", "wrong_pengawas", "operator_elsewhere"},
}

# operation -> (method, path, body, the callers allowed past authorisation); every other visible caller gets 403.
MATRIX: dict[tuple[str, str], tuple[dict | None, set[str]]] = {
    ("GET", "/api/v1/pelaksanaan/{id}"): (None, {"owner", "atasan", "operator"}),
    ("PUT", "/api/v1/pelaksanaan/{id}/persiapan"): (
        {"target_perilaku": [INDIKATOR.perilaku_dianjurkan[0]], "upaya": "Menyiapkan media", "jadwal": "2024-02-12"},
        {"owner"},
    ),
    ("POST", "/api/v1/pelaksanaan/{id}/persiapan/setujui"): (None, {"atasan"}),
    ("POST", "/api/v1/pelaksanaan/{id}/persiapan/jadwal-lain"): ({"jadwal": "2024-02-13"}, {"atasan"}),
    ("POST", "/api/v1/pelaksanaan/{id}/persiapan/terima"): (None, {"owner"}),
    ("PUT", "/api/v1/pelaksanaan/{id}/observasi"): ({"items": []}, {"atasan"}),
    ("PUT", "/api/v1/pelaksanaan/{id}/diskusi/atasan"): (
        {"catatan": "Catatan", "tujuan": "Tujuan", "langkah": "Langkah", "jadwal": "2024-03-01"},
        {"atasan"},
    ),
    ("PUT", "/api/v1/pelaksanaan/{id}/diskusi/guru"): ({"catatan": "Catatan guru"}, {"owner"}),
    ("PUT", "/api/v1/pelaksanaan/{id}/upaya"): ({"upaya": []}, {"owner"}),
    ("PUT", "/api/v1/pelaksanaan/{id}/refleksi"): ({"refleksi": "x" * 30}, {"owner"}),
    ("GET", "/api/v1/pelaksanaan/{id}/bukti"): (None, {"owner", "atasan", "operator"}),
    ("POST", "/api/v1/pelaksanaan/{id}/bukti/konfirmasi"): ({"kategori": "modul_ajar"}, {"atasan"}),
    ("POST", "/api/v1/pelaksanaan/{id}/bukti/unggah"): (None, {"owner"}),
}
# Routes whose subject is not a pelaksanaan id: covered by their own tests.
ELSEWHERE = {
    ("GET", "/api/v1/pelaksanaan/saya"): "test_pelaksanaan_cycle.py (only one's own)",
    ("GET", "/api/v1/bukti/{bukti_id}/berkas"): "test_bukti_upload.py",
    ("HEAD", "/api/v1/unggahan/{upload_id}"): "test_bukti_upload.py::test_only_the_owner_uploads_and_sees_the_upload",
    ("PATCH", "/api/v1/unggahan/{upload_id}"): "test_bukti_upload.py::test_only_the_owner_uploads_and_sees_the_upload",
    ("GET", "/api/v1/tim/pelaksanaan"): "test_tim_pelaksanaan.py",
    # Everyone reads their own reminders; the addresses mail could not reach are the region operator's to fix.
    ("GET", "/api/v1/pemberitahuan"): "test_pengingat.py (only one's own; a token is required)",
    ("GET", "/api/v1/pemberitahuan/gagal"): "test_pengingat.py (only an operator, of the region)",
}


def _openapi(route: tuple[str, str]) -> tuple[str, str]:
    return (route[0], route[1].replace("{id}", "{pelaksanaan_id}"))


async def test_every_operation_is_in_the_matrix(client):
    document = (await client.get("/openapi.json")).json()
    coverage = assert_covered(document, {_openapi(r) for r in MATRIX}, elsewhere=ELSEWHERE)
    assert coverage.with_id == len(MATRIX) + 3
    assert_personas(PERSONAS[c] for c in CALLERS)


async def test_read_only_fields_in_a_write_body_are_refused(client, tokens):
    headers = {**tokens.headers("op-3273", "operator", wilayah="3273"), "If-Match": '"v1"'}
    cases, bodiless = await probe_mass_assignment(client, headers)
    assert len(cases) >= 50 and len(bodiless) == 4  # setujui, terima, the tus creation and PATCH: nothing to assign


async def test_page_size_is_capped(client, tokens):
    caps = await probe_page_caps(
        client,
        tokens.headers("op-3273", "operator", wilayah="3273"),
        query={("GET", "/api/v1/tim/pelaksanaan"): {"periode": "2024-S1"}},
    )
    assert caps == {
        ("GET", "/api/v1/tim/pelaksanaan"): 100,
        ("GET", "/api/v1/pemberitahuan"): 100,
        ("GET", "/api/v1/pemberitahuan/gagal"): 100,
    }


@pytest.fixture(scope="module")
async def wrong_pengawas(world):
    """A pengawas with a KS of their own at another school: a real pengawas, but not of ours."""
    npsn = "39999999"
    pengawas, kepala = world.person("Pengawas Sekolah", npsn), world.person("Kepala Sekolah", npsn)
    async with Bus(world.bus_url) as bus:
        await bus.publish(
            contract.SekolahRegisteredV1(npsn=npsn, nama="SD Lain", kode_wilayah="3204", nama_wilayah="Kab. Bandung"),
            aggregate_id=f"sekolah:{npsn}",
        )
        for person in (pengawas, kepala):
            await world.register(bus, person)
        await world.relate(bus, kepala, pengawas, "pengawas")
    await world.wait_relations([kepala])
    return pengawas


@pytest.fixture(scope="module")
async def cycles(client, tokens, world, wrong_pengawas):
    school, other = await world.school(teachers=2), await world.school(teachers=1)
    guru, colleague = school.guru
    await approve(world, guru, atasan=school.kepala)
    await approve(world, school.kepala, atasan=world.pengawas)
    common = {
        "operator": tokens.headers("op-3273", "operator", wilayah="3273"),
        "other_ks": other.kepala.headers(tokens),
        "colleague": colleague.headers(tokens),
        "wrong_pengawas": wrong_pengawas.headers(tokens),
        "operator_elsewhere": tokens.headers("op-32", "operator", wilayah="3201"),
    }
    return {
        "guru": (
            await opened(client, tokens, guru),
            {
                **common,
                "owner": guru.headers(tokens),
                "atasan": school.kepala.headers(tokens),
                "pengawas": world.pengawas.headers(tokens),
            },
        ),
        "ks": (
            await opened(client, tokens, school.kepala),
            {**common, "owner": school.kepala.headers(tokens), "atasan": world.pengawas.headers(tokens)},
        ),
    }


CELLS = [
    (kind, operation, caller)
    for kind in KINDS
    for operation in sorted(MATRIX)
    for caller in CALLERS
    if not (kind == "ks" and caller == "pengawas")  # for a KS's own cycle the pengawas is the atasan, tried as such
]


@pytest.mark.parametrize(("kind", "operation", "caller"), CELLS, ids=[f"{k}-{o[0]} {o[1]}-{c}" for k, o, c in CELLS])
async def test_authorisation_matrix(client, cycles, kind, operation, caller):
    opened_cycle, callers = cycles[kind]
    method, template = operation
    body, allowed = MATRIX[operation]
    headers = {**callers[caller], "If-Match": '"v999"', "Tus-Resumable": "1.0.0", "Upload-Length": "10"}
    response = await client.request(method, template.replace("{id}", opened_cycle["id"]), json=body, headers=headers)
    if caller in STRANGERS[kind]:
        assert response.status_code == 404, response.text
        assert response.json()["errors"][0]["rule"] == "pelaksanaan.not_found"
    elif caller in allowed:
        # Past authorisation: a stale If-Match (412), the state (409), the policy or the body (422) may refuse.
        assert response.status_code not in (401, 403, 404), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["rule"].endswith("_forbidden")


@pytest.mark.parametrize("kind", KINDS)
async def test_the_cycle_did_not_change_under_the_matrix(client, cycles, kind):
    opened_cycle, callers = cycles[kind]
    # Every request above carried a stale ETag or was refused: nothing was written.
    now = await client.get(f"/api/v1/pelaksanaan/{opened_cycle['id']}", headers=callers["owner"])
    assert now.json()["version"] == 1 and now.json()["tahap"] == "PERSIAPAN"
