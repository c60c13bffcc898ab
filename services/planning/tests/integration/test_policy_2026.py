"""The 2026 policy through the HTTP API (docs/domain.md §3): its period publishes the operators' pra-perencanaan and
the approval days, and the atasan's decisions keep to those days while the teacher plans through January."""

from __future__ import annotations

from datetime import datetime

import pytest

from pmm_kernel.clock import WIB

pytestmark = pytest.mark.integration


@pytest.fixture
async def year_2026(client, tokens) -> None:
    opened = await client.post("/api/v1/periode/tahun/2026", headers=tokens.headers("op-2026", "operator", wilayah=""))
    assert opened.status_code == 200, opened.text


async def test_the_2026_period_publishes_its_windows(client, tokens, year_2026) -> None:
    periods = (await client.get("/api/v1/periode", headers=tokens.headers("op-2026", "operator", wilayah=""))).json()
    (tahunan,) = [p for p in periods if p["kode"] == "2026-T"]
    windows = {w["step"]: (w["opens"], w["closes"]) for w in tahunan["windows"]}
    assert windows == {
        "pra_perencanaan": ("2025-12-01", "2025-12-31"),
        "pemutakhiran_data": ("2026-01-01", "2026-01-15"),
        "perencanaan_guru": ("2026-01-01", "2026-01-31"),
        "perencanaan_ks": ("2026-01-01", "2026-01-31"),
        "persetujuan": ("2026-01-22", "2026-01-31"),
        "pelaksanaan": ("2026-02-01", "2026-11-30"),
        "penilaian": ("2026-12-01", "2026-12-31"),
    }


async def test_a_2026_plan_is_decided_only_in_the_approval_days(
    client, tokens, roster, draft_plan, set_clock, year_2026
) -> None:
    school = roster.schools[1]
    guru, ks = school.guru[-1], school.kepala
    ks_headers = tokens.headers(ks.nip, "guru", "kepala_sekolah")
    set_clock(datetime(2026, 1, 12, 9, 0, tzinfo=WIB))
    skp_id, etag = await draft_plan(guru, "2026-T")
    submitted = await client.post(
        f"/api/v1/skp/{skp_id}/submit", headers={**tokens.headers(guru.nip, "guru"), "If-Match": etag}
    )
    assert submitted.status_code == 200, submitted.text
    etag = submitted.headers["ETag"]

    early = await client.post(f"/api/v1/skp/{skp_id}/approve", headers={**ks_headers, "If-Match": etag})
    assert early.status_code == 409, early.text
    assert early.headers["content-type"].startswith("application/problem+json")
    body = early.json()
    assert body["errors"][0]["rule"] == "window.persetujuan"
    assert (body["step"], body["opens"], body["closes"]) == ("persetujuan", "2026-01-22", "2026-01-31")

    set_clock(datetime(2026, 1, 22, 9, 0, tzinfo=WIB))
    approved = await client.post(f"/api/v1/skp/{skp_id}/approve", headers={**ks_headers, "If-Match": etag})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "DISETUJUI"
