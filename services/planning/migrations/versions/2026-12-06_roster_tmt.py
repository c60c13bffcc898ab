"""roster tmt: the date a pegawai took up their current jabatan (optional column of the pegawai import)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pegawai", sa.Column("tmt_jabatan", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("pegawai", "tmt_jabatan")
