"""support_calls: who a call reached when posted, and why not the others of its cadre

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6
Create Date: 2026-12-06 22:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e2f3a4b5c6d7"
down_revision = "d1e2f3a4b5c6"
branch_labels = None
depends_on = None

COLUMNS = ("sent_count", "not_consented_count", "unavailable_count", "unlicensed_count")


def upgrade():
    with op.batch_alter_table("support_calls") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("support_calls") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
