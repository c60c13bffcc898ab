"""audit trail: audit_record and the trigger that fills it on every state change

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:30:00
"""

from pmm_chassis.db.migrations import create_audit_trail_v1, drop_audit_trail_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Audited tables and their state column (pmm_chassis.db.audit).
AUDITED = {"penilaian": "status"}


def upgrade() -> None:
    create_audit_trail_v1(AUDITED)


def downgrade() -> None:
    drop_audit_trail_v1(AUDITED)
