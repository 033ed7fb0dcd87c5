"""an association's contribution rollups indexed by month (the impact dashboard's period and its
CSV, streamed in month order)

Revision ID: c8d9e0f1a2b3
Revises: b7c8d9e0f1a2
Create Date: 2026-12-06 09:00:00

"""
from alembic import op

revision = "c8d9e0f1a2b3"
down_revision = "b7c8d9e0f1a2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_contribution_rollups_association_month", "contribution_rollups",
                    ["association_id", "month", "country", "region", "kind"], unique=False)


def downgrade():
    op.drop_index("ix_contribution_rollups_association_month", table_name="contribution_rollups")
