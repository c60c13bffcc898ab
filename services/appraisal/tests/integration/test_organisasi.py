"""The predikat organisasi as an ordered procedure, against the real database and broker: the kepala sekolah's report,
the Dinas's predikat organisasi, and the warnings before finalising, in the procedure's order and out of it."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

from pmm_kernel.clock import WIB

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import finalize, penilaian_of, rate  # noqa: E402

pytestmark = pytest.mark.integration

IN_2025_PENILAIAN = datetime(2025, 12, 1, 9, 0, tzinfo=WIB)  # 2025-T's penilaian window
ZERO = {"sangat_baik": 0, "baik": 0, "butuh_perbaikan": 0, "kurang": 0, "sangat_kurang": 0}


def laporan_url(npsn: str, tahun: int) -> str:
    return f"/api/v1/sekolah/{npsn}/laporan-kinerja?tahun={tahun}"


async def test_2025_in_order_report_then_predikat_organisasi_then_finalising(client, tokens, world, set_clock):
    set_clock(IN_2025_PENILAIAN)
    school = await world.school(teachers=2)
    ks, operator = school.kepala.headers(tokens), tokens.headers("op-3273", "operator", wilayah="3273")
    for guru in school.guru:
        await world.cycle(guru, periode="2025-T")
    item = await penilaian_of(client, tokens, school.kepala, school.guru[0], "2025-T")
    rated = await rate(client, tokens, school.kepala, item, "sesuai", "sesuai")  # Baik
    assert rated.status_code == 200, rated.text
    before = rated.json()["peringatan_distribusi"]
    assert [u["rule"] for u in before["urutan"]] == ["organisasi.predikat_belum_ditetapkan"]
    assert (before["policy_year"], before["predikat"], before["predikat_organisasi"]) == (2025, "baik", None)

    # Step 2 before step 1: refused, the report is wajib first in 2025.
    url = f"/api/v1/sekolah/{school.npsn}/predikat-organisasi/2025"
    refused = await client.put(url, json={"predikat_organisasi": "baik"}, headers=operator)
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["rule"] == "organisasi.laporan_belum_dikirim"
    seen = await client.get(url, headers=operator)
    assert (seen.json()["laporan_dikirim"], seen.json()["predikat_organisasi"]) == (False, None)

    # Step 1: the kepala sekolah sends the school's results; a repeated key is the same answer, a second report 409.
    key = {"Idempotency-Key": f"laporan-{school.npsn}"}
    sent = await client.post(laporan_url(school.npsn, 2025), headers={**ks, **key})
    assert sent.status_code == 201, sent.text
    assert sent.json()["laporan"]["counts"] == {"2025-T": {**ZERO, "baik": 1}}
    assert sent.json()["laporan"]["nama"] == school.kepala.nama
    again = await client.post(laporan_url(school.npsn, 2025), headers={**ks, **key})
    assert (again.status_code, again.json()) == (201, sent.json())
    twice = await client.post(laporan_url(school.npsn, 2025), headers={**ks, "Idempotency-Key": "another"})
    assert (twice.status_code, twice.json()["errors"][0]["rule"]) == (409, "organisasi.laporan_sudah_dikirim")

    # The Dinas sees the report and its counts, then sets the predikat organisasi.
    seen = await client.get(url, headers=operator)
    assert seen.status_code == 200 and seen.json()["laporan_dikirim"] is True
    assert seen.json()["laporan"]["counts"]["2025-T"]["baik"] == 1
    assert [s["langkah"] for s in seen.json()["langkah"]] == ["laporan_sekolah", "predikat_organisasi", "finalisasi"]
    done = await client.put(url, json={"predikat_organisasi": "istimewa"}, headers=operator)
    assert done.status_code == 200, done.text
    assert (done.json()["policy_year"], done.json()["peringatan"]) == (2025, [])

    # Step 3: the atasan weighs Sangat Baik for the second teacher: 1 of 2 is not "most" of an Istimewa school.
    other = await penilaian_of(client, tokens, school.kepala, school.guru[1], "2025-T")
    weighed = await client.get(
        f"/api/v1/penilaian/{other['id']}/peringatan-distribusi?predikat=sangat_baik", headers=ks
    )
    assert weighed.status_code == 200, weighed.text
    body = weighed.json()
    assert body["counts"] == {**ZERO, "baik": 1, "sangat_baik": 1} and body["total"] == 2
    assert body["urutan"] == []
    assert [w["rule"] for w in body["warnings"]] == ["distribusi.istimewa.more_than.sangat_baik"]
    assert body["warnings"][0]["count"] == 1 and body["warnings"][0]["percent"] == 50
    finalised = await finalize(client, tokens, school.kepala, item["id"], rated.headers["ETag"])
    assert finalised.status_code == 200, finalised.text  # a warning, never a block
    assert finalised.json()["peringatan_distribusi"] is None


async def test_2025_out_of_order_finalising_first_is_warned_not_blocked(client, tokens, world, set_clock):
    set_clock(IN_2025_PENILAIAN)
    school = await world.school(teachers=1)
    ks, operator = school.kepala.headers(tokens), tokens.headers("op-3273", "operator", wilayah="3273")
    await world.cycle(school.guru[0], periode="2025-T")
    item = await penilaian_of(client, tokens, school.kepala, school.guru[0], "2025-T")
    rated = await rate(client, tokens, school.kepala, item, "di_atas", "di_atas")  # Sangat Baik
    warned = await client.get(f"/api/v1/penilaian/{item['id']}/peringatan-distribusi", headers=ks)
    assert [u["rule"] for u in warned.json()["urutan"]] == ["organisasi.predikat_belum_ditetapkan"]
    finalised = await finalize(client, tokens, school.kepala, item["id"], rated.headers["ETag"])
    assert finalised.status_code == 200, finalised.text

    sent = await client.post(laporan_url(school.npsn, 2025), headers=ks)
    assert sent.status_code == 201 and sent.json()["laporan"]["counts"]["2025-T"]["sangat_baik"] == 1
    url = f"/api/v1/sekolah/{school.npsn}/predikat-organisasi/2025"
    assert (await client.put(url, json={"predikat_organisasi": "baik"}, headers=operator)).status_code == 200
    distribusi = await client.get(f"/api/v1/sekolah/{school.npsn}/distribusi?periode=2025-T", headers=ks)
    assert "distribusi.baik.more_than.baik" in [w["rule"] for w in distribusi.json()["warnings"]]


async def test_2024_the_predikat_organisasi_may_come_first_and_after_finalising(client, tokens, world):
    school = await world.school(teachers=1)
    ks, operator = school.kepala.headers(tokens), tokens.headers("op-3273", "operator", wilayah="3273")
    await world.cycle(school.guru[0])
    item = await penilaian_of(client, tokens, school.kepala, school.guru[0])
    rated = await rate(client, tokens, school.kepala, item, "sesuai", "sesuai")
    assert rated.json()["peringatan_distribusi"]["urutan"] == []  # 2024 orders nothing before finalising
    finalised = await finalize(client, tokens, school.kepala, item["id"], rated.headers["ETag"])
    assert finalised.status_code == 200, finalised.text

    url = f"/api/v1/sekolah/{school.npsn}/predikat-organisasi/2024"
    done = await client.put(url, json={"predikat_organisasi": "baik"}, headers=operator)
    assert done.status_code == 200, done.text
    assert [p["rule"] for p in done.json()["peringatan"]] == ["organisasi.laporan_belum_dikirim"]
    sent = await client.post(laporan_url(school.npsn, 2024), headers=ks)
    assert sent.status_code == 201, sent.text
    assert sorted(sent.json()["laporan"]["counts"]) == ["2024-S1", "2024-S2", "2024-T"]
    assert sent.json()["predikat_organisasi"] == "baik"


async def test_who_may_send_and_read_the_report(client, tokens, world):
    school = await world.school(teachers=1)
    elsewhere = await world.school(teachers=0)
    operator = tokens.headers("op-3273", "operator", wilayah="3273")
    refused = await client.post(laporan_url(school.npsn, 2024), headers=operator)
    assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (
        403,
        "sekolah.kirim_laporan_kinerja_forbidden",
    )
    for who in (school.guru[0], elsewhere.kepala):
        assert (await client.post(laporan_url(school.npsn, 2024), headers=who.headers(tokens))).status_code == 404
    bad = await client.post(f"/api/v1/sekolah/{school.npsn}/laporan-kinerja?tahun=dua", headers=operator)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    read = await client.get(laporan_url(school.npsn, 2024), headers=school.kepala.headers(tokens))
    assert read.status_code == 200 and read.json()["laporan"] is None
    unknown = await client.get(laporan_url(school.npsn, 2023), headers=operator)
    assert (unknown.status_code, unknown.json()["errors"][0]["rule"]) == (409, "organisasi.policy_year_unknown")
