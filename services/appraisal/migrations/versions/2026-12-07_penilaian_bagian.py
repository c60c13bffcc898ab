"""penilaian bagian: one penilaian per part of a period

A transfer in the middle of a period splits it into one plan per school (planning's SKP parts): the penilaian is
keyed by (pegawai, periode, bagian) and keeps its part's school, first and last day, the plan that feeds it and
whether a transfer ended it. Existing rows are the period's only part. The SKP and pelaksanaan monitors keep the
latest part.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("penilaian", sa.Column("bagian", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("penilaian", sa.Column("npsn", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column("penilaian", sa.Column("mulai", sa.Date(), nullable=True))
    op.add_column("penilaian", sa.Column("selesai", sa.Date(), nullable=True))
    op.add_column("penilaian", sa.Column("skp_id", sa.Uuid(), nullable=True))
    op.add_column("penilaian", sa.Column("berakhir", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("penilaian", sa.Column("berakhir_disetujui", sa.Boolean(), nullable=False, server_default=sa.false()))
    # The plan each existing penilaian already holds is its part's plan: observation's events find it by it.
    op.execute("UPDATE penilaian SET skp_id = (rencana->>'skp_id')::uuid WHERE rencana IS NOT NULL")
    op.drop_constraint("uq_penilaian_pegawai_periode", "penilaian", type_="unique")
    op.create_unique_constraint("uq_penilaian_pegawai_periode_bagian", "penilaian", ["pegawai_id", "periode", "bagian"])
    op.create_index("ix_penilaian_skp_id", "penilaian", ["skp_id"], unique=False)
    op.create_index("ix_penilaian_npsn_periode", "penilaian", ["npsn", "periode"], unique=False)
    op.add_column("skp_monitor", sa.Column("bagian", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("pelaksanaan_monitor", sa.Column("bagian", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    op.drop_column("pelaksanaan_monitor", "bagian")
    op.drop_column("skp_monitor", "bagian")
    op.drop_index("ix_penilaian_npsn_periode", table_name="penilaian")
    op.drop_index("ix_penilaian_skp_id", table_name="penilaian")
    op.drop_constraint("uq_penilaian_pegawai_periode_bagian", "penilaian", type_="unique")
    # Only the first part of each period survives a downgrade: the old key holds one penilaian per period.
    op.execute("DELETE FROM penilaian WHERE bagian > 1")
    op.create_unique_constraint("uq_penilaian_pegawai_periode", "penilaian", ["pegawai_id", "periode"])
    for column in ("berakhir_disetujui", "berakhir", "skp_id", "selesai", "mulai", "npsn", "bagian"):
        op.drop_column("penilaian", column)
