"""contribution rollups indexed by country and month (a desk's dashboard)

Revision ID: c0a1d2e3f4a5
Revises: fd1c476900db
Create Date: 2026-12-02 18:45:00

"""
from alembic import op

revision = "c0a1d2e3f4a5"
down_revision = "fd1c476900db"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contribution_rollups", schema=None) as batch_op:
        batch_op.create_index("ix_contribution_rollups_country_month", ["country", "month"], unique=False)


def downgrade():
    with op.batch_alter_table("contribution_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_rollups_country_month")
