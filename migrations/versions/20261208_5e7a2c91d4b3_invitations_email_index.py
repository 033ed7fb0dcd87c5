"""invitations.email: the invitations waiting for a person, read on their dashboard by their
address (the older index leads with the association)

Revision ID: 5e7a2c91d4b3
Revises: 104cd8f6d396
Create Date: 2026-12-08 01:20:00

"""
from alembic import op

revision = "5e7a2c91d4b3"
down_revision = "104cd8f6d396"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_invitations_email", "invitations", ["email"])


def downgrade():
    op.drop_index("ix_invitations_email", table_name="invitations")
