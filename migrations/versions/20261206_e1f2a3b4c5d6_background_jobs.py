"""Background jobs: the outbox's claim token and the failed jobs' record.

Revision ID: e1f2a3b4c5d6
Revises: b3c4d5e6f7a8
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "e1f2a3b4c5d6"
down_revision = "b3c4d5e6f7a8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
    op.create_table(
        "failed_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=120), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_jobs")),
    )
    op.create_index(op.f("ix_failed_jobs_failed_at"), "failed_jobs", ["failed_at"])


def downgrade():
    op.drop_index(op.f("ix_failed_jobs_failed_at"), table_name="failed_jobs")
    op.drop_table("failed_jobs")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("claim_token")
