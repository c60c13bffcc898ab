"""The authorisation matrix of bkn_sync's API: every /api/v1 operation, every kind of caller.

A teacher sees their own sync state, a kepala sekolah their school's, an operator their region's; only an operator
acts, and only inside their region. Another's record is a 404, a visible one the caller may not act on a 403.
Every operation of the OpenAPI document must be in OPERATIONS (a new route that is not fails the last test).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bkn_sandbox.seed import profile
from pmm_contracts.events import planning
from pmm_testkit.authz import Persona, assert_covered, assert_personas, probe_mass_assignment
from tools.demo_roster import pns_nip

from .conftest import _NIP_COUNTER, Person, World, wait_until

pytestmark = pytest.mark.integration

CALLERS = (
    "owner", "colleague", "ks", "ks_other", "op", "op_province", "op_other", "pengawas", "wrong_pengawas", "anonymous",
    "expired",
)  # fmt: skip
# The callers under the names every service's matrix uses (pmm_testkit.authz.Persona).
PERSONAS = {
    "owner": Persona.OWNER, "colleague": Persona.PEER, "ks": Persona.ATASAN, "ks_other": Persona.OTHER_KS,
    "pengawas": Persona.PENGAWAS, "wrong_pengawas": Persona.WRONG_PENGAWAS, "op": Persona.OPERATOR,
    "op_other": Persona.OTHER_OPERATOR,
}  # fmt: skip


@dataclass
class Scene:
    owner: object
    colleague: object
    ks: object
    ks_other: object
    npsn: str
    push_id: str
    conflict_id: str
    pengawas: object  # the pengawas of the owner's school (the atasan of its KS)
    wrong_pengawas: object  # a pengawas of another school


@pytest.fixture(scope="module")
async def scene(upstream, sandbox, container) -> Scene:
    async with sandbox.admin() as admin:
        world = World(upstream, admin, container.chassis.engine)
        school = await world.school(teachers=2)
        other = await world.school(teachers=1)
        owner, colleague = school.guru
        await world.approve(owner, school.kepala)
        [push] = await world.settled(owner, count=1)
        await admin.edit_skp(
            owner.nip,
            {"tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6, "status": "DRAFT",
             "rhk": [{"rhk": "Lain", "aspek": "kuantitas", "indikator": "x", "target": 1, "satuan": "modul"}]},
        )  # fmt: skip

        async def conflict_id():
            async with container.chassis.engine.connect() as conn:
                from sqlalchemy import text

                row = await conn.execute(
                    text("SELECT id FROM conflict WHERE pegawai_id = :p AND status = 'open'"), {"p": owner.pegawai_id}
                )
                return row.scalar_one_or_none()

        conflict = await wait_until(conflict_id)
        assert profile  # the sandbox knows the people through World.school
        pengawas = await _pengawas_of(upstream, world, school)
        wrong_pengawas = await _pengawas_of(upstream, world, other)
        return Scene(
            owner, colleague, school.kepala, other.kepala, school.npsn, str(push["id"]), str(conflict), pengawas,
            wrong_pengawas,
        )  # fmt: skip


async def _pengawas_of(upstream, world: World, school) -> Person:
    """A pengawas in the roster, the atasan of `school`'s kepala sekolah."""
    i = next(_NIP_COUNTER)
    pengawas = Person(
        uuid.uuid4(), pns_nip(i), f"Pengawas Uji {i}", "PNS", "Pengawas Sekolah", "Ahli Madya", "IV/a", school.npsn,
        school.kode_wilayah,
    )  # fmt: skip
    await upstream.publish(
        planning.PegawaiRegisteredV1(**pengawas.snapshot()), aggregate_id=f"pegawai:{pengawas.pegawai_id}"
    )
    relasi = uuid.uuid4()
    await upstream.publish(
        planning.AtasanAssignedV1(
            relasi_id=relasi, pegawai_id=school.kepala.pegawai_id, atasan_id=pengawas.pegawai_id,
            peran_atasan="pengawas", mulai=date(2023, 7, 1), selesai=None,
        ),
        aggregate_id=f"relasi:{relasi}",
    )  # fmt: skip
    await world.in_roster(pengawas)
    return pengawas


