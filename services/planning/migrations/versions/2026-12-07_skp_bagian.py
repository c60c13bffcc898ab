"""skp bagian: a transfer splits a period into one plan per school

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The day a pegawai took up their placement (optional column of the pegawai import).
    op.add_column("pegawai", sa.Column("tmt_penempatan", sa.Date(), nullable=True))
    # The part of the period a plan covers: its number, its school, its first and last day.
    op.add_column("skp", sa.Column("bagian", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("skp", sa.Column("npsn", sa.String(length=8), nullable=True))
    op.add_column("skp", sa.Column("mulai", sa.Date(), nullable=True))
    op.add_column("skp", sa.Column("selesai", sa.Date(), nullable=True))
    # Every plan made before parts existed is the period's only part, at the pegawai's school.
    op.execute("UPDATE skp SET npsn = pegawai.npsn FROM pegawai WHERE pegawai.id = skp.pegawai_id")
    op.create_foreign_key(op.f("fk_skp_npsn_sekolah"), "skp", "sekolah", ["npsn"], ["npsn"])
    op.drop_constraint("uq_skp_pegawai_periode", "skp", type_="unique")
    op.create_unique_constraint("uq_skp_pegawai_periode_bagian", "skp", ["pegawai_id", "periode", "bagian"])


def downgrade() -> None:
    # Only the first part of each period can stay under the one-plan-per-period key.
    op.execute("DELETE FROM skp WHERE bagian > 1")
    op.drop_constraint("uq_skp_pegawai_periode_bagian", "skp", type_="unique")
    op.create_unique_constraint("uq_skp_pegawai_periode", "skp", ["pegawai_id", "periode"])
    op.drop_constraint(op.f("fk_skp_npsn_sekolah"), "skp", type_="foreignkey")
    op.drop_column("skp", "selesai")
    op.drop_column("skp", "mulai")
    op.drop_column("skp", "npsn")
    op.drop_column("skp", "bagian")
    op.drop_column("pegawai", "tmt_penempatan")
