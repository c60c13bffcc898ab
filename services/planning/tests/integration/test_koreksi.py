"""Correction reports over HTTP against the real database and broker: a teacher reports, the operator's worklist
shows it, a pegawai import that says it closes it by itself, the operator rejects another; every step's event is
in the outbox and its state change in the audit trail; someone else's report is a 404."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import text

from pmm_contracts import decode
from pmm_kernel.clock import WIB
from pmm_testkit import audit_trail
from pmm_testkit.authz import Persona, assert_personas
from tools.demo_roster import pns_nip

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_server_errors")]

FIRST_I = 7600  # this module's people: pns_nip(i) from here on (other modules use other ranges)
NPSN, NPSN_OTHER = "20997601", "20997602"
PROBLEM_JSON = "application/problem+json"


def _pegawai(i: int, jenis_gtk: str, npsn: str = NPSN, **changes: str) -> dict[str, str]:
    senior = jenis_gtk in ("Kepala Sekolah", "Pengawas Sekolah")
    return {
        "nip": pns_nip(i),
        "status": "PNS",
        "nama": f"Pegawai Koreksi {i}",
        "pangkat_golongan": "IV/a" if senior else "III/a",
        "jenjang_jabatan": "Ahli Madya" if senior else "Ahli Pertama",
        "jenis_gtk": jenis_gtk,
        "npsn": npsn,
    } | changes


@pytest.fixture(scope="module")
async def people(client, tokens) -> dict[str, str]:
    operator = tokens.headers("op-koreksi", "operator", wilayah="3273")
    sekolah = [
        {"npsn": NPSN, "nama": "SD Koreksi", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"},
        {"npsn": NPSN_OTHER, "nama": "SD Koreksi Dua", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"},
    ]
    rows = {
        "ks": _pegawai(FIRST_I, "Kepala Sekolah"),
        "guru": _pegawai(FIRST_I + 1, "Guru Kelas"),
        "peer": _pegawai(FIRST_I + 2, "Guru Kelas"),
        "ks2": _pegawai(FIRST_I + 3, "Kepala Sekolah", NPSN_OTHER),
        "pengawas": _pegawai(FIRST_I + 4, "Pengawas Sekolah"),
        "wrong_pengawas": _pegawai(FIRST_I + 5, "Pengawas Sekolah", NPSN_OTHER),
    }
    relasi = [
        {"nip_pegawai": rows[g]["nip"], "nip_atasan": rows["ks"]["nip"], "peran_atasan": "kepala_sekolah"}
        | {"mulai": "2023-07-01"}
        for g in ("guru", "peer")
    ] + [
        {"nip_pegawai": rows[k]["nip"], "nip_atasan": rows[p]["nip"], "peran_atasan": "pengawas", "mulai": "2023-07-01"}
        for k, p in (("ks", "pengawas"), ("ks2", "wrong_pengawas"))
    ]
    for kind, body in (("sekolah", sekolah), ("pegawai", list(rows.values())), ("relasi", relasi)):
        response = await client.post(f"/api/v1/roster/{kind}", json=body, headers=operator)
        assert response.status_code == 200 and response.json()["errors"] == [], response.text
    return {who: row["nip"] for who, row in rows.items()}


@pytest.fixture(autouse=True)
def school_day(set_clock) -> None:
    set_clock(datetime(2024, 1, 20, 9, 0, tzinfo=WIB))


async def outbox(app, koreksi_id: str) -> list[tuple[str, dict]]:
    async with app.state.container.chassis.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT routing_key, body FROM outbox_message WHERE aggregate_id = :a ORDER BY id"),
            {"a": f"koreksi:{koreksi_id}"},
        )
        return [(r.routing_key, decode(r.body).data.model_dump(mode="json")) for r in rows]


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def test_a_report_reaches_the_worklist_and_the_roster_change_closes_it(
    app, client, tokens, settings, people
) -> None:
    guru = tokens.headers(people["guru"], "guru")
    operator = tokens.headers("op-koreksi", "operator", wilayah="3273")
    body = {"jenis": "data", "field": "pangkat_golongan", "nilai_benar": "III/b", "catatan": "SK April 2023"}

    created = await client.post("/api/v1/koreksi", json=body, headers=guru | key())
    assert created.status_code == 201, created.text
    report = created.json()
    koreksi_id = report["id"]
    assert created.headers["ETag"] == '"v1"' and created.headers["Location"] == f"/api/v1/koreksi/{koreksi_id}"
    assert (report["status"], report["field"], report["npsn"], report["pegawai"]["nama_sekolah"]) == (
        "DILAPORKAN",
        "pangkat_golongan",
        NPSN,
        "SD Koreksi",
    )

    # A retry with the same key is the same report; a second report on the field is a conflict naming the first.
    retry_key = key()
    first = await client.post(
        "/api/v1/koreksi", json=body | {"field": "nama", "nilai_benar": "X"}, headers=guru | retry_key
    )
    again = await client.post(
        "/api/v1/koreksi", json=body | {"field": "nama", "nilai_benar": "X"}, headers=guru | retry_key
    )
    assert (first.status_code, again.status_code, again.headers.get("Idempotency-Replayed")) == (201, 201, "true")
    assert first.json()["id"] == again.json()["id"]
    twice = await client.post("/api/v1/koreksi", json=body, headers=guru | key())
    assert twice.status_code == 409 and twice.headers["content-type"] == PROBLEM_JSON
    assert twice.json()["errors"][0]["rule"] == "koreksi.exists"
    assert twice.json()["koreksi_id"] == koreksi_id

    mine = (await client.get("/api/v1/koreksi/saya", headers=guru)).json()["items"]
    assert [(r["field"], r["status"]) for r in mine] == [("nama", "DILAPORKAN"), ("pangkat_golongan", "DILAPORKAN")]

    listed = await client.get("/api/v1/koreksi", params={"npsn": NPSN}, headers=operator)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [koreksi_id, first.json()["id"]]  # the longest waiting first
    assert (items[0]["umur_hari"], items[0]["pegawai"]["nama"], items[0]["nilai_benar"]) == (
        0,
        f"Pegawai Koreksi {FIRST_I + 1}",
        "III/b",
    )

    # The operator imports the corrected row: the report closes in the same transaction, the other one stays open.
    corrected = _pegawai(FIRST_I + 1, "Guru Kelas", pangkat_golongan="III/b")
    imported = await client.post("/api/v1/roster/pegawai", json=[corrected], headers=operator)
    assert imported.status_code == 200 and imported.json()["updated"] == 1, imported.text
    closed = (await client.get(f"/api/v1/koreksi/{koreksi_id}", headers=guru)).json()
    assert (closed["status"], closed["closed_by"], closed["version"]) == ("SELESAI", "roster", 2)
    still_open = (await client.get("/api/v1/koreksi", params={"npsn": NPSN}, headers=operator)).json()["items"]
    assert [i["id"] for i in still_open] == [first.json()["id"]]

    events = await outbox(app, koreksi_id)
    assert [routing_key for routing_key, _ in events] == ["planning.koreksi.reported.v1", "planning.koreksi.closed.v1"]
    reported, closed_event = events[0][1], events[1][1]
    assert (reported["jenis"], reported["field"], reported["npsn"], reported["kode_wilayah"]) == (
        "data",
        "pangkat_golongan",
        NPSN,
        "3273",
    )
    assert closed_event["status"] == "SELESAI"
    trail = await audit_trail(settings.database_url, koreksi_id)
    assert [(r["action"], r["from_state"], r["to_state"]) for r in trail] == [
        ("koreksi.create", None, "DILAPORKAN"),
        ("koreksi.transition", "DILAPORKAN", "SELESAI"),
    ]


async def test_the_operator_rejects_with_a_reason_and_only_the_operator_may(app, client, tokens, people) -> None:
    guru = tokens.headers(people["peer"], "guru")
    operator = tokens.headers("op-koreksi", "operator", wilayah="3273")
    created = await client.post(
        "/api/v1/koreksi", json={"jenis": "atasan", "nilai_benar": "Kepala SD Koreksi Dua"}, headers=guru | key()
    )
    assert created.status_code == 201, created.text
    koreksi_id = created.json()["id"]
    url = f"/api/v1/koreksi/{koreksi_id}/tolak"

    own = await client.post(url, json={"alasan": "bukan saya"}, headers=guru | {"If-Match": '"v1"'})
    assert own.status_code == 403 and own.json()["errors"][0]["rule"] == "koreksi.tolak_forbidden"
    missing = await client.post(url, json={"alasan": "relasi sudah benar"}, headers=operator)
    assert missing.status_code == 428
    short = await client.post(url, json={"alasan": "no"}, headers=operator | {"If-Match": '"v1"'})
    assert short.status_code == 422 and short.json()["errors"][0]["rule"] == "koreksi.alasan_too_short"

    rejected = await client.post(url, json={"alasan": "relasi sudah benar"}, headers=operator | {"If-Match": '"v1"'})
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["alasan"], rejected.headers["ETag"]) == (
        "DITOLAK",
        "relasi sudah benar",
        '"v2"',
    )
    stale = await client.post(f"/api/v1/koreksi/{koreksi_id}/selesai", headers=operator | {"If-Match": '"v1"'} | key())
    assert stale.status_code == 412
    closed_twice = await client.post(
        f"/api/v1/koreksi/{koreksi_id}/selesai", headers=operator | {"If-Match": '"v2"'} | key()
    )
    assert closed_twice.status_code == 409 and closed_twice.json()["errors"][0]["rule"] == "koreksi.closed"
    seen = (await client.get(f"/api/v1/koreksi/{koreksi_id}", headers=guru)).json()
    assert (seen["status"], seen["alasan"]) == ("DITOLAK", "relasi sudah benar")
    assert [k for k, _ in await outbox(app, koreksi_id)] == [
        "planning.koreksi.reported.v1",
        "planning.koreksi.closed.v1",
    ]


async def test_a_new_relation_closes_the_atasan_report(client, tokens, people) -> None:
    guru = tokens.headers(people["guru"], "guru")
    operator = tokens.headers("op-koreksi", "operator", wilayah="3273")
    created = await client.post(
        "/api/v1/koreksi", json={"jenis": "atasan", "nilai_benar": people["ks2"]}, headers=guru | key()
    )
    assert created.status_code == 201, created.text
    relasi = {"nip_pegawai": people["guru"], "nip_atasan": people["ks"], "peran_atasan": "kepala_sekolah"}
    response = await client.post("/api/v1/roster/relasi", json=[relasi | {"mulai": "2024-01-20"}], headers=operator)
    assert response.status_code == 200 and response.json()["created"] == 1, response.text
    seen = (await client.get(f"/api/v1/koreksi/{created.json()['id']}", headers=guru)).json()
    assert (seen["status"], seen["closed_by"]) == ("SELESAI", "roster")


# Who tries a teacher's report (pmm_testkit.authz.Persona): only its pegawai and an operator of its region see it;
# the pegawai may not decide it (403); to anyone else, their atasan and their pengawas included, it does not exist.
PERSONAS = {
    Persona.OWNER: ("guru", 200, 403),
    Persona.PEER: ("peer", 404, 404),
    Persona.ATASAN: ("ks", 404, 404),
    Persona.OTHER_KS: ("ks2", 404, 404),
    Persona.PENGAWAS: ("pengawas", 404, 404),
    Persona.WRONG_PENGAWAS: ("wrong_pengawas", 404, 404),
    Persona.OPERATOR: ("op-koreksi", 200, 412),  # allowed: then refused only for the stale If-Match it sent
    Persona.OTHER_OPERATOR: ("op-jakarta", 404, 404),
}


def persona_headers(tokens, people: dict[str, str], who: str) -> dict[str, str]:
    if who == "op-koreksi":
        return tokens.headers(who, "operator", wilayah="3273")
    if who == "op-jakarta":
        return tokens.headers(who, "operator", wilayah="3171")
    roles = {"ks": ("guru", "kepala_sekolah"), "ks2": ("guru", "kepala_sekolah")}.get(who)
    roles = roles or (("guru", "pengawas") if "pengawas" in who else ("guru",))
    return tokens.headers(people[who], *roles)


@pytest.fixture(scope="module")
async def email_report(client, tokens, people) -> str:
    """An open report of the teacher about their e-mail address, kept open by every case below."""
    body = {"jenis": "data", "field": "email", "nilai_benar": "guru@belajar.id"}
    created = await client.post("/api/v1/koreksi", json=body, headers=tokens.headers(people["guru"], "guru") | key())
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_the_matrix_tries_every_required_persona() -> None:
    assert_personas(PERSONAS)


@pytest.mark.parametrize("persona", list(PERSONAS), ids=[p.value for p in PERSONAS])
async def test_who_may_see_and_decide_a_report(client, tokens, people, email_report, persona: Persona) -> None:
    who, reads, decides = PERSONAS[persona]
    headers = persona_headers(tokens, people, who)
    read = await client.get(f"/api/v1/koreksi/{email_report}", headers=headers)
    assert read.status_code == reads, read.text
    if reads == 404:
        assert read.json()["errors"][0]["rule"] == "koreksi.not_found"
        assert email_report not in read.text
    stale = {"If-Match": '"v0"'}  # a decision that got through would still change nothing
    for action, body in (("selesai", None), ("tolak", {"alasan": "bukan urusan"})):
        url = f"/api/v1/koreksi/{email_report}/{action}"
        decided = await client.post(url, json=body, headers=headers | stale | key())
        assert decided.status_code == decides, (action, decided.text)
    owner = tokens.headers(people["guru"], "guru")
    after = (await client.get(f"/api/v1/koreksi/{email_report}", headers=owner)).json()
    assert (after["status"], after["version"]) == ("DILAPORKAN", 1)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/koreksi"),
        ("GET", "/api/v1/koreksi"),
        ("GET", "/api/v1/koreksi/saya"),
        ("GET", "/api/v1/koreksi/{id}"),
        ("POST", "/api/v1/koreksi/{id}/selesai"),
        ("POST", "/api/v1/koreksi/{id}/tolak"),
    ],
)
async def test_every_route_needs_a_token(client, email_report, method: str, path: str) -> None:
    response = await client.request(method, path.replace("{id}", email_report), json={})
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


async def test_bad_reports_are_refused_by_field_and_rule(client, tokens, people) -> None:
    guru = tokens.headers(people["peer"], "guru")
    cases = [
        ({"jenis": "data", "field": "nip", "nilai_benar": "1"}, "koreksi.field_unknown"),
        ({"jenis": "data", "field": "nama", "nilai_benar": "  "}, "koreksi.nilai"),
        ({"jenis": "atasan", "field": "nama", "nilai_benar": "Budi"}, "koreksi.field_unexpected"),
    ]
    for body, rule in cases:
        response = await client.post("/api/v1/koreksi", json=body, headers=guru | key())
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["rule"] == rule
    someone = await client.post(
        "/api/v1/koreksi",
        json={"jenis": "data", "field": "nama", "nilai_benar": "X", "pegawai_id": str(uuid.uuid4())},
        headers=guru | key(),
    )
    assert someone.status_code == 404
    operator = await client.get("/api/v1/koreksi", headers=guru)
    assert operator.status_code == 403 and operator.json()["errors"][0]["rule"] == "role.operator_required"
    capped = await client.get(
        "/api/v1/koreksi", params={"limit": 101}, headers=tokens.headers("op", "operator", wilayah="3273")
    )
    assert capped.status_code == 422
