"""submissions.due_on: when the desk's next step on an open submission is due, computed by the
database from its status and dates, and indexed within the desk, so that the queue's "overdue"
filter reads only overdue rows, however many recent ones the desk has

Revision ID: 7c1d2e3f4a5b
Revises: 5e7a2c91d4b3
Create Date: 2026-12-09 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "7c1d2e3f4a5b"
down_revision = "5e7a2c91d4b3"
branch_labels = None
depends_on = None

# As diaspora/desks/models.py has it (DUE_ON) on the day of this migration.
DUE_ON = (
    "CASE WHEN status = 'submitted' AND acknowledge_by IS NOT NULL "
    "AND (answer_by IS NULL OR acknowledge_by < answer_by) THEN acknowledge_by "
    "WHEN status IN ('submitted', 'acknowledged', 'in_review') THEN answer_by END"
)


def upgrade():
    # Stored on PostgreSQL (which indexes no other kind); virtual on SQLite, which cannot add a
    # stored column to a table, and indexes a virtual one all the same.
    stored = True if op.get_bind().dialect.name == "postgresql" else None
    op.add_column("submissions", sa.Column("due_on", sa.Date(), sa.Computed(DUE_ON, persisted=stored), nullable=True))
    op.create_index("ix_submissions_desk_due_on", "submissions", ["desk_id", "due_on", "id"])


def downgrade():
    op.drop_index("ix_submissions_desk_due_on", table_name="submissions")
    op.drop_column("submissions", "due_on")
