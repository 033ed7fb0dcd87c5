"""verified contributions added up by country alone (a desk's dashboard), filled from the
association rollups

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-12-03 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e5f6a7b8c9d0"
down_revision = "d4e5f6a7b8c9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "country_contribution_rollups",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("region", sa.String(length=10), nullable=False),
        sa.Column("contributions", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("people_trained", sa.Integer(), nullable=False),
        sa.Column("patients_reached", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("country", "month", "kind", "region", name=op.f("pk_country_contribution_rollups")),
    )
    op.execute(
        "INSERT INTO country_contribution_rollups (country, month, kind, region, contributions, hours, "
        "people_trained, patients_reached) "
        "SELECT country, month, kind, region, sum(contributions), sum(hours), sum(people_trained), "
        "sum(patients_reached) FROM contribution_rollups GROUP BY country, month, kind, region"
    )


def downgrade():
    op.drop_table("country_contribution_rollups")
