"""two-factor sign-in (placeholder: filled in by the two-factor work)

Revision ID: b2f7a1c9d0e1
Revises: 18694398281c
Create Date: 2026-12-02 17:55:00

"""

revision = "b2f7a1c9d0e1"
down_revision = "18694398281c"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
