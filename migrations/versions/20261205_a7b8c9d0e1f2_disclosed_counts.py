"""the counts a desk's dashboard shows, published under disclosure control by `flask desks
refresh`: disclosure_blocks (one per country and period block) and disclosed_counts

Revision ID: a7b8c9d0e1f2
Revises: a1b2c3d4e5f6
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a7b8c9d0e1f2"
down_revision = "a1b2c3d4e5f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "disclosure_blocks",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("country", "period", name=op.f("pk_disclosure_blocks")),
    )
    op.create_table(
        "disclosed_counts",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("dimension", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("country", "period", "dimension", "key", name=op.f("pk_disclosed_counts")),
    )


def downgrade():
    op.drop_table("disclosed_counts")
    op.drop_table("disclosure_blocks")
