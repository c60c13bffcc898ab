"""A teacher's plan from draft to approval, through the HTTP API, against the real database and broker."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def guru_headers(tokens, person):
    return tokens.headers(person.nip, "guru")


def ks_headers(tokens, person):
    return tokens.headers(person.nip, "guru", "kepala_sekolah")


async def test_draft_submit_return_resubmit_approve(client, tokens, roster, draft_plan):
    school = roster.schools[0]
    guru, ks = school.guru[0], school.kepala
    skp_id, etag = await draft_plan(guru)

    submitted = await client.post(
        f"/api/v1/skp/{skp_id}/submit", headers={**guru_headers(tokens, guru), "If-Match": etag}
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "DIAJUKAN"

    queue = await client.get("/api/v1/antrian-persetujuan", headers=ks_headers(tokens, ks))
    assert skp_id in [item["skp_id"] for item in queue.json()["items"]]

    no_note = await client.post(
        f"/api/v1/skp/{skp_id}/return",
        json={"catatan": " "},
        headers={**ks_headers(tokens, ks), "If-Match": submitted.headers["ETag"]},
    )
    assert no_note.status_code == 422
    assert no_note.headers["content-type"].startswith("application/problem+json")
    assert no_note.json()["errors"][0]["rule"] == "skp.catatan_required"

    returned = await client.post(
        f"/api/v1/skp/{skp_id}/return",
        json={"catatan": "Target pelatihan terlalu rendah"},
        headers={**ks_headers(tokens, ks), "If-Match": submitted.headers["ETag"]},
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "DIKEMBALIKAN"

    revised = await client.put(
        f"/api/v1/skp/{skp_id}/pengembangan-kompetensi",
        json={"rhk": [{"kode": "PK-01", "target_kuantitas": 6}]},
        headers={**guru_headers(tokens, guru), "If-Match": returned.headers["ETag"]},
    )
    assert revised.status_code == 200, revised.text
    resubmitted = await client.post(
        f"/api/v1/skp/{skp_id}/submit", headers={**guru_headers(tokens, guru), "If-Match": revised.headers["ETag"]}
    )
    assert resubmitted.json()["status"] == "DIAJUKAN"

    approved = await client.post(
        f"/api/v1/skp/{skp_id}/approve", headers={**ks_headers(tokens, ks), "If-Match": resubmitted.headers["ETag"]}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "DISETUJUI"

    again = await client.put(
        f"/api/v1/skp/{skp_id}/perilaku-kerja",
        headers={**guru_headers(tokens, guru), "If-Match": approved.headers["ETag"]},
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["rule"] == "skp.edit_not_allowed_in_disetujui"
