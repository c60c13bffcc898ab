"""How many database round trips an approved plan costs the consumer: a count, so a regression cannot hide.

Counted on the engine (every statement, plus the BEGIN and COMMIT the driver sends) in the task that applied the
message, the push worker's and the pull's polls being other tasks. A message is applied in its consumer's batch,
whose BEGIN, inbox claim, NOTIFY and COMMIT are shared by up to a batch's worth of messages: the bound is on the
message's own statements, from its audit stamp to the batch's COMMIT.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from sqlalchemy import text

from bkn_sync.handlers import handlers
from pmm_contracts import decode, encode
from pmm_contracts.events.planning import SkpApprovedV1
from pmm_testkit.round_trips import round_trips

from .conftest import PERIODE, skp_approved

pytestmark = pytest.mark.integration

# The message's audit stamp, the plan's upsert (reading the pegawai's roster row and the period's definition in the
# same statement), the push's find by its key (locked), the push's insert.
MAX_ROUND_TRIPS = 4


def message_statements(seen: dict[asyncio.Task | None, list[str]]) -> list[str]:
    """The statements of the message that upserted a plan, from its audit stamp to the last before the batch's own
    NOTIFY or COMMIT."""
    [statements] = [s for s in seen.values() if any("INSERT INTO skp_plan" in one for one in s)]
    plan = next(i for i, one in enumerate(statements) if "INSERT INTO skp_plan" in one)
    start = max(i for i, one in enumerate(statements[:plan]) if one.startswith("SELECT set_config"))
    end = next(i for i, one in enumerate(statements[plan:], plan) if one.startswith(("SELECT pg_notify", "COMMIT")))
    return statements[start:end]


async def test_an_approved_plan_costs_a_bounded_number_of_round_trips(world, container):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    skp_id = uuid.uuid4()

    with round_trips(container.chassis.engine, by=lambda conn: asyncio.current_task()) as seen:
        event_id = await world.upstream.publish(
            skp_approved(skp_id, guru, school.kepala, periode=PERIODE, target=4),
            aggregate_id=f"skp:{skp_id}",
            version=3,
        )
        await world.handled(event_id)

    [push] = await world.pushes(guru)  # the message took the whole path: its plan, its pegawai, a new push
    assert (push["jenis"], push["bagian"], push["source_version"]) == ("skp", "", 3)
    statements = message_statements(seen)
    assert len(statements) <= MAX_ROUND_TRIPS, [one[:100] for one in statements]


# A run of approved plans (InRuns: a kepala sekolah approves a school's plans in one sitting): the run's audit stamp,
# the plans' upsert reading every pegawai's roster row and period in the same statement, their pushes found (locked)
# in one, and the new pushes' inserts in one executemany: the same few however long the run.
MAX_RUN_ROUND_TRIPS = 4


async def test_a_run_of_approved_plans_costs_the_same_few_round_trips_and_each_push_keeps_its_message_trace(
    world, container
):
    school = await world.school(teachers=8)
    messages, causes = [], {}
    for guru in school.guru:
        skp_id = uuid.uuid4()
        envelope = encode(
            skp_approved(skp_id, guru, school.kepala, periode=PERIODE, target=4),
            event_id=uuid.uuid4(),
            occurred_at=datetime.now(UTC),
            aggregate_id=f"skp:{skp_id}",
            aggregate_version=3,
        )
        message = decode(envelope)
        messages.append(message)
        remote = SpanContext(random.getrandbits(128), random.getrandbits(64), is_remote=True, trace_flags=TraceFlags(1))
        causes[message.envelope.event_id] = trace.set_span_in_context(NonRecordingSpan(remote))

    deps = container.deps
    async with deps.uow().batch(savepoints=False) as batch:
        assert await batch.claim("bkn_sync.round_trips", [m.envelope.event_id for m in messages])
        connection = (await batch.session.connection()).sync_connection
        with round_trips(container.chassis.engine, by=lambda conn: conn) as sent:
            uow = deps.uow().joining(batch).caused_by(causes)
            async with uow:
                await handlers(deps)[SkpApprovedV1].run(messages, uow)  # type: ignore[attr-defined]
        await batch.commit()

    statements = [s for s in sent[connection] if not s.startswith(("SELECT pg_notify", "COMMIT"))]
    assert len(statements) <= MAX_RUN_ROUND_TRIPS, [one[:100] for one in statements]
    pushes = {row["pegawai_id"]: row for row in await world.pushes(*school.guru)}
    assert len(pushes) == len(school.guru)
    for guru, message in zip(school.guru, messages, strict=True):
        trace_id = trace.get_current_span(causes[message.envelope.event_id]).get_span_context().trace_id
        assert pushes[guru.pegawai_id]["trace_headers"]["traceparent"].split("-")[1] == f"{trace_id:032x}"
        assert pushes[guru.pegawai_id]["payload"]["skp_id"] == str(message.data.skp_id)
    async with world.engine.connect() as conn:
        plans = await conn.execute(
            text("SELECT pegawai_id, skp_id, approved, version, rhk FROM skp_plan WHERE pegawai_id = ANY(:ids)"),
            {"ids": [guru.pegawai_id for guru in school.guru]},
        )
        stored = {row.pegawai_id: row for row in plans}
    for guru, message in zip(school.guru, messages, strict=True):
        plan = stored[guru.pegawai_id]
        assert (plan.skp_id, plan.approved, plan.version) == (message.data.skp_id, True, 3)
        assert plan.rhk == pushes[guru.pegawai_id]["payload"]["rhk"]
        assert plan.rhk[0]["nama"] == "Pelatihan mandiri"
