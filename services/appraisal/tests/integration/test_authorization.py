"""The authorisation matrix through HTTP: every /api/v1 operation, every kind of caller.

A penilaian belongs to someone; who else may see it follows from the roster projection, never from the token.
Another person's record is a 404 (its existence does not leak), a record the caller may see but not act on is a
403, and an allowed action succeeds. Every operation of the OpenAPI document must be in a table below.
"""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path

import pytest

from pmm_contracts.events import planning as contract

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import Bus, appraise, etag, penilaian_of, rate  # noqa: E402

from pmm_testkit.authz import (  # noqa: E402
    Persona,
    assert_covered,
    assert_personas,
    probe_mass_assignment,
    probe_page_caps,
)

pytestmark = pytest.mark.integration

# Callers (pmm_testkit.authz.Persona); for a guru's penilaian the atasan is their KS, for a KS's own the
# pengawas of the school.
OWNER, ATASAN, OTHER_KS, PEER, PENGAWAS, WRONG_PENGAWAS, OPERATOR, OTHER_OPERATOR = (
    Persona.OWNER, Persona.ATASAN, Persona.OTHER_KS, Persona.PEER, Persona.PENGAWAS, Persona.WRONG_PENGAWAS,
    Persona.OPERATOR, Persona.OTHER_OPERATOR,
)  # fmt: skip
ALL = (OWNER, ATASAN, OTHER_KS, PEER, PENGAWAS, WRONG_PENGAWAS, OPERATOR, OTHER_OPERATOR)
MONITORS = (ATASAN, OTHER_KS, OPERATOR, OTHER_OPERATOR)
KINDS = ("guru", "ks")
# Who holds which relation to the penilaian, by whose it is; everyone else is a stranger (404).
RELATION = {
    "guru": {OWNER: OWNER, ATASAN: ATASAN, OPERATOR: OPERATOR},
    "ks": {OWNER: OWNER, PENGAWAS: ATASAN, OPERATOR: OPERATOR},
}
RECORD_CALLERS = {
    "guru": (OWNER, PEER, ATASAN, OTHER_KS, PENGAWAS, WRONG_PENGAWAS, OPERATOR, OTHER_OPERATOR),
    "ks": (OWNER, PEER, OTHER_KS, PENGAWAS, WRONG_PENGAWAS, OPERATOR, OTHER_OPERATOR),
}

# operation -> (the state the penilaian must be in for success, {relation: status}); strangers: 404.
PENILAIAN_MATRIX: dict[tuple[str, str], tuple[str, dict[str, int]]] = {
    ("get", "/api/v1/penilaian/{penilaian_id}"): ("DINILAI", {OWNER: 200, ATASAN: 200, OPERATOR: 200}),
    ("put", "/api/v1/penilaian/{penilaian_id}/nilai"): ("DINILAI", {OWNER: 403, ATASAN: 200, OPERATOR: 403}),
    ("post", "/api/v1/penilaian/{penilaian_id}/finalisasi"): ("DINILAI", {OWNER: 403, ATASAN: 200, OPERATOR: 403}),
    ("post", "/api/v1/penilaian/{penilaian_id}/buka-kembali"): ("FINAL", {OWNER: 403, ATASAN: 403, OPERATOR: 200}),
    ("put", "/api/v1/penilaian/{penilaian_id}/hanya-perilaku"): ("DINILAI", {OWNER: 403, ATASAN: 403, OPERATOR: 200}),
    ("get", "/api/v1/penilaian/{penilaian_id}/dokumen"): ("DINILAI", {OWNER: 200, ATASAN: 200, OPERATOR: 403}),
    ("get", "/api/v1/penilaian/{penilaian_id}/peringatan-distribusi"): (
        "DINILAI",
        {OWNER: 403, ATASAN: 200, OPERATOR: 200},
    ),
}
BODIES = {
    "/api/v1/penilaian/{penilaian_id}/nilai": {"hasil_kerja": "sesuai", "perilaku_kerja": "sesuai"},
    "/api/v1/penilaian/{penilaian_id}/buka-kembali": {"alasan": "Salah input rating"},
    "/api/v1/penilaian/{penilaian_id}/hanya-perilaku": {"hanya_perilaku": True, "alasan": "TMT akhir periode"},
}
# Routes whose subject is a role or a school, tested in `test_role_and_school_routes`.
OTHER_ROUTES = {
    ("get", "/api/v1/penilaian"),
    ("get", "/api/v1/monitoring"),
    ("get", "/api/v1/monitoring.csv"),
    ("get", "/api/v1/monitoring/pegawai"),
    ("get", "/api/v1/monitoring/pegawai.csv"),
    ("get", "/api/v1/monitoring/pegawai.xlsx"),
    ("get", "/api/v1/sekolah/{npsn}/distribusi"),
    ("put", "/api/v1/sekolah/{npsn}/predikat-organisasi/{tahun}"),
}

