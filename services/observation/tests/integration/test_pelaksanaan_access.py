"""The authorisation matrix through HTTP: every /api/v1 operation of the OpenAPI document, every kind of caller.

Relations come from the roster projection: the owner, the current atasan, an operator of the region, and
strangers (another school's KS, a colleague, an operator elsewhere). Someone else's record is 404, a record the
caller may see but not act on is 403; an allowed caller gets past authorisation (then the state may still say no).
Every operation must be in `MATRIX`: a new route that is not fails `test_every_operation_is_in_the_matrix`.
"""

from __future__ import annotations

import pytest
from observation_world import INDIKATOR, approve, opened

pytestmark = pytest.mark.integration

CALLERS = ("owner", "atasan", "operator", "other_ks", "colleague", "operator_elsewhere")
STRANGERS = {"other_ks": 404, "colleague": 404, "operator_elsewhere": 404}

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
}


async def test_every_operation_is_in_the_matrix(client):
    document = (await client.get("/openapi.json")).json()
    operations = {
        (method.upper(), path.replace("{pelaksanaan_id}", "{id}"))
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "patch", "delete", "head")
    }
    assert operations == set(MATRIX) | set(ELSEWHERE)


@pytest.fixture(scope="module")
async def cycle(client, tokens, world):
    school, other = await world.school(teachers=2), await world.school(teachers=1)
    owner, colleague = school.guru
    await approve(world, owner, atasan=school.kepala)
    opened_cycle = await opened(client, tokens, owner)
    callers = {
        "owner": owner.headers(tokens),
        "atasan": school.kepala.headers(tokens),
        "operator": tokens.headers("op-3273", "operator", wilayah="3273"),
        "other_ks": other.kepala.headers(tokens),
        "colleague": colleague.headers(tokens),
        "operator_elsewhere": tokens.headers("op-32", "operator", wilayah="3201"),
    }
    return opened_cycle, callers


@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda o: f"{o[0]} {o[1]}")
@pytest.mark.parametrize("caller", CALLERS)
async def test_authorisation_matrix(client, cycle, operation, caller):
    opened_cycle, callers = cycle
    method, template = operation
    body, allowed = MATRIX[operation]
    headers = {**callers[caller], "If-Match": '"v999"', "Tus-Resumable": "1.0.0", "Upload-Length": "10"}
    response = await client.request(method, template.replace("{id}", opened_cycle["id"]), json=body, headers=headers)
    if caller in STRANGERS:
        assert response.status_code == 404, response.text
        assert response.json()["errors"][0]["rule"] == "pelaksanaan.not_found"
    elif caller in allowed:
        # Past authorisation: a stale If-Match (412), the state (409), the policy or the body (422) may refuse.
        assert response.status_code not in (401, 403, 404), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["rule"].endswith("_forbidden")


async def test_the_cycle_did_not_change_under_the_matrix(client, cycle):
    opened_cycle, callers = cycle
    # Every request above carried a stale ETag or was refused: nothing was written.
    now = await client.get(f"/api/v1/pelaksanaan/{opened_cycle['id']}", headers=callers["owner"])
    assert now.json()["version"] == 1 and now.json()["tahap"] == "PERSIAPAN"
