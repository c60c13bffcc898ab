"""What arrives from planning: an approved plan becomes a push, a reset one a draft, a roster fix heals."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from bkn_sync.domain.push import JenisPush, PushStatus
from bkn_sync.usecases import from_planning
from bkn_sync.usecases.from_planning import HealPegawai, HealPeriode, RecordSkpApproved, RecordSkpReset, RhkRow

from ..fakes import PERIODE, S1, stored_push, world

RHK = (RhkRow("Mengajar", "Mutu", "kuantitas", "Jam mengajar", 24, "jam"),)


def approved(pegawai_id: uuid.UUID, *, version: int = 3, rhk=RHK, atasan_id=None) -> RecordSkpApproved:
    return RecordSkpApproved(uuid.UUID(int=7), pegawai_id, PERIODE, atasan_id, rhk, version)


async def test_an_approved_plan_is_kept_and_queued_for_bkn():
    w = world()
    atasan = w.ks.pegawai_id
    await from_planning.record_skp_approved(approved(w.guru.pegawai_id, atasan_id=atasan), uow=w.uow)

    assert w.uow.committed
    plan = w.uow.plans.rows[(w.guru.pegawai_id, PERIODE)]
    assert plan.approved and plan.version == 3 and plan.rhk[0]["nama"] == "Mengajar"
    [push] = w.uow.pushes.rows.values()
    assert (push.jenis, push.bagian, push.months, push.status) == (JenisPush.SKP, "", S1, PushStatus.PENDING)
    assert push.payload == {"skp_id": str(uuid.UUID(int=7)), "atasan_id": str(atasan), "rhk": plan.rhk}
    assert push.source_version == 3 and push.next_attempt_at == w.uow.clock.now()
    assert w.uow.pushes.touched  # the worker is woken: it goes now, not at the next poll
    assert w.uow.published == []  # the push is published when it reaches BKN, not when it is queued


async def test_a_plan_of_a_period_not_yet_received_is_queued_without_its_months():
    w = world(periode_known=False)
    await from_planning.record_skp_approved(approved(w.guru.pegawai_id), uow=w.uow)
    [push] = w.uow.pushes.rows.values()
    assert push.months is None


async def test_nothing_of_a_non_asn_goes_to_bkn_but_the_plan_is_kept():
    w = world()
    w.guru.status = "NON_ASN"
    await from_planning.record_skp_approved(approved(w.guru.pegawai_id), uow=w.uow)
    assert w.uow.committed and not w.uow.pushes.rows
    assert (w.guru.pegawai_id, PERIODE) in w.uow.plans.rows


@pytest.mark.parametrize(("version", "renewed"), [(2, False), (3, False), (4, True)])
async def test_only_a_newer_plan_replaces_what_is_queued(version, renewed):
    w = world()
    await from_planning.record_skp_approved(approved(w.guru.pegawai_id, version=3), uow=w.uow)
    [push_id] = w.uow.pushes.rows
    w.uow.pushes.rows[push_id].status = PushStatus.FAILED
    w.uow.pushes.rows[push_id].attempts = 4
    w.uow.pushes.touched = False
    newer_rhk = (replace(RHK[0], target_kuantitas=30),)

    await from_planning.record_skp_approved(approved(w.guru.pegawai_id, version=version, rhk=newer_rhk), uow=w.uow)

    push = w.uow.pushes.rows[push_id]
    assert len(w.uow.pushes.rows) == 1
    expected = (2, PushStatus.PENDING, 0) if renewed else (1, PushStatus.FAILED, 4)
    assert (push.revision, push.status, push.attempts) == expected
    assert (push.payload["rhk"][0]["target_kuantitas"] == 30) is renewed
    assert w.uow.pushes.touched is renewed
    assert (w.uow.plans.rows[(w.guru.pegawai_id, PERIODE)].rhk[0]["target_kuantitas"] == 30) is renewed


async def test_a_reset_plan_is_a_draft_again_and_keeps_its_rows():
    w = world()
    await from_planning.record_skp_approved(approved(w.guru.pegawai_id, version=3), uow=w.uow)
    await from_planning.record_skp_reset(RecordSkpReset(uuid.UUID(int=7), w.guru.pegawai_id, PERIODE, 4), uow=w.uow)
    plan = w.uow.plans.rows[(w.guru.pegawai_id, PERIODE)]
    assert (plan.approved, plan.version, plan.rhk[0]["nama"]) == (False, 4, "Mengajar")
    assert w.uow.committed


@pytest.mark.parametrize(
    ("kode", "healed"),
    [("UNOR_TIDAK_SESUAI", True), ("PEGAWAI_BELUM_DI_ROSTER", True), ("SKP_BELUM_DISETUJUI", False),
     ("VALIDASI_GAGAL", False)],
)  # fmt: skip
async def test_a_roster_correction_heals_the_pushes_waiting_for_it(kode, healed):
    w = world()
    mine = stored_push(w.uow, w.guru, status=PushStatus.FAILED, failure_kode=kode, next_attempt_at=None)
    other = stored_push(w.uow, w.ks, status=PushStatus.FAILED, failure_kode=kode, next_attempt_at=None)

    async with w.uow:  # the consumer's unit of work: the projection commits the requeue with the correction
        count = await from_planning.heal_pegawai(HealPegawai(w.guru.pegawai_id), uow=w.uow)
        assert not w.uow.committed
        await w.uow.commit()

    assert count == int(healed)
    assert w.uow.pushes.rows[mine.id].status is (PushStatus.PENDING if healed else PushStatus.FAILED)
    assert w.uow.pushes.rows[other.id].status is PushStatus.FAILED


async def test_an_opened_period_heals_the_pushes_of_that_period():
    w = world()
    waiting = stored_push(w.uow, w.guru, status=PushStatus.FAILED, failure_kode="PERIODE_BELUM_DIKENAL")
    elsewhere = stored_push(
        w.uow, w.guru, periode="2024-S2", status=PushStatus.FAILED, failure_kode="PERIODE_BELUM_DIKENAL"
    )
    async with w.uow:
        assert await from_planning.heal_periode(HealPeriode(PERIODE), uow=w.uow) == 1
    assert w.uow.pushes.rows[waiting.id].status is PushStatus.PENDING
    assert w.uow.pushes.rows[elsewhere.id].status is PushStatus.FAILED
