"""api_tokens: personal and service access tokens for the JSON API (only their SHA-256 is kept)

Revision ID: b3c4d5e6f7a8
Revises: c8d9e0f1a2b3
Create Date: 2026-12-06 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b3c4d5e6f7a8"
down_revision = "c8d9e0f1a2b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("association_id", sa.Integer(), nullable=True),
        sa.Column("desk_id", sa.Integer(), nullable=True),
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_ip", sa.String(length=45), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('personal', 'service')", name=op.f("ck_api_tokens_kind")),
        sa.CheckConstraint(
            "(kind = 'personal' AND association_id IS NULL AND desk_id IS NULL) OR "
            "(kind = 'service' AND user_id IS NULL AND (association_id IS NULL) <> (desk_id IS NULL))",
            name=op.f("ck_api_tokens_owner")),
        sa.ForeignKeyConstraint(["association_id"], ["associations.id"],
                                name=op.f("fk_api_tokens_association_id_associations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_api_tokens_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_api_tokens_desk_id_desks"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["principal_id"], ["users.id"], name=op.f("fk_api_tokens_principal_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name=op.f("fk_api_tokens_revoked_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id", "created_at", "id"])
    op.create_index("ix_api_tokens_association", "api_tokens", ["association_id", "created_at", "id"])
    op.create_index("ix_api_tokens_desk", "api_tokens", ["desk_id", "created_at", "id"])
    op.create_index("ix_api_tokens_created", "api_tokens", ["created_at", "id"])
    op.create_index(op.f("ix_api_tokens_principal_id"), "api_tokens", ["principal_id"])


def downgrade():
    op.drop_table("api_tokens")
