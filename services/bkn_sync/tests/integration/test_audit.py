"""Every state change of a push or a conflict leaves an audit record: who (the service itself, or the operator who
decided), when, what (from and to status) and the trace id of the message, worker round or request that made it."""

from __future__ import annotations

import pytest

from pmm_testkit import audit_trail, traced

pytestmark = pytest.mark.integration

BKN_EDIT = {
    "tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6, "status": "DIAJUKAN",
    "rhk": [{"rhk": "Lain", "aspek": "kuantitas", "indikator": "x", "target": 9, "satuan": "modul"}],
}  # fmt: skip


async def test_pushes_and_conflict_decisions_are_audited_with_their_trace(
    world, admin, tap, client, operator, settings
):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await world.approve(guru, school.kepala, target=4)
    [push] = await world.settled(guru, count=1)

    push_trail = await audit_trail(settings.database_url, push["id"])
    assert [(r["action"], r["from_state"], r["to_state"]) for r in push_trail][0] == ("push.create", None, "pending")
    assert push_trail[-1]["to_state"] == "succeeded" and push_trail[-1]["action"] == "push.transition"
    assert {r["actor"] for r in push_trail} == {"system:bkn_sync"}  # a message and the worker: the service acted
    assert all(r["trace_id"] for r in push_trail)

    await admin.edit_skp(guru.nip, BKN_EDIT)
    await tap.wait("conflict.opened", pegawai_id=str(guru.pegawai_id))
    [opened] = tap.data("conflict.opened", pegawai_id=str(guru.pegawai_id))
    trace, trace_id = traced()
    decided = await client.post(
        f"/api/v1/konflik/{opened['conflict_id']}/keputusan",
        json={"keputusan": "pertahankan_pmm", "alasan": "SKP disetujui kepala sekolah berlaku"},
        headers={**operator(), **trace},
    )
    assert decided.status_code == 200, decided.text

    conflict_trail = await audit_trail(settings.database_url, opened["conflict_id"])
    assert [(r["action"], r["actor"], r["to_state"]) for r in conflict_trail][0] == (
        "conflict.create",
        "system:bkn_sync",
        "open",
    )
    decision = conflict_trail[-1]
    assert (decision["action"], decision["from_state"], decision["trace_id"]) == (
        "conflict.transition",
        "open",
        trace_id,
    )
    assert decision["actor"].startswith("operator:") and decision["actor_roles"] == "operator"
    assert not any(guru.nip in str(r) for r in push_trail + conflict_trail)
