"""The consumer's retry bookkeeping: outages never count towards parking, bugs do, the back-off grows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from pmm_chassis.messaging.consumer import (
    ATTEMPT_HEADER,
    FAILURES_HEADER,
    PARKED_REASON_HEADER,
    Consumer,
)
from pmm_contracts import decode, encode
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1, ProfilChanges


class RecordingBroker:
    def __init__(self) -> None:
        self.published: list[dict] = []

    async def publish(self, body, **kwargs) -> None:
        self.published.append({"body": body, **kwargs})


def message(headers: dict) -> SimpleNamespace:
    body = encode(
        BknPegawaiChangedV1(
            nip="198609262015051001", changes=ProfilChanges(nama="X"), siasn_updated_at=datetime.now(UTC)
        ),
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        aggregate_id="bkn_pegawai:1",
        aggregate_version=1,
    )
    return SimpleNamespace(
        body=body,
        headers=headers,
        message_id="m-1",
        content_type="application/json",
        routing_key="bkn_sync.bkn_pegawai.changed.v1",
    )


def consumer(broker: RecordingBroker, max_unexpected: int = 3) -> Consumer:
    c = Consumer(service="test", uow_factory=lambda: None, handlers={}, max_unexpected_attempts=max_unexpected)
    c._broker = broker
    return c


@pytest.mark.parametrize(
    ("headers", "error", "outcome", "attempt", "failures", "delay_exchange"),
    [
        ({}, ConnectionRefusedError(), "retried", 1, 0, "pmm.delay.1s"),
        ({ATTEMPT_HEADER: 7, FAILURES_HEADER: 2}, ConnectionRefusedError(), "retried", 8, 2, "pmm.delay.120s"),
        ({}, KeyError("x"), "retried", 1, 1, "pmm.delay.1s"),
        ({ATTEMPT_HEADER: 9, FAILURES_HEADER: 1}, KeyError("x"), "retried", 10, 2, "pmm.delay.120s"),
        ({ATTEMPT_HEADER: 2, FAILURES_HEADER: 2}, KeyError("x"), "parked", None, None, None),
    ],
    ids=["outage-first", "outage-after-many-keeps-failures", "bug-first", "bug-after-outages", "bug-third-time"],
)
async def test_retry_bookkeeping(headers, error, outcome, attempt, failures, delay_exchange):
    broker = RecordingBroker()
    msg = message(headers)
    result = await consumer(broker)._after_failure(msg, decode(msg.body), error)
    assert result == outcome
    (published,) = broker.published
    if outcome == "retried":
        assert published["exchange"].name == delay_exchange
        assert published["routing_key"] == "test.inbox"  # straight back into this consumer's queue only
        assert published["headers"][ATTEMPT_HEADER] == attempt
        assert published["headers"][FAILURES_HEADER] == failures
    else:
        assert published["queue"] == "test.parked"
        assert published["headers"][PARKED_REASON_HEADER].startswith("failed 3 times: KeyError")
