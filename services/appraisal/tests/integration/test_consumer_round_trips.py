"""How many database round trips planning's hot events cost the consumer at a deadline: a count, so a regression
cannot hide.

Each message is applied as the chassis' consumer applies it: in a batch (one transaction, one inbox claim, one
commit for up to a batch of messages), straight into the batch's transaction (a savepoint per message only when a
message of the batch fails). What is counted is the message's share: every statement on the engine from its audit
stamp to its last, none of the batch's own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from appraisal.handlers import handlers
from appraisal.usecases.from_observation import ApplyPelaksanaanCompleted, apply_pelaksanaan_completed
from pmm_contracts import Event, EventData, decode, encode
from pmm_contracts.events import observation as observed
from pmm_contracts.events import planning as contract
from pmm_testkit import audit_trail
from pmm_testkit.plans import INDIKATOR, PERILAKU, RHK
from pmm_testkit.round_trips import round_trips
from pmm_testkit.world import scalar

pytestmark = pytest.mark.integration

CONSUMER = "appraisal.round_trips"  # the inbox rows of this module's batches, apart from the real consumer's

# The audit stamp the message carries, the plan's state in the monitoring (one upsert whose own condition is the
# version guard).
MAX_SUBMITTED = 2
# The audit stamp, the monitoring's upsert, the part's penilaian locked (none yet) with the periods of its year, its
# insert with the approved plan, the year's penilaian tahunan locked (none yet: no period is final), the pegawai's
# penilaian of that year.
MAX_APPROVED = 6
# A run of approved plans (a kepala sekolah approves a school's plans in one sitting): the run's audit stamp, the
# monitoring's upsert, every part locked in one statement, each new part's insert, their penilaian tahunan locked in
# one, their penilaian of the year read in one.
RUN_STATEMENTS = 5  # besides one insert per plan
# A run of observation's steps (the monitoring by name): the run's audit stamp, the parts of every plan read in one
# statement, every step upserted in one.
STEP_RUN_STATEMENTS = 3


def _message(data: EventData, aggregate_id: str, version: int) -> Event:
    """The event as the consumer decodes it off the queue."""
    envelope = encode(
        data, event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), aggregate_id=aggregate_id, aggregate_version=version
    )
    return decode(envelope)


async def _in_batch(app, messages: list[Event]) -> list[str]:
    """Apply events of one type in a batch of their own, as the consumer does (one: its handler as registered;
    several arriving together: a run); the statements they cost, none of the batch's own."""
    deps = app.state.container.deps
    handler = handlers(deps)[type(messages[0].data)]
    async with deps.uow().batch(savepoints=False) as batch:
        assert await batch.claim(CONSUMER, [m.envelope.event_id for m in messages])
        connection = (await batch.session.connection()).sync_connection
        with round_trips(app.state.container.chassis.engine, by=lambda conn: conn) as sent:
            uow = deps.uow().joining(batch)
            async with uow:
                if len(messages) == 1:
                    await handler(messages[0], uow)
                else:
                    await handler.run(messages, uow)  # type: ignore[attr-defined]
            assert uow.committed
        await batch.commit()
    return sent[connection]


async def _applied(app, data: EventData, version: int) -> list[str]:
    """Apply one event in a batch of its own, as the consumer first does; the statements of the message."""
    return await _in_batch(app, [_message(data, f"skp:{data.skp_id}", version)])


async def test_a_submission_and_an_approval_cost_a_bounded_number_of_round_trips(app, settings):
    pegawai_id, skp_id = uuid.uuid4(), uuid.uuid4()
    ref = {"skp_id": skp_id, "pegawai_id": pegawai_id, "periode": "2024-S1", "atasan_id": None}
    submitted_at = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)

    submitted = await _applied(app, contract.SkpSubmittedV1(**ref, submitted_at=submitted_at), 8)
    approval = contract.SkpApprovedV1(**ref, approved_at=submitted_at, indikator=INDIKATOR, rhk=RHK, perilaku=PERILAKU)
    approved = await _applied(app, approval, 9)

    assert len(submitted) <= MAX_SUBMITTED, submitted
    assert len(approved) <= MAX_APPROVED, approved
    assert submitted[0].startswith("SELECT set_config") and approved[0].startswith("SELECT set_config"), approved
    assert not [s for s in submitted + approved if "SAVEPOINT" in s], (submitted, approved)

    # What the statements did: the monitoring shows the approval, the penilaian is open with its plan, and the audit
    # trigger saw its one write.
    monitored = "SELECT status || ':' || skp_version FROM skp_monitor WHERE pegawai_id = :p AND periode = '2024-S1'"
    assert await scalar(app, monitored, p=pegawai_id) == "DISETUJUI:9"
    penilaian_id = await scalar(app, "SELECT id FROM penilaian WHERE pegawai_id = :p", p=pegawai_id)
    trail = await audit_trail(settings.database_url, penilaian_id)
    planned = "SELECT rencana ->> 'skp_id' FROM penilaian WHERE id = :id"
    assert await scalar(app, planned, id=penilaian_id) == str(skp_id)
    assert [(r["action"], r["actor"]) for r in trail] == [("penilaian.create", "system:appraisal")]  # with its plan
    assert await scalar(app, "SELECT version FROM penilaian WHERE id = :id", id=penilaian_id) == 2  # 1, then the plan

    # The same approval again, and the older submission: the guards change nothing.
    version = "SELECT version FROM penilaian WHERE id = :id"
    before = await scalar(app, version, id=penilaian_id)
    again = await _applied(app, approval, 9)
    await _applied(app, contract.SkpSubmittedV1(**ref, submitted_at=submitted_at), 8)
    assert await scalar(app, version, id=penilaian_id) == before
    assert await scalar(app, monitored, p=pegawai_id) == "DISETUJUI:9"
    assert not [s for s in again if s.startswith(("INSERT INTO penilaian", "UPDATE penilaian"))], again


