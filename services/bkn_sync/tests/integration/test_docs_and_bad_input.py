"""Docs, readiness and bad input: an event that breaks its schema is parked; a bad request names its field."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import aio_pika
import pytest

from pmm_chassis.messaging.consumer import PARKED_REASON_HEADER
from pmm_contracts import event_types, routing_key

from .conftest import wait_until

pytestmark = pytest.mark.integration


async def test_asyncapi_names_every_event_bkn_sync_publishes_and_its_inbox(client):
    document = (await client.get("/asyncapi.json")).json()
    published = {routing_key(m) for m in event_types() if m.PRODUCER == "bkn_sync"}
    assert len(published) == 6 and published <= set(document["channels"])
    assert "bkn_sync.inbox" in document["channels"]


async def test_readiness_does_not_depend_on_bkn(client, sandbox):
    ready = (await client.get("/readyz")).json()
    assert ready["checks"] == {"database": "ok", "broker": "ok", "jwks": "ok"}


async def test_an_event_that_breaks_its_schema_is_parked_with_its_reason(settings, app):
    envelope = {
        "event_id": str(uuid.uuid4()), "type": "skp.approved", "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(), "producer": "planning", "aggregate_id": "skp:x",
        "aggregate_version": 1, "data": {"skp_id": "not-a-uuid"},
    }  # fmt: skip
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("pmm.events")
        await exchange.publish(
            aio_pika.Message(json.dumps(envelope).encode(), message_id=envelope["event_id"]),
            routing_key="planning.skp.approved.v1",
        )
        parked = await channel.declare_queue("bkn_sync.parked", passive=True)

        async def found():
            message = await parked.get(fail=False, no_ack=False)
            while message is not None:
                if message.message_id == envelope["event_id"]:
                    await message.nack(requeue=True)
                    return message
                await message.nack(requeue=True)
                message = await parked.get(fail=False, no_ack=False)
            return None

        message = await wait_until(found, timeout=10)
        assert "payload invalid" in message.headers[PARKED_REASON_HEADER]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"periode": "2024-S1", "wilayah": "3273", "extra": 1}, "extra"),
        ({"periode": "2024-S1", "wilayah": "32x"}, "wilayah"),
        ({"wilayah": "3273"}, "periode"),
    ],
)
async def test_a_bad_request_names_its_field(client, operator, body, field):
    answer = await client.post("/api/v1/sinkron/rekonsiliasi", json=body, headers=operator())
    assert answer.status_code == 422
    assert field in {e["field"].split(".")[-1] for e in answer.json()["errors"]}


async def test_a_bad_path_is_a_problem_not_a_crash(client, operator):
    answer = await client.get("/api/v1/sinkron/pegawai/not-a-uuid", headers=operator())
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
