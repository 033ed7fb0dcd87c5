"""submissions indexed by status and due dates (flask desks remind)

Revision ID: d4e5f6a7b8c9
Revises: c0a1d2e3f4a5
Create Date: 2026-12-03 09:00:00

"""
from alembic import op

revision = "d4e5f6a7b8c9"
down_revision = "c0a1d2e3f4a5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_status_acknowledge_by", ["status", "acknowledge_by"], unique=False)
        batch_op.create_index("ix_submissions_status_answer_by", ["status", "answer_by"], unique=False)


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_status_answer_by")
        batch_op.drop_index("ix_submissions_status_acknowledge_by")
