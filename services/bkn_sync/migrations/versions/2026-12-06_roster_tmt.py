"""roster tmt: the pegawai's TMT jabatan in the roster projection, which prorates angka kredit

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 19:00:00
"""

from pmm_roster.projections import create_roster_tmt_v3, drop_roster_tmt_v3

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_roster_tmt_v3()


def downgrade() -> None:
    drop_roster_tmt_v3()
