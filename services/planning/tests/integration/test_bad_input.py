"""Bad input through HTTP: every refusal is a 4xx application/problem+json naming the field and the rule.

Malformed and mistyped bodies, broken NIPs and CSV headers in a roster import, an action outside its window or
out of turn, a stale or missing If-Match, a replayed Idempotency-Key. No request here ever gets a 5xx.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

from pmm_contracts import routing_key
from pmm_contracts.events.planning import SkpSubmittedV1
from pmm_kernel.clock import WIB
from tools.demo import skp_steps
from tools.demo_roster import pns_nip

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_server_errors")]

PROBLEM_JSON = "application/problem+json"
PERIODE = "2024-S1"
NPSN = "20990301"  # this module's school, in Kota Bandung
FIRST_I = 1300  # this module's people: pns_nip(i) for i from here on (other modules use other ranges)
MULAI = "2023-07-01"
OPERATOR = ("op-input-3273", "operator")


# --- people and plans ------------------------------------------------------------------------------------


class People:
    """Teachers of one school, handed out one per test so that no two tests share a plan."""

    def __init__(self, ks: str, teachers: list[str]) -> None:
        self.ks = ks
        self._teachers = iter(teachers)

    def teacher(self) -> str:
        return next(self._teachers)


def pegawai_row(nip: str, jenis_gtk: str = "Guru Mapel", *, status: str = "PNS", npsn: str = NPSN) -> dict[str, str]:
    senior = jenis_gtk == "Kepala Sekolah"
    return {
        "nip": nip,
        "status": status,
        "nama": "Pegawai Uji",
        "pangkat_golongan": "IX" if status == "PPPK" else ("IV/a" if senior else "III/b"),
        "jenjang_jabatan": "Ahli Madya" if senior else "Ahli Pertama",
        "jenis_gtk": jenis_gtk,
        "npsn": npsn,
    }


def operator_headers(tokens, wilayah: str = "3273") -> dict[str, str]:
    return tokens.headers(*OPERATOR, wilayah=wilayah)


async def import_rows(client, tokens, kind: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    response = await client.post(f"/api/v1/roster/{kind}", json=rows, headers=operator_headers(tokens))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
async def people(client, tokens) -> People:
    ids = itertools.count(FIRST_I)
    sekolah = {"npsn": NPSN, "nama": "SD Uji Masukan", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"}
    assert (await import_rows(client, tokens, "sekolah", [sekolah]))["errors"] == []
    ks = pns_nip(next(ids))
    teachers = [pns_nip(next(ids)) for _ in range(20)]
    report = await import_rows(
        client, tokens, "pegawai", [pegawai_row(ks, "Kepala Sekolah"), *(pegawai_row(t) for t in teachers)]
    )
    assert report["errors"] == [] and report["created"] == 21, report
    relasi = [{"nip_pegawai": t, "nip_atasan": ks, "peran_atasan": "kepala_sekolah", "mulai": MULAI} for t in teachers]
    assert (await import_rows(client, tokens, "relasi", relasi))["errors"] == []
    return People(ks, teachers)


def guru(tokens, nip: str) -> dict[str, str]:
    return tokens.headers(nip, "guru")


def kepala(tokens, nip: str) -> dict[str, str]:
    return tokens.headers(nip, "guru", "kepala_sekolah")


async def new_plan(client, tokens, nip: str, *, complete: bool = True) -> tuple[str, str]:
    """A DRAFT plan of `nip`: its id and ETag."""
    h = guru(tokens, nip)
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=h)
    assert created.status_code == 201, created.text
    skp_id, etag = created.json()["id"], created.headers["ETag"]
    for step, body in skp_steps("D.1.3") if complete else []:
        r = await client.put(f"/api/v1/skp/{skp_id}/{step}", json=body, headers={**h, "If-Match": etag})
        assert r.status_code == 200, (step, r.text)
        etag = r.headers["ETag"]
    return skp_id, etag


async def read(client, tokens, nip: str, skp_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/skp/{skp_id}", headers=guru(tokens, nip))
    assert response.status_code == 200, response.text
    return response.json()


def problem(response, status: int, rule: str, field: str | None = "any") -> dict[str, Any]:
    """Assert `response` is a problem with this status naming `rule` (on `field`, unless "any"); return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    named = [(e["field"], e["rule"]) for e in body["errors"]]
    assert any(r == rule and (field == "any" or f == field) for f, r in named), named
    return body


