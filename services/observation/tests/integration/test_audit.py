"""Every state change of a pelaksanaan leaves an audit record: who (roster id or the service itself, never a NIP),
when, what (from and to tahap) and the trace id of the request or message that made it."""

from __future__ import annotations

import pytest
from observation_world import INDIKATOR, approve, opened

from pmm_testkit import audit_trail, traced

pytestmark = pytest.mark.integration


async def test_each_step_of_a_pelaksanaan_is_audited_with_its_trace(client, tokens, world, settings) -> None:
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await approve(world, guru, atasan=ks)
    cycle = await opened(client, tokens, guru)  # opened by planning's event: the service itself acted
    pid = cycle["id"]

    persiapan_trace, persiapan_id = traced()
    prepared = await client.put(
        f"/api/v1/pelaksanaan/{pid}/persiapan",
        json={"target_perilaku": INDIKATOR.perilaku_dianjurkan[:1], "upaya": "Menyiapkan LKPD", "jadwal": "2024-02-12"},
        headers={**guru.headers(tokens), **persiapan_trace, "If-Match": cycle["etag"]},
    )
    assert prepared.status_code == 200, prepared.text
    refused = await client.post(
        f"/api/v1/pelaksanaan/{pid}/persiapan/setujui",
        headers={**guru.headers(tokens), "If-Match": prepared.headers["ETag"]},
    )
    assert refused.status_code == 403  # refused: nothing changes, nothing is recorded
    setujui_trace, setujui_id = traced()
    approved = await client.post(
        f"/api/v1/pelaksanaan/{pid}/persiapan/setujui",
        headers={**ks.headers(tokens), **setujui_trace, "If-Match": prepared.headers["ETag"]},
    )
    assert approved.status_code == 200, approved.text

    trail = await audit_trail(settings.database_url, pid)

    opening, *steps = trail
    assert (opening["action"], opening["actor"], opening["from_state"]) == (
        "pelaksanaan.create",
        "system:observation",
        None,
    )
    assert opening["trace_id"]  # the consumer's span: it continues the trace of the event that opened the cycle
    assert [(r["actor"], r["trace_id"]) for r in steps] == [
        (f"pegawai:{guru.pegawai_id}", persiapan_id),
        (f"pegawai:{ks.pegawai_id}", setujui_id),
    ]
    last = steps[-1]
    assert last["action"] == "pelaksanaan.transition" and last["from_state"] != last["to_state"]
    assert last["to_state"] == approved.json()["tahap"]
    assert [r["version"] for r in trail] == sorted(r["version"] for r in trail)
    assert not any(p.nip in str(r) for r in trail for p in (guru, ks))
