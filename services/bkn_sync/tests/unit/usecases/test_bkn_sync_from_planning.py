"""What arrives from planning: an approved plan becomes a push, a reset one a draft, a roster fix heals."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest

from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import JenisPush, PushStatus
from bkn_sync.usecases import from_planning
from bkn_sync.usecases.from_planning import (
    HealPegawai,
    HealPeriode,
    RecordSkpApproved,
    RecordSkpEnded,
    RecordSkpReset,
    RhkRow,
)
from bkn_sync.usecases.push import ClaimDue, claim_due

from ..fakes import NPSN, PERIODE, S1, WILAYAH, Pegawai, fake_deps, stored_push, world

RHK = (RhkRow("Mengajar", "Mutu", "kuantitas", "Jam mengajar", 24, "jam"),)


def approved(pegawai_id: uuid.UUID, *, version: int = 3, rhk=RHK, atasan_id=None) -> RecordSkpApproved:
    return RecordSkpApproved(uuid.UUID(int=7), pegawai_id, PERIODE, atasan_id, rhk, version)


async def test_an_approved_plan_is_kept_and_queued_for_bkn():
    w = world()
    atasan = w.ks.pegawai_id
    await from_planning.record_skp_approved([approved(w.guru.pegawai_id, atasan_id=atasan)], uow=w.uow)

    assert w.uow.committed
    plan = w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 1)]
    assert plan.approved and plan.version == 3 and plan.rhk[0]["nama"] == "Mengajar"
    [push] = w.uow.pushes.rows.values()
    assert (push.jenis, push.bagian, push.months, push.status) == (JenisPush.SKP, "", S1, PushStatus.PENDING)
    assert push.payload == {"skp_id": str(uuid.UUID(int=7)), "atasan_id": str(atasan), "rhk": plan.rhk}
    assert push.source_version == 3 and push.next_attempt_at == w.uow.clock.now()
    assert w.uow.pushes.touched  # the worker is woken: it goes now, not at the next poll
    assert w.uow.published == []  # the push is published when it reaches BKN, not when it is queued


async def test_a_plan_of_a_period_not_yet_received_is_queued_without_its_months():
    w = world(periode_known=False)
    await from_planning.record_skp_approved([approved(w.guru.pegawai_id)], uow=w.uow)
    [push] = w.uow.pushes.rows.values()
    assert push.months is None


async def test_nothing_of_a_non_asn_goes_to_bkn_but_the_plan_is_kept():
    w = world()
    w.guru.status = "NON_ASN"
    await from_planning.record_skp_approved([approved(w.guru.pegawai_id)], uow=w.uow)
    assert w.uow.committed and not w.uow.pushes.rows
    assert (w.guru.pegawai_id, PERIODE, 1) in w.uow.plans.rows


async def test_a_run_of_approvals_queues_one_push_per_asn_and_a_repeated_plan_in_the_order_it_came():
    w = world()
    honorer = w.uow.roster.add(Pegawai(uuid.uuid4(), "3273010101010001", "Honorer", NPSN, WILAYAH, status="NON_ASN"))
    newer_rhk = (replace(RHK[0], target_kuantitas=30),)
    run = [
        approved(w.guru.pegawai_id, version=3),
        approved(honorer.pegawai_id, version=2),
        approved(w.ks.pegawai_id, version=5),
        approved(w.guru.pegawai_id, version=4, rhk=newer_rhk),  # the same plan again: applied after the first
    ]
    await from_planning.record_skp_approved(run, uow=w.uow)

    assert w.uow.committed and w.uow.commits == 1
    pushes = {push.pegawai_id: push for push in w.uow.pushes.rows.values()}
    assert set(pushes) == {w.guru.pegawai_id, w.ks.pegawai_id}  # nothing of the non-ASN goes to BKN
    assert (pushes[w.guru.pegawai_id].source_version, pushes[w.guru.pegawai_id].revision) == (4, 2)
    assert pushes[w.guru.pegawai_id].payload["rhk"][0]["target_kuantitas"] == 30
    assert pushes[w.ks.pegawai_id].source_version == 5
    assert w.uow.plans.rows[(honorer.pegawai_id, PERIODE, 1)].version == 2


@pytest.mark.parametrize(("version", "renewed"), [(2, False), (3, False), (4, True)])
async def test_only_a_newer_plan_replaces_what_is_queued(version, renewed):
    w = world()
    await from_planning.record_skp_approved([approved(w.guru.pegawai_id, version=3)], uow=w.uow)
    [push_id] = w.uow.pushes.rows
    w.uow.pushes.rows[push_id].status = PushStatus.FAILED
    w.uow.pushes.rows[push_id].attempts = 4
    w.uow.pushes.touched = False
    newer_rhk = (replace(RHK[0], target_kuantitas=30),)

    await from_planning.record_skp_approved([approved(w.guru.pegawai_id, version=version, rhk=newer_rhk)], uow=w.uow)

    push = w.uow.pushes.rows[push_id]
    assert len(w.uow.pushes.rows) == 1
    expected = (2, PushStatus.PENDING, 0) if renewed else (1, PushStatus.FAILED, 4)
    assert (push.revision, push.status, push.attempts) == expected
    assert (push.payload["rhk"][0]["target_kuantitas"] == 30) is renewed
    assert w.uow.pushes.touched is renewed
    assert (w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 1)].rhk[0]["target_kuantitas"] == 30) is renewed


async def test_a_reset_plan_is_a_draft_again_and_keeps_its_rows():
    w = world()
    await from_planning.record_skp_approved([approved(w.guru.pegawai_id, version=3)], uow=w.uow)
    await from_planning.record_skp_reset(RecordSkpReset(uuid.UUID(int=7), w.guru.pegawai_id, PERIODE, 4), uow=w.uow)
    plan = w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 1)]
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
        count = await from_planning.heal_pegawai(HealPegawai((w.guru.pegawai_id,)), uow=w.uow)
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


# --- the parts of a period (a transfer in the middle of it) ----------------------------------------------------

SKP_2 = uuid.UUID(int=8)
LAST_DAY = date(2024, 3, 15)


def part_two(pegawai_id: uuid.UUID, *, version: int = 2) -> RecordSkpApproved:
    return replace(
        approved(pegawai_id, version=version),
        skp_id=SKP_2,
        bagian=2,
        npsn="20200002",
        mulai=date(2024, 3, 16),
    )


def ended(pegawai_id: uuid.UUID, *, version: int = 4, approved_: bool = True, selesai=LAST_DAY) -> RecordSkpEnded:
    return RecordSkpEnded(
        skp_id=uuid.UUID(int=7),
        pegawai_id=pegawai_id,
        periode=PERIODE,
        bagian=1,
        npsn="20200001",
        mulai=None,
        selesai=selesai,
        approved=approved_,
        version=version,
    )


def pushes_by_key(w) -> dict[str, object]:
    return {p.bagian: p for p in w.uow.pushes.rows.values()}


async def test_each_part_of_a_period_is_its_own_skp_with_the_months_it_covers():
    w = world()
    await from_planning.record_skp_approved([approved(w.guru.pegawai_id)], uow=w.uow)
    await from_planning.record_skp_approved([part_two(w.guru.pegawai_id)], uow=w.uow)

    by_key = pushes_by_key(w)
    assert set(by_key) == {"", "2/"}  # part 1 keeps the key it always had
    assert by_key[""].months == S1
    assert by_key["2/"].months == BknPeriode(2024, 3, 2024, 6)
    assert by_key["2/"].payload["npsn"] == "20200002" and by_key["2/"].payload["mulai"] == "2024-03-16"
    assert "npsn" not in by_key[""].payload  # a plan without parts carries what it always did
    assert {key[2] for key in w.uow.plans.rows} == {1, 2}
    assert w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 2)].npsn == "20200002"


async def test_the_end_of_an_approved_part_sends_its_skp_again_with_the_shortened_period():
    w = world()
    await from_planning.record_skp_approved([approved(w.guru.pegawai_id, version=3)], uow=w.uow)
    [push] = w.uow.pushes.rows.values()
    w.uow.pushes.rows[push.id].status = PushStatus.SUCCEEDED  # it already reached BKN

    outcome = await from_planning.record_skp_ended(ended(w.guru.pegawai_id, version=4), uow=w.uow)

    assert outcome == "shortened" and w.uow.committed
    shortened = w.uow.pushes.rows[push.id]
    assert (shortened.months, shortened.revision, shortened.status) == (
        BknPeriode(2024, 1, 2024, 3),
        2,
        PushStatus.PENDING,
    )
    assert shortened.payload["selesai"] == "2024-03-15" and shortened.payload["rhk"] == push.payload["rhk"]
    plan = w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 1)]
    assert plan.selesai == LAST_DAY and plan.rhk[0]["nama"] == "Mengajar"  # the rows approved stay


@pytest.mark.parametrize("version", [4, 2])  # the same end again; one older than the approval
async def test_an_older_or_repeated_end_changes_nothing(version):
    w = world()
    await from_planning.record_skp_approved([approved(w.guru.pegawai_id, version=3)], uow=w.uow)
    await from_planning.record_skp_ended(ended(w.guru.pegawai_id, version=4), uow=w.uow)
    [push] = w.uow.pushes.rows.values()
    before = (push.months, push.revision, push.payload)
    later = ended(w.guru.pegawai_id, version=version, selesai=date(2024, 5, 31))
    assert await from_planning.record_skp_ended(later, uow=w.uow) == "stale"
    after = w.uow.pushes.rows[push.id]
    assert (after.months, after.revision, after.payload) == before
    assert w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 1)].selesai == LAST_DAY


async def test_a_part_ended_before_approval_has_nothing_at_bkn_to_shorten():
    w = world()
    outcome = await from_planning.record_skp_ended(ended(w.guru.pegawai_id, approved_=False), uow=w.uow)
    assert outcome == "nothing_pushed" and w.uow.committed and not w.uow.pushes.rows
    assert not w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 1)].approved


async def test_a_part_of_a_period_not_yet_received_learns_its_own_months_at_attempt_time():
    w = world(periode_known=False)
    await from_planning.record_skp_approved([part_two(w.guru.pegawai_id)], uow=w.uow)
    [push] = w.uow.pushes.rows.values()
    assert push.months is None
    w.uow.roster_extra.months[PERIODE] = S1
    [claimed] = await claim_due(ClaimDue(limit=5), uow=w.uow, deps=fake_deps(w.uow))
    assert claimed.periode == BknPeriode(2024, 3, 2024, 6)
    assert claimed.who.unor_id == NPSN  # the current part names the roster's school, which a correction heals


async def test_an_ended_part_goes_to_the_old_schools_unit_after_the_move():
    w = world()
    await from_planning.record_skp_approved([replace(approved(w.guru.pegawai_id), npsn="20200001")], uow=w.uow)
    await from_planning.record_skp_ended(ended(w.guru.pegawai_id), uow=w.uow)
    w.guru.npsn = "20200002"  # the roster names the new school now
    [claimed] = await claim_due(ClaimDue(limit=5), uow=w.uow, deps=fake_deps(w.uow))
    assert (claimed.who.unor_id, claimed.periode) == ("20200001", BknPeriode(2024, 1, 2024, 3))
