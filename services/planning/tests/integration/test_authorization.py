"""The authorisation matrix through HTTP: every /api/v1 operation of the OpenAPI document, every kind of caller.

A plan belongs to someone; who else may see it follows from the roster, never from the token. Another person's
record is a 404 (its existence does not leak), a record the caller may see but not act on is a 403, and an
allowed action succeeds. Role-only routes (roster, periods, katalog, the approval queue) have their own matrix.
Every operation must be in the tables below: a new route that is not fails `test_every_operation_is_in_the_table`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from planning.domain.access import Relation
from pmm_kernel.clock import WIB
from pmm_testkit.authz import (
    Persona,
    assert_covered,
    assert_personas,
    operations,
    probe_mass_assignment,
    probe_page_caps,
)
from tools.demo import skp_steps
from tools.demo_roster import pns_nip

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_server_errors")]

OWNER, ATASAN, OPERATOR, NONE = Relation.OWNER, Relation.ATASAN, Relation.OPERATOR, Relation.NONE
PERIODE = "2024-S1"
# Both planning windows of 2024-S1 are open on this day (a KS plans from 15 January).
TODAY = datetime(2024, 1, 20, 9, 0, tzinfo=WIB)
PROBLEM_JSON = "application/problem+json"

# This module's people: pns_nip(i) for i from FIRST_I on; other modules use other ranges.
FIRST_I = 1000
GURU_POOL = 10  # teachers of school A whose plans the matrix uses, one per fresh plan
KS_POOL = 10  # kepala sekolah, each with a school and one teacher, for the KS-plan matrix
NPSN_A, NPSN_B = "20990101", "20990102"
MULAI = "2023-07-01"


# --- the people ------------------------------------------------------------------------------------------


@dataclass
class World:
    ks_a: str
    ks_b: str
    pengawas: str
    wrong_pengawas: str  # the pengawas of another school's KS: nobody here is theirs to appraise
    peer_a: str  # a teacher of school A who owns no plan here
    guru_pool: list[str]
    ks_pool: list[tuple[str, str]]  # (kepala sekolah, a teacher of that school)
    guru_role: str  # a teacher and a KS kept for the role matrix (POST /skp creates their plan)
    ks_role: str
    _next_guru: itertools.count = field(default_factory=itertools.count)
    _next_ks: itertools.count = field(default_factory=itertools.count)

    def fresh_guru(self) -> str:
        return self.guru_pool[next(self._next_guru)]

    def fresh_ks(self) -> tuple[str, str]:
        return self.ks_pool[next(self._next_ks)]


def _pegawai(i: int, jenis_gtk: str, npsn: str) -> dict[str, str]:
    senior = jenis_gtk in ("Kepala Sekolah", "Pengawas Sekolah")
    return {
        "nip": pns_nip(i),
        "status": "PNS",
        "nama": f"Pegawai Uji {i}",
        "pangkat_golongan": "IV/a" if senior else "III/b",
        "jenjang_jabatan": "Ahli Madya" if senior else "Ahli Pertama",
        "jenis_gtk": jenis_gtk,
        "npsn": npsn,
    }


async def _import(client, tokens, kind: str, rows: list[dict[str, str]]) -> None:
    response = await client.post(f"/api/v1/roster/{kind}", json=rows, headers=operator(tokens, "3273"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["errors"] == [] and report["created"] == len(rows), report


@pytest.fixture(scope="module")
async def world(client, tokens) -> World:
    ids = itertools.count(FIRST_I)
    ks_schools = [f"209902{n:02d}" for n in range(KS_POOL + 1)]
    npsn_w = "20990299"  # the wrong pengawas's school
    await _import(
        client,
        tokens,
        "sekolah",
        [
            {
                "npsn": npsn,
                "nama": f"SD Uji {npsn}",
                "kode_wilayah": "3273",
                "nama_wilayah": "Kota Bandung",
                "prioritas_rapor": "D.1.3;D.3.1",
            }
            for npsn in (NPSN_A, NPSN_B, npsn_w, *ks_schools)
        ],
    )
    pegawai: list[dict[str, str]] = []
    relasi: list[dict[str, str]] = []

    def add(jenis_gtk: str, npsn: str, atasan: str | None = None, peran: str = "kepala_sekolah") -> str:
        row = _pegawai(next(ids), jenis_gtk, npsn)
        pegawai.append(row)
        if atasan is not None:
            relasi.append({"nip_pegawai": row["nip"], "nip_atasan": atasan, "peran_atasan": peran, "mulai": MULAI})
        return row["nip"]

    pengawas = add("Pengawas Sekolah", NPSN_A)
    ks_a = add("Kepala Sekolah", NPSN_A, pengawas, "pengawas")
    ks_b = add("Kepala Sekolah", NPSN_B, pengawas, "pengawas")
    wrong_pengawas = add("Pengawas Sekolah", npsn_w)
    add("Kepala Sekolah", npsn_w, wrong_pengawas, "pengawas")
    peer_a = add("Guru Kelas", NPSN_A, ks_a)
    guru_pool = [add("Guru Mapel", NPSN_A, ks_a) for _ in range(GURU_POOL)]
    guru_role = add("Guru Kelas", NPSN_A, ks_a)
    ks_pool = []
    for npsn in ks_schools[:-1]:
        ks = add("Kepala Sekolah", npsn, pengawas, "pengawas")
        ks_pool.append((ks, add("Guru Kelas", npsn, ks)))
    ks_role = add("Kepala Sekolah", ks_schools[-1], pengawas, "pengawas")
    assert len({row["nip"] for row in pegawai}) == len(pegawai)
    await _import(client, tokens, "pegawai", pegawai)
    await _import(client, tokens, "relasi", relasi)
    return World(ks_a, ks_b, pengawas, wrong_pengawas, peer_a, guru_pool, ks_pool, guru_role, ks_role)


@pytest.fixture(autouse=True)
def planning_is_open(set_clock) -> None:
    set_clock(TODAY)


# --- tokens ----------------------------------------------------------------------------------------------


def guru(tokens, nip: str) -> dict[str, str]:
    return tokens.headers(nip, "guru")


def kepala(tokens, nip: str) -> dict[str, str]:
    return tokens.headers(nip, "guru", "kepala_sekolah")


def pengawas(tokens, nip: str) -> dict[str, str]:
    return tokens.headers(nip, "pengawas")


def operator(tokens, wilayah: str) -> dict[str, str]:
    return tokens.headers(f"op-auth-{wilayah or 'nasional'}", "operator", wilayah=wilayah)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Each refused token, with the rule the 401 names.
UNAUTHENTICATED: dict[str, tuple[Callable[[Any, str], dict[str, str]], str]] = {
    "no_token": (lambda tokens, nip: {}, "token.missing"),
    "expired_token": (
        lambda tokens, nip: bearer(tokens.token(nip, "guru", now=datetime.now(UTC) - timedelta(hours=2))),
        "token.expired",
    ),
    "wrong_audience": (lambda tokens, nip: bearer(tokens.token(nip, "guru", audience="pmm-lain")), "token.audience"),
}


# --- plans through the API -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOwner:
    """A plan's owner and the people around them, by the kind of plan."""

    kind: str  # "guru" | "ks"
    owner: str
    colleague: str  # another teacher of the owner's school
    atasan: str


