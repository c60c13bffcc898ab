"""pelaksanaan bagian: one cycle per part of a period

A pegawai transferred in the middle of a period has one plan, and so one pelaksanaan, per school: the cycle is
keyed by its part (`bagian`, 1 for every existing row) and carries the part's school and first and last day.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pelaksanaan", sa.Column("bagian", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("pelaksanaan", sa.Column("npsn", sa.String(), nullable=True))
    op.add_column("pelaksanaan", sa.Column("mulai", sa.Date(), nullable=True))
    op.add_column("pelaksanaan", sa.Column("selesai", sa.Date(), nullable=True))
    op.drop_constraint("uq_pelaksanaan_pegawai_periode", "pelaksanaan", type_="unique")
    op.create_unique_constraint(
        "uq_pelaksanaan_pegawai_periode_bagian", "pelaksanaan", ["pegawai_id", "periode", "bagian"]
    )


def downgrade() -> None:
    # Only a database without a second part of any period goes back: the older key holds one cycle per period.
    op.drop_constraint("uq_pelaksanaan_pegawai_periode_bagian", "pelaksanaan", type_="unique")
    op.create_unique_constraint("uq_pelaksanaan_pegawai_periode", "pelaksanaan", ["pegawai_id", "periode"])
    op.drop_column("pelaksanaan", "selesai")
    op.drop_column("pelaksanaan", "mulai")
    op.drop_column("pelaksanaan", "npsn")
    op.drop_column("pelaksanaan", "bagian")
