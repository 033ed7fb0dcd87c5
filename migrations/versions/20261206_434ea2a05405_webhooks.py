"""webhooks: subscriptions of an association or a desk, and their deliveries (an outbox)

Revision ID: 434ea2a05405
Revises: e1f2a3b4c5d6
Create Date: 2026-12-06 21:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "434ea2a05405"
down_revision = "e1f2a3b4c5d6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=True),
        sa.Column("desk_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'paused', 'disabled')", name=op.f("ck_webhook_subscriptions_status")),
        sa.CheckConstraint("(association_id IS NULL) <> (desk_id IS NULL)", name=op.f("ck_webhook_subscriptions_owner")),
        sa.ForeignKeyConstraint(["association_id"], ["associations.id"],
                                name=op.f("fk_webhook_subscriptions_association_id_associations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_webhook_subscriptions_desk_id_desks"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_webhook_subscriptions_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index("ix_webhook_subscriptions_association", "webhook_subscriptions", ["association_id", "id"])
    op.create_index("ix_webhook_subscriptions_desk", "webhook_subscriptions", ["desk_id", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("redelivery_of_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')",
                           name=op.f("ck_webhook_deliveries_status")),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscriptions.id"],
                                name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subject_id"], ["users.id"], name=op.f("fk_webhook_deliveries_subject_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["redelivery_of_id"], ["webhook_deliveries.id"],
                                name=op.f("fk_webhook_deliveries_redelivery_of_id_webhook_deliveries"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index("ix_webhook_deliveries_subscription", "webhook_deliveries", ["subscription_id", "id"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_webhook_deliveries_subject_id"), "webhook_deliveries", ["subject_id"])


def downgrade():
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
