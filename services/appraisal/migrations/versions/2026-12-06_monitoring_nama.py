"""monitoring by name: where each pegawai stands in the cycle

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _updated_at() -> sa.Column:
    return sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "pelaksanaan_monitor",
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sa.String(), nullable=False),
        sa.Column("langkah", sa.String(), nullable=False),
        sa.Column("langkah_rank", sa.Integer(), nullable=False),
        sa.Column("pelaksanaan_version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("pegawai_id", "periode", name=op.f("pk_pelaksanaan_monitor")),
    )
    op.create_table(
        "bkn_push_monitor",
        sa.Column("push_id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sa.String(), nullable=False),
        sa.Column("jenis", sa.String(), nullable=False),
        sa.Column("bagian", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("kode", sa.String(), nullable=True),
        sa.Column("fixer", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=True),
        sa.Column("push_version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("push_id", name=op.f("pk_bkn_push_monitor")),
    )
    op.create_index("ix_bkn_push_monitor_pegawai_periode", "bkn_push_monitor", ["pegawai_id", "periode"])
    op.create_table(
        "koreksi_monitor",
        sa.Column("koreksi_id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("terbuka", sa.Boolean(), nullable=False),
        sa.Column("koreksi_version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("koreksi_id", name=op.f("pk_koreksi_monitor")),
    )
    op.create_index(op.f("ix_koreksi_monitor_pegawai_id"), "koreksi_monitor", ["pegawai_id"])
    # The list by name walks a school's pegawai in name order.
    op.create_index("ix_roster_pegawai_npsn_nama", "roster_pegawai", ["npsn", "nama", "pegawai_id"])


def downgrade() -> None:
    op.drop_index("ix_roster_pegawai_npsn_nama", table_name="roster_pegawai")
    op.drop_table("koreksi_monitor")
    op.drop_table("bkn_push_monitor")
    op.drop_table("pelaksanaan_monitor")
