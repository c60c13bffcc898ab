"""Every state change of a penilaian leaves an audit record: who (roster id or the service itself, never a NIP),
when, what (from and to status) and the trace id of the request or message that made it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pmm_testkit import audit_trail, traced

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import etag, finalize, penilaian_of  # noqa: E402

pytestmark = pytest.mark.integration


async def test_each_change_of_a_penilaian_is_audited_with_its_trace(client, tokens, world, settings, operator):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)  # planning's and observation's events: the service itself opens and readies it
    item = await penilaian_of(client, tokens, ks, guru)

    rate_trace, rate_id = traced()
    rated = await client.put(
        f"/api/v1/penilaian/{item['id']}/nilai",
        json={"hasil_kerja": "sesuai", "perilaku_kerja": "sesuai"},
        headers={**ks.headers(tokens), **rate_trace, "If-Match": etag(item)},
    )
    assert rated.status_code == 200, rated.text
    refused = await finalize(client, tokens, guru, item["id"], rated.headers["ETag"])
    assert refused.status_code == 403  # the owner may not finalise: no change, no record
    final_trace, final_id = traced()
    done = await finalize(client, tokens, ks, item["id"], rated.headers["ETag"], **final_trace)
    assert done.status_code == 200, done.text
    reopen_trace, reopen_id = traced()
    reopened = await client.post(
        f"/api/v1/penilaian/{item['id']}/buka-kembali",
        json={"alasan": "Salah input rating"},
        headers={**operator, **reopen_trace, "If-Match": done.headers["ETag"]},
    )
    assert reopened.status_code == 200, reopened.text

    trail = await audit_trail(settings.database_url, item["id"])

    by_system = [r for r in trail if r["actor"] == "system:appraisal"]
    assert by_system and by_system[0]["action"] == "penilaian.create" and by_system[0]["from_state"] is None
    assert all(r["trace_id"] for r in by_system)  # the consumer's span, continuing the event's trace
    by_people = [r for r in trail if r["actor"] != "system:appraisal"]
    assert [(r["actor"], r["trace_id"], r["from_state"], r["to_state"]) for r in by_people] == [
        (f"pegawai:{ks.pegawai_id}", rate_id, "SIAP", "DINILAI"),
        (f"pegawai:{ks.pegawai_id}", final_id, "DINILAI", "FINAL"),
        (by_people[2]["actor"], reopen_id, "FINAL", reopened.json()["status"]),
    ]
    assert by_people[2]["actor"].startswith("operator:")
    assert all(r["action"] == "penilaian.transition" for r in by_people)
    assert not any(p.nip in str(r) for r in trail for p in (guru, ks))
