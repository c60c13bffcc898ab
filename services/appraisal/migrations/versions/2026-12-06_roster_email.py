"""roster email: the pegawai's address in the roster projection, for reminders

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 18:00:00
"""

from pmm_roster.projections import create_roster_email_v2, drop_roster_email_v2

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_roster_email_v2()


def downgrade() -> None:
    drop_roster_email_v2()