# Everyone reads their own reminders; the addresses mail could not reach are the region operator's to fix.
REMINDER_ROUTES = {
    ("GET", "/api/v1/pemberitahuan"): "test_pengingat.py (only one's own; a token is required)",
    ("GET", "/api/v1/pemberitahuan/gagal"): "test_pengingat.py (only an operator, of the region)",
}


# A period split by a transfer: its parts and the combined result, for whoever may see one of its parts.
BAGIAN_ROUTES = {
    ("GET", "/api/v1/hasil-periode/{pegawai_id}/{periode}"): "test_penilaian_bagian.py (a part's owner, atasan, "
    "operator; the atasan of another part 403, a stranger 404)",
}


# The procedure of the predikat organisasi: the school's report is its KS's to send, the KS's and the Dinas's to read.
ORGANISASI_ROUTES = {
    ("POST", "/api/v1/sekolah/{npsn}/laporan-kinerja"): "test_organisasi.py (the school's KS; an operator 403, a "
    "guru or another school's KS 404)",
    ("GET", "/api/v1/sekolah/{npsn}/laporan-kinerja"): "test_organisasi.py (its KS, an operator of the region)",
    ("GET", "/api/v1/sekolah/{npsn}/predikat-organisasi/{tahun}"): "test_organisasi.py (an operator of the region)",
}


def _route(operation: tuple[str, str]) -> tuple[str, str]:
    return (operation[0].upper(), operation[1])


async def test_every_operation_is_in_the_table(client):
    spec = (await client.get("/openapi.json")).json()
    coverage = assert_covered(
        spec,
        {_route(o) for o in PENILAIAN_MATRIX},
        elsewhere={_route(o): "test_role_and_school_routes" for o in OTHER_ROUTES}
        | REMINDER_ROUTES
        | BAGIAN_ROUTES
        | ORGANISASI_ROUTES,
    )
    # The two school routes of OTHER_ROUTES, the organisasi and bagian routes take a path id too.
    assert coverage.with_id == len(PENILAIAN_MATRIX) + 2 + len(ORGANISASI_ROUTES) + len(BAGIAN_ROUTES)
    for kind in KINDS:
        assert_personas(RECORD_CALLERS[kind])


@pytest.fixture(scope="module")
async def wrong_pengawas(world):
    """A pengawas of another area's school: a real pengawas, with a KS of their own, but none of ours."""
    npsn = "49999999"
    pengawas = world.person("Pengawas Sekolah", npsn, jenjang="Ahli Madya")
    kepala = world.person("Kepala Sekolah", npsn, jenjang="Ahli Madya")
    async with Bus(world.bus_url) as bus:
        await bus.publish(
            contract.SekolahRegisteredV1(
                npsn=npsn, nama="SD Negeri Lain", kode_wilayah="3204", nama_wilayah="Kabupaten Bandung"
            ),
            aggregate_id=f"sekolah:{npsn}",
        )
        for person in (pengawas, kepala):
            await world.register(bus, person, "3204")
        await world.relate(bus, kepala, pengawas, "pengawas")
    await world.wait_relations([kepala])
    return pengawas


