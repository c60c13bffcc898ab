"""Every state change of a plan leaves an audit record: who (roster id, never the NIP), when, what, the trace id."""

from __future__ import annotations

from datetime import datetime

import pytest

from pmm_kernel.clock import WIB
from pmm_testkit import audit_trail, traced
from pmm_testkit.world import scalar
from tools.demo import skp_steps
from tools.demo_roster import pns_nip

pytestmark = pytest.mark.integration

FIRST_I = 3000  # this module's people (test_authorization uses 1000 on)
NPSN = "20993001"


@pytest.fixture(scope="module")
async def people(client, tokens) -> dict[str, str]:
    operator = tokens.headers("op-audit", "operator", wilayah="3273")
    sekolah = {"npsn": NPSN, "nama": "SD Audit", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"}
    nips = {"ks": pns_nip(FIRST_I), "guru": pns_nip(FIRST_I + 1)}
    pegawai = [
        {
            "nip": nips[who],
            "status": "PNS",
            "nama": f"Pegawai Audit {who}",
            "pangkat_golongan": "IV/a" if who == "ks" else "III/b",
            "jenjang_jabatan": "Ahli Madya" if who == "ks" else "Ahli Pertama",
            "jenis_gtk": "Kepala Sekolah" if who == "ks" else "Guru Kelas",
            "npsn": NPSN,
        }
        for who in nips
    ]
    relasi = [
        {"nip_pegawai": nips["guru"], "nip_atasan": nips["ks"], "peran_atasan": "kepala_sekolah", "mulai": "2023-07-01"}
    ]
    for kind, rows in (("sekolah", [sekolah]), ("pegawai", pegawai), ("relasi", relasi)):
        response = await client.post(f"/api/v1/roster/{kind}", json=rows, headers=operator)
        assert response.status_code == 200 and response.json()["errors"] == [], response.text
    return nips


@pytest.fixture(autouse=True)
def planning_is_open(set_clock) -> None:
    set_clock(datetime(2024, 1, 20, 9, 0, tzinfo=WIB))


async def test_each_change_of_a_plan_is_audited_with_its_trace(app, client, tokens, settings, people) -> None:
    guru = tokens.headers(people["guru"], "guru")
    ks = tokens.headers(people["ks"], "guru", "kepala_sekolah")
    operator = tokens.headers("op-audit", "operator", wilayah="3273")
    traces: list[str] = []

    async def send(method: str, path: str, headers: dict[str, str], body=None, etag: str | None = None):
        trace, trace_id = traced()
        traces.append(trace_id)
        extra = {"If-Match": etag} if etag else {}
        response = await client.request(method, path, json=body, headers={**headers, **trace, **extra})
        assert response.status_code in (200, 201), response.text
        return response

    created = await send("POST", "/api/v1/skp", guru, {"periode": "2024-S1"})
    skp_id, owner_id = created.json()["id"], created.json()["pegawai"]["id"]
    etag = created.headers["ETag"]
    for step, body in skp_steps("D.1.3"):
        etag = (await send("PUT", f"/api/v1/skp/{skp_id}/{step}", guru, body, etag)).headers["ETag"]
    # With an Idempotency-Key the use case runs inside the request's own transaction: still audited as the caller.
    submit_headers = {**guru, "Idempotency-Key": f"audit-{skp_id}"}
    etag = (await send("POST", f"/api/v1/skp/{skp_id}/submit", submit_headers, etag=etag)).headers["ETag"]
    refused = await client.post(f"/api/v1/skp/{skp_id}/approve", headers={**guru, "If-Match": etag})
    assert refused.status_code == 403  # a refusal changes nothing, so it leaves no record
    etag = (await send("POST", f"/api/v1/skp/{skp_id}/approve", ks, etag=etag)).headers["ETag"]
    reset_headers = {**operator, "Idempotency-Key": f"reset-{skp_id}"}
    await send("POST", f"/api/v1/skp/{skp_id}/reset", reset_headers, {"alasan": "Disetujui karena salah klik"}, etag)

    trail = await audit_trail(settings.database_url, skp_id)

    assert [(r["action"], r["from_state"], r["to_state"], r["version"]) for r in trail] == [
        ("skp.create", None, "DRAFT", 1),
        ("skp.edit", "DRAFT", "DRAFT", 2),
        ("skp.edit", "DRAFT", "DRAFT", 3),
        ("skp.edit", "DRAFT", "DRAFT", 4),
        ("skp.edit", "DRAFT", "DRAFT", 5),
        ("skp.edit", "DRAFT", "DRAFT", 6),
        ("skp.transition", "DRAFT", "DIAJUKAN", 7),
        ("skp.transition", "DIAJUKAN", "DISETUJUI", 8),
        ("skp.transition", "DISETUJUI", "DRAFT", 9),
    ]
    assert [r["trace_id"] for r in trail] == traces  # each record in the trace of the request that made it
    actors = [r["actor"] for r in trail]
    assert actors[:7] == [f"pegawai:{owner_id}"] * 7
    assert actors[7].startswith("pegawai:") and actors[7] != actors[0]  # the kepala sekolah, by roster id
    assert actors[8] == "operator:op-audit"
    assert trail[7]["actor_roles"] == "guru,kepala_sekolah"
    assert all(r["at"] is not None for r in trail)
    assert not any(nip in str(r) for r in trail for nip in people.values())  # never a NIP in clear
    # The operator's reason, in the operators' log, though the keyed reset wrote straight into the key's transaction.
    reasons = "SELECT string_agg(actor || ': ' || (detail ->> 'alasan'), '; ') FROM audit_log WHERE target = :t"
    assert await scalar(app, reasons, t=skp_id) == "op-audit: Disetujui karena salah klik"
