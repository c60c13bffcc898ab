"""laporan organisasi: the kepala sekolah sends the school's results to the Dinas

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One report per school and year, kept as sent: who, when, and the predikat counts of that moment.
    op.create_table(
        "laporan_organisasi",
        sa.Column("npsn", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("policy_year", sa.Integer(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("dikirim_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("npsn", "tahun", name=op.f("pk_laporan_organisasi")),
    )


def downgrade() -> None:
    op.drop_table("laporan_organisasi")
