"""roster periods skp

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:59:46.922686
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

from pmm_chassis.db.migrations import create_chassis_tables_v1, drop_chassis_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables_v1()
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"], unique=False)
    op.create_table(
        "periode",
        sa.Column("kode", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("kode", name=op.f("pk_periode")),
    )
    op.create_index(op.f("ix_periode_tahun"), "periode", ["tahun"], unique=False)
    op.create_table(
        "sekolah",
        sa.Column("npsn", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("nama", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kode_wilayah", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("nama_wilayah", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("prioritas_rapor", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("npsn", name=op.f("pk_sekolah")),
    )
    op.create_index(op.f("ix_sekolah_kode_wilayah"), "sekolah", ["kode_wilayah"], unique=False)
    op.create_table(
        "pegawai",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("nip", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("nama", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pangkat_golongan", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("jenjang_jabatan", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("jenis_gtk", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("npsn", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["npsn"], ["sekolah.npsn"], name=op.f("fk_pegawai_npsn_sekolah")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pegawai")),
        sa.UniqueConstraint("nip", name=op.f("uq_pegawai_nip")),
    )
    op.create_index(op.f("ix_pegawai_npsn"), "pegawai", ["npsn"], unique=False)
    op.create_table(
        "window_extension",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kode", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("wilayah", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("alasan", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["kode"], ["periode.kode"], name=op.f("fk_window_extension_kode_periode")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_window_extension")),
    )
    op.create_index(op.f("ix_window_extension_kode"), "window_extension", ["kode"], unique=False)
    op.create_table(
        "penempatan",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("npsn", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("mulai", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["npsn"], ["sekolah.npsn"], name=op.f("fk_penempatan_npsn_sekolah")),
        sa.ForeignKeyConstraint(["pegawai_id"], ["pegawai.id"], name=op.f("fk_penempatan_pegawai_id_pegawai")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penempatan")),
    )
    op.create_index(op.f("ix_penempatan_pegawai_id"), "penempatan", ["pegawai_id"], unique=False)
    op.create_table(
        "relasi",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("atasan_id", sa.Uuid(), nullable=False),
        sa.Column("peran_atasan", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("mulai", sa.Date(), nullable=False),
        sa.Column("selesai", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["atasan_id"], ["pegawai.id"], name=op.f("fk_relasi_atasan_id_pegawai")),
        sa.ForeignKeyConstraint(["pegawai_id"], ["pegawai.id"], name=op.f("fk_relasi_pegawai_id_pegawai")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relasi")),
        sa.UniqueConstraint("pegawai_id", "atasan_id", "peran_atasan", "mulai", name="uq_relasi_key"),
    )
    op.create_index("ix_relasi_atasan", "relasi", ["atasan_id"], unique=False)
    op.create_index(op.f("ix_relasi_pegawai_id"), "relasi", ["pegawai_id"], unique=False)
    op.create_table(
        "skp",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("periode", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("peran", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("catatan_atasan", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("atasan_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["pegawai_id"], ["pegawai.id"], name=op.f("fk_skp_pegawai_id_pegawai")),
        sa.ForeignKeyConstraint(["periode"], ["periode.kode"], name=op.f("fk_skp_periode_periode")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp")),
        sa.UniqueConstraint("pegawai_id", "periode", name="uq_skp_pegawai_periode"),
    )
    op.create_index("ix_skp_status_submitted", "skp", ["status", "submitted_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_skp_status_submitted", table_name="skp")
    op.drop_table("skp")
    op.drop_index(op.f("ix_relasi_pegawai_id"), table_name="relasi")
    op.drop_index("ix_relasi_atasan", table_name="relasi")
    op.drop_table("relasi")
    op.drop_index(op.f("ix_penempatan_pegawai_id"), table_name="penempatan")
    op.drop_table("penempatan")
    op.drop_index(op.f("ix_window_extension_kode"), table_name="window_extension")
    op.drop_table("window_extension")
    op.drop_index(op.f("ix_pegawai_npsn"), table_name="pegawai")
    op.drop_table("pegawai")
    op.drop_index(op.f("ix_sekolah_kode_wilayah"), table_name="sekolah")
    op.drop_table("sekolah")
    op.drop_index(op.f("ix_periode_tahun"), table_name="periode")
    op.drop_table("periode")
    drop_chassis_tables_v1()
    op.drop_index(op.f("ix_audit_log_action"), table_name="audit_log")
    op.drop_table("audit_log")
