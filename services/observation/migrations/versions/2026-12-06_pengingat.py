"""pengingat: reminders decided and sent

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 18:00:00
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled by the change that brings this table; until then the revision changes nothing."""


def downgrade() -> None:
    pass
