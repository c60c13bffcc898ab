"""Monitoring and distribution: read models built from events, per school, kabupaten/kota and province."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import appraise, finalize, penilaian_of, rate  # noqa: E402

pytestmark = pytest.mark.integration

ZERO = {"sangat_baik": 0, "baik": 0, "butuh_perbaikan": 0, "kurang": 0, "sangat_kurang": 0}


@pytest.fixture(scope="module")
async def region(client, tokens, world):
    """Jawa Timur, nobody else's province in this session: two schools in 3501, one in 3502, one in Banten."""
    a = await world.school(teachers=4, kode_wilayah="3501")
    b = await world.school(teachers=2, kode_wilayah="3501")
    c = await world.school(teachers=1, kode_wilayah="3502")
    banten = await world.school(teachers=1, kode_wilayah="3601")
    # School A: one plan submitted, one approved, one cycle completed, one appraised.
    await world.submit(a.guru[0])
    await world.submit(a.guru[1])
    await world.approve(a.guru[1])
    await world.cycle(a.guru[2])
    await world.cycle(a.guru[3])
    await appraise(client, tokens, a.kepala, a.guru[3], "sesuai", "sesuai")
    # School B: both appraised (the second after the Dinas set its predikat organisasi, see the test).
    await world.cycle(b.guru[0])
    await world.cycle(b.guru[1])
    await appraise(client, tokens, b.kepala, b.guru[0], "di_atas", "di_atas")
    # School C and Banten: one each.
    await world.cycle(c.guru[0])
    await appraise(client, tokens, c.kepala, c.guru[0], "sesuai", "di_bawah")
    await world.cycle(banten.guru[0])
    await appraise(client, tokens, banten.kepala, banten.guru[0], "sesuai", "sesuai")
    await penilaian_of(client, tokens, a.kepala, a.guru[2])  # the last events have arrived
    return a, b, c


async def test_distribution_warns_the_principal_and_never_blocks(client, tokens, region):
    _, b, _ = region
    operator = tokens.headers("op-35", "operator", wilayah="35")
    url = f"/api/v1/sekolah/{b.npsn}/predikat-organisasi/2024"
    refused = await client.put(url, json={"predikat_organisasi": "luar_biasa"}, headers=operator)
    assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (422, "schema.enum")
    elsewhere = tokens.headers("op-36", "operator", wilayah="36")
    assert (await client.put(url, json={"predikat_organisasi": "baik"}, headers=elsewhere)).status_code == 404
    assert (await client.put(url, json={"predikat_organisasi": "baik"}, headers=operator)).status_code == 200

    # The principal rates the second teacher Butuh Perbaikan: the school has one Sangat Baik and one Butuh
    # Perbaikan, and no Baik at all where "Baik" should be most of them.
    item = await penilaian_of(client, tokens, b.kepala, b.guru[1])
    rated = await rate(client, tokens, b.kepala, item, "di_bawah", "sesuai")
    assert rated.status_code == 200, rated.text
    distribusi = rated.json()["distribusi"]
    assert distribusi["predikat_organisasi"] == "baik"
    assert distribusi["counts"] == {**ZERO, "sangat_baik": 1, "butuh_perbaikan": 1}
    rules = [w["rule"] for w in distribusi["warnings"]]
    assert rules == ["distribusi.baik.more_than.baik"]
    assert "Baik" in distribusi["pola"]
    done = await finalize(client, tokens, b.kepala, item["id"], rated.headers["ETag"])
    assert done.status_code == 200  # a warning, not a block

    seen = await client.get(f"/api/v1/sekolah/{b.npsn}/distribusi?periode=2024-S1", headers=b.kepala.headers(tokens))
    assert seen.status_code == 200
    assert [w["rule"] for w in seen.json()["warnings"]] == ["distribusi.baik.more_than.baik"]
    assert seen.json()["total"] == 2
    # The teacher's own view of their penilaian does not carry the school's distribution.
    own = await client.get(f"/api/v1/penilaian/{item['id']}", headers=b.guru[1].headers(tokens))
    assert own.json()["distribusi"] is None


