"""desk calendars: each desk's corrections to its country's holidays, and the token that
invalidates every process's cache of them

Revision ID: a1c2e3f4b5d6
Revises: 0243d1c091c0
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a1c2e3f4b5d6"
down_revision = "0243d1c091c0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_token", sa.String(length=32), server_default="", nullable=False))
    op.create_table(
        "desk_calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("desk_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("change IN ('added', 'removed')", name=op.f("ck_desk_calendar_days_change")),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_desk_calendar_days_desk_id_desks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_calendar_days")),
        sa.UniqueConstraint("desk_id", "day", name="uq_desk_calendar_days_desk_day"),
    )


def downgrade():
    op.drop_table("desk_calendar_days")
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.drop_column("calendar_token")
