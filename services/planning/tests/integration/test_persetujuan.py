"""Approving many plans in one request, over HTTP against the real database and broker: each plan judged as a single
approval is, refused ones unchanged, approved ones published and audited one by one; a replay under the same
Idempotency-Key answers the same and publishes nothing twice; a request without a valid list is a 422."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

import pytest

from pmm_kernel.clock import WIB
from pmm_testkit import audit_trail
from pmm_testkit.world import scalar
from tools.demo import skp_steps
from tools.demo_roster import pns_nip

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_server_errors")]

FIRST_I = 7100  # this module's people: pns_nip(i) from here on (other modules use other ranges)
NPSN, NPSN_LAIN = "20997101", "20997102"
PERIODE = "2024-S1"
TODAY = datetime(2024, 1, 20, 9, 0, tzinfo=WIB)  # inside the 2024-S1 planning window of a teacher
AFTER_PLANNING = datetime(2024, 5, 20, 9, 0, tzinfo=WIB)  # past it, late entry and any extension included
APPROVED = "planning.skp.approved.v1"


class People:
    def __init__(self, ks: str, ks_lain: str, teachers: list[str], teacher_lain: str) -> None:
        self.ks, self.ks_lain, self.teacher_lain = ks, ks_lain, teacher_lain
        self._teachers = iter(teachers)

    def teacher(self) -> str:
        return next(self._teachers)


@pytest.fixture(scope="module")
async def people(client, tokens) -> People:
    operator = tokens.headers("op-persetujuan", "operator", wilayah="3273")
    ids = itertools.count(FIRST_I)
    sekolah = [
        {"npsn": npsn, "nama": f"SD Persetujuan {npsn}", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"}
        for npsn in (NPSN, NPSN_LAIN)
    ]
    pegawai: list[dict[str, str]] = []
    relasi: list[dict[str, str]] = []

    def add(jenis_gtk: str, npsn: str, atasan: str | None = None) -> str:
        nip = pns_nip(next(ids))
        senior = jenis_gtk == "Kepala Sekolah"
        pegawai.append(
            {
                "nip": nip,
                "status": "PNS",
                "nama": f"Pegawai Persetujuan {len(pegawai)}",
                "pangkat_golongan": "IV/a" if senior else "III/b",
                "jenjang_jabatan": "Ahli Madya" if senior else "Ahli Pertama",
                "jenis_gtk": jenis_gtk,
                "npsn": npsn,
            }
        )
        if atasan is not None:
            relasi.append(
                {"nip_pegawai": nip, "nip_atasan": atasan, "peran_atasan": "kepala_sekolah", "mulai": "2023-07-01"}
            )
        return nip

    ks, ks_lain = add("Kepala Sekolah", NPSN), add("Kepala Sekolah", NPSN_LAIN)
    teachers = [add("Guru Kelas", NPSN, ks) for _ in range(12)]
    teacher_lain = add("Guru Kelas", NPSN_LAIN, ks_lain)
    for kind, rows in (("sekolah", sekolah), ("pegawai", pegawai), ("relasi", relasi)):
        response = await client.post(f"/api/v1/roster/{kind}", json=rows, headers=operator)
        assert response.status_code == 200 and response.json()["errors"] == [], response.text
    return People(ks, ks_lain, teachers, teacher_lain)


@pytest.fixture(autouse=True)
def planning_is_open(set_clock) -> None:
    set_clock(TODAY)


def kepala(tokens, nip: str) -> dict[str, str]:
    return tokens.headers(nip, "guru", "kepala_sekolah")


async def submitted(client, tokens, nip: str) -> tuple[str, int]:
    """A teacher's complete plan submitted to their kepala sekolah: its id and version."""
    h = tokens.headers(nip, "guru")
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=h)
    assert created.status_code == 201, created.text
    skp_id, etag = created.json()["id"], created.headers["ETag"]
    for step, body in skp_steps("D.1.3"):
        saved = await client.put(f"/api/v1/skp/{skp_id}/{step}", json=body, headers={**h, "If-Match": etag})
        assert saved.status_code == 200, saved.text
        etag = saved.headers["ETag"]
    sent = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**h, "If-Match": etag})
    assert sent.status_code == 200, sent.text
    return skp_id, sent.json()["version"]