@pytest.fixture(scope="module")
async def draft(client, tokens, people) -> tuple[str, str]:
    """A teacher and their DRAFT plan that the schema cases below send bad bodies to (none of them changes it)."""
    nip = people.teacher()
    skp_id, _ = await new_plan(client, tokens, nip)
    return nip, skp_id


# --- malformed and mistyped bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("PUT", "/skp/{id}/data-diri", b'{"sesuai": tru'),
        ("PUT", "/skp/{id}/pengembangan-kompetensi", b'{"rhk": [{"kode": "PK-01",}]}'),
        ("POST", "/skp", b"periode=2024-S1"),
        ("POST", "/skp", b'{"periode": "2024-S1"'),
    ],
)
async def test_malformed_json_is_400(client, tokens, draft, method, path, content) -> None:
    nip, skp_id = draft
    before = await read(client, tokens, nip, skp_id)
    response = await client.request(
        method,
        "/api/v1" + path.format(id=skp_id),
        content=content,
        headers={**guru(tokens, nip), "Content-Type": "application/json", "If-Match": "*"},
    )
    body = problem(response, 400, "json.malformed", field=None)
    assert "tru" not in body["detail"]  # the input is not echoed
    assert (await read(client, tokens, nip, skp_id))["version"] == before["version"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/skp/{id}/data-diri", {"sesuai": True, "sesuia": False}, "sesuia"),
        (
            "/skp/{id}/pengembangan-kompetensi",
            {"rhk": [{"kode": "PK-01", "target_kuantitas": 2, "poin": 64}]},
            "rhk[0].poin",
        ),
        ("/skp/{id}/praktik-kinerja", {"indikator": "D.1.3", "recommended": True}, "recommended"),
    ],
)
async def test_an_unknown_field_is_422_naming_it(client, tokens, draft, path, body, field) -> None:
    nip, skp_id = draft
    before = await read(client, tokens, nip, skp_id)
    response = await client.put(
        "/api/v1" + path.format(id=skp_id), json=body, headers={**guru(tokens, nip), "If-Match": "*"}
    )
    problem(response, 422, "schema.extra_forbidden", field)
    assert (await read(client, tokens, nip, skp_id))["version"] == before["version"]


async def test_a_plan_cannot_be_created_for_someone_else(client, tokens, people) -> None:
    nip, other = people.teacher(), people.teacher()
    response = await client.post("/api/v1/skp", json={"periode": PERIODE, "nip": other}, headers=guru(tokens, nip))
    problem(response, 422, "schema.extra_forbidden", "nip")
    assert other not in response.text