def callers(world, tokens, school, other_school, operator_headers, wrong_pengawas, kind="guru") -> dict[str, dict]:
    return {
        OWNER: (school.guru[0] if kind == "guru" else school.kepala).headers(tokens),
        ATASAN: school.kepala.headers(tokens),
        OTHER_KS: other_school.kepala.headers(tokens),
        PEER: school.guru[1 if kind == "guru" else 0].headers(tokens),
        PENGAWAS: world.pengawas.headers(tokens),  # the KS's atasan, not the guru's
        WRONG_PENGAWAS: wrong_pengawas.headers(tokens),
        OPERATOR: operator_headers,
        OTHER_OPERATOR: tokens.headers("op-3204", "operator", wilayah="3204"),
    }


MATRIX_CASES = [(operation, kind) for operation in PENILAIAN_MATRIX for kind in KINDS]


@pytest.mark.parametrize(("operation", "kind"), MATRIX_CASES, ids=[f"{m} {p} {k}" for (m, p), k in MATRIX_CASES])
async def test_penilaian_matrix(client, tokens, world, operator, wrong_pengawas, operation, kind):
    method, path = operation
    state, allowed = PENILAIAN_MATRIX[operation]
    school, other = await world.school(teachers=2), await world.school(teachers=1)
    owner = school.guru[0] if kind == "guru" else school.kepala
    atasan = school.kepala if kind == "guru" else world.pengawas
    await world.cycle(owner)
    if state == "FINAL":
        await appraise(client, tokens, atasan, owner, "sesuai", "sesuai")
        item = await penilaian_of(client, tokens, atasan, owner, status="FINAL")
    else:
        item = await penilaian_of(client, tokens, atasan, owner)
        assert (await rate(client, tokens, atasan, item, "sesuai", "sesuai")).status_code == 200
        item = await penilaian_of(client, tokens, atasan, owner, status=state)
    who = callers(world, tokens, school, other, operator, wrong_pengawas, kind)
    url = path.format(penilaian_id=item["id"])

    def expected(caller: str) -> int:
        relation = RELATION[kind].get(caller)
        return allowed[relation] if relation else 404

    # Refusals first, the one success last: a success changes the state the others would meet.
    for caller in sorted(RECORD_CALLERS[kind], key=lambda c: expected(c) == 200):
        headers = {**who[caller], "If-Match": etag(item)}
        response = await client.request(method.upper(), url, json=BODIES.get(path), headers=headers)
        assert response.status_code == expected(caller), (caller, response.text)
        if response.status_code != 200:
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_read_only_fields_in_a_write_body_are_refused(client, operator):
    cases, bodiless = await probe_mass_assignment(
        client, {**operator, "If-Match": '"v1"'}, path_values={"npsn": "40000001", "tahun": "2024"}
    )
    assert len(cases) >= 30 and sorted(bodiless) == [
        ("POST", "/api/v1/penilaian/{penilaian_id}/finalisasi"),
        ("POST", "/api/v1/sekolah/{npsn}/laporan-kinerja"),
    ]


async def test_page_size_is_capped(client, operator):
    periode = {"periode": "2024-S1"}
    caps = await probe_page_caps(
        client, operator, query={("GET", "/api/v1/penilaian"): periode, ("GET", "/api/v1/monitoring/pegawai"): periode}
    )
    assert caps == {
        ("GET", "/api/v1/penilaian"): 200,
        ("GET", "/api/v1/monitoring/pegawai"): 200,
        ("GET", "/api/v1/pemberitahuan"): 100,
        ("GET", "/api/v1/pemberitahuan/gagal"): 100,
    }