async def state(client, tokens, nip: str, skp_id: str) -> tuple[str, int]:
    plan = (await client.get(f"/api/v1/skp/{skp_id}", headers=tokens.headers(nip, "guru"))).json()
    return plan["status"], plan["version"]


async def published(app, skp_ids: list[str]) -> int:
    """The approval events of these plans in the outbox."""
    return await scalar(
        app,
        "SELECT count(*) FROM outbox_message WHERE routing_key = :key AND aggregate_id = ANY(:aggregates)",
        key=APPROVED,
        aggregates=[f"skp:{skp_id}" for skp_id in skp_ids],
    )


async def test_a_mix_is_judged_plan_by_plan_and_a_replay_publishes_nothing_twice(
    app, client, tokens, settings, people
) -> None:
    ks = kepala(tokens, people.ks)
    owners: dict[str, str] = {}

    async def plan_of(nip: str) -> tuple[str, int]:
        skp_id, version = await submitted(client, tokens, nip)
        owners[skp_id] = nip
        return skp_id, version

    good = [await plan_of(people.teacher()) for _ in range(3)]
    stale_id, stale_version = await plan_of(people.teacher())
    already_id, already_version = await plan_of(people.teacher())
    approved_alone = await client.post(
        f"/api/v1/skp/{already_id}/approve", headers={**ks, "If-Match": f'"v{already_version}"'}
    )
    assert approved_alone.status_code == 200
    elsewhere_id, elsewhere_version = await plan_of(people.teacher_lain)  # another school's: not in this queue
    unknown = str(uuid.uuid4())
    body = {
        "items": [
            {"skp_id": good[0][0], "version": good[0][1]},
            {"skp_id": stale_id, "version": stale_version - 1},
            {"skp_id": already_id, "version": already_version + 1},
            {"skp_id": elsewhere_id, "version": elsewhere_version},
            {"skp_id": unknown, "version": 1},
            {"skp_id": good[1][0], "version": good[1][1]},
            {"skp_id": good[2][0], "version": good[2][1]},
        ]
    }
    unchanged = [stale_id, already_id, elsewhere_id]
    before = {skp_id: await state(client, tokens, owners[skp_id], skp_id) for skp_id in unchanged}
    headers = {**ks, "Idempotency-Key": f"setujui-banyak-{uuid.uuid4()}"}

    first = await client.post("/api/v1/persetujuan", json=body, headers=headers)

    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["approved"], answer["refused"]) == (3, 4)
    assert [item["skp_id"] for item in answer["items"]] == [item["skp_id"] for item in body["items"]]
    outcomes = {item["skp_id"]: (item["outcome"], item["status"], item["rule"]) for item in answer["items"]}
    assert outcomes == {
        good[0][0]: ("approved", 200, None),
        stale_id: ("refused", 412, "http.if_match_stale"),
        already_id: ("refused", 409, "skp.approve_not_allowed_in_disetujui"),
        elsewhere_id: ("refused", 404, "plan.not_found"),
        unknown: ("refused", 404, "plan.not_found"),
        good[1][0]: ("approved", 200, None),
        good[2][0]: ("approved", 200, None),
    }
    for item in answer["items"]:
        if item["outcome"] == "approved":
            assert item["etag"] == f'"v{good[0][1] + 1}"' and item["detail"] is None
        else:
            assert item["etag"] is None and item["detail"]
    for skp_id, _ in good:
        assert await state(client, tokens, owners[skp_id], skp_id) == ("DISETUJUI", good[0][1] + 1)
    assert {skp_id: await state(client, tokens, owners[skp_id], skp_id) for skp_id in unchanged} == before
    good_ids = [skp_id for skp_id, _ in good]
    assert await published(app, good_ids) == 3
    assert await published(app, [stale_id, elsewhere_id]) == 0
    assert await published(app, [already_id]) == 1  # its own single approval's, no second one
    # Each approved plan's change is in the audit trail by itself, as the kepala sekolah's.
    for skp_id in good_ids:
        trail = await audit_trail(settings.database_url, skp_id)
        assert [(r["from_state"], r["to_state"]) for r in trail][-1] == ("DIAJUKAN", "DISETUJUI")
        assert trail[-1]["actor"].startswith("pegawai:")
    assert not any(r["to_state"] == "DISETUJUI" for r in await audit_trail(settings.database_url, stale_id))

    again = await client.post("/api/v1/persetujuan", json=body, headers=headers)

    assert again.status_code == 200 and again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == answer
    assert await published(app, good_ids) == 3
    for skp_id, _ in good:
        assert await state(client, tokens, owners[skp_id], skp_id) == ("DISETUJUI", good[0][1] + 1)


