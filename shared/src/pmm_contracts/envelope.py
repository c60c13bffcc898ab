"""The envelope every event travels in (docs/design.md §2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict


class EventData(BaseModel):
    """Base of every event payload.

    Consumers ignore unknown fields (a producer may add optional fields within a version); anything else is a
    new version with its own routing key.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    TYPE: ClassVar[str]  # "<aggregate>.<event>", e.g. "skp.approved"
    VERSION: ClassVar[int]
    PRODUCER: ClassVar[str]


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: UUID  # the idempotency key of every consumer's inbox, also the AMQP message_id
    type: str
    version: int
    occurred_at: AwareDatetime
    producer: str
    aggregate_id: str
    # Grows with every change of the aggregate, so a consumer can drop a stale or out-of-order update.
    aggregate_version: int
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        data: EventData,
        *,
        event_id: UUID,
        occurred_at: datetime,
        aggregate_id: str,
        aggregate_version: int,
    ) -> Envelope:
        return cls(
            event_id=event_id,
            type=data.TYPE,
            version=data.VERSION,
            occurred_at=occurred_at,
            producer=data.PRODUCER,
            aggregate_id=aggregate_id,
            aggregate_version=aggregate_version,
            data=data.model_dump(mode="json"),
        )
