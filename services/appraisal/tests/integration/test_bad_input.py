"""Bad input: every refusal is a 4xx application/problem+json naming the field and the rule."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

from pmm_kernel.clock import WIB

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import appraise, etag, finalize, penilaian_of, rate  # noqa: E402

pytestmark = pytest.mark.integration
PROBLEM_JSON = "application/problem+json"


def problem(response, status: int) -> tuple[str | None, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status and body["detail"]
    error = body["errors"][0]
    return error["field"], error["rule"]


async def test_rating_before_the_cycle_completes(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.approve(guru)
    item = await penilaian_of(client, tokens, ks, guru, status="MENUNGGU")
    response = await rate(client, tokens, ks, item, "sesuai", "sesuai")
    assert problem(response, 409) == ("siklus", "penilaian.belum_siap")
    assert response.json()["missing"] == ["siklus"]


async def test_rating_someone_you_do_not_appraise(client, tokens, world):
    school, other = await world.school(teachers=1), await world.school(teachers=1)
    guru = school.guru[0]
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, school.kepala, guru)
    # Another school's principal: the penilaian does not exist for them.
    response = await rate(client, tokens, other.kepala, item, "sesuai", "sesuai")
    assert problem(response, 404) == (None, "penilaian.not_found")
    # A colleague of the same school neither.
    peer = await world.school(teachers=2)
    await world.cycle(peer.guru[0])
    peer_item = await penilaian_of(client, tokens, peer.kepala, peer.guru[0])
    assert problem(await rate(client, tokens, peer.guru[1], peer_item, "sesuai", "sesuai"), 404)[1] == (
        "penilaian.not_found"
    )
    # The pegawai may see their own, but not rate it.
    assert problem(await rate(client, tokens, guru, item, "di_atas", "di_atas"), 403) == (
        None,
        "penilaian.nilai_forbidden",
    )


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"hasil_kerja": "luar_biasa", "perilaku_kerja": "sesuai"}, "hasil_kerja", "schema.enum"),
        ({"hasil_kerja": "sesuai", "perilaku_kerja": 3}, "perilaku_kerja", "schema.enum"),
        ({"hasil_kerja": "sesuai"}, "perilaku_kerja", "schema.missing"),
        (
            {"hasil_kerja": "sesuai", "perilaku_kerja": "sesuai", "predikat": "baik"},
            "predikat",
            "schema.extra_forbidden",
        ),
        ({"perilaku_kerja": "sesuai"}, "hasil_kerja", "penilaian.hasil_kerja_required"),
        (
            {"hasil_kerja": "sesuai", "perilaku_kerja": "sesuai", "umpan_balik": {"jujur": "ya"}},
            "umpan_balik.jujur",
            "penilaian.umpan_balik_unknown_value",
        ),
    ],
)
async def test_an_unknown_rating_value_names_the_field(client, tokens, world, body, field, rule):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    response = await client.put(
        f"/api/v1/penilaian/{item['id']}/nilai", json=body, headers={**ks.headers(tokens), "If-Match": etag(item)}
    )
    assert problem(response, 422) == (field, rule)
    unchanged = await client.get(f"/api/v1/penilaian/{item['id']}", headers=ks.headers(tokens))
    assert (unchanged.json()["status"], unchanged.json()["version"]) == ("SIAP", item["version"])


async def test_finalising_twice(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    done = await appraise(client, tokens, ks, guru, "sesuai", "sesuai")
    response = await finalize(client, tokens, ks, done["id"], f'"v{done["version"]}"')
    assert problem(response, 409) == ("status", "penilaian.finalisasi_not_allowed_in_final")
    # Rating a final penilaian is refused the same way: it went to BKN.
    assert problem(await rate(client, tokens, ks, done, "di_atas", "di_atas"), 409)[1] == (
        "penilaian.nilai_not_allowed_in_final"
    )


async def test_finalising_before_rating(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    response = await finalize(client, tokens, ks, item["id"], etag(item))
    assert problem(response, 409) == ("status", "penilaian.finalisasi_not_allowed_in_siap")


async def test_finalising_outside_the_window(client, tokens, world, set_clock):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    rated = await rate(client, tokens, ks, item, "sesuai", "sesuai")
    assert rated.status_code == 200  # rating is a draft, allowed before the window
    set_clock(datetime(2024, 7, 2, 9, 0, tzinfo=WIB))
    response = await finalize(client, tokens, ks, item["id"], rated.headers["ETag"])
    assert problem(response, 409) == (None, "window.penilaian")
    body = response.json()
    assert (body["step"], body["opens"], body["closes"]) == ("penilaian", "2024-06-01", "2024-06-30")
    assert "2024-S1" in body["detail"]


async def test_versions_on_every_change(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    url = f"/api/v1/penilaian/{item['id']}/nilai"
    body = {"hasil_kerja": "sesuai", "perilaku_kerja": "sesuai"}
    assert problem(await client.put(url, json=body, headers=ks.headers(tokens)), 428) == (
        "If-Match",
        "http.if_match_required",
    )
    stale = {**ks.headers(tokens), "If-Match": f'"v{item["version"] - 1}"'}
    assert problem(await client.put(url, json=body, headers=stale), 412) == ("If-Match", "http.if_match_stale")


@pytest.mark.parametrize(
    ("path", "field", "rule"),
    [
        ("/api/v1/penilaian/not-a-uuid", "path.penilaian_id", "schema.uuid_parsing"),
        ("/api/v1/penilaian?status=SELESAI", "query.status", "schema.enum"),
        ("/api/v1/monitoring?periode=2024-S1&tingkat=desa", "query.tingkat", "schema.enum"),
        ("/api/v1/sekolah/123/distribusi?periode=2024-S1", "path.npsn", "schema.string_pattern_mismatch"),
    ],
)
async def test_malformed_parameters(client, operator, path, field, rule):
    assert problem(await client.get(path, headers=operator), 422) == (field, rule)


async def test_no_token(client):
    response = await client.get("/api/v1/penilaian")
    assert problem(response, 401) == (None, "token.missing")
