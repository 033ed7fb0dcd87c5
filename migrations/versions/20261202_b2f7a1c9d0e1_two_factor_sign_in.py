"""two-factor sign-in: TOTP enrolment and replay guard on users, one-time recovery codes

Revision ID: b2f7a1c9d0e1
Revises: 18694398281c
Create Date: 2026-12-02 18:00:00.000000

`users.totp_secret` exists since the first migration (and stays); this adds when it was
turned on and the last time-step accepted (a code is never taken twice), and the recovery
codes (only their SHA-256).

On SQLite, adding nullable columns is a plain ALTER TABLE (the batch does not copy the table);
dropping them (downgrade) copies `users`, which loses its counter triggers: the downgrade makes
them again, as the scale migration (92f9dd743012) defined them.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2f7a1c9d0e1"
down_revision = "18694398281c"
branch_labels = None
depends_on = None

SQLITE_USERS_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS count_users_inserted AFTER INSERT ON users BEGIN
         INSERT INTO platform_counts (name, count) VALUES ('users', 1)
         ON CONFLICT (name) DO UPDATE SET count = count + 1;
       END""",
    """CREATE TRIGGER IF NOT EXISTS count_users_deleted AFTER DELETE ON users BEGIN
         UPDATE platform_counts SET count = count - 1 WHERE name = 'users';
       END""",
]


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))

    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_codes_code_hash")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_USERS_TRIGGERS:
            op.execute(statement)
