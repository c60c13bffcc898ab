"""pengingat: reminders decided and sent

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 18:00:00
"""

from pmm_chassis.db.migrations import create_reminder_tables_v1, drop_reminder_tables_v1

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The reminders this service decides and mails (pmm_chassis.reminders)."""
    create_reminder_tables_v1()


def downgrade() -> None:
    drop_reminder_tables_v1()
