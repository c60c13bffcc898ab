"""pushes and their attempts, approved plans, conflicts, the feed cursor; the chassis tables and the roster projection

Revision ID: 0001
Revises:
Create Date: 2026-11-22 23:37:59.921911
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from pmm_chassis.db.migrations import create_chassis_tables_v1, drop_chassis_tables_v1
from pmm_roster.projections import create_roster_projection_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROSTER_TABLES = ("roster_window_extension", "roster_periode", "roster_relasi", "roster_pegawai", "roster_sekolah")
JSONB = postgresql.JSONB(astext_type=sa.Text())


def _now() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    create_chassis_tables_v1()
    create_roster_projection_v1()
    op.create_table(
        "push",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("jenis", sa.String(), nullable=False),
        sa.Column("periode", sa.String(), nullable=False),
        sa.Column("bagian", sa.String(), nullable=False),
        sa.Column("tahun_mulai", sa.Integer()),
        sa.Column("bulan_mulai", sa.Integer()),
        sa.Column("tahun_selesai", sa.Integer()),
        sa.Column("bulan_selesai", sa.Integer()),
        sa.Column("payload", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("failure_kode", sa.String()),
        sa.Column("failure_detail", sa.Text()),
        sa.Column("bkn_id", sa.String()),
        sa.Column("trace_headers", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        _now(),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push")),
        sa.UniqueConstraint("pegawai_id", "jenis", "periode", "bagian", name="uq_push_key"),
    )
    op.create_index(
        "ix_push_due", "push", ["next_attempt_at"], postgresql_where=sa.text("status IN ('pending', 'failed')")
    )
    op.create_index(op.f("ix_push_pegawai_id"), "push", ["pegawai_id"])
    op.create_table(
        "push_attempt",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("push_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("http_status", sa.Integer()),
        sa.Column("kode", sa.String()),
        sa.Column("detail", sa.Text()),
        sa.Column("trace_id", sa.String()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_attempt")),
    )
    op.create_index(op.f("ix_push_attempt_push_id"), "push_attempt", ["push_id"])
    op.create_table(
        "skp_plan",
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sa.String(), nullable=False),
        sa.Column("skp_id", sa.Uuid(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rhk", JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("pegawai_id", "periode", name=op.f("pk_skp_plan")),
    )
    op.create_table(
        "conflict",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sa.String(), nullable=False),
        sa.Column("jenis", sa.String(), nullable=False),
        sa.Column("fields", JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("pmm", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("bkn", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("keputusan", sa.String()),
        sa.Column("alasan", sa.Text()),
        sa.Column("decided_by", sa.String()),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict")),
    )
    op.create_index(op.f("ix_conflict_pegawai_id"), "conflict", ["pegawai_id"])
    op.create_index(
        "uq_conflict_open",
        "conflict",
        ["pegawai_id", "periode", "jenis"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "pull_cursor",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pull_cursor")),
    )
    # The row exists from the start, so that replicas reading the feed always have a row to lock.
    op.execute("INSERT INTO pull_cursor (name, position) VALUES ('bkn_feed', 0)")


def downgrade() -> None:
    for table in ("pull_cursor", "conflict", "skp_plan", "push_attempt", "push", *ROSTER_TABLES):
        op.drop_table(table)
    drop_chassis_tables_v1()