# (who calls, method, path, params, body, field, rule); {id} is the draft plan.
WRONG_TYPES: list[tuple[str, str, str, dict[str, Any] | None, Any, str | None, str]] = [
    ("guru", "PUT", "/skp/{id}/data-diri", None, {"sesuai": "mungkin"}, "sesuai", "schema.bool_parsing"),
    ("guru", "PUT", "/skp/{id}/data-diri", None, {"sesuai": False, "catatan": 5}, "catatan", "schema.string_type"),
    ("guru", "PUT", "/skp/{id}/data-diri", None, {}, "sesuai", "schema.missing"),
    ("guru", "PUT", "/skp/{id}/data-diri", None, ["sesuai"], None, "schema.model_attributes_type"),
    (
        "guru",
        "PUT",
        "/skp/{id}/pengembangan-kompetensi",
        None,
        {"rhk": [{"kode": "PK-01", "target_kuantitas": "empat"}]},
        "rhk[0].target_kuantitas",
        "schema.int_parsing",
    ),
    (
        "guru",
        "PUT",
        "/skp/{id}/pengembangan-kompetensi",
        None,
        {"rhk": [{"kode": "PK-01", "target_kuantitas": 0}]},
        "rhk[0].target_kuantitas",
        "schema.greater_than_equal",
    ),
    ("guru", "PUT", "/skp/{id}/pengembangan-kompetensi", None, {"rhk": {"kode": "PK-01"}}, "rhk", "schema.list_type"),
    ("guru", "PUT", "/skp/{id}/praktik-kinerja", None, {"indikator": ""}, "indikator", "schema.string_too_short"),
    ("guru", "POST", "/skp", None, {"periode": 2024}, "periode", "schema.string_type"),
    ("guru", "GET", "/skp/bukan-uuid", None, None, "path.skp_id", "schema.uuid_parsing"),
    ("ks", "GET", "/antrian-persetujuan", {"limit": 0}, None, "query.limit", "schema.greater_than_equal"),
    ("ks", "GET", "/antrian-persetujuan", {"status": "SELESAI"}, None, "query.status", "schema.enum"),
    ("guru", "GET", "/skp/saya", None, None, "query.periode", "schema.missing"),
    ("guru", "GET", "/skp/saya", {"periode": "x" * 41}, None, "query.periode", "schema.string_too_long"),
    ("operator", "GET", "/roster/pegawai", {"npsn": "2099"}, None, "query.npsn", "schema.string_pattern_mismatch"),
    ("operator", "GET", "/roster/pegawai", {"limit": 501}, None, "query.limit", "schema.less_than_equal"),
    (
        "operator",
        "POST",
        "/periode/2024-S1/perpanjangan",
        None,
        {"step": "perencanaan_guru", "until": "besok", "alasan": "banjir"},
        "until",
        "schema.date_from_datetime_parsing",
    ),
    (
        "operator",
        "POST",
        "/periode/2024-S1/perpanjangan",
        None,
        {"step": "perencanaan_guru", "until": "2024-04-01", "wilayah": "32.73", "alasan": "banjir"},
        "wilayah",
        "schema.string_pattern_mismatch",
    ),
    ("operator", "POST", "/periode/tahun/duaribu", None, None, "path.tahun", "schema.int_parsing"),
    ("operator", "POST", "/roster/guru", None, [], "path.kind", "schema.literal_error"),
    ("operator", "POST", "/roster/pegawai", None, {"nip": "1"}, None, "schema.list_type"),
]


@pytest.mark.parametrize(
    ("who", "method", "path", "params", "body", "field", "rule"),
    WRONG_TYPES,
    ids=[f"{m} {p} {f}" for _, m, p, _, _, f, _ in WRONG_TYPES],
)
async def test_a_wrong_type_is_422_naming_the_field(
    client, tokens, people, draft, who, method, path, params, body, field, rule
) -> None:
    nip, skp_id = draft
    headers = {
        "guru": lambda: guru(tokens, nip),
        "ks": lambda: kepala(tokens, people.ks),
        "operator": lambda: operator_headers(tokens, ""),
    }[who]()
    response = await client.request(
        method,
        "/api/v1" + path.format(id=skp_id),
        params=params,
        json=body,
        headers={**headers, "If-Match": "*"},
    )
    problem(response, 422, rule, field)


# --- roster imports --------------------------------------------------------------------------------------

# Each broken NIP with the rule it breaks; the rest of its row is valid. None of them is echoed back.
BROKEN_NIPS: list[tuple[str, str, str]] = [
    ("PNS", pns_nip(1390)[:-1], "nip.format"),  # 17 digits
    ("PNS", "1986092620150510AB", "nip.format"),
    ("PNS", "19861332 201505 1 001", "nip.birth_date"),  # month 13
    ("PNS", "19300101 195005 1 001", "nip.birth_year"),  # before 1940
    ("PNS", "19860926 201505 3 001", "nip.sex"),
    ("PNS", "19860926 201505 1 000", "nip.sequence"),
    ("PNS", "19860926 201513 1 001", "nip.tmt_month"),
    ("PNS", "19860926 200001 1 001", "nip.tmt_age"),  # appointed at 13
    ("PNS", "19860926 202502 1 001", "nip.tmt_future"),  # after the clock's today (2024)
    ("PPPK", "19900101 2018 21 1 001", "nip.pppk_year"),  # PPPK started in 2019
]
PEGAWAI_HEADER = "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn"


def csv_line(row: dict[str, str]) -> str:
    return ",".join(row[c] for c in PEGAWAI_HEADER.split(","))


