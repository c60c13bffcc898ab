"""The pull of BKN's change feed: profile changes and BKN-side SKP edits, each entry once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bkn_sync.domain import events
from bkn_sync.domain.bkn import FeedPage, ProfilChange, Refused, SkpEdit
from bkn_sync.domain.conflict import ConflictStatus, Plan
from bkn_sync.domain.push import PushStatus
from bkn_sync.usecases import pull
from bkn_sync.usecases.pull import FEED, PullChanges

from ..fakes import PERIODE, S1, FakeBkn, fake_deps, stored_push, world

AT = datetime(2024, 2, 1, 3, 0, tzinfo=UTC)
ROW = {"nama": "Mengajar", "rhk_atasan": "Mutu", "aspek": "kuantitas", "indikator_kinerja_individu": "Jam",
       "target_kuantitas": 24, "satuan": "jam"}  # fmt: skip


def edit(seq, nip, *, target=30) -> SkpEdit:
    return SkpEdit(seq=seq, nip=nip, periode=S1, status="disetujui", rhk=[{**ROW, "target_kuantitas": target}], at=AT)


async def run(w, *pages):
    deps = fake_deps(w.uow, FakeBkn(pages=list(pages)))
    return await pull.pull_changes(PullChanges(batch=10), uow=w.uow, deps=deps), deps.bkn


def approve(w, *, approved=True):
    plan = Plan(w.guru.pegawai_id, PERIODE, uuid.UUID(int=1), approved, 3, [ROW])
    w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 1)] = plan


async def test_a_profile_change_is_told_to_planning_and_heals_the_pushes_it_may_fix():
    w = world()
    failed = stored_push(w.uow, w.guru, status=PushStatus.FAILED, failure_kode="JABATAN_TIDAK_SESUAI")
    change = ProfilChange(seq=4, nip=w.guru.nip, changes={"jabatanNama": "Guru Ahli Muda"}, at=AT)

    handled, bkn = await run(w, FeedPage(items=[change], position=4))

    assert handled == 1 and bkn.asked == [(0, 10)]
    [changed] = w.uow.published_of(events.BknPegawaiChanged)
    assert (changed.nip, changed.seq) == (w.guru.nip, 4) and changed.changes
    assert w.uow.pushes.rows[failed.id].status is PushStatus.PENDING
    assert w.uow.cursor.positions[FEED] == 4


async def test_an_edit_of_a_plan_not_approved_is_planning_s_to_apply():
    w = world()
    approve(w, approved=False)
    await run(w, FeedPage(items=[edit(1, w.guru.nip)], position=1))
    [received] = w.uow.published_of(events.BknSkpReceived)
    assert (received.pegawai_id, received.periode, received.conflict_id) == (w.guru.pegawai_id, PERIODE, None)
    assert w.uow.conflicts.rows == {}


async def test_an_edit_of_someone_unknown_still_goes_to_planning_without_a_pegawai():
    w = world()
    await run(w, FeedPage(items=[edit(1, "199001012015011001")], position=1))
    [received] = w.uow.published_of(events.BknSkpReceived)
    assert received.pegawai_id is None and received.periode == PERIODE


async def test_an_edit_of_an_approved_plan_opens_one_conflict_and_a_further_edit_updates_it():
    w = world()
    approve(w)
    await run(w, FeedPage(items=[edit(1, w.guru.nip, target=30)], position=1))
    [conflict] = w.uow.conflicts.rows.values()
    assert conflict.status is ConflictStatus.OPEN and conflict.fields == ["rhk[0].target_kuantitas"]
    assert conflict.pmm == {"rhk": [ROW], "skp_id": str(uuid.UUID(int=1)), "version": 3}
    assert conflict.bkn["seq"] == 1 and conflict.bkn["rhk"][0]["target_kuantitas"] == 30
    [opened] = w.uow.published_of(events.ConflictOpened)
    assert (opened.conflict_id, opened.version) == (conflict.id, 1)
    assert w.uow.published_of(events.BknSkpReceived) == []

    await run(w, FeedPage(items=[edit(2, w.guru.nip, target=31)], position=2))
    [again] = w.uow.conflicts.rows.values()
    assert (again.id, again.version, again.bkn["seq"]) == (conflict.id, 2, 2)
    assert [e.version for e in w.uow.published_of(events.ConflictOpened)] == [1, 2]


async def test_bkn_holding_what_was_approved_is_nothing_to_decide():
    w = world()
    approve(w)
    handled, _ = await run(w, FeedPage(items=[edit(1, w.guru.nip, target=24)], position=1))
    assert handled == 1 and w.uow.conflicts.rows == {} and w.uow.published == []


async def test_an_entry_already_handled_is_not_applied_again():
    w = world()
    w.uow.cursor.positions[FEED] = 5
    change = ProfilChange(seq=5, nip=w.guru.nip, changes={"nama": "Siti A."}, at=AT)
    handled, bkn = await run(w, FeedPage(items=[change], position=5))
    assert handled == 0 and w.uow.published == [] and bkn.asked == [(5, 10)]


async def test_an_unavailable_feed_is_tried_again_on_the_next_tick():
    w = world()
    handled, _ = await run(w, Refused("BKN_TIDAK_TERSEDIA", 503, "down"))
    assert handled == 0 and w.uow.cursor.positions == {}


async def test_an_empty_page_further_on_moves_the_cursor():
    w = world()
    handled, _ = await run(w, FeedPage(items=[], position=9))
    assert handled == 0 and w.uow.cursor.positions[FEED] == 9 and w.uow.committed
