"""The push worker's claim and attempt, an operator's retry and reconciliation, with a scripted BKN."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from bkn_sync.domain import events
from bkn_sync.domain.bkn import Accepted, HeldRecord, Refused
from bkn_sync.domain.push import JenisPush, PushStatus
from bkn_sync.usecases import push as usecase
from bkn_sync.usecases.push import AttemptPush, ClaimDue, Reconcile, RetryPush
from pmm_kernel.errors import Forbidden, NotFound, StateConflict

from ..fakes import S1, FakeBkn, as_pegawai, circuit_open, fake_deps, operator, stored_push, world


async def claim_one(w, deps):
    [claimed] = await usecase.claim_due(ClaimDue(limit=5), uow=w.uow, deps=deps)
    return claimed


async def attempt(w, deps, claimed, trace_id="t-1"):
    return await usecase.attempt_push(AttemptPush(claimed, trace_id=trace_id), uow=w.uow, deps=deps)


# --- claiming -----------------------------------------------------------------------------------------------


async def test_a_claim_leases_what_is_due_and_reads_who_it_is_about_now():
    w = world()
    deps = fake_deps(w.uow)
    due = stored_push(w.uow, w.guru)
    later = stored_push(w.uow, w.ks, next_attempt_at=w.uow.clock.now() + timedelta(minutes=5))
    w.guru.nama = "Siti Aminah"  # corrected in the roster after the push was queued

    claimed = await usecase.claim_due(ClaimDue(limit=5), uow=w.uow, deps=deps)

    assert [c.push_id for c in claimed] == [due.id]
    [one] = claimed
    assert one.who.nama == "Siti Aminah" and one.who.nip == w.guru.nip
    assert one.who.penilai_nip == w.ks.nip  # the current atasan signs the SKP
    assert one.periode == S1 and one.revision == 1 and one.local_failure is None
    assert w.uow.pushes.rows[due.id].lease_until == w.uow.pushes.database_now + timedelta(seconds=120)
    assert w.uow.pushes.rows[later.id].lease_until is None
    assert w.uow.committed


async def test_the_skp_goes_before_what_waits_for_it():
    w = world()
    skp = stored_push(w.uow, w.guru, next_attempt_at=w.uow.clock.now() - timedelta(minutes=1))
    periodik = stored_push(
        w.uow,
        w.guru,
        jenis=JenisPush.KINERJA_PERIODIK,
        bagian="2024-01..03",
        next_attempt_at=w.uow.clock.now() - timedelta(minutes=9),
    )
    claimed = await usecase.claim_due(ClaimDue(limit=5), uow=w.uow, deps=fake_deps(w.uow))
    assert [c.push_id for c in claimed] == [skp.id]
    assert periodik.id not in [c.push_id for c in claimed]


@pytest.mark.parametrize(
    ("setup", "kode", "not_asn"),
    [
        (lambda w: w.uow.roster.rows.pop(w.guru.pegawai_id), "PEGAWAI_BELUM_DI_ROSTER", False),
        (lambda w: w.uow.roster_extra.months.clear(), "PERIODE_BELUM_DIKENAL", False),
        (lambda w: setattr(w.guru, "status", "NON_ASN"), None, True),
    ],
)
async def test_what_cannot_go_is_found_before_calling_bkn(setup, kode, not_asn):
    w = world()
    stored_push(w.uow, w.guru, months=None)
    setup(w)
    claimed = await claim_one(w, fake_deps(w.uow))
    assert (claimed.local_failure.kode if claimed.local_failure else None) == kode
    assert claimed.not_asn is not_asn and claimed.who is None


async def test_a_period_that_arrived_late_is_learned_once():
    w = world()
    push = stored_push(w.uow, w.guru, months=None)
    claimed = await claim_one(w, fake_deps(w.uow))
    assert claimed.periode == S1
    assert w.uow.pushes.rows[push.id].months == S1


async def test_the_atasan_named_by_the_plan_signs_it():
    w = world()
    other = w.uow.roster.add(type(w.ks)(uuid.uuid4(), "196001012000011001", "Pengawas", w.ks.npsn, w.ks.kode_wilayah))
    stored_push(w.uow, w.guru, payload={"skp_id": "s", "atasan_id": str(other.pegawai_id), "rhk": []})
    claimed = await claim_one(w, fake_deps(w.uow))
    assert claimed.who.penilai_nip == other.nip


# --- attempting ---------------------------------------------------------------------------------------------


async def test_an_accepted_push_succeeds_is_published_and_frees_what_waited_for_the_skp():
    w = world()
    bkn = FakeBkn(answers=[Accepted("bkn-1")])
    deps = fake_deps(w.uow, bkn)
    skp = stored_push(w.uow, w.guru)
    waiting = stored_push(
        w.uow,
        w.guru,
        jenis=JenisPush.KINERJA_PERIODIK,
        bagian="2024-01..03",
        status=PushStatus.FAILED,
        failure_kode="SKP_BELUM_DISETUJUI",
    )
    claimed = await claim_one(w, deps)

    result = await attempt(w, deps, claimed)

    assert (result.push_id, result.jenis, result.outcome, result.kode) == (skp.id, "skp", "succeeded", None)
    saved = w.uow.pushes.rows[skp.id]
    assert (saved.status, saved.bkn_id, saved.attempts, saved.version) == (PushStatus.SUCCEEDED, "bkn-1", 1, 2)
    assert saved.lease_until is None and saved.next_attempt_at is None
    [published] = w.uow.published_of(events.PushSucceeded)
    assert published.bkn_id == "bkn-1" and published.push.version == 2 and published.push.push_id == skp.id
    [record] = w.uow.pushes.attempts
    assert (record.outcome, record.trace_id, record.duration_ms, record.revision) == ("succeeded", "t-1", 250, 1)
    assert w.uow.pushes.rows[waiting.id].status is PushStatus.PENDING
    jenis, payload, who, periode = bkn.sent[0]
    assert (jenis, who.nip, periode) == (JenisPush.SKP, w.guru.nip, S1)


async def test_a_transient_refusal_is_retried_later_with_back_off_and_not_announced():
    w = world()
    deps = fake_deps(w.uow, FakeBkn(answers=[Refused(None, 503, "down")]), random=0.0)
    push = stored_push(w.uow, w.guru)
    result = await attempt(w, deps, await claim_one(w, deps))
    saved = w.uow.pushes.rows[push.id]
    assert (result.outcome, result.kode) == ("transient", "BKN_TIDAK_TERSEDIA")
    assert saved.status is PushStatus.PENDING and saved.failure_kode == "BKN_TIDAK_TERSEDIA"
    assert saved.next_attempt_at == w.uow.clock.now() + timedelta(seconds=2)
    assert w.uow.published == [] and not w.uow.pushes.touched


async def test_the_jitter_comes_from_the_random_port():
    w = world()
    deps = fake_deps(w.uow, FakeBkn(answers=[Refused(None, 503, "down")]), random=0.5)
    push = stored_push(w.uow, w.guru)
    await attempt(w, deps, await claim_one(w, deps))
    assert w.uow.pushes.rows[push.id].next_attempt_at == w.uow.clock.now() + timedelta(seconds=1.5)


async def test_a_typed_failure_waits_for_its_fixer_and_is_announced_once():
    w = world()
    deps = fake_deps(w.uow, FakeBkn(answers=[Refused("UNOR_TIDAK_SESUAI", 422, "unor")]))
    push = stored_push(w.uow, w.guru)
    result = await attempt(w, deps, await claim_one(w, deps))
    saved = w.uow.pushes.rows[push.id]
    assert (result.outcome, saved.status, saved.failure_detail) == ("failed", PushStatus.FAILED, "unor")
    [failed] = w.uow.published_of(events.PushFailed)
    assert (failed.kode, failed.fixer, failed.attempts) == ("UNOR_TIDAK_SESUAI", "operator_sekolah", 1)

    # The slow recheck meets the same failure: recorded, not announced again.
    w.uow.pushes.rows[push.id].next_attempt_at = w.uow.clock.now()
    await attempt(w, deps, await claim_one(w, deps))
    assert len(w.uow.published_of(events.PushFailed)) == 1
    assert [a.attempt for a in w.uow.pushes.attempts] == [1, 2]


async def test_an_attempt_of_content_replaced_meanwhile_is_only_recorded():
    w = world()
    deps = fake_deps(w.uow, FakeBkn(answers=[Accepted("bkn-old")]))
    push = stored_push(w.uow, w.guru)
    claimed = await claim_one(w, deps)
    w.uow.pushes.rows[push.id].revision = 2  # a newer approval arrived while BKN was answering

    result = await attempt(w, deps, claimed)

    saved = w.uow.pushes.rows[push.id]
    assert result.outcome == "superseded"
    assert (saved.status, saved.bkn_id, saved.lease_until) == (PushStatus.PENDING, None, None)
    assert w.uow.published == []


async def test_a_non_asn_push_is_skipped_without_calling_bkn():
    w = world()
    bkn = FakeBkn(answers=[Accepted("never")])
    deps = fake_deps(w.uow, bkn)
    push = stored_push(w.uow, w.guru)
    w.guru.status = "NON_ASN"
    result = await attempt(w, deps, await claim_one(w, deps))
    saved = w.uow.pushes.rows[push.id]
    assert result.outcome == "skipped" and bkn.sent == []
    assert (saved.status, saved.version, saved.lease_until) == (PushStatus.SKIPPED, 2, None)


async def test_while_the_circuit_is_open_nothing_is_attempted_and_the_lease_is_freed():
    w = world()
    deps = fake_deps(w.uow, FakeBkn(answers=[circuit_open()]))
    push = stored_push(w.uow, w.guru)
    result = await attempt(w, deps, await claim_one(w, deps))
    saved = w.uow.pushes.rows[push.id]
    assert result.outcome == "circuit_open"
    assert (saved.lease_until, saved.attempts, saved.status) == (None, 0, PushStatus.PENDING)
    assert w.uow.pushes.attempts == []


async def test_a_local_failure_is_recorded_as_bkn_would_have_refused():
    w = world()
    bkn = FakeBkn(answers=[Accepted("never")])
    deps = fake_deps(w.uow, bkn)
    push = stored_push(w.uow, w.guru, months=None)
    w.uow.roster_extra.months.clear()
    result = await attempt(w, deps, await claim_one(w, deps))
    assert (result.outcome, result.kode) == ("failed", "PERIODE_BELUM_DIKENAL")
    assert w.uow.pushes.rows[push.id].status is PushStatus.FAILED and bkn.sent == []


# --- retry now ----------------------------------------------------------------------------------------------


async def test_an_operator_of_the_region_retries_a_failed_push_at_once():
    w = world()
    push = stored_push(
        w.uow, w.guru, status=PushStatus.FAILED, failure_kode="VALIDASI_GAGAL", attempts=3, next_attempt_at=None
    )
    view = await usecase.retry_push(RetryPush(push.id), uow=w.uow, deps=fake_deps(w.uow), actor=operator("3273"))
    saved = w.uow.pushes.rows[push.id]
    assert (saved.status, saved.attempts, saved.next_attempt_at) == (PushStatus.PENDING, 0, w.uow.clock.now())
    assert view["status"] == "pending" and view["push_id"] == push.id
    assert w.uow.committed and w.uow.pushes.touched


@pytest.mark.parametrize(
    ("who", "error", "rule"),
    [
        (lambda w: operator("3274"), NotFound, "push.not_found"),  # another region: it does not exist
        (lambda w: as_pegawai(w.ks, "kepala_sekolah"), Forbidden, "sync.retry_forbidden"),
        (lambda w: as_pegawai(w.guru), Forbidden, "sync.retry_forbidden"),
    ],
)
async def test_only_an_operator_of_the_region_retries(who, error, rule):
    w = world()
    push = stored_push(w.uow, w.guru, status=PushStatus.FAILED)
    with pytest.raises(error) as raised:
        await usecase.retry_push(RetryPush(push.id), uow=w.uow, deps=fake_deps(w.uow), actor=who(w))
    assert raised.value.rule == rule
    assert w.uow.pushes.rows[push.id].status is PushStatus.FAILED and not w.uow.committed


async def test_a_push_that_reached_bkn_is_not_retried_and_an_unknown_one_is_not_found():
    w = world()
    push = stored_push(w.uow, w.guru, status=PushStatus.SUCCEEDED)
    with pytest.raises(StateConflict) as raised:
        await usecase.retry_push(RetryPush(push.id), uow=w.uow, deps=fake_deps(w.uow), actor=operator())
    assert raised.value.rule == "push.already_succeeded"
    with pytest.raises(NotFound):
        await usecase.retry_push(RetryPush(uuid.uuid4()), uow=w.uow, deps=fake_deps(w.uow), actor=operator())


# --- reconciliation -----------------------------------------------------------------------------------------


async def test_reconciliation_requeues_what_bkn_lost_and_reports_what_differs():
    w = world()
    lost = stored_push(w.uow, w.guru, status=PushStatus.SUCCEEDED, bkn_id="b-1")
    other_id = stored_push(w.uow, w.guru, jenis=JenisPush.SKP22, status=PushStatus.SUCCEEDED, bkn_id="b-2")
    unchecked = stored_push(w.uow, w.ks, status=PushStatus.SUCCEEDED, bkn_id="b-3")
    bkn = FakeBkn(holds={w.guru.nip: [HeldRecord("skp22", S1, "b-9", {})], w.ks.nip: circuit_open()})

    report = await usecase.reconcile(
        Reconcile("2024-S1", "3273"), uow=w.uow, deps=fake_deps(w.uow, bkn), actor=operator("3273")
    )

    assert report["checked"] == 3 and report["requeued"] == 1 and report["unreachable"] == 1
    assert [m["push_id"] for m in report["missing"]] == [lost.id]
    assert [(d["push_id"], d["fields"]) for d in report["different"]] == [(other_id.id, ["id"])]
    saved = w.uow.pushes.rows[lost.id]
    assert (saved.status, saved.revision) == (PushStatus.PENDING, 2)
    assert w.uow.pushes.rows[unchecked.id].status is PushStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("actor", "rule"), [(operator("3274"), "sync.region_forbidden"), (None, "role.operator_required")]
)
async def test_only_an_operator_of_the_region_reconciles(actor, rule):
    w = world()
    actor = actor or as_pegawai(w.ks, "kepala_sekolah")
    with pytest.raises(Forbidden) as raised:
        await usecase.reconcile(Reconcile("2024-S1", "3273"), uow=w.uow, deps=fake_deps(w.uow), actor=actor)
    assert raised.value.rule == rule