INDIKATOR = {"guru": "D.1.3", "ks": "D.3.1"}


def owner_headers(tokens, plan: PlanOwner) -> dict[str, str]:
    return guru(tokens, plan.owner) if plan.kind == "guru" else kepala(tokens, plan.owner)


def atasan_headers(tokens, plan: PlanOwner) -> dict[str, str]:
    return kepala(tokens, plan.atasan) if plan.kind == "guru" else pengawas(tokens, plan.atasan)


async def make_plan(client, tokens, plan: PlanOwner, state: str) -> str:
    """A plan of `plan.owner` brought to `state` (DRAFT is complete, ready to submit)."""
    h = owner_headers(tokens, plan)
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=h)
    assert created.status_code == 201, created.text
    skp_id, etag = created.json()["id"], created.headers["ETag"]
    for step, body in skp_steps(INDIKATOR[plan.kind]):
        r = await client.put(f"/api/v1/skp/{skp_id}/{step}", json=body, headers={**h, "If-Match": etag})
        assert r.status_code == 200, (step, r.text)
        etag = r.headers["ETag"]
    if state == "DRAFT":
        return skp_id
    r = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    if state == "DIAJUKAN":
        return skp_id
    r = await client.post(
        f"/api/v1/skp/{skp_id}/approve", headers={**atasan_headers(tokens, plan), "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 200, r.text
    assert state == "DISETUJUI"
    return skp_id


@pytest.fixture(scope="module")
def shared_plans() -> dict[tuple[str, str], tuple[PlanOwner, str]]:
    """Plans that refused callers try: nobody changes their state, so the cases share them."""
    return {}


def new_owner(world: World, kind: str) -> PlanOwner:
    if kind == "guru":
        return PlanOwner("guru", world.fresh_guru(), world.peer_a, world.ks_a)
    ks, teacher = world.fresh_ks()
    return PlanOwner("ks", ks, teacher, world.pengawas)


async def plan_in(
    client, tokens, world: World, shared: dict, kind: str, state: str, *, fresh: bool
) -> tuple[PlanOwner, str]:
    if fresh:
        owner = new_owner(world, kind)
        return owner, await make_plan(client, tokens, owner, state)
    if (kind, state) not in shared:
        owner = new_owner(world, kind)
        shared[(kind, state)] = (owner, await make_plan(client, tokens, owner, state))
    return shared[(kind, state)]


# --- the callers of a plan route, and the relation each holds to the plan --------------------------------


def skp_caller_headers(tokens, world: World, plan: PlanOwner, caller: str) -> dict[str, str]:
    other_ks = world.ks_b if plan.kind == "guru" else world.ks_a
    return {
        "owner": lambda: owner_headers(tokens, plan),
        "guru_same_school": lambda: guru(tokens, plan.colleague),
        "ks_of_owner": lambda: kepala(tokens, plan.atasan),
        "ks_of_owner_without_role": lambda: guru(tokens, plan.atasan),
        "ks_other_school": lambda: kepala(tokens, other_ks),
        "pengawas": lambda: pengawas(tokens, world.pengawas),
        "pengawas_without_role": lambda: guru(tokens, world.pengawas),
        "wrong_pengawas": lambda: pengawas(tokens, world.wrong_pengawas),
        "operator_3273": lambda: operator(tokens, "3273"),
        "operator_3204": lambda: operator(tokens, "3204"),
        "operator_nasional": lambda: operator(tokens, ""),
    }[caller]()


# Who holds which relation to a teacher's plan, and to a kepala sekolah's own plan (whose atasan is the pengawas).
RELATIONS: dict[str, dict[str, Relation]] = {
    "guru": {
        "owner": OWNER,
        "guru_same_school": NONE,
        "ks_of_owner": ATASAN,
        "ks_of_owner_without_role": NONE,  # the roster says atasan, the token lacks the role
        "ks_other_school": NONE,
        "pengawas": NONE,  # the pengawas appraises the KS, not the KS's teachers
        "wrong_pengawas": NONE,
        "operator_3273": OPERATOR,
        "operator_3204": NONE,
        "operator_nasional": OPERATOR,
    },
    "ks": {
        "owner": OWNER,
        "guru_same_school": NONE,
        "ks_other_school": NONE,
        "pengawas": ATASAN,
        "pengawas_without_role": NONE,
        "wrong_pengawas": NONE,  # a pengawas, but of other schools
        "operator_3273": OPERATOR,
        "operator_3204": NONE,
        "operator_nasional": OPERATOR,
    },
}


@dataclass(frozen=True)
class Answer:
    status: int
    rule: str | None = None  # the problem's rule, for a refusal


@dataclass(frozen=True)
class SkpRoute:
    state: str  # where the plan must be for the allowed caller to succeed
    answers: dict[Relation, Answer]
    body: Any = None
    leads_to: str | None = None  # the plan's status after an allowed call
    changes_state: bool = False  # an allowed call moves the plan: it needs a fresh one


def answers(action: str | None, *allowed: Relation) -> dict[Relation, Answer]:
    """The answer per relation: NONE never learns the plan exists; others are allowed or forbidden."""
    table = {NONE: Answer(404, "plan.not_found")}
    for relation in (OWNER, ATASAN, OPERATOR):
        table[relation] = Answer(200) if relation in allowed else Answer(403, f"skp.{action}_forbidden")
    return table


SKP = "/api/v1/skp/{skp_id}"
SKP_ROUTES: dict[tuple[str, str], SkpRoute] = {
    ("GET", SKP): SkpRoute("DIAJUKAN", answers(None, OWNER, ATASAN, OPERATOR), leads_to="DIAJUKAN"),
    ("GET", SKP + "/dokumen.pdf"): SkpRoute("DIAJUKAN", answers(None, OWNER, ATASAN, OPERATOR), leads_to="DIAJUKAN"),
    ("PUT", SKP + "/data-diri"): SkpRoute("DRAFT", answers("edit", OWNER), {"sesuai": True}, "DRAFT"),
    ("PUT", SKP + "/praktik-kinerja"): SkpRoute("DRAFT", answers("edit", OWNER), "by kind", "DRAFT"),
    ("PUT", SKP + "/pengembangan-kompetensi"): SkpRoute(
        "DRAFT", answers("edit", OWNER), {"rhk": [{"kode": "PK-02", "target_kuantitas": 2}]}, "DRAFT"
    ),
    ("PUT", SKP + "/tugas-tambahan"): SkpRoute(
        "DRAFT", answers("edit", OWNER), {"rhk": [{"kode": "TT-01", "target_kuantitas": 1}]}, "DRAFT"
    ),
    ("PUT", SKP + "/perilaku-kerja"): SkpRoute("DRAFT", answers("edit", OWNER), None, "DRAFT"),
    ("PUT", SKP + "/ekspektasi-pimpinan"): SkpRoute(
        "DIAJUKAN",
        answers("set_ekspektasi", ATASAN),
        {"ekspektasi_khusus": {"akuntabel": "Laporan kegiatan diserahkan tepat waktu"}},
        "DIAJUKAN",
    ),
    ("POST", SKP + "/submit"): SkpRoute("DRAFT", answers("submit", OWNER), None, "DIAJUKAN", changes_state=True),
    ("POST", SKP + "/approve"): SkpRoute("DIAJUKAN", answers("approve", ATASAN), None, "DISETUJUI", changes_state=True),
    ("POST", SKP + "/return"): SkpRoute(
        "DIAJUKAN", answers("return", ATASAN), {"catatan": "Target pelatihan terlalu rendah"}, "DIKEMBALIKAN", True
    ),
    ("POST", SKP + "/reset"): SkpRoute(
        "DISETUJUI", answers("reset", OPERATOR), {"alasan": "Disetujui karena salah klik"}, "DRAFT", True
    ),
}


# --- role-only routes ------------------------------------------------------------------------------------

ROLE_CALLERS = ("guru", "kepala_sekolah", "pengawas", "operator_3273", "operator_3204", "operator_nasional")


def role_caller_headers(tokens, world: World, caller: str) -> dict[str, str]:
    return {
        "guru": lambda: guru(tokens, world.guru_role),
        "kepala_sekolah": lambda: kepala(tokens, world.ks_role),
        "pengawas": lambda: pengawas(tokens, world.pengawas),
        "operator_3273": lambda: operator(tokens, "3273"),
        "operator_3204": lambda: operator(tokens, "3204"),
        "operator_nasional": lambda: operator(tokens, ""),
    }[caller]()


@dataclass(frozen=True)
class RoleRoute:
    answers: dict[str, Answer]
    json: Any = None
    csv: str | None = None
    params: dict[str, str] | None = None
    report_rule: dict[str, str] = field(default_factory=dict)  # a 200 import report's expected row rule


ALL_OK = dict.fromkeys(ROLE_CALLERS, Answer(200))
OPERATOR_ONLY = {
    "guru": Answer(403, "role.operator_required"),
    "kepala_sekolah": Answer(403, "role.operator_required"),
    "pengawas": Answer(403, "role.operator_required"),
}
NOT_IN_ROSTER = Answer(404, "pegawai.not_in_roster")
SEKOLAH_A = {
    "npsn": NPSN_A,
    "nama": f"SD Uji {NPSN_A}",
    "kode_wilayah": "3273",
    "nama_wilayah": "Kota Bandung",
    "prioritas_rapor": "D.1.3;D.3.1",
}
IMPORT_ANSWERS = OPERATOR_ONLY | {
    "operator_3273": Answer(200),
    "operator_3204": Answer(200),  # the report refuses the row: the school is outside their region
    "operator_nasional": Answer(200),
}

ROLE_ROUTES: dict[tuple[str, str], RoleRoute] = {
    ("POST", "/api/v1/skp"): RoleRoute(
        {
            "guru": Answer(201),
            "kepala_sekolah": Answer(201),
            "pengawas": Answer(403, "pegawai.no_skp"),  # a pengawas sekolah is not appraised in PMM
            "operator_3273": NOT_IN_ROSTER,
            "operator_3204": NOT_IN_ROSTER,
            "operator_nasional": NOT_IN_ROSTER,
        },
        json={"periode": PERIODE},
    ),
    # A period nobody here has a plan for: the plan found is tested in test_reads.py.
    ("GET", "/api/v1/skp/saya"): RoleRoute(
        {
            "guru": Answer(404, "plan.not_found"),
            "kepala_sekolah": Answer(404, "plan.not_found"),
            "pengawas": Answer(404, "plan.not_found"),
            "operator_3273": NOT_IN_ROSTER,
            "operator_3204": NOT_IN_ROSTER,
            "operator_nasional": NOT_IN_ROSTER,
        },
        params={"periode": "2024-S2"},
    ),
    # The parts of the caller's own plan: none yet for this period (the parts after a transfer: test_mutasi.py).
    ("GET", "/api/v1/skp/saya/bagian"): RoleRoute(
        {
            "guru": Answer(200),
            "kepala_sekolah": Answer(200),
            "pengawas": Answer(200),
            "operator_3273": NOT_IN_ROSTER,
            "operator_3204": NOT_IN_ROSTER,
            "operator_nasional": NOT_IN_ROSTER,
        },
        params={"periode": "2024-S2"},
    ),
    ("GET", "/api/v1/antrian-persetujuan"): RoleRoute(
        {
            "guru": Answer(403, "role.atasan_required"),
            "kepala_sekolah": Answer(200),
            "pengawas": Answer(200),
            "operator_3273": Answer(403, "role.atasan_required"),
            "operator_3204": Answer(403, "role.atasan_required"),
            "operator_nasional": Answer(403, "role.atasan_required"),
        }
    ),
    # A plan nobody here has: an atasan is answered 200 with that plan refused as plan.not_found.
    ("POST", "/api/v1/persetujuan"): RoleRoute(
        {
            "guru": Answer(403, "role.atasan_required"),
            "kepala_sekolah": Answer(200),
            "pengawas": Answer(200),
            "operator_3273": Answer(403, "role.atasan_required"),
            "operator_3204": Answer(403, "role.atasan_required"),
            "operator_nasional": Answer(403, "role.atasan_required"),
        },
        json={"items": [{"skp_id": "00000000-0000-4000-8000-000000000000", "version": 1}]},
    ),
    # Everyone reads their own reminders; the addresses mail could not reach are the region operator's to fix.
    ("GET", "/api/v1/pemberitahuan"): RoleRoute(ALL_OK),
    ("GET", "/api/v1/pemberitahuan/gagal"): RoleRoute(
        OPERATOR_ONLY | {"operator_3273": Answer(200), "operator_3204": Answer(200), "operator_nasional": Answer(200)}
    ),
    ("GET", "/api/v1/periode"): RoleRoute(ALL_OK),
    # Periods are national: a regional operator may not open a year for the whole country.
    ("POST", "/api/v1/periode/tahun/{tahun}"): RoleRoute(
        OPERATOR_ONLY
        | {
            "operator_3273": Answer(403, "periode.open_scope"),
            "operator_3204": Answer(403, "periode.open_scope"),
            "operator_nasional": Answer(200),
        }
    ),
    ("POST", "/api/v1/periode/{kode}/perpanjangan"): RoleRoute(
        OPERATOR_ONLY
        | {
            "operator_3273": Answer(201),
            "operator_3204": Answer(403, "periode.extend_scope"),
            "operator_nasional": Answer(201),
        },
        # A window no other test relies on: the 2024-S2 penilaian, for Kota Bandung.
        json={"step": "penilaian", "until": "2025-01-10", "wilayah": "3273", "alasan": "uji otorisasi"},
    ),
    ("POST", "/api/v1/roster/{kind}/csv"): RoleRoute(
        IMPORT_ANSWERS,
        csv="npsn,nama,kode_wilayah,nama_wilayah,prioritas_rapor\n"
        + ",".join(SEKOLAH_A[k] for k in ("npsn", "nama", "kode_wilayah", "nama_wilayah", "prioritas_rapor"))
        + "\n",
        report_rule={"operator_3204": "roster.outside_region"},
    ),
    ("POST", "/api/v1/roster/{kind}"): RoleRoute(
        IMPORT_ANSWERS, json=[SEKOLAH_A], report_rule={"operator_3204": "roster.outside_region"}
    ),
    # Each operator lists their own region (3204's is empty here); which people is tested in test_reads.py.
    ("GET", "/api/v1/roster/pegawai"): RoleRoute(
        OPERATOR_ONLY | {"operator_3273": Answer(200), "operator_3204": Answer(200), "operator_nasional": Answer(200)}
    ),
    ("GET", "/api/v1/roster/sekolah"): RoleRoute(
        OPERATOR_ONLY | {"operator_3273": Answer(200), "operator_3204": Answer(200), "operator_nasional": Answer(200)}
    ),
    ("GET", "/api/v1/katalog/indikator/rekomendasi"): RoleRoute(
        {
            "guru": Answer(200),
            "kepala_sekolah": Answer(200),
            "pengawas": Answer(403, "pegawai.no_skp"),
            "operator_3273": NOT_IN_ROSTER,
            "operator_3204": NOT_IN_ROSTER,
            "operator_nasional": NOT_IN_ROSTER,
        }
    ),
    ("GET", "/api/v1/katalog/indikator"): RoleRoute(ALL_OK),
    ("GET", "/api/v1/katalog/rhk"): RoleRoute(ALL_OK),
    ("GET", "/api/v1/katalog/berakhlak"): RoleRoute(ALL_OK),
}

# Values for the path parameters the OpenAPI document names ({skp_id} is filled with a real plan).
PATH_VALUES = {
    "kind": "sekolah",
    "tahun": "2099",
    "kode": "2024-S2",
    "koreksi_id": "00000000-0000-4000-8000-000000000000",
}

# Correction reports have a relation of their own (their pegawai, an operator of their region; to anyone else a 404):
# their matrix, every required persona included, is in test_koreksi.py.
ELSEWHERE = dict.fromkeys(
    (
        ("POST", "/api/v1/koreksi"),
        ("GET", "/api/v1/koreksi"),
        ("GET", "/api/v1/koreksi/saya"),
        ("GET", "/api/v1/koreksi/{koreksi_id}"),
        ("POST", "/api/v1/koreksi/{koreksi_id}/selesai"),
        ("POST", "/api/v1/koreksi/{koreksi_id}/tolak"),
    ),
    "test_koreksi.py",
)


def url(path: str, skp_id: str | None = None) -> str:
    return path.format(**PATH_VALUES, skp_id=skp_id)


async def call(
    client,
    method: str,
    path: str,
    headers: dict[str, str],
    *,
    body: Any = None,
    csv: str | None = None,
    params: dict[str, str] | None = None,
):
    if csv is not None:
        return await client.request(
            method, path, content=csv, params=params, headers={**headers, "Content-Type": "text/csv"}
        )
    if body is None:
        return await client.request(method, path, params=params, headers=headers)
    return await client.request(method, path, json=body, params=params, headers=headers)


def assert_answer(response, expected: Answer) -> None:
    assert response.status_code == expected.status, response.text
    if expected.rule is not None:
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        problem = response.json()
        assert problem["status"] == expected.status
        assert [e["rule"] for e in problem["errors"]] == [expected.rule]


# --- the tests -------------------------------------------------------------------------------------------


# The matrix's callers under the names every service's matrix uses (pmm_testkit.authz.Persona).
PERSONAS = {
    "owner": Persona.OWNER,
    "guru_same_school": Persona.PEER,
    "ks_of_owner": Persona.ATASAN,
    "ks_other_school": Persona.OTHER_KS,
    "pengawas": Persona.PENGAWAS,
    "wrong_pengawas": Persona.WRONG_PENGAWAS,
    "operator_3273": Persona.OPERATOR,
    "operator_3204": Persona.OTHER_OPERATOR,
}


async def test_every_operation_is_in_the_table(client) -> None:
    document = (await client.get("/openapi.json")).json()
    assert not set(SKP_ROUTES) & set(ROLE_ROUTES)
    coverage = assert_covered(document, set(SKP_ROUTES) | set(ROLE_ROUTES), elsewhere=ELSEWHERE)
    for callers in RELATIONS.values():
        assert_personas(PERSONAS[c] for c in callers if c in PERSONAS)
    for key, operation in operations(document).items():
        # A route on one plan is judged by relation, every other one by role.
        assert ("skp_id" in operation.path_params) is (key in SKP_ROUTES), key
        assert set(operation.path_params) - {"skp_id"} <= set(PATH_VALUES), key
        assert {"401", "403", "404"} <= operation.responses, key
    # the plan routes; the role routes on a period or a roster kind; the three on one correction report
    assert coverage.with_id == len(SKP_ROUTES) + 4 + 3


# A roster row *defines* a pegawai: its NIP and employment status are the data imported, not fields of the server's.
# A correction report may name whose data it is (only ever the caller's own: another's id is a 404).
DECLARED = {("POST", "/api/v1/roster/{kind}"): {"nip", "status"}, ("POST", "/api/v1/koreksi"): {"pegawai_id"}}


async def test_read_only_fields_in_a_write_body_are_refused(client, tokens) -> None:
    headers = {**operator(tokens, "3273"), "If-Match": '"v1"'}
    cases, bodiless = await probe_mass_assignment(client, headers, declared=DECLARED, path_values=PATH_VALUES)
    assert len(cases) >= 40 and bodiless  # every write with a body was probed; the others take none to assign


async def test_page_size_is_capped(client, tokens, world) -> None:
    caps = await probe_page_caps(client, kepala(tokens, world.ks_a))
    assert caps == {
        ("GET", "/api/v1/antrian-persetujuan"): 100,
        ("GET", "/api/v1/roster/pegawai"): 500,
        ("GET", "/api/v1/koreksi"): 100,
        ("GET", "/api/v1/koreksi/saya"): 100,
        ("GET", "/api/v1/pemberitahuan"): 100,
        ("GET", "/api/v1/pemberitahuan/gagal"): 100,
    }


SKP_CASES = [(route, kind, caller) for route in SKP_ROUTES for kind, callers in RELATIONS.items() for caller in callers]


@pytest.mark.parametrize(
    ("route", "kind", "caller"),
    SKP_CASES,
    ids=[f"{m} {p.removeprefix(SKP) or '/'} {k}-plan {c}" for (m, p), k, c in SKP_CASES],
)
async def test_plan_route(client, tokens, world, shared_plans, route, kind, caller) -> None:
    method, path = route
    spec = SKP_ROUTES[route]
    relation = RELATIONS[kind][caller]
    expected = spec.answers[relation]
    fresh = expected.status < 300 and spec.changes_state
    plan, skp_id = await plan_in(client, tokens, world, shared_plans, kind, spec.state, fresh=fresh)
    owner = owner_headers(tokens, plan)
    before = await client.get(url(SKP, skp_id), headers=owner)
    assert before.status_code == 200, before.text
    body = {"indikator": INDIKATOR[kind]} if spec.body == "by kind" else spec.body
    # A correct If-Match, so that a missing authorisation check would let the change through.
    headers = {**skp_caller_headers(tokens, world, plan, caller), "If-Match": before.headers["ETag"]}

    response = await call(client, method, url(path, skp_id), headers, body=body)

    assert_answer(response, expected)
    after = (await client.get(url(SKP, skp_id), headers=owner)).json()
    if expected.status >= 400:
        assert (after["status"], after["version"]) == (before.json()["status"], before.json()["version"])
        assert skp_id not in response.text  # a refusal does not echo the plan
        return
    if response.headers["content-type"] == "application/pdf":  # the SKP document: a PDF, not the plan's JSON
        assert response.content.startswith(b"%PDF-")
    else:
        assert response.json()["id"] == skp_id
    assert after["status"] == spec.leads_to
    if method != "GET":
        assert after["version"] == before.json()["version"] + 1


ROLE_CASES = [(route, caller) for route in ROLE_ROUTES for caller in ROLE_CALLERS]


@pytest.mark.parametrize(("route", "caller"), ROLE_CASES, ids=[f"{m} {p} {c}" for (m, p), c in ROLE_CASES])
async def test_role_route(client, tokens, world, route, caller) -> None:
    method, path = route
    spec = ROLE_ROUTES[route]
    expected = spec.answers[caller]
    response = await call(
        client,
        method,
        url(path),
        role_caller_headers(tokens, world, caller),
        body=spec.json,
        csv=spec.csv,
        params=spec.params,
    )
    assert_answer(response, expected)
    if caller in spec.report_rule:
        report = response.json()
        assert report["created"] + report["updated"] == 0
        assert [e["rule"] for e in report["errors"]] == [spec.report_rule[caller]]
    elif method == "POST" and path.startswith("/api/v1/roster") and expected.status == 200:
        assert response.json()["errors"] == []


ALL_ROUTES = sorted(set(SKP_ROUTES) | set(ROLE_ROUTES))
UNAUTHENTICATED_CASES = [(route, how) for route in ALL_ROUTES for how in UNAUTHENTICATED]


@pytest.mark.parametrize(
    ("route", "how"), UNAUTHENTICATED_CASES, ids=[f"{m} {p} {h}" for (m, p), h in UNAUTHENTICATED_CASES]
)
async def test_a_missing_or_refused_token_is_401(client, tokens, world, shared_plans, route, how) -> None:
    method, path = route
    plan, skp_id = await plan_in(client, tokens, world, shared_plans, "guru", "DIAJUKAN", fresh=False)
    make_headers, rule = UNAUTHENTICATED[how]
    spec = SKP_ROUTES.get(route) or ROLE_ROUTES[route]
    body = getattr(spec, "json", None) if route in ROLE_ROUTES else spec.body
    if body == "by kind":
        body = {"indikator": "D.1.3"}
    headers = {**make_headers(tokens, plan.owner), "If-Match": "*"}
    before = (await client.get(url(SKP, skp_id), headers=owner_headers(tokens, plan))).json()

    response = await call(
        client,
        method,
        url(path, skp_id),
        headers,
        body=body,
        csv=getattr(spec, "csv", None),
        params=getattr(spec, "params", None),
    )

    assert_answer(response, Answer(401, rule))
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    after = (await client.get(url(SKP, skp_id), headers=owner_headers(tokens, plan))).json()
    assert after["version"] == before["version"]


async def test_queue_lists_only_the_plans_of_the_people_i_appraise(client, tokens, world, shared_plans) -> None:
    guru_plan, guru_skp = await plan_in(client, tokens, world, shared_plans, "guru", "DIAJUKAN", fresh=False)
    ks_plan, ks_skp = await plan_in(client, tokens, world, shared_plans, "ks", "DIAJUKAN", fresh=False)

    async def queue(headers: dict[str, str]) -> set[str]:
        response = await client.get("/api/v1/antrian-persetujuan", params={"limit": 100}, headers=headers)
        assert response.status_code == 200, response.text
        return {item["skp_id"] for item in response.json()["items"]}

    assert guru_skp in await queue(kepala(tokens, world.ks_a))
    assert ks_skp not in await queue(kepala(tokens, world.ks_a))
    assert ks_skp in await queue(pengawas(tokens, world.pengawas))
    assert guru_skp not in await queue(pengawas(tokens, world.pengawas))
    other = await queue(kepala(tokens, world.ks_b))
    assert guru_skp not in other and ks_skp not in other
    assert await queue(kepala(tokens, ks_plan.owner)) == set()  # the KS's own plan is not in their queue


async def test_an_unknown_plan_is_the_same_404_as_another_persons(client, tokens, world, shared_plans) -> None:
    plan, skp_id = await plan_in(client, tokens, world, shared_plans, "guru", "DIAJUKAN", fresh=False)
    stranger = guru(tokens, world.peer_a)
    theirs = await client.get(url(SKP, skp_id), headers=stranger)
    missing = await client.get(url(SKP, "00000000-0000-4000-8000-000000000000"), headers=stranger)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["errors"] == missing.json()["errors"]
    assert theirs.json()["detail"] == missing.json()["detail"]