async def test_a_roster_import_reports_each_invalid_nip_by_line(client, tokens, people) -> None:
    valid = pns_nip(1391)
    rows = [pegawai_row(valid), *(pegawai_row(nip, status=status) for status, nip, _ in BROKEN_NIPS)]
    content = "\n".join([PEGAWAI_HEADER, *map(csv_line, rows)]) + "\n"

    response = await client.post(
        "/api/v1/roster/pegawai/csv", content=content, headers={**operator_headers(tokens), "Content-Type": "text/csv"}
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["received"], report["created"]) == (len(rows), 1)
    # The header is line 1 and the valid row line 2: the broken ones follow in order.
    assert [(e["line"], e["field"], e["rule"]) for e in report["errors"]] == [
        (line, "nip", rule) for line, (_, _, rule) in enumerate(BROKEN_NIPS, start=3)
    ]
    for error in report["errors"]:
        assert not re.search(r"\d{8}", error["detail"])  # a NIP is personal data: never in the answer
    again = await import_rows(client, tokens, "pegawai", [pegawai_row(valid)])
    assert (again["created"], again["unchanged"]) == (0, 1)  # the valid row was imported the first time


async def test_a_json_roster_import_numbers_lines_from_one(client, tokens, people) -> None:
    status, broken, rule = BROKEN_NIPS[4]
    report = await import_rows(
        client, tokens, "pegawai", [pegawai_row(pns_nip(1392)), pegawai_row(broken, status=status)]
    )
    assert report["created"] == 1
    assert [(e["line"], e["field"], e["rule"]) for e in report["errors"]] == [(2, "nip", rule)]


BAD_HEADERS: list[tuple[str, list[tuple[str | None, str]]]] = [
    (  # a typo: the unknown column explains the missing one
        "nip,status,nama,golongan,jenjang_jabatan,jenis_gtk,npsn",
        [("golongan", "csv.unknown_column"), ("pangkat_golongan", "csv.missing_column")],
    ),
    ("nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn,nip", [("nip", "csv.duplicate_column")]),
    (
        "nip;status;nama",
        [(c, "csv.missing_column") for c in ("pangkat_golongan", "jenjang_jabatan", "jenis_gtk", "npsn")],
    ),
]


@pytest.mark.parametrize(
    ("case", "header", "expected"), [(i, *c) for i, c in enumerate(BAD_HEADERS)], ids=["typo", "duplicate", "missing"]
)
async def test_a_csv_with_a_bad_header_is_refused_whole(client, tokens, people, case, header, expected) -> None:
    nip = pns_nip(1395 + case)
    row = pegawai_row(nip)
    line = ",".join(row.get(c, "") for c in header.replace(";", ",").split(","))
    response = await client.post(
        "/api/v1/roster/pegawai/csv",
        content=f"{header}\n{line}\n",
        headers={**operator_headers(tokens), "Content-Type": "text/csv"},
    )
    body = problem(response, 422, expected[0][1], expected[0][0])
    assert sorted((e["field"], e["rule"]) for e in body["errors"]) == sorted(expected)
    assert nip not in response.text
    # Nothing of the file was imported: the same row imported alone is new.
    assert (await import_rows(client, tokens, "pegawai", [row]))["created"] == 1


async def test_an_empty_csv_is_refused(client, tokens, people) -> None:
    response = await client.post(
        "/api/v1/roster/sekolah/csv", content=b"", headers={**operator_headers(tokens), "Content-Type": "text/csv"}
    )
    body = problem(response, 422, "csv.missing_column", "npsn")
    assert {e["field"] for e in body["errors"]} == {"npsn", "nama", "kode_wilayah", "nama_wilayah"}


async def test_a_csv_that_is_not_utf8_is_refused(client, tokens, people) -> None:
    content = "npsn,nama,kode_wilayah,nama_wilayah\n20990399,SD Cempaka,3273,Kota Bandung\n".encode("utf-16")
    response = await client.post(
        "/api/v1/roster/sekolah/csv", content=content, headers={**operator_headers(tokens), "Content-Type": "text/csv"}
    )
    problem(response, 422, "csv.encoding", None)