def headers(tokens, scene: Scene, caller: str) -> dict[str, str]:
    if caller == "owner":
        return tokens.headers(scene.owner.nip, "guru")
    if caller == "colleague":
        return tokens.headers(scene.colleague.nip, "guru")
    if caller == "ks":
        return tokens.headers(scene.ks.nip, "guru", "kepala_sekolah")
    if caller == "ks_other":
        return tokens.headers(scene.ks_other.nip, "guru", "kepala_sekolah")
    if caller == "op":
        return tokens.headers("op-3273", "operator", wilayah="3273")
    if caller == "op_province":
        return tokens.headers("op-32", "operator", wilayah="32")
    if caller == "op_other":
        return tokens.headers("op-3274", "operator", wilayah="3274")
    if caller == "pengawas":
        return tokens.headers(scene.pengawas.nip, "guru", "pengawas")
    if caller == "wrong_pengawas":
        return tokens.headers(scene.wrong_pengawas.nip, "guru", "pengawas")
    if caller == "expired":
        token = tokens.token(scene.owner.nip, "guru", now=datetime.now(UTC) - timedelta(hours=2))
        return {"Authorization": f"Bearer {token}"}
    return {}


# (method, OpenAPI path, how to fill it, body) -> expected status per caller, in CALLERS' order.
OPERATIONS = {
    # A pengawas in the roster has their own sync state like anyone appraised; an operator has none.
    ("GET", "/api/v1/sinkron/saya"): (None, [200, 200, 200, 200, 404, 404, 404, 200, 200, 401, 401]),
    ("GET", "/api/v1/sinkron/pegawai/{pegawai_id}"): (None, [200, 404, 200, 404, 200, 200, 404, 404, 404, 401, 401]),
    ("GET", "/api/v1/sinkron/sekolah/{npsn}"): (None, [404, 404, 200, 404, 200, 200, 404, 404, 404, 401, 401]),
    ("GET", "/api/v1/sinkron/wilayah/{kode}"): (None, [403, 403, 403, 403, 200, 200, 403, 403, 403, 401, 401]),
    ("POST", "/api/v1/sinkron/push/{push_id}/ulang"): (None, [403, 404, 403, 404, 409, 409, 404, 404, 404, 401, 401]),
    ("GET", "/api/v1/sinkron/bkn"): (None, [403, 403, 403, 403, 200, 200, 200, 403, 403, 401, 401]),
    ("POST", "/api/v1/sinkron/rekonsiliasi"): (
        {"periode": "2024-S1", "wilayah": "3273"},
        [403, 403, 403, 403, 200, 200, 403, 403, 403, 401, 401],
    ),
    ("GET", "/api/v1/konflik"): (None, [403, 403, 403, 403, 200, 200, 403, 403, 403, 401, 401]),
    # An empty reason: whoever may decide gets the rule's 422 and nothing is decided.
    ("POST", "/api/v1/konflik/{conflict_id}/keputusan"): (
        {"keputusan": "pertahankan_pmm", "alasan": ""},
        [403, 404, 403, 404, 422, 422, 404, 404, 404, 401, 401],
    ),
}


def fill(path: str, scene: Scene) -> str:
    return path.replace("{pegawai_id}", str(scene.owner.pegawai_id)).replace("{npsn}", scene.npsn).replace(
        "{kode}", "3273"
    ).replace("{push_id}", scene.push_id).replace("{conflict_id}", scene.conflict_id) + (
        "?wilayah=3273" if path.endswith("/konflik") else ""
    )


@pytest.mark.parametrize(("method", "path"), list(OPERATIONS), ids=[f"{m} {p}" for m, p in OPERATIONS])
async def test_matrix(client, tokens, scene, method, path):
    body, expected = OPERATIONS[(method, path)]
    got = []
    for caller in CALLERS:
        response = await client.request(method, fill(path, scene), json=body, headers=headers(tokens, scene, caller))
        got.append(response.status_code)
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
    assert dict(zip(CALLERS, got, strict=True)) == dict(zip(CALLERS, expected, strict=True))


async def test_every_operation_is_in_the_table(client):
    document = (await client.get("/openapi.json")).json()
    coverage = assert_covered(document, set(OPERATIONS))
    assert coverage.with_id == 5
    assert_personas(PERSONAS[c] for c in CALLERS if c in PERSONAS)


async def test_read_only_fields_in_a_write_body_are_refused(client, tokens):
    headers = {**tokens.headers("op-3273", "operator", wilayah="3273"), "If-Match": '"v1"'}
    cases, bodiless = await probe_mass_assignment(client, headers)
    assert len(cases) >= 10 and bodiless == [("POST", "/api/v1/sinkron/push/{push_id}/ulang")]
