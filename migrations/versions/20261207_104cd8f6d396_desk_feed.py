"""desk_sharing_consents.updated_at: when the record a desk reads of a member last changed, for
the desk's FHIR feed (search by _lastUpdated, _history?_since=), paged on an index; and
whether the member lets that desk read their licences' registration numbers

Revision ID: 104cd8f6d396
Revises: f3a4b5c6d7e8
Create Date: 2026-12-07 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "104cd8f6d396"
down_revision = "f3a4b5c6d7e8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("desk_sharing_consents") as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=False,
                                   server_default=sa.func.current_timestamp()))
        batch.add_column(sa.Column("share_registration", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE desk_sharing_consents SET updated_at = changed_at")
    op.create_index("ix_desk_sharing_consents_feed", "desk_sharing_consents", ["country", "updated_at", "user_id"])


def downgrade():
    op.drop_index("ix_desk_sharing_consents_feed", table_name="desk_sharing_consents")
    with op.batch_alter_table("desk_sharing_consents") as batch:
        batch.drop_column("share_registration")
        batch.drop_column("updated_at")
