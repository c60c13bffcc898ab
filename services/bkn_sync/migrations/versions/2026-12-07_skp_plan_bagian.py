"""skp plan bagian: one plan per part of a period

A pegawai transferred in the middle of a period has one SKP per school at e-Kinerja: the plan kept for BKN is keyed
by its part (`bagian`, 1 for every existing row) and carries the part's school and first and last day. The pushes
keep their key: a later part's `bagian` string is prefixed with its number.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("skp_plan", sa.Column("bagian", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("skp_plan", sa.Column("npsn", sa.String(), nullable=True))
    op.add_column("skp_plan", sa.Column("mulai", sa.Date(), nullable=True))
    op.add_column("skp_plan", sa.Column("selesai", sa.Date(), nullable=True))
    op.drop_constraint("pk_skp_plan", "skp_plan", type_="primary")
    op.create_primary_key("pk_skp_plan", "skp_plan", ["pegawai_id", "periode", "bagian"])


def downgrade() -> None:
    # Only a database without a second part of any period goes back: the older key holds one plan per period.
    op.drop_constraint("pk_skp_plan", "skp_plan", type_="primary")
    op.create_primary_key("pk_skp_plan", "skp_plan", ["pegawai_id", "periode"])
    op.drop_column("skp_plan", "selesai")
    op.drop_column("skp_plan", "mulai")
    op.drop_column("skp_plan", "npsn")
    op.drop_column("skp_plan", "bagian")
