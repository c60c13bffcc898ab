"""How many database round trips an approved plan costs the consumer: a count, so a regression cannot hide.

Counted on the engine (every statement, plus the BEGIN and COMMIT the driver sends) in the task that applied the
message, the push worker's and the pull's polls being other tasks. A message is applied in its consumer's batch,
whose BEGIN, inbox claim, NOTIFY and COMMIT are shared by up to a batch's worth of messages: the bound is on the
message's own statements, from its audit stamp to the batch's COMMIT.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

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
