"""penilaian, skp_monitor, predikat_organisasi, appraisal_audit; the chassis tables and the roster projection

Revision ID: 0001
Revises:
Create Date: 2026-11-23 00:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

from pmm_chassis.db.migrations import create_chassis_tables_v1, drop_chassis_tables_v1
from pmm_roster.projections import create_roster_projection_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROSTER_TABLES = ("roster_window_extension", "roster_periode", "roster_relasi", "roster_pegawai", "roster_sekolah")


def upgrade() -> None:
    create_chassis_tables_v1()
    create_roster_projection_v1()
    op.create_table(
        "penilaian",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("menimbang_periode", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("skp_version", sa.Integer(), nullable=False),
        sa.Column("siklus_version", sa.Integer(), nullable=False),
        sa.Column("hanya_perilaku", sa.Boolean(), nullable=False),
        sa.Column("periodik_menunggu", sa.Integer(), nullable=False),
        sa.Column("rencana", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("siklus", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("hasil_periodik", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("nilai", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("final", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("predikat", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("jenjang", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("angka_kredit", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penilaian")),
        sa.UniqueConstraint("pegawai_id", "periode", name="uq_penilaian_pegawai_periode"),
    )
    op.create_index("ix_penilaian_periode_status", "penilaian", ["periode", "status"], unique=False)
    op.create_table(
        "skp_monitor",
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("skp_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("pegawai_id", "periode", name=op.f("pk_skp_monitor")),
    )
    op.create_table(
        "predikat_organisasi",
        sa.Column("npsn", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("predikat_organisasi", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("npsn", "tahun", name=op.f("pk_predikat_organisasi")),
    )
    op.create_table(
        "appraisal_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_audit")),
    )
    op.create_index(op.f("ix_appraisal_audit_action"), "appraisal_audit", ["action"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_appraisal_audit_action"), table_name="appraisal_audit")
    op.drop_table("appraisal_audit")
    op.drop_table("predikat_organisasi")
    op.drop_table("skp_monitor")
    op.drop_index("ix_penilaian_periode_status", table_name="penilaian")
    op.drop_table("penilaian")
    for table in ROSTER_TABLES:
        op.drop_table(table)
    drop_chassis_tables_v1()