async def test_monitoring_per_school_kabupaten_and_province(client, tokens, region):
    a, b, c = region
    operator = tokens.headers("op-35", "operator", wilayah="35")

    async def rows(tingkat: str, headers=operator) -> dict[str, dict]:
        r = await client.get(f"/api/v1/monitoring?periode=2024-S1&tingkat={tingkat}", headers=headers)
        assert r.status_code == 200, r.text
        return {row["kode"]: row for row in r.json()["items"]}

    await _wait_for_b_final(client, tokens, b)
    by_school = await rows("sekolah")
    assert set(by_school) == {a.npsn, b.npsn, c.npsn}  # Banten is another operator's
    figures = ("pegawai", "direncanakan", "disetujui", "siklus_selesai", "dinilai")
    assert tuple(by_school[a.npsn][k] for k in figures) == (5, 4, 3, 2, 1)
    assert by_school[a.npsn]["predikat"] == {**ZERO, "baik": 1}
    assert tuple(by_school[b.npsn][k] for k in figures) == (3, 2, 2, 2, 2)
    assert by_school[b.npsn]["predikat"] == {**ZERO, "sangat_baik": 1, "butuh_perbaikan": 1}
    assert by_school[a.npsn]["nama"] == f"SD Negeri Uji {a.npsn}"

    by_kabupaten = await rows("kabupaten")
    assert set(by_kabupaten) == {"3501", "3502"}
    assert tuple(by_kabupaten["3501"][k] for k in figures) == (8, 6, 5, 4, 3)
    assert by_kabupaten["3502"]["predikat"] == {**ZERO, "kurang": 1}

    (province,) = (await rows("provinsi")).values()
    assert (province["kode"], province["pegawai"], province["dinilai"]) == ("35", 10, 4)
    assert province["predikat"] == {**ZERO, "sangat_baik": 1, "baik": 1, "butuh_perbaikan": 1, "kurang": 1}

    # A principal sees their own school only, at any level.
    assert set(await rows("provinsi", a.kepala.headers(tokens))) == {"35"}
    assert (await rows("sekolah", a.kepala.headers(tokens)))[a.npsn]["pegawai"] == 5
    assert set(await rows("sekolah", a.kepala.headers(tokens))) == {a.npsn}


async def test_monitoring_as_csv(client, tokens, region):
    a, b, _ = region
    await _wait_for_b_final(client, tokens, b)
    operator = tokens.headers("op-3501", "operator", wilayah="3501")
    response = await client.get("/api/v1/monitoring.csv?periode=2024-S1&tingkat=sekolah", headers=operator)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["kode"] for row in table] == sorted([a.npsn, b.npsn])
    row = next(r for r in table if r["kode"] == b.npsn)
    assert (row["periode"], row["pegawai"], row["dinilai"], row["predikat_sangat_baik"], row["predikat_baik"]) == (
        "2024-S1", "3", "2", "1", "0",
    )  # fmt: skip


async def _wait_for_b_final(client, tokens, b) -> None:
    await penilaian_of(client, tokens, b.kepala, b.guru[1], status="FINAL")


@pytest.mark.parametrize("periode", ["2024-S1%00", "%E2%98%83"], ids=["nul", "non-latin-1"])
async def test_text_the_database_or_a_header_cannot_hold_is_refused_or_kept_out_not_a_500(client, tokens, periode):
    # Neither may be a 500: PostgreSQL refuses U+0000, and a file name in Content-Disposition is Latin-1.
    operator = tokens.headers("op-3501", "operator", wilayah="3501")
    response = await client.get(f"/api/v1/monitoring.csv?periode={periode}&tingkat=sekolah", headers=operator)
    if periode.endswith("%00"):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["rule"] for e in response.json()["errors"]] == ["text.unsupported_character"]
    else:
        # An unknown period is an empty table; the file name keeps only what a header can carry.
        assert response.status_code == 200 and response.text.startswith("periode,kode,nama")
        assert response.headers["content-disposition"].isascii()