async def test_an_extra_column_alone_is_reported_and_the_rows_imported(client, tokens, people) -> None:
    nip = pns_nip(1394)
    content = f"{PEGAWAI_HEADER},catatan\n{csv_line(pegawai_row(nip))},pindahan\n"
    response = await client.post(
        "/api/v1/roster/pegawai/csv", content=content, headers={**operator_headers(tokens), "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"] == 1
    assert [(e["line"], e["field"], e["rule"]) for e in report["errors"]] == [(1, "catatan", "csv.unknown_column")]


# --- windows ---------------------------------------------------------------------------------------------


async def test_an_action_outside_its_window_until_an_operator_extends_it(client, tokens, people, set_clock) -> None:
    late, later = people.teacher(), people.teacher()
    skp_id, etag = await new_plan(client, tokens, late)  # on the session's clock: 10 January, inside the window
    set_clock(datetime(2024, 4, 15, 10, 0, tzinfo=WIB))

    submitted = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru(tokens, late), "If-Match": etag})
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=guru(tokens, later))

    for refused in (submitted, created):
        body = problem(refused, 409, "window.perencanaan_guru", None)
        # The window and its dates: 1 January to 31 March (the late-entry limit), named in the body and the detail.
        assert (body["step"], body["opens"], body["closes"]) == ("perencanaan_guru", "2024-01-01", "2024-03-31")
        assert "2024-01-01" in body["detail"] and "2024-03-31" in body["detail"] and "2024-04-15" in body["detail"]
    assert (await read(client, tokens, late, skp_id))["status"] == "DRAFT"

    # Kota Bandung's operator extends planning to the 15th (only that day, so no other test sees it open).
    extended = await client.post(
        f"/api/v1/periode/{PERIODE}/perpanjangan",
        json={"step": "perencanaan_guru", "until": "2024-04-15", "alasan": "Gangguan listrik di banyak sekolah"},
        headers=operator_headers(tokens),
    )
    assert extended.status_code == 201, extended.text
    assert extended.json()["wilayah"] == "3273"

    submitted = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru(tokens, late), "If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "DIAJUKAN"
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=guru(tokens, later))
    assert created.status_code == 201, created.text

    set_clock(datetime(2024, 4, 16, 8, 0, tzinfo=WIB))
    closed = await client.put(
        f"/api/v1/skp/{created.json()['id']}/data-diri",
        json={"sesuai": True},
        headers={**guru(tokens, later), "If-Match": created.headers["ETag"]},
    )
    body = problem(closed, 409, "window.perencanaan_guru", None)
    assert body["closes"] == "2024-04-15"  # the extension's day, not the policy's


async def test_an_extension_outside_the_operators_region_is_refused(client, tokens, people) -> None:
    response = await client.post(
        f"/api/v1/periode/{PERIODE}/perpanjangan",
        json={"step": "perencanaan_guru", "until": "2024-04-30", "wilayah": "3273", "alasan": "Banjir di Bandung"},
        headers=operator_headers(tokens, "3204"),
    )
    problem(response, 403, "periode.extend_scope", "wilayah")


@pytest.mark.parametrize(
    ("body", "status", "field", "rule"),
    [
        (
            {"step": "perencanaan_guru", "until": "2024-01-20", "alasan": "terlambat"},
            422,
            "until",
            "periode.extension_not_later",
        ),
        ({"step": "perencanaan_guru", "until": "2024-04-30", "alasan": " "}, 422, "alasan", "periode.alasan_required"),
        ({"step": "bermain", "until": "2024-04-30", "alasan": "terlambat"}, 422, "any", "any"),
    ],
)
async def test_an_extension_needs_a_later_date_a_reason_and_a_known_step(
    client, tokens, people, body, status, field, rule
) -> None:
    response = await client.post(f"/api/v1/periode/{PERIODE}/perpanjangan", json=body, headers=operator_headers(tokens))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    if rule != "any":
        problem(response, status, rule, field)


# --- out of turn -----------------------------------------------------------------------------------------


