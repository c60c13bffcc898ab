"""The reads: who sees whose sync state, and what it says."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from bkn_sync.domain.bkn import SkpEdit
from bkn_sync.domain.conflict import Conflict, Plan
from bkn_sync.domain.push import Attempt, JenisPush, PushStatus
from bkn_sync.usecases import views
from bkn_sync.usecases.views import ListConflicts, PegawaiSyncState, SekolahSyncState, WilayahSyncState
from pmm_kernel.errors import Forbidden, NotFound

from ..fakes import NPSN, PERIODE, S1, FakeBkn, as_pegawai, fake_deps, operator, stored_push, world


def populated():
    w = world()
    skp = stored_push(w.uow, w.guru, status=PushStatus.FAILED, failure_kode="UNOR_TIDAK_SESUAI", failure_detail="x")
    periodik = stored_push(w.uow, w.guru, jenis=JenisPush.KINERJA_PERIODIK, bagian="2024-01..03")
    stored_push(w.uow, w.ks, status=PushStatus.SUCCEEDED, bkn_id="b-1")
    w.uow.pushes.attempts.append(Attempt(skp.id, 1, 1, w.uow.clock.now(), 80, "failed", 422, "UNOR_TIDAK_SESUAI"))
    plan = Plan(w.guru.pegawai_id, PERIODE, uuid.UUID(int=1), True, 3, [{"nama": "a"}])
    item = SkpEdit(1, w.guru.nip, S1, "disetujui", [{"nama": "b"}], datetime(2024, 2, 1, tzinfo=UTC))
    conflict = Conflict.open(plan, item, jenis="skp", fields=["rhk[0].nama"], now=w.uow.clock.now())
    w.uow.conflicts.rows[conflict.id] = conflict
    return w, skp, periodik


@pytest.mark.parametrize("who", ["self", "kepala_sekolah", "operator"])
async def test_a_pegawai_s_state_for_them_their_kepala_sekolah_and_their_operator(who):
    w, skp, periodik = populated()
    actor = {
        "self": as_pegawai(w.guru),
        "kepala_sekolah": as_pegawai(w.ks, "kepala_sekolah"),
        "operator": operator("32"),
    }[who]

    state = await views.pegawai_sync_state(PegawaiSyncState(w.guru.pegawai_id), uow=w.uow, actor=actor)

    assert state["counts"] == {"failed": 1, "pending": 1} and state["npsn"] == NPSN
    by_id = {p["push_id"]: p for p in state["pushes"]}
    assert by_id[skp.id]["failure"] == {
        "kode": "UNOR_TIDAK_SESUAI",
        "fixer": "operator_sekolah",
        "action": by_id[skp.id]["failure"]["action"],
        "transient": False,
        "detail": "x",
    }
    assert by_id[skp.id]["recent_attempts"][0]["http_status"] == 422
    assert by_id[periodik.id]["waiting_for"] == "skp" and by_id[skp.id]["waiting_for"] is None
    [conflict] = state["conflicts"]
    assert conflict["fields"] == ["rhk[0].nama"] and conflict["status"] == "open"


@pytest.mark.parametrize("who", ["colleague", "other_operator", "unknown"])
async def test_anyone_else_is_told_the_pegawai_does_not_exist(who):
    w, _, _ = populated()
    actor = {"colleague": as_pegawai(w.ks), "other_operator": operator("3274"), "unknown": operator()}[who]
    pegawai_id = uuid.uuid4() if who == "unknown" else w.guru.pegawai_id
    with pytest.raises(NotFound) as raised:
        await views.pegawai_sync_state(PegawaiSyncState(pegawai_id), uow=w.uow, actor=actor)
    assert raised.value.rule == "pegawai.not_found"


async def test_one_s_own_state_needs_a_place_in_the_roster():
    w, _, _ = populated()
    mine = await views.own_sync_state(uow=w.uow, actor=as_pegawai(w.guru))
    assert mine["pegawai_id"] == w.guru.pegawai_id
    stranger = as_pegawai(w.guru)
    with pytest.raises(NotFound):
        await views.own_sync_state(uow=w.uow, actor=type(stranger)("x", frozenset({"guru"}), None, None, None))


async def test_a_school_s_state_for_its_kepala_sekolah():
    w, _, _ = populated()
    state = await views.sekolah_sync_state(SekolahSyncState(NPSN), uow=w.uow, actor=as_pegawai(w.ks, "kepala_sekolah"))
    assert state["counts"] == {"failed": 1, "pending": 1, "succeeded": 1}
    assert state["failures"] == [{"kode": "UNOR_TIDAK_SESUAI", "jumlah": 1, "fixer": "operator_sekolah"}]
    assert state["waiting_for_skp"] == 1 and state["nama"] == "SD Negeri 1"
    assert {p["nama"]: p["counts"] for p in state["pegawai"]}["Siti"] == {"failed": 1, "pending": 1}


@pytest.mark.parametrize("who", ["guru", "other_operator"])
async def test_a_school_is_not_found_by_those_outside_it(who):
    w, _, _ = populated()
    actor = as_pegawai(w.guru) if who == "guru" else operator("3274")
    with pytest.raises(NotFound) as raised:
        await views.sekolah_sync_state(SekolahSyncState(NPSN), uow=w.uow, actor=actor)
    assert raised.value.rule == "sekolah.not_found"


async def test_a_region_s_state_for_its_operator_with_the_link_to_bkn():
    w, _, _ = populated()
    deps = fake_deps(w.uow, FakeBkn(state="open"))
    state = await views.wilayah_sync_state(WilayahSyncState("3273"), uow=w.uow, deps=deps, actor=operator("3273"))
    assert state["open_conflicts"] == 1 and state["waiting_for_skp"] == 1
    assert [s["npsn"] for s in state["sekolah"]] == [NPSN] and state["bkn"]["state"] == "open"


@pytest.mark.parametrize(
    ("actor", "rule"), [(operator("3274"), "sync.region_forbidden"), (None, "role.operator_required")]
)
async def test_a_region_and_its_conflicts_are_an_operator_s_of_that_region(actor, rule):
    w, _, _ = populated()
    actor = actor or as_pegawai(w.ks, "kepala_sekolah")
    with pytest.raises(Forbidden) as raised:
        await views.wilayah_sync_state(WilayahSyncState("3273"), uow=w.uow, deps=fake_deps(w.uow), actor=actor)
    assert raised.value.rule == rule
    with pytest.raises(Forbidden):
        await views.list_conflicts(ListConflicts("3273", "open"), uow=w.uow, actor=actor)


@pytest.mark.parametrize(("status", "count"), [("open", 1), ("resolved", 0), (None, 1)])
async def test_the_conflicts_of_a_region(status, count):
    w, _, _ = populated()
    found = await views.list_conflicts(ListConflicts("3273", status), uow=w.uow, actor=operator("3273"))
    assert len(found) == count
    assert all(c["npsn"] == NPSN for c in found)


async def test_the_backlog_counts_what_bkn_does_not_hold_yet_zeros_included():
    w = world()
    assert await views.push_backlog(uow=w.uow) == {"pending": 0, "failed": 0}
    w, _, _ = populated()
    assert await views.push_backlog(uow=w.uow) == {"pending": 1, "failed": 1}


async def test_the_link_to_bkn_is_an_operator_s_to_see():
    w = world()
    deps = fake_deps(w.uow, FakeBkn(state="half_open"))
    assert (await views.bkn_status(deps=deps, actor=operator()))["state"] == "half_open"
    with pytest.raises(Forbidden):
        await views.bkn_status(deps=deps, actor=as_pegawai(w.guru))


async def test_a_caller_is_their_roster_row_an_operator_their_token_s_region():
    w = world()
    deps = fake_deps(w.uow)
    ks = await views.resolve_actor(deps, subject=w.ks.nip, roles=frozenset({"kepala_sekolah"}), wilayah="32")
    assert (ks.pegawai_id, ks.npsn, ks.wilayah) == (w.ks.pegawai_id, NPSN, None)
    op = await views.resolve_actor(deps, subject="op-9", roles=frozenset({"operator"}), wilayah="3273")
    assert (op.pegawai_id, op.npsn, op.wilayah) == (None, None, "3273")
    stranger = await views.resolve_actor(deps, subject="1" * 18, roles=frozenset({"guru"}), wilayah=None)
    assert stranger.pegawai_id is None


async def test_a_pegawai_s_pushes_name_the_part_of_the_period_each_belongs_to():
    w = world()
    stored_push(w.uow, w.guru, jenis=JenisPush.KINERJA_PERIODIK, bagian="2024-01..03")
    stored_push(w.uow, w.guru, jenis=JenisPush.KINERJA_PERIODIK, bagian="2/2024-04..06")
    stored_push(w.uow, w.guru, bagian="2/")
    state = await views.pegawai_sync_state(PegawaiSyncState(w.guru.pegawai_id), uow=w.uow, actor=as_pegawai(w.guru))
    assert sorted((p["bagian"], p["skp_bagian"]) for p in state["pushes"]) == [
        ("2/", 2),
        ("2/2024-04..06", 2),
        ("2024-01..03", 1),
    ]