async def test_without_a_key_each_plan_still_commits_alone(app, client, tokens, people) -> None:
    ks = kepala(tokens, people.ks)
    first_id, first_version = await submitted(client, tokens, (nip := people.teacher()))
    body = {"items": [{"skp_id": first_id, "version": first_version}, {"skp_id": str(uuid.uuid4()), "version": 1}]}
    response = await client.post("/api/v1/persetujuan", json=body, headers=ks)
    assert response.status_code == 200, response.text
    assert [i["outcome"] for i in response.json()["items"]] == ["approved", "refused"]
    assert await state(client, tokens, nip, first_id) == ("DISETUJUI", first_version + 1)
    assert await published(app, [first_id]) == 1


async def test_outside_the_planning_window_every_plan_is_refused_by_the_window(
    app, client, tokens, set_clock, people
) -> None:
    ks = kepala(tokens, people.ks)
    plans = [await submitted(client, tokens, people.teacher()) for _ in range(2)]
    set_clock(AFTER_PLANNING)
    body = {"items": [{"skp_id": skp_id, "version": version} for skp_id, version in plans]}
    response = await client.post("/api/v1/persetujuan", json=body, headers={**ks, "Idempotency-Key": "terlambat-1"})
    assert response.status_code == 200, response.text
    assert response.json()["approved"] == 0
    assert {(i["status"], i["rule"]) for i in response.json()["items"]} == {(409, "window.perencanaan_guru")}
    assert await published(app, [skp_id for skp_id, _ in plans]) == 0


def problem(response, status: int, field: str, rule: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (field, rule) in [(e["field"], e["rule"]) for e in response.json()["errors"]], response.text


async def test_no_plan_too_many_a_plan_twice_or_a_server_field_is_a_422(client, tokens, people) -> None:
    ks = kepala(tokens, people.ks)
    one = {"skp_id": str(uuid.uuid4()), "version": 1}
    many = [{"skp_id": str(uuid.uuid4()), "version": 1} for _ in range(101)]
    twice = [one, *many[:2], one]
    cases = [
        ({"items": []}, "items", "schema.too_short"),
        ({"items": many}, "items", "schema.too_long"),
        ({"items": twice}, "items[3].skp_id", "persetujuan.skp_duplicate"),
        ({"items": [{"skp_id": "bukan-uuid", "version": 1}]}, "items[0].skp_id", "schema.uuid_parsing"),
        ({"items": [{"skp_id": one["skp_id"], "version": 0}]}, "items[0].version", "schema.greater_than_equal"),
        ({"items": [one], "status": "DISETUJUI"}, "status", "schema.extra_forbidden"),
        ({}, "items", "schema.missing"),
    ]
    key = {**ks, "Idempotency-Key": "salah-1"}
    for body, field, rule in cases:
        response = await client.post("/api/v1/persetujuan", json=body, headers=key)
        problem(response, 422, field, rule)
    # A refused request keeps no claim on its key: the same key then serves a valid request.
    valid = await client.post("/api/v1/persetujuan", json={"items": [one]}, headers=key)
    assert valid.status_code == 200, valid.text


@pytest.mark.parametrize("roles", [("guru",), ("operator",)])
async def test_only_an_atasan_in_the_roster_approves_many(client, tokens, people, roles) -> None:
    skp_id, version = await submitted(client, tokens, people.teacher())
    nip = people.teacher() if roles == ("guru",) else "op-persetujuan"
    headers = tokens.headers(nip, *roles, wilayah="3273" if roles == ("operator",) else None)
    response = await client.post("/api/v1/persetujuan", json={"items": [{"skp_id": skp_id, "version": version}]},
                                 headers=headers)  # fmt: skip
    problem(response, 403, None, "role.atasan_required")
    assert skp_id not in response.text
