"""What a teacher and an operator read: my own plan for a period with my data diri, and my region's roster."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from pmm_kernel.clock import WIB
from tools.demo_roster import pns_nip, pppk_nip

pytestmark = pytest.mark.integration

FIRST_I = 4000  # this module's people: pns_nip(i) / pppk_nip(i) from here on (other modules use other ranges)
PERIODE = "2024-S1"
MULAI = "2023-07-01"
# Two schools of Kota Bandung and one of Kabupaten Bandung Barat, named so that every collation sorts them alike.
NPSN_A, NPSN_B, NPSN_LAIN = "20994001", "20994002", "20994101"
SEKOLAH = [
    {"npsn": NPSN_A, "nama": "SD Baca Alpha", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"},
    {"npsn": NPSN_B, "nama": "SD Baca Beta", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"},
]
SEKOLAH_LAIN = {
    "npsn": NPSN_LAIN,
    "nama": "SD Baca Gamma",
    "kode_wilayah": "3217",
    "nama_wilayah": "Kab. Bandung Barat",
}


@dataclass
class Person:
    nip: str
    nama: str
    status: str
    jenis_gtk: str
    npsn: str

    def row(self) -> dict[str, str]:
        senior = self.jenis_gtk in ("Kepala Sekolah", "Pengawas Sekolah")
        golongan = "IX" if self.status == "PPPK" else ("IV/a" if senior else "III/b")
        return {
            "nip": self.nip,
            "status": self.status,
            "nama": self.nama,
            "pangkat_golongan": golongan,
            "jenjang_jabatan": "Ahli Madya" if senior else "Ahli Pertama",
            "jenis_gtk": self.jenis_gtk,
            "npsn": self.npsn,
        }


@dataclass
class People:
    ks: Person
    pengawas: Person
    guru_a: list[Person]  # teachers of school A, each owning at most one plan of this module
    pppk: Person  # a PPPK teacher of school A
    guru_b: list[Person]  # two of them share a name: a page boundary between namesakes must hold
    lain: list[Person]  # the people of the school in another region
    _next: itertools.count = field(default_factory=itertools.count)

    def teacher(self) -> Person:
        return self.guru_a[next(self._next)]

    def of(self, npsn: str) -> list[Person]:
        everyone = [self.ks, self.pengawas, *self.guru_a, self.pppk, *self.guru_b, *self.lain]
        return [p for p in everyone if p.npsn == npsn]


def operator(tokens, wilayah: str) -> dict[str, str]:
    return tokens.headers(f"op-baca-{wilayah or 'nasional'}", "operator", wilayah=wilayah)


def guru(tokens, person: Person) -> dict[str, str]:
    return tokens.headers(person.nip, "guru")


async def _import(client, tokens, wilayah: str, kind: str, rows: list[dict[str, str]]) -> None:
    response = await client.post(f"/api/v1/roster/{kind}", json=rows, headers=operator(tokens, wilayah))
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == [], response.json()


@pytest.fixture(scope="module")
async def people(client, tokens) -> People:
    ids = itertools.count(FIRST_I)

    def pns(nama: str, jenis_gtk: str, npsn: str) -> Person:
        return Person(pns_nip(next(ids)), nama, "PNS", jenis_gtk, npsn)

    ks = pns("Baca Kepala", "Kepala Sekolah", NPSN_A)
    pengawas = pns("Baca Pengawas", "Pengawas Sekolah", NPSN_A)
    guru_a = [pns(f"Baca Guru {letter}", "Guru Mapel", NPSN_A) for letter in "ABCDE"]
    pppk = Person(pppk_nip(next(ids)), "Baca Guru PPPK", "PPPK", "Guru Kelas", NPSN_A)
    guru_b = [
        pns("Baca Sama", "Guru Kelas", NPSN_B),
        pns("Baca Sama", "Guru Mapel", NPSN_B),
        pns("Baca Zaki", "Guru BK", NPSN_B),
    ]
    lain = [pns("Baca Lain", "Guru Mapel", NPSN_LAIN), pns("Baca Lain Dua", "Guru Kelas", NPSN_LAIN)]

    await _import(client, tokens, "3273", "sekolah", SEKOLAH)
    await _import(client, tokens, "3273", "pegawai", [p.row() for p in (ks, pengawas, *guru_a, pppk, *guru_b)])
    relasi = [
        {"nip_pegawai": p.nip, "nip_atasan": ks.nip, "peran_atasan": "kepala_sekolah", "mulai": MULAI}
        for p in (*guru_a, pppk)
    ]
    relasi.append({"nip_pegawai": ks.nip, "nip_atasan": pengawas.nip, "peran_atasan": "pengawas", "mulai": MULAI})
    await _import(client, tokens, "3273", "relasi", relasi)
    await _import(client, tokens, "3217", "sekolah", [SEKOLAH_LAIN])
    await _import(client, tokens, "3217", "pegawai", [p.row() for p in lain])
    return People(ks, pengawas, guru_a, pppk, guru_b, lain)


@pytest.fixture(autouse=True)
def planning_is_open(set_clock) -> None:
    set_clock(datetime(2024, 1, 20, 9, 0, tzinfo=WIB))  # both planning windows of 2024-S1 are open


def rule_of(response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()["errors"][0]["rule"]


# --- my plan ---------------------------------------------------------------------------------------------


async def my_plan(client, headers: dict[str, str], periode: str = PERIODE):
    return await client.get("/api/v1/skp/saya", params={"periode": periode}, headers=headers)


async def test_my_plan_is_found_by_its_period_with_its_etag(client, tokens, people) -> None:
    teacher = people.teacher()
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=guru(tokens, teacher))
    assert created.status_code == 201, created.text

    mine = await my_plan(client, guru(tokens, teacher))

    assert mine.status_code == 200, mine.text
    by_id = await client.get(f"/api/v1/skp/{created.json()['id']}", headers=guru(tokens, teacher))
    assert mine.json() == by_id.json()
    assert mine.headers["ETag"] == by_id.headers["ETag"] == created.headers["ETag"]
    # The ETag it gives is the one the next step's If-Match needs.
    saved = await client.put(
        f"/api/v1/skp/{mine.json()['id']}/data-diri",
        json={"sesuai": True},
        headers={**guru(tokens, teacher), "If-Match": mine.headers["ETag"]},
    )
    assert saved.status_code == 200, saved.text


async def test_without_a_plan_for_the_period_it_is_404(client, tokens, people) -> None:
    teacher, colleague = people.teacher(), people.teacher()
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=guru(tokens, colleague))
    assert created.status_code == 201, created.text

    for who, periode in ((teacher, PERIODE), (colleague, "2024-S2"), (colleague, "1999-S9")):
        response = await my_plan(client, guru(tokens, who), periode)
        assert response.status_code == 404, (periode, response.text)
        assert rule_of(response) == "plan.not_found"
        assert created.json()["id"] not in response.text  # a colleague's plan is never "mine"


async def test_someone_not_in_the_roster_is_told_so(client, tokens, people) -> None:
    stranger = tokens.headers(pns_nip(FIRST_I + 999), "guru")
    for headers in (stranger, operator(tokens, "3273")):
        response = await my_plan(client, headers)
        assert response.status_code == 404, response.text
        assert rule_of(response) == "pegawai.not_in_roster"


async def test_the_period_is_required(client, tokens, people) -> None:
    response = await client.get("/api/v1/skp/saya", headers=guru(tokens, people.guru_a[0]))
    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("query.periode", "schema.missing")]


async def test_a_plan_shows_the_data_diri_the_teacher_checks(client, tokens, people, draft_plan) -> None:
    teacher = people.teacher()
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=guru(tokens, people.pppk))
    assert created.status_code == 201, created.text
    assert created.json()["pegawai"] | {"id": None} == {
        "id": None,
        "nip": people.pppk.nip,
        "nama": "Baca Guru PPPK",
        "jenis_gtk": "Guru Kelas",
        "npsn": NPSN_A,
        "status": "PPPK",
        "pangkat_golongan": "IX",
        "jenjang_jabatan": "Ahli Pertama",
        "nama_sekolah": "SD Baca Alpha",
        "kode_wilayah": "3273",
    }

    # The same data in the atasan's queue.
    skp_id, etag = await draft_plan(SimpleNamespace(nip=teacher.nip))
    submitted = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru(tokens, teacher), "If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["pegawai"]["status"] == "PNS"
    assert submitted.json()["pegawai"]["pangkat_golongan"] == "III/b"
    queue = await client.get(
        "/api/v1/antrian-persetujuan",
        params={"limit": 100},
        headers=tokens.headers(people.ks.nip, "guru", "kepala_sekolah"),
    )
    assert queue.status_code == 200, queue.text
    [item] = [i for i in queue.json()["items"] if i["skp_id"] == skp_id]
    assert item["pegawai"] == submitted.json()["pegawai"]


# --- the operator's roster -------------------------------------------------------------------------------


async def list_pegawai(client, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every page of the listing, following the cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/roster/pegawai", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= params.get("limit", 100)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ends")


def expected_item(person: Person, nama_sekolah: str, peran: list[str]) -> dict[str, Any]:
    row = person.row()
    return {
        "nip": person.nip,
        "nama": person.nama,
        "status": person.status,
        "jenis_gtk": person.jenis_gtk,
        "jenjang_jabatan": row["jenjang_jabatan"],
        "pangkat_golongan": row["pangkat_golongan"],
        "npsn": person.npsn,
        "nama_sekolah": nama_sekolah,
        "peran": peran,
    }


async def test_one_school_by_name_with_the_roles_each_signs_in_with(client, tokens, people) -> None:
    items = await list_pegawai(client, operator(tokens, "3273"), npsn=NPSN_A)

    assert [i["nama"] for i in items] == sorted(p.nama for p in people.of(NPSN_A))
    by_nip = {i["nip"]: i for i in items}
    assert by_nip[people.ks.nip] == expected_item(people.ks, "SD Baca Alpha", ["guru", "kepala_sekolah"])
    assert by_nip[people.pengawas.nip] == expected_item(people.pengawas, "SD Baca Alpha", ["guru", "pengawas"])
    assert by_nip[people.pppk.nip] == expected_item(people.pppk, "SD Baca Alpha", ["guru"])
    assert by_nip[people.guru_a[0].nip]["peran"] == ["guru"]


async def test_the_cursor_walks_the_whole_region_once(client, tokens, people) -> None:
    headers = operator(tokens, "3273")
    whole = await client.get("/api/v1/roster/pegawai", params={"limit": 500}, headers=headers)
    assert whole.status_code == 200 and whole.json()["next_cursor"] is None, whole.text

    for limit in (1, 3):
        assert await list_pegawai(client, headers, limit=limit) == whole.json()["items"]
    # Namesakes of one school on either side of a page boundary: each exactly once.
    namesakes = await list_pegawai(client, headers, npsn=NPSN_B, limit=1)
    assert sorted(i["nip"] for i in namesakes) == sorted(p.nip for p in people.guru_b)
    # School by school: this module's two schools follow one another, A before B.
    mine = [i["npsn"] for i in whole.json()["items"] if i["npsn"] in (NPSN_A, NPSN_B)]
    assert mine == [NPSN_A] * len(people.of(NPSN_A)) + [NPSN_B] * len(people.of(NPSN_B))


async def test_an_operator_sees_only_their_region(client, tokens, people) -> None:
    ours = {p.nip for p in (*people.of(NPSN_A), *people.of(NPSN_B))}
    theirs = {p.nip for p in people.lain}

    bandung = {i["nip"] for i in await list_pegawai(client, operator(tokens, "3273"), limit=500)}
    kabupaten = {i["nip"] for i in await list_pegawai(client, operator(tokens, "3217"), limit=500)}
    jawa_barat = {i["nip"] for i in await list_pegawai(client, operator(tokens, "32"), limit=500)}
    nasional = {i["nip"] for i in await list_pegawai(client, operator(tokens, ""), limit=500)}

    assert ours <= bandung and not theirs & bandung
    assert kabupaten == theirs
    assert ours | theirs <= jawa_barat and ours | theirs <= nasional
    # Another region's school is no filter that shows its people.
    assert await list_pegawai(client, operator(tokens, "3273"), npsn=NPSN_LAIN) == []


async def test_a_cursor_from_another_region_or_made_up_is_refused(client, tokens, people) -> None:
    page = await client.get("/api/v1/roster/pegawai", params={"limit": 1}, headers=operator(tokens, "3217"))
    foreign = page.json()["next_cursor"]
    assert foreign is not None
    for cursor in (foreign, "bm90LWEtY3Vyc29y", "eyJpZCI6IDV9"):  # another region's; not JSON; {"id": 5}
        response = await client.get(
            "/api/v1/roster/pegawai", params={"cursor": cursor}, headers=operator(tokens, "3273")
        )
        assert response.status_code == 422, (cursor, response.text)
        assert rule_of(response) == "pagination.cursor"


async def test_the_region_s_schools_by_name(client, tokens, people) -> None:
    response = await client.get("/api/v1/roster/sekolah", headers=operator(tokens, "3273"))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert all(i["kode_wilayah"].startswith("3273") for i in items)
    mine = [i for i in items if i["npsn"] in (NPSN_A, NPSN_B, NPSN_LAIN)]
    assert mine == SEKOLAH

    other = (await client.get("/api/v1/roster/sekolah", headers=operator(tokens, "3217"))).json()["items"]
    assert other == [SEKOLAH_LAIN]


@pytest.mark.parametrize("path", ["/api/v1/roster/pegawai", "/api/v1/roster/sekolah"])
async def test_only_an_operator_lists_the_roster(client, tokens, people, path) -> None:
    for headers in (
        guru(tokens, people.guru_a[0]),
        tokens.headers(people.ks.nip, "guru", "kepala_sekolah"),
        tokens.headers(people.pengawas.nip, "guru", "pengawas"),
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 403, response.text
        assert rule_of(response) == "role.operator_required"
        assert people.guru_a[0].nip not in response.text
