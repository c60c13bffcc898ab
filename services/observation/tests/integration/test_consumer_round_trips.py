"""How many database round trips an approved plan costs observation's consumer: a count, so a regression cannot hide.

The message is applied as the consumer first applies each message of a batch (pmm_chassis.messaging.consumer): its
handler runs in a unit of work that joins the batch's transaction (a savepoint per message only when a message of the
batch fails). Counted on the engine (every statement), on the batch's connection only: the relay and the reminders
share the engine. The batch's own BEGIN, inbox claim, NOTIFY and COMMIT are shared by up to a batch's worth of
messages and not counted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from observation_world import INDIKATOR

from observation.handlers.on_skp_approved import on_skp_approved
from pmm_contracts import decode, encode
from pmm_contracts.events import planning as contract
from pmm_testkit.round_trips import round_trips
from pmm_testkit.world import scalar

pytestmark = pytest.mark.integration

# The audit stamp of the message's trace, the plan's version advanced (skp_seen), the pegawai's cycle of that part
# read and locked, the new cycle's INSERT, its outbox row.
MAX_ROUND_TRIPS_OPENED = 5
# The same, with the cycle closed and re-opened in one guarded UPDATE in place of the INSERT.
MAX_ROUND_TRIPS_REOPENED = 5
# A repeated (or older) approval: the stamp, the version that is not newer; nothing else is read.
MAX_ROUND_TRIPS_STALE = 2
CONSUMER = "observation.inbox"


async def _apply(app, skp_id: uuid.UUID, pegawai_id: uuid.UUID, *, version: int) -> list[str]:
    """Apply one skp.approved as one message of a consumer's batch; the round trips of that message."""
    return await _apply_run(app, [(skp_id, pegawai_id, version)])


async def _apply_run(app, approvals: list[tuple[uuid.UUID, uuid.UUID, int]]) -> list[str]:
    """Apply approvals as one run of a consumer's batch (what `InRuns` hands the handler); its round trips."""
    messages = [
        decode(
            encode(
                _approval(skp_id, pegawai_id),
                event_id=uuid.uuid4(),
                occurred_at=datetime.now(UTC),
                aggregate_id=f"skp:{skp_id}",
                aggregate_version=version,
            )
        )
        for skp_id, pegawai_id, version in approvals
    ]
    container = app.state.container
    uow = container.deps.uow
    async with uow().batch(savepoints=False) as batch:
        ids = [m.envelope.event_id for m in messages]
        assert await batch.claim(CONSUMER, ids) == set(ids)
        connection = (await batch.session.connection()).sync_connection
        run_uow = uow().joining(batch)
        with round_trips(container.chassis.engine, by=lambda conn: conn) as sent:
            async with run_uow:
                await on_skp_approved(messages, run_uow)
        assert run_uow.committed
        await batch.commit()
    return sent[connection]


def _approval(skp_id: uuid.UUID, pegawai_id: uuid.UUID) -> contract.SkpApprovedV1:
    return contract.SkpApprovedV1(
        skp_id=skp_id,
        pegawai_id=pegawai_id,
        periode="2024-S1",
        atasan_id=uuid.uuid4(),
        approved_at=datetime.now(UTC),
        indikator=INDIKATOR,
        rhk=[],
        perilaku=[],
        bagian=1,
    )


async def test_a_run_of_a_schools_approvals_costs_what_one_approval_costs(app):
    approvals = [(uuid.uuid4(), uuid.uuid4(), 9) for _ in range(20)]
    sent = await _apply_run(app, approvals)
    assert len(sent) <= MAX_ROUND_TRIPS_OPENED, sent
    assert sum(s.startswith("INSERT INTO pelaksanaan") for s in sent) == 1, sent  # all twenty in one
    opened = await scalar(
        app, "SELECT count(*) FROM pelaksanaan WHERE pegawai_id = ANY(:p)", p=[a[1] for a in approvals]
    )
    assert opened == 20


async def test_an_approval_costs_a_bounded_number_of_round_trips(app):
    skp_id, pegawai_id = uuid.uuid4(), uuid.uuid4()

    opened = await _apply(app, skp_id, pegawai_id, version=5)
    assert len(opened) <= MAX_ROUND_TRIPS_OPENED, opened
    assert sum(s.startswith("INSERT INTO pelaksanaan") for s in opened) == 1, opened

    # A newer approval of the open cycle: closed and re-opened as a fresh one, with one UPDATE.
    reopened = await _apply(app, skp_id, pegawai_id, version=9)
    assert len(reopened) <= MAX_ROUND_TRIPS_REOPENED, reopened
    assert sum(s.startswith("UPDATE pelaksanaan") for s in reopened) == 1, reopened

    # The same approval again (another event id: a producer's retry) changes nothing.
    repeated = await _apply(app, skp_id, pegawai_id, version=9)
    assert len(repeated) <= MAX_ROUND_TRIPS_STALE, repeated
    assert not [s for s in repeated if s.startswith(("INSERT INTO pelaksanaan", "UPDATE pelaksanaan"))], repeated

    row = {"p": pegawai_id}
    assert await scalar(app, "SELECT siklus FROM pelaksanaan WHERE pegawai_id = :p", **row) == 2
    assert await scalar(app, "SELECT version FROM skp_seen WHERE skp_id = :s", s=skp_id) == 9
    # Every write reached the audit trigger: the opening, then the close and re-open in one UPDATE.
    actions = await scalar(
        app,
        "SELECT string_agg(a.action, ',' ORDER BY a.id) FROM audit_record a JOIN pelaksanaan p"
        " ON a.target_id = p.id::text AND a.target_table = 'pelaksanaan' WHERE p.pegawai_id = :p",
        **row,
    )
    assert actions.split(",")[0] == "pelaksanaan.create" and len(actions.split(",")) == 2, actions
    # Each change's events are in the outbox: opened; then closed and opened again.
    pelaksanaan_id = await scalar(app, "SELECT id FROM pelaksanaan WHERE pegawai_id = :p", **row)
    outbox = await scalar(
        app,
        "SELECT string_agg(routing_key, ',' ORDER BY id) FROM outbox_message WHERE aggregate_id = :a",
        a=f"pelaksanaan:{pelaksanaan_id}",
    )
    assert outbox.split(",") == [
        "observation.pelaksanaan.opened.v1",
        "observation.pelaksanaan.closed.v1",
        "observation.pelaksanaan.opened.v1",
    ], outbox
