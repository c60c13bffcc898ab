"""The chassis tables each service's own migration creates in its own database."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, LargeBinary, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# Constraint names that Alembic can find again (fastapi-best-practices); set once for every service.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _now_column() -> Column:
    return Column(DateTime(timezone=True), nullable=False, server_default=text("now()"))


class OutboxMessage(SQLModel, table=True):
    """An event written in the same transaction as the change it reports; the relay publishes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The relay's scan and its per-aggregate ordering check touch only unpublished rows.
        Index("ix_outbox_message_unpublished", "id", postgresql_where=text("published_at IS NULL")),
        Index(
            "ix_outbox_message_unpublished_aggregate",
            "aggregate_id",
            "id",
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    event_id: uuid.UUID = Field(unique=True)
    routing_key: str
    aggregate_id: str
    aggregate_version: int
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # W3C trace context of the transaction that wrote the row, so the relay's publish continues its trace.
    trace_headers: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_column=_now_column())
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class InboxMessage(SQLModel, table=True):
    """One row per (consumer, event) processed: written in the same transaction as the effect."""

    __tablename__ = "inbox_message"

    consumer: str = Field(primary_key=True)
    event_id: uuid.UUID = Field(primary_key=True)
    processed_at: datetime = Field(sa_column=_now_column())


class IdempotencyRecord(SQLModel, table=True):
    """The response to a POST with an `Idempotency-Key`, replayed when a slow connection sends it again."""

    __tablename__ = "idempotency_record"

    actor: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    request_hash: str
    status_code: int | None = None
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    headers: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_column=_now_column())


CHASSIS_TABLES = (OutboxMessage.__table__, InboxMessage.__table__, IdempotencyRecord.__table__)
