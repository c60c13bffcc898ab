"""pelaksanaan, bukti, unggahan; the chassis tables and the roster projection

Revision ID: 0001
Revises:
Create Date: 2026-11-22 23:28:49.599004
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
        "pelaksanaan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("skp_id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("atasan_id", sa.Uuid(), nullable=True),
        sa.Column("tahap", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("siklus", sa.Integer(), nullable=False),
        sa.Column("skp_version", sa.Integer(), nullable=False),
        sa.Column("indikator", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("riwayat", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pelaksanaan")),
        sa.UniqueConstraint("pegawai_id", "periode", name="uq_pelaksanaan_pegawai_periode"),
    )
    op.create_index("ix_pelaksanaan_periode_tahap", "pelaksanaan", ["periode", "tahap"], unique=False)
    op.create_index(op.f("ix_pelaksanaan_skp_id"), "pelaksanaan", ["skp_id"], unique=False)
    op.create_table(
        "skp_seen",
        sa.Column("skp_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("skp_id", name=op.f("pk_skp_seen")),
    )
    op.create_table(
        "bukti",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pelaksanaan_id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kategori", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sumber", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("nama_file", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("tanggal_dokumen", sa.Date(), nullable=True),
        sa.Column("outside_period", sa.Boolean(), nullable=False),
        sa.Column("catatan", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("added_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["pelaksanaan_id"], ["pelaksanaan.id"], name=op.f("fk_bukti_pelaksanaan_id_pelaksanaan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bukti")),
    )
    op.create_index(op.f("ix_bukti_pelaksanaan_id"), "bukti", ["pelaksanaan_id"], unique=False)
    op.create_index(
        "uq_bukti_konfirmasi",
        "bukti",
        ["pelaksanaan_id", "kategori"],
        unique=True,
        postgresql_where=sa.text("sumber = 'konfirmasi'"),
    )
    op.create_table(
        "unggahan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pelaksanaan_id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("kategori", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("nama_file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tanggal_dokumen", sa.Date(), nullable=True),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("head", sa.LargeBinary(), nullable=False),
        sa.Column("parts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["pelaksanaan_id"], ["pelaksanaan.id"], name=op.f("fk_unggahan_pelaksanaan_id_pelaksanaan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unggahan")),
    )
    op.create_index(op.f("ix_unggahan_pelaksanaan_id"), "unggahan", ["pelaksanaan_id"], unique=False)


def downgrade() -> None:
    for table in ("unggahan", "bukti", "skp_seen", "pelaksanaan", *ROSTER_TABLES):
        op.drop_table(table)
    drop_chassis_tables_v1()