async def test_actions_out_of_turn_are_409_naming_the_state(client, tokens, people) -> None:
    nip = people.teacher()
    skp_id, etag = await new_plan(client, tokens, nip)
    ks = {**kepala(tokens, people.ks), "If-Match": etag}

    approve = await client.post(f"/api/v1/skp/{skp_id}/approve", headers=ks)
    body = problem(approve, 409, "skp.approve_not_allowed_in_draft", "status")
    assert body["status"] == 409  # the problem's own status; the plan's is in the detail
    returned = await client.post(f"/api/v1/skp/{skp_id}/return", json={"catatan": "Perbaiki target"}, headers=ks)
    problem(returned, 409, "skp.return_not_allowed_in_draft", "status")
    expectations = await client.put(
        f"/api/v1/skp/{skp_id}/ekspektasi-pimpinan", json={"ekspektasi_khusus": {"loyal": "Hadir"}}, headers=ks
    )
    problem(expectations, 409, "skp.set_ekspektasi_not_allowed_in_draft", "status")
    reset = await client.post(
        f"/api/v1/skp/{skp_id}/reset",
        json={"alasan": "Salah setuju"},
        headers={**operator_headers(tokens), "If-Match": etag},
    )
    problem(reset, 409, "skp.reset_not_allowed_in_draft", "status")
    assert (await read(client, tokens, nip, skp_id))["version"] == int(etag.strip('"v'))

    submitted = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru(tokens, nip), "If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    etag = submitted.headers["ETag"]
    again = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru(tokens, nip), "If-Match": etag})
    problem(again, 409, "skp.submit_not_allowed_in_diajukan", "status")
    edit = await client.put(
        f"/api/v1/skp/{skp_id}/data-diri", json={"sesuai": True}, headers={**guru(tokens, nip), "If-Match": etag}
    )
    problem(edit, 409, "skp.edit_not_allowed_in_diajukan", "status")


async def test_an_incomplete_plan_cannot_be_submitted(client, tokens, people) -> None:
    nip = people.teacher()
    skp_id, etag = await new_plan(client, tokens, nip, complete=False)
    response = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru(tokens, nip), "If-Match": etag})
    body = problem(response, 422, "skp.incomplete", "data_diri")
    assert body["missing"] == ["data_diri", "praktik_kinerja", "pengembangan_kompetensi", "perilaku_kerja"]


@pytest.mark.parametrize(
    ("path", "body", "field", "rule"),
    [
        ("praktik-kinerja", {"indikator": "D.9.9"}, "indikator", "any"),
        ("praktik-kinerja", {"indikator": "D.3.1"}, "indikator", "skp.indikator_peran"),  # a KS indicator
        (
            "pengembangan-kompetensi",
            {"rhk": [{"kode": "TT-01", "target_kuantitas": 1}]},
            "rhk[0].kode",
            "skp.rhk_kategori",
        ),
        (
            "pengembangan-kompetensi",
            {"rhk": [{"kode": "PK-01", "target_kuantitas": 17}]},
            "rhk[0].target_kuantitas",
            "skp.target_range",
        ),
        (
            "pengembangan-kompetensi",
            {"rhk": [{"kode": "PK-01", "target_kuantitas": 2}, {"kode": "PK-01", "target_kuantitas": 3}]},
            "pengembangan_kompetensi[1].kode",
            "skp.rhk_duplicate",
        ),
        ("data-diri", {"sesuai": False}, "catatan", "skp.data_diri_note_required"),
    ],
)
async def test_a_domain_rule_is_422_naming_the_field(client, tokens, draft, path, body, field, rule) -> None:
    nip, skp_id = draft
    before = await read(client, tokens, nip, skp_id)
    response = await client.put(
        f"/api/v1/skp/{skp_id}/{path}", json=body, headers={**guru(tokens, nip), "If-Match": "*"}
    )
    assert response.status_code == 422, response.text
    if rule == "any":
        assert response.json()["errors"][0]["field"] == field
    else:
        problem(response, 422, rule, field)
    after = await read(client, tokens, nip, skp_id)
    assert (after["version"], after["missing_steps"]) == (before["version"], [])


# --- If-Match ---------------------------------------------------------------------------------------------


async def test_a_stale_if_match_is_412_and_changes_nothing(client, tokens, people) -> None:
    nip = people.teacher()
    skp_id, etag = await new_plan(client, tokens, nip)
    h = guru(tokens, nip)
    first = await client.put(
        f"/api/v1/skp/{skp_id}/tugas-tambahan",
        json={"rhk": [{"kode": "TT-01", "target_kuantitas": 1}]},
        headers={**h, "If-Match": etag},
    )
    assert first.status_code == 200, first.text

    # A second tab still holds the old ETag.
    stale = await client.put(f"/api/v1/skp/{skp_id}/tugas-tambahan", json={"rhk": []}, headers={**h, "If-Match": etag})

    body = problem(stale, 412, "http.if_match_stale", "If-Match")
    assert body["current_etag"] == first.headers["ETag"]
    after = await read(client, tokens, nip, skp_id)
    assert after["version"] == first.json()["version"]
    assert [r["kode"] for r in after["tugas_tambahan"]] == ["TT-01"]
    stale_submit = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**h, "If-Match": etag})
    problem(stale_submit, 412, "http.if_match_stale", "If-Match")
    garbled = await client.put(f"/api/v1/skp/{skp_id}/perilaku-kerja", headers={**h, "If-Match": "v3"})
    problem(garbled, 422, "http.if_match_format", "If-Match")
    assert (await read(client, tokens, nip, skp_id))["version"] == first.json()["version"]


