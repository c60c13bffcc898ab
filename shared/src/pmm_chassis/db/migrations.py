"""Migration steps for the chassis tables, called from each service's own Alembic revisions.

Frozen per version: a later change to the chassis tables adds a `*_v2` step here and a revision in every
service, so that an old revision always creates what it created the day it was written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def create_chassis_tables_v1() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("routing_key", sa.String(), nullable=False),
        sa.Column("aggregate_id", sa.String(), nullable=False),
        sa.Column("aggregate_version", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("trace_headers", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_message"),
        sa.UniqueConstraint("event_id", name="uq_outbox_message_event_id"),
    )
    op.create_index(
        "ix_outbox_message_unpublished",
        "outbox_message",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_index(
        "ix_outbox_message_unpublished_aggregate",
        "outbox_message",
        ["aggregate_id", "id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "inbox_message",
        sa.Column("consumer", sa.String(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox_message"),
    )
    op.create_table(
        "idempotency_record",
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("request_hash", sa.String(), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("body", sa.LargeBinary()),
        sa.Column("headers", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name="pk_idempotency_record"),
    )


def drop_chassis_tables_v1() -> None:
    for table in ("idempotency_record", "inbox_message", "outbox_message"):
        op.drop_table(table)


# The audit trigger (see pmm_chassis.db.audit). `to_jsonb` reads the id, state and version columns by name, so
# one function serves every audited table; the state column is the trigger's argument.
_AUDIT_FUNCTION_V1 = """
CREATE OR REPLACE FUNCTION pmm_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    state_column text := TG_ARGV[0];
    old_row jsonb;
    new_row jsonb;
    change text;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
    IF TG_OP = 'INSERT' THEN
        change := 'create';
    ELSIF TG_OP = 'DELETE' THEN
        change := 'delete';
    ELSIF (old_row ->> state_column) IS DISTINCT FROM (new_row ->> state_column) THEN
        change := 'transition';
    ELSIF (old_row -> 'version') IS DISTINCT FROM (new_row -> 'version') THEN
        change := 'edit';
    ELSE
        RETURN NULL;  -- neither state nor version moved: bookkeeping (a lease, a counter), not a change
    END IF;
    INSERT INTO audit_record (actor, actor_roles, action, target_table, target_id, from_state, to_state, version,
                              trace_id)
    VALUES (
        coalesce(nullif(current_setting('pmm.audit_actor', true), ''), 'unknown'),
        coalesce(current_setting('pmm.audit_roles', true), ''),
        TG_TABLE_NAME || '.' || change,
        TG_TABLE_NAME,
        coalesce(new_row, old_row) ->> 'id',
        old_row ->> state_column,
        new_row ->> state_column,
        (coalesce(new_row, old_row) ->> 'version')::bigint,
        nullif(current_setting('pmm.audit_trace_id', true), '')
    );
    RETURN NULL;
END
$$
"""


def create_audit_trail_v1(audited: dict[str, str]) -> None:
    """The audit_record table and a trigger on each audited table: `{table: its state column}`."""
    op.create_table(
        "audit_record",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("actor_roles", sa.Text(), server_default="", nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target_table", sa.String(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=False),
        sa.Column("from_state", sa.String()),
        sa.Column("to_state", sa.String()),
        sa.Column("version", sa.BigInteger()),
        sa.Column("trace_id", sa.String()),
        sa.PrimaryKeyConstraint("id", name="pk_audit_record"),
    )
    op.create_index("ix_audit_record_target", "audit_record", ["target_table", "target_id", "id"])
    op.execute(_AUDIT_FUNCTION_V1)
    for table, state_column in audited.items():
        op.execute(
            f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION pmm_audit_change('{state_column}')"
        )


def drop_audit_trail_v1(audited: dict[str, str]) -> None:
    for table in audited:
        op.execute(f"DROP TRIGGER IF EXISTS audit_{table} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS pmm_audit_change()")
    op.drop_table("audit_record")


def create_reminder_tables_v1() -> None:
    """The `pengingat` table of a reminding service (pmm_chassis.reminders.table)."""
    op.create_table(
        "pengingat",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("penerima", sa.String(), nullable=False),
        sa.Column("email", sa.String(length=254)),
        sa.Column("window_key", sa.String(), nullable=False),
        sa.Column("periode", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("wilayah", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("judul", sa.String(), nullable=False),
        sa.Column("isi", sa.Text(), nullable=False),
        sa.Column("tautan", sa.String(), nullable=False),
        sa.Column("tenggat", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("refused_at", sa.DateTime(timezone=True)),
        sa.Column("refused_reason", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_pengingat"),
        sa.UniqueConstraint("pegawai_id", "window_key", "kind", "offset_days", name="uq_pengingat_key"),
    )
    op.create_index(
        "ix_pengingat_due",
        "pengingat",
        ["next_attempt_at"],
        postgresql_where=sa.text("sent_at IS NULL AND refused_at IS NULL"),
    )
    op.create_index("ix_pengingat_penerima", "pengingat", ["penerima", "id"])
    op.create_index(
        "ix_pengingat_refused", "pengingat", ["wilayah"], postgresql_where=sa.text("refused_at IS NOT NULL")
    )


def drop_reminder_tables_v1() -> None:
    op.drop_table("pengingat")
