"""monitoring by name: where each pegawai stands in the cycle

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 18:00:00
"""

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled by the change that brings this table; until then the revision changes nothing."""


def downgrade() -> None:
    pass
