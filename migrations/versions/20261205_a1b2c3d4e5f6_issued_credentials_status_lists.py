"""every credential issued for a verified contribution, with its place in a W3C Bitstring
Status List (revoked for good, never deleted), and the random identifier credentials name a
member by; a credential for each live public link of today

Revision ID: a1b2c3d4e5f6
Revises: a1c2e3f4b5d6
Create Date: 2026-12-05 10:00:00

"""
import random
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = "a1c2e3f4b5d6"
branch_labels = None
depends_on = None

# contributions/credentials.py on the day of this migration
LIST_SIZE = 131_072
FILL_LIMIT = LIST_SIZE // 2
REASONS = ("link_revoked", "link_renewed", "reopened", "verification_withdrawn", "erased")


def upgrade():
    op.create_table(
        "issued_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status_list", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.CheckConstraint("status_list >= 1 AND status_index >= 0", name=op.f("ck_issued_credentials_status_place")),
        sa.CheckConstraint("reason IS NULL OR reason IN ({})".format(", ".join(f"'{r}'" for r in REASONS)),
                           name=op.f("ck_issued_credentials_reason")),
        sa.CheckConstraint("(revoked_at IS NULL AND reason IS NULL) OR (revoked_at IS NOT NULL AND reason IS NOT NULL)",
                           name=op.f("ck_issued_credentials_revoked_with_reason")),
        sa.ForeignKeyConstraint(["contribution_id"], ["contributions.id"],
                                name=op.f("fk_issued_credentials_contribution_id_contributions"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_issued_credentials_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_credentials")),
        sa.UniqueConstraint("status_list", "status_index", name="uq_issued_credentials_status_list_index"),
    )
    op.create_index("uq_issued_credentials_live", "issued_credentials", ["contribution_id"], unique=True,
                    sqlite_where=sa.text("revoked_at IS NULL"), postgresql_where=sa.text("revoked_at IS NULL"))
    op.create_index("ix_issued_credentials_user", "issued_credentials", ["user_id"], unique=False)
    op.create_table(
        "credential_subjects",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject_uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_credential_subjects_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_credential_subjects")),
        sa.UniqueConstraint("subject_uuid", name=op.f("uq_credential_subjects_subject_uuid")),
    )
    _issue_for_live_links()


def _issue_for_live_links():
    """Each verified contribution with a live public link gets its credential, at a random
    place, so that the credential its member downloads next has a status to point at."""
    connection = op.get_bind()
    live = connection.execute(sa.text(
        "SELECT id, user_id FROM contributions WHERE status = 'verified' AND public_token IS NOT NULL "
        "AND public_revoked_at IS NULL ORDER BY id")).all()
    draw = random.SystemRandom()
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for first in range(0, len(live), FILL_LIMIT):
        chunk = live[first:first + FILL_LIMIT]
        places = draw.sample(range(LIST_SIZE), len(chunk))
        number = first // FILL_LIMIT + 1
        rows += [{"status_list": number, "status_index": place, "contribution_id": contribution_id,
                  "user_id": user_id, "issued_at": now} for (contribution_id, user_id), place in zip(chunk, places)]
    if rows:
        table = sa.table("issued_credentials", sa.column("status_list"), sa.column("status_index"),
                         sa.column("contribution_id"), sa.column("user_id"), sa.column("issued_at"))
        op.bulk_insert(table, rows)


def downgrade():
    op.drop_table("credential_subjects")
    op.drop_index("ix_issued_credentials_user", table_name="issued_credentials")
    op.drop_index("uq_issued_credentials_live", table_name="issued_credentials",
                  sqlite_where=sa.text("revoked_at IS NULL"), postgresql_where=sa.text("revoked_at IS NULL"))
    op.drop_table("issued_credentials")