@pytest.fixture(scope="module")
async def plans_by_state(client, tokens, people) -> dict[str, tuple[str, str]]:
    """One plan in each state (teacher, id), for the If-Match checks of every route that changes a plan."""
    found = {}
    for state in ("DRAFT", "DIAJUKAN", "DISETUJUI"):
        nip = people.teacher()
        skp_id, etag = await new_plan(client, tokens, nip)
        if state != "DRAFT":
            r = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru(tokens, nip), "If-Match": etag})
            etag = r.headers["ETag"]
        if state == "DISETUJUI":
            r = await client.post(
                f"/api/v1/skp/{skp_id}/approve", headers={**kepala(tokens, people.ks), "If-Match": etag}
            )
            assert r.status_code == 200, r.text
        found[state] = (nip, skp_id)
    return found


# Every route that changes a plan, with the caller allowed to and the state it works in.
IF_MATCH_ROUTES: dict[tuple[str, str], tuple[str, str, Any]] = {
    ("PUT", "data-diri"): ("owner", "DRAFT", {"sesuai": True}),
    ("PUT", "praktik-kinerja"): ("owner", "DRAFT", {"indikator": "D.1.3"}),
    ("PUT", "pengembangan-kompetensi"): ("owner", "DRAFT", {"rhk": [{"kode": "PK-01", "target_kuantitas": 4}]}),
    ("PUT", "tugas-tambahan"): ("owner", "DRAFT", {"rhk": []}),
    ("PUT", "perilaku-kerja"): ("owner", "DRAFT", None),
    ("POST", "submit"): ("owner", "DRAFT", None),
    ("PUT", "ekspektasi-pimpinan"): ("ks", "DIAJUKAN", {"ekspektasi_khusus": {"loyal": "Hadir tepat waktu"}}),
    ("POST", "approve"): ("ks", "DIAJUKAN", None),
    ("POST", "return"): ("ks", "DIAJUKAN", {"catatan": "Perbaiki target"}),
    ("POST", "reset"): ("operator", "DISETUJUI", {"alasan": "Salah setuju"}),
}


async def test_every_route_that_changes_a_plan_declares_if_match(client) -> None:
    document = (await client.get("/openapi.json")).json()
    declared = {
        (method.upper(), path.removeprefix("/api/v1/skp/{skp_id}/"))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if path.startswith("/api/v1/skp/") and any(p["name"] == "If-Match" for p in operation.get("parameters", []))
    }
    assert declared == set(IF_MATCH_ROUTES)


@pytest.mark.parametrize(("method", "step"), list(IF_MATCH_ROUTES), ids=[f"{m} {s}" for m, s in IF_MATCH_ROUTES])
async def test_a_missing_if_match_is_428(client, tokens, people, plans_by_state, method, step) -> None:
    caller, state, body = IF_MATCH_ROUTES[(method, step)]
    nip, skp_id = plans_by_state[state]
    headers = {
        "owner": lambda: guru(tokens, nip),
        "ks": lambda: kepala(tokens, people.ks),
        "operator": lambda: operator_headers(tokens),
    }[caller]()
    before = await read(client, tokens, nip, skp_id)
    response = await client.request(method, f"/api/v1/skp/{skp_id}/{step}", json=body, headers=headers)
    problem(response, 428, "http.if_match_required", "If-Match")
    after = await read(client, tokens, nip, skp_id)
    assert (after["status"], after["version"]) == (state, before["version"])


# --- Idempotency-Key --------------------------------------------------------------------------------------


async def count(app, sql: str, **params: Any) -> int:
    async with app.state.container.chassis.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def test_a_double_click_makes_one_plan_and_the_second_is_a_409_not_a_500(app, client, tokens, people) -> None:
    nip = people.teacher()
    clicks = [client.post("/api/v1/skp", json={"periode": PERIODE}, headers=guru(tokens, nip)) for _ in range(4)]
    answers = await asyncio.gather(*clicks)
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        problem(refused, 409, "skp.exists", "periode")
    plans = "SELECT count(*) FROM skp s JOIN pegawai p ON p.id = s.pegawai_id WHERE p.nip = :nip"
    assert await count(app, plans, nip=nip) == 1


