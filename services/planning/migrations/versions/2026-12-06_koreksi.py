"""koreksi: the teachers' correction reports and the operators' worklist

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "koreksi",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pegawai_id", sa.Uuid(), nullable=False),
        sa.Column("jenis", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("nilai_benar", sa.String(), nullable=False),
        sa.Column("catatan", sa.String(), nullable=True),
        sa.Column("npsn", sa.String(), nullable=False),
        sa.Column("kode_wilayah", sa.String(4), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("alasan", sa.String(), nullable=True),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["pegawai_id"], ["pegawai.id"], name=op.f("fk_koreksi_pegawai_id_pegawai")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_koreksi")),
    )
    op.create_index(
        "uq_koreksi_open",
        "koreksi",
        ["pegawai_id", sa.text("coalesce(field, '')")],
        unique=True,
        postgresql_where=sa.text("status = 'DILAPORKAN'"),
    )
    op.create_index("ix_koreksi_worklist", "koreksi", ["kode_wilayah", "status", "reported_at", "id"])
    op.create_index("ix_koreksi_pegawai", "koreksi", ["pegawai_id", "reported_at"])
    # Audited as a plan is (the trail's function of revision 0002, pmm_chassis.db.audit): every report, its closing
    # and its rejection leave a row with who and the trace, whatever path made them.
    op.execute(
        "CREATE TRIGGER audit_koreksi AFTER INSERT OR UPDATE OR DELETE ON koreksi "
        "FOR EACH ROW EXECUTE FUNCTION pmm_audit_change('status')"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_koreksi ON koreksi")
    op.drop_table("koreksi")
