"""roster email: where reminders go (optional column of the pegawai import)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pegawai", sa.Column("email", sa.String(254), nullable=True))


def downgrade() -> None:
    op.drop_column("pegawai", "email")