async def test_a_run_of_approved_plans_costs_one_insert_per_plan_besides_the_same_few_statements(app):
    deps = app.state.container.deps
    gurus = [uuid.uuid4() for _ in range(6)]
    cycle_first = gurus[0]  # a part the completed cycle opened: found by the run's lock and saved, not inserted
    completed = ApplyPelaksanaanCompleted(
        pegawai_id=cycle_first,
        periode="2024-S1",
        pelaksanaan_version=9,
        pelaksanaan_id=uuid.uuid4(),
        completed_at=APPROVED_AT,
        bukti_count=0,
        rubrik={},
    )
    await apply_pelaksanaan_completed(completed, uow=deps.uow(), deps=deps)
    opened_at = await scalar(app, "SELECT version FROM penilaian WHERE pegawai_id = :p", p=cycle_first)
    messages = []
    for pegawai_id in gurus:
        data = contract.SkpApprovedV1(
            **_ref(pegawai_id), approved_at=APPROVED_AT, indikator=INDIKATOR, rhk=RHK, perilaku=PERILAKU
        )
        messages.append(_message(data, f"skp:{data.skp_id}", 9))

    statements = [s for s in await _in_batch(app, messages) if not s.startswith("SELECT pg_notify")]
    inserts = [s for s in statements if s.startswith("INSERT INTO penilaian ")]
    assert len(inserts) == len(gurus) - 1, statements
    assert len(statements) <= RUN_STATEMENTS + len(inserts) + 1, statements  # + the opened part's save
    stored = "SELECT rencana ->> 'skp_id' || ':' || skp_version || ':' || version FROM penilaian WHERE pegawai_id = :p"
    for pegawai_id, message in zip(gurus, messages, strict=True):
        version = opened_at + 1 if pegawai_id == cycle_first else 2  # a new part counts the plan on top of 1
        assert await scalar(app, stored, p=pegawai_id) == f"{message.data.skp_id}:9:{version}"


async def test_a_run_of_steps_costs_the_same_few_statements_and_finds_each_plans_part(app):
    named_first, named_second, unknown_plan, no_part = (uuid.uuid4() for _ in range(4))
    plans: dict[uuid.UUID, list[uuid.UUID]] = {}
    for pegawai_id, parts in ((named_first, 2), (named_second, 2), (unknown_plan, 2)):
        for bagian in range(1, parts + 1):
            ref = {**_ref(pegawai_id), "bagian": bagian}
            plans.setdefault(pegawai_id, []).append(ref["skp_id"])
            approval = contract.SkpApprovedV1(
                **ref, approved_at=APPROVED_AT, indikator=INDIKATOR, rhk=RHK, perilaku=PERILAKU
            )
            await _applied(app, approval, 9)
    # Each pegawai's step names a plan: the part that plan feeds, whichever part is the latest; a plan no part knows
    # yet (its approval not here yet), or a pegawai with no part at all, shows on the latest part, or the first.
    steps = {
        named_first: (plans[named_first][0], "diskusi", 1),
        named_second: (plans[named_second][1], "persiapan", 2),
        unknown_plan: (uuid.uuid4(), "upaya", 2),
        no_part: (uuid.uuid4(), "refleksi", 1),
    }
    messages = []
    for pegawai_id, (skp_id, step, _) in steps.items():
        ref = {"pelaksanaan_id": uuid.uuid4(), "skp_id": skp_id, "pegawai_id": pegawai_id, "periode": "2024-S1"}
        data = observed.StepCompletedV1(**ref, step=step, completed_at=APPROVED_AT)
        messages.append(_message(data, f"pelaksanaan:{data.pelaksanaan_id}", 4))

    statements = await _in_batch(app, messages)
    assert len(statements) == STEP_RUN_STATEMENTS, statements
    monitored = "SELECT langkah || ':' || bagian FROM pelaksanaan_monitor WHERE pegawai_id = :p AND periode = '2024-S1'"
    for pegawai_id, (_, step, bagian) in steps.items():
        assert await scalar(app, monitored, p=pegawai_id) == f"{step}:{bagian}"


APPROVED_AT = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)


def _ref(pegawai_id: uuid.UUID) -> dict:
    return {"skp_id": uuid.uuid4(), "pegawai_id": pegawai_id, "periode": "2024-S1", "atasan_id": None}
