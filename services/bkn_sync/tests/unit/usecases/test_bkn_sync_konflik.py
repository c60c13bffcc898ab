"""An operator's decision on a conflict: who may decide, what each decision does, and what is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from bkn_sync.domain import events
from bkn_sync.domain.bkn import SkpEdit
from bkn_sync.domain.conflict import Conflict, ConflictStatus, Keputusan, Plan
from bkn_sync.domain.push import PushStatus
from bkn_sync.usecases import konflik
from bkn_sync.usecases.konflik import DecideConflict
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound, StateConflict

from ..fakes import PERIODE, S1, as_pegawai, fake_deps, operator, stored_push, world

ROW = {"nama": "Mengajar", "target_kuantitas": 24}


def open_conflict(w) -> Conflict:
    plan = Plan(w.guru.pegawai_id, PERIODE, uuid.UUID(int=1), True, 3, [ROW])
    item = SkpEdit(7, w.guru.nip, S1, "disetujui", [{**ROW, "target_kuantitas": 30}], datetime(2024, 2, 1, tzinfo=UTC))
    conflict = Conflict.open(plan, item, jenis="skp", fields=["rhk[0].target_kuantitas"], now=w.uow.clock.now())
    conflict.events.clear()
    w.uow.conflicts.rows[conflict.id] = conflict
    return conflict


async def decide(w, conflict_id, keputusan=Keputusan.PERTAHANKAN_PMM, alasan="BKN salah input", actor=None):
    command = DecideConflict(conflict_id, keputusan=keputusan, alasan=alasan)
    return await konflik.decide_conflict(command, uow=w.uow, deps=fake_deps(w.uow), actor=actor or operator())


async def test_keeping_pmm_s_plan_pushes_it_again_as_a_new_revision():
    w = world()
    conflict = open_conflict(w)
    push = stored_push(w.uow, w.guru, status=PushStatus.SUCCEEDED, bkn_id="b-1")

    view = await decide(w, conflict.id)

    saved = w.uow.conflicts.rows[conflict.id]
    assert (saved.status, saved.keputusan, saved.decided_by, saved.version) == (
        ConflictStatus.RESOLVED,
        Keputusan.PERTAHANKAN_PMM,
        "op-1",
        2,
    )
    assert saved.alasan == "BKN salah input" and saved.decided_at == w.uow.clock.now()
    resent = w.uow.pushes.rows[push.id]
    assert (resent.status, resent.revision, resent.attempts) == (PushStatus.PENDING, 2, 0)
    assert [type(e) for e in w.uow.published] == [events.ConflictResolved]
    assert w.uow.published[0].keputusan == "pertahankan_pmm" and w.uow.published[0].version == 2
    assert view["status"] == "resolved" and view["keputusan"] == "pertahankan_pmm"
    assert w.uow.committed


async def test_accepting_bkn_s_version_sends_it_to_planning():
    w = world()
    conflict = open_conflict(w)
    await decide(w, conflict.id, keputusan=Keputusan.TERIMA_BKN)
    received, resolved = w.uow.published
    assert isinstance(received, events.BknSkpReceived) and isinstance(resolved, events.ConflictResolved)
    assert (received.nip, received.conflict_id, received.seq, received.periode) == (w.guru.nip, conflict.id, 7, PERIODE)
    assert received.rhk[0]["target_kuantitas"] == 30 and received.at == datetime(2024, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("who", "error", "rule"),
    [
        (lambda w: operator("3274"), NotFound, "conflict.not_found"),  # another region's does not exist
        (lambda w: as_pegawai(w.ks, "kepala_sekolah"), Forbidden, "sync.decide_forbidden"),
        (lambda w: as_pegawai(w.guru), Forbidden, "sync.decide_forbidden"),
    ],
)
async def test_only_an_operator_of_the_region_decides(who, error, rule):
    w = world()
    conflict = open_conflict(w)
    with pytest.raises(error) as raised:
        await decide(w, conflict.id, actor=who(w))
    assert raised.value.rule == rule
    assert w.uow.conflicts.rows[conflict.id].status is ConflictStatus.OPEN and w.uow.published == []


@pytest.mark.parametrize("alasan", ["", "  ok  ", "abcd"])
async def test_a_decision_needs_a_reason(alasan):
    w = world()
    conflict = open_conflict(w)
    with pytest.raises(InvalidValue) as raised:
        await decide(w, conflict.id, alasan=alasan)
    assert raised.value.rule == "conflict.alasan_required"


async def test_a_decided_conflict_is_not_decided_again_and_an_unknown_one_is_not_found():
    w = world()
    conflict = open_conflict(w)
    await decide(w, conflict.id)
    with pytest.raises(StateConflict) as raised:
        await decide(w, conflict.id, keputusan=Keputusan.TERIMA_BKN)
    assert raised.value.rule == "conflict.already_decided"
    assert len(w.uow.published) == 1
    with pytest.raises(NotFound):
        await decide(w, uuid.uuid4())
