"""data_accesses: who opened a person's data (the person's access log)

Revision ID: d1e2f3a4b5c6
Revises: 434ea2a05405
Create Date: 2026-12-06 21:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d1e2f3a4b5c6"
down_revision = "434ea2a05405"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("viewer_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["users.id"], name=op.f("fk_data_accesses_person_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["viewer_id"], ["users.id"], name=op.f("fk_data_accesses_viewer_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_accesses")),
    )
    op.create_index("ix_data_accesses_person", "data_accesses", ["person_id", "at", "id"])
    op.create_index(op.f("ix_data_accesses_viewer_id"), "data_accesses", ["viewer_id"])
    op.create_index(op.f("ix_data_accesses_at"), "data_accesses", ["at"])


def downgrade():
    op.drop_index(op.f("ix_data_accesses_at"), table_name="data_accesses")
    op.drop_index(op.f("ix_data_accesses_viewer_id"), table_name="data_accesses")
    op.drop_index("ix_data_accesses_person", table_name="data_accesses")
    op.drop_table("data_accesses")