async def test_a_replayed_create_gets_the_first_answer_and_makes_one_plan(app, client, tokens, people) -> None:
    nip = people.teacher()
    h = {**guru(tokens, nip), "Idempotency-Key": "buat-rencana-1"}
    first = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=h)
    second = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=h)

    assert first.status_code == second.status_code == 201, second.text
    assert "Idempotency-Replayed" not in first.headers
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.json() == first.json()
    assert (second.headers["ETag"], second.headers["Location"]) == (first.headers["ETag"], first.headers["Location"])
    plans = "SELECT count(*) FROM skp s JOIN pegawai p ON p.id = s.pegawai_id WHERE p.nip = :nip"
    assert await count(app, plans, nip=nip) == 1
    # Without the key it is a new request, refused because the plan exists: the one made the first time.
    fresh = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=guru(tokens, nip))
    assert problem(fresh, 409, "skp.exists", "periode")["skp_id"] == first.json()["id"]


async def test_a_replayed_submit_gets_the_first_answer_and_publishes_once(app, client, tokens, people) -> None:
    nip = people.teacher()
    skp_id, etag = await new_plan(client, tokens, nip)
    h = {**guru(tokens, nip), "If-Match": etag, "Idempotency-Key": "ajukan-1"}
    first = await client.post(f"/api/v1/skp/{skp_id}/submit", headers=h)
    second = await client.post(f"/api/v1/skp/{skp_id}/submit", headers=h)

    assert first.status_code == second.status_code == 200, second.text
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.json() == first.json() and second.headers["ETag"] == first.headers["ETag"]
    after = await read(client, tokens, nip, skp_id)
    assert (after["status"], after["version"]) == ("DIAJUKAN", first.json()["version"])
    submitted = "SELECT count(*) FROM outbox_message WHERE aggregate_id = :aggregate AND routing_key = :key"
    assert await count(app, submitted, aggregate=f"skp:{skp_id}", key=routing_key(SkpSubmittedV1)) == 1


async def test_a_key_reused_for_another_request_is_422(client, tokens, people) -> None:
    nip = people.teacher()
    skp_id, etag = await new_plan(client, tokens, nip)
    submitted = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru(tokens, nip), "If-Match": etag})
    ks = {**kepala(tokens, people.ks), "If-Match": submitted.headers["ETag"], "Idempotency-Key": "kembalikan-1"}
    first = await client.post(f"/api/v1/skp/{skp_id}/return", json={"catatan": "Target terlalu rendah"}, headers=ks)
    assert first.status_code == 200, first.text

    other = await client.post(f"/api/v1/skp/{skp_id}/return", json={"catatan": "Indikator kurang tepat"}, headers=ks)
    problem(other, 422, "idempotency.key_reused", "Idempotency-Key")
    elsewhere = await client.post(f"/api/v1/skp/{skp_id}/approve", headers=ks)
    problem(elsewhere, 422, "idempotency.key_reused", "Idempotency-Key")
    after = await read(client, tokens, nip, skp_id)
    assert (after["status"], after["catatan_atasan"], after["version"]) == (
        "DIKEMBALIKAN",
        "Target terlalu rendah",
        first.json()["version"],
    )


async def test_a_refused_request_does_not_use_up_its_key(client, tokens, people) -> None:
    nip = people.teacher()
    skp_id, etag = await new_plan(client, tokens, nip)
    h = {**guru(tokens, nip), "Idempotency-Key": "ajukan-lagi"}
    refused = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**h, "If-Match": '"v1"'})
    problem(refused, 412, "http.if_match_stale", "If-Match")
    retried = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**h, "If-Match": etag})
    assert retried.status_code == 200, retried.text
    assert "Idempotency-Replayed" not in retried.headers


async def test_a_malformed_key_is_422(client, tokens, people) -> None:
    nip = people.teacher()
    response = await client.post(
        "/api/v1/skp", json={"periode": PERIODE}, headers={**guru(tokens, nip), "Idempotency-Key": "kunci dengan spasi"}
    )
    problem(response, 422, "idempotency.key", "Idempotency-Key")