async def test_role_and_school_routes(client, tokens, world, operator, wrong_pengawas):
    school, other = await world.school(teachers=2), await world.school(teachers=1)
    who = callers(world, tokens, school, other, operator, wrong_pengawas)
    expectations = [
        # (method, url, body, {caller: status}); callers not named: the default
        # Every operator sees their own region, every principal their own school; nobody else sees monitoring.
        ("GET", "/api/v1/monitoring?periode=2024-S1", None, dict.fromkeys(MONITORS, 200), 403),
        ("GET", "/api/v1/monitoring.csv?periode=2024-S1", None, dict.fromkeys(MONITORS, 200), 403),
        (
            "GET",
            f"/api/v1/sekolah/{school.npsn}/distribusi?periode=2024-S1",
            None,
            {OPERATOR: 200, ATASAN: 200},
            404,
        ),
        (
            "PUT",
            f"/api/v1/sekolah/{school.npsn}/predikat-organisasi/2024",
            {"predikat_organisasi": "baik"},
            {OPERATOR: 200, ATASAN: 403},
            404,
        ),
        ("GET", "/api/v1/penilaian", None, dict.fromkeys(ALL, 200), 200),
    ]
    # By name: a KS their school, a pengawas the schools of the KS they appraise, an operator their region; a guru
    # is refused, and a school outside the caller's does not exist for them.
    for route in ("/api/v1/monitoring/pegawai", "/api/v1/monitoring/pegawai.csv", "/api/v1/monitoring/pegawai.xlsx"):
        expectations += [
            ("GET", f"{route}?periode=2024-S1", None, {OWNER: 403, PEER: 403}, 200),
            ("GET", f"{route}?periode=2024-S1&npsn={school.npsn}", None,
             {OWNER: 403, PEER: 403, ATASAN: 200, PENGAWAS: 200, OPERATOR: 200}, 404),
        ]  # fmt: skip
    for method, url, body, allowed, default in expectations:
        for caller in ALL:
            response = await client.request(method, url, json=body, headers=who[caller])
            assert response.status_code == allowed.get(caller, default), (method, url, caller, response.text)


async def test_the_list_shows_each_caller_only_what_they_may_see(client, tokens, world, operator):
    school, other = await world.school(teachers=2), await world.school(teachers=1)
    for guru in (*school.guru, other.guru[0]):
        await world.cycle(guru)
    await penilaian_of(client, tokens, other.kepala, other.guru[0])
    for guru in school.guru:
        await penilaian_of(client, tokens, school.kepala, guru)

    async def listed(headers) -> set[str]:
        r = await client.get("/api/v1/penilaian?periode=2024-S1&limit=200", headers=headers)
        return {i["pegawai"]["nip"] for i in r.json()["items"]}

    mine = {g.nip for g in school.guru}
    assert await listed(school.guru[0].headers(tokens)) == {school.guru[0].nip}
    assert await listed(school.kepala.headers(tokens)) == mine  # whom they appraise today
    assert mine.isdisjoint(await listed(other.kepala.headers(tokens)))
    assert mine | {other.guru[0].nip} <= await listed(operator)
    assert await listed(tokens.headers("op-3204", "operator", wilayah="3204")) == set()


async def test_a_new_kepala_sekolah_takes_over_at_once(client, tokens, world):
    """Relations change during a period: whoever holds the relation today rates; the previous atasan no longer
    sees the penilaian (docs/domain.md §1)."""
    school = await world.school(teachers=1)
    guru, old_ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, old_ks, guru)
    new_ks = world.person("Kepala Sekolah", school.npsn, jenjang="Ahli Madya")
    async with Bus(world.bus_url) as bus:
        await world.register(bus, new_ks, school.kode_wilayah)
        await bus.publish(
            contract.AtasanAssignedV1(
                relasi_id=uuid.uuid4(), pegawai_id=guru.pegawai_id, atasan_id=new_ks.pegawai_id,
                peran_atasan="kepala_sekolah", mulai=date(2024, 6, 1), selesai=None,
            ),
            aggregate_id="relasi:new-ks",
        )  # fmt: skip
    taken_over = await penilaian_of(client, tokens, new_ks, guru)
    assert taken_over["id"] == item["id"]
    assert (await rate(client, tokens, old_ks, item, "sesuai", "sesuai")).status_code == 404
    assert (await rate(client, tokens, new_ks, item, "sesuai", "sesuai")).status_code == 200
