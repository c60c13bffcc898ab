"""The atasan's list: their pegawai today, where each stands, filtered by step and by overdue, paginated."""

from __future__ import annotations

from datetime import datetime

import pytest
from observation_world import INDIKATOR, approve, opened

from pmm_kernel.clock import WIB

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def team(client, tokens, world):
    """A KS with three guru: one whose cycle reached observasi, one in persiapan, one whose plan is not approved."""
    school = await world.school(teachers=3)
    ahead, started, waiting = school.guru
    for guru in (ahead, started):
        await approve(world, guru, atasan=school.kepala)
    cycle = await opened(client, tokens, ahead)
    await opened(client, tokens, started)
    r = await client.put(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
        json={
            "target_perilaku": [INDIKATOR.perilaku_dianjurkan[0]],
            "upaya": "Menyiapkan media",
            "jadwal": "2024-02-12",
        },
        headers={**ahead.headers(tokens), "If-Match": cycle["etag"]},
    )
    await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/persiapan/setujui",
        headers={**school.kepala.headers(tokens), "If-Match": r.headers["ETag"]},
    )
    return school, {"ahead": ahead, "started": started, "waiting": waiting}


async def listing(client, tokens, person, **params) -> dict:
    query = {"periode": "2024-S1", **params}
    r = await client.get("/api/v1/tim/pelaksanaan", params=query, headers=person.headers(tokens))
    assert r.status_code == 200, r.text
    return r.json()


def steps_of(page: dict, people: dict) -> dict[str, str]:
    by_id = {str(p.pegawai_id): name for name, p in people.items()}
    return {by_id[i["pegawai"]["id"]]: i["step"] for i in page["items"]}


async def test_the_atasan_sees_each_of_their_pegawai_and_where_they_stand(client, tokens, team):
    school, people = team
    page = await listing(client, tokens, school.kepala)
    assert steps_of(page, people) == {"ahead": "observasi", "started": "persiapan", "waiting": "belum_dibuka"}
    assert all(i["overdue"] is False and i["window_closes"] == "2024-05-30" for i in page["items"])


@pytest.mark.parametrize(
    ("step", "expected"),
    [("observasi", {"ahead"}), ("persiapan", {"started"}), ("belum_dibuka", {"waiting"}), ("selesai", set())],
)
async def test_filtered_by_step(client, tokens, team, step, expected):
    school, people = team
    page = await listing(client, tokens, school.kepala, step=step)
    assert set(steps_of(page, people)) == expected


async def test_pages_follow_the_cursor_without_gaps_or_repeats(client, tokens, team):
    school, people = team
    seen, cursor = [], None
    for _ in range(5):
        page = await listing(client, tokens, school.kepala, limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [i["pegawai"]["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(p.pegawai_id) for p in people.values())


async def test_overdue_once_the_window_closed_and_the_cycle_is_not_done(client, tokens, team, set_clock):
    school, people = team
    assert (await listing(client, tokens, school.kepala, overdue="true"))["items"] == []
    set_clock(datetime(2024, 6, 2, 9, 0, tzinfo=WIB))
    late = await listing(client, tokens, school.kepala, overdue="true")
    assert set(steps_of(late, people)) == {"ahead", "started", "waiting"}
    assert all(i["overdue"] for i in late["items"])
    assert (await listing(client, tokens, school.kepala, overdue="false"))["items"] == []


async def test_the_pengawas_sees_the_principals_and_a_guru_has_no_team(client, tokens, team, world):
    school, people = team
    page = await listing(client, tokens, world.pengawas, limit=100)  # every school of the session has its KS here
    assert str(school.kepala.pegawai_id) in {i["pegawai"]["id"] for i in page["items"]}
    refused = await client.get(
        "/api/v1/tim/pelaksanaan", params={"periode": "2024-S1"}, headers=people["waiting"].headers(tokens)
    )
    assert refused.status_code == 403 and refused.json()["errors"][0]["rule"] == "role.atasan_required"
    bad = await client.get(
        "/api/v1/tim/pelaksanaan", params={"periode": "2024-S1", "step": "tidur"}, headers=school.kepala.headers(tokens)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.step"
    cursor = await client.get(
        "/api/v1/tim/pelaksanaan", params={"periode": "2024-S1", "cursor": "!!"}, headers=school.kepala.headers(tokens)
    )
    assert cursor.status_code == 422 and cursor.json()["errors"][0]["rule"] == "pagination.cursor"
