"""Webhook subscriptions and their deliveries (an outbox of signed HTTP calls).

A **subscription** is an association's or a desk's (exactly one), registered by one of its
officers: an HTTPS endpoint, the event types it wants, and a signing secret (Standard Webhooks:
`whsec_` and base64 of 32 random bytes). The secret is kept as it is, not hashed, because we
sign every delivery with it; it is shown to the officers once, when the subscription is made.

A **delivery** is one event for one subscription, written in the transaction of the change that
caused it (`webhooks/events.py`), then sent by `webhooks/jobs.py:deliver_due`, outside any
request. It is its own log: attempts, the last status code or error, how long the call took.
Its payload names records by id and status only (the receiver reads the rest through the API,
under the same policies as the pages); `subject_id` is the person the event is about, so that
erasing them can empty the payloads that concern them."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.time import utcnow
from diaspora.extensions import db


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # by an officer; deliveries wait
    DISABLED = "disabled"  # after too many failures in a row; deliveries wait


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed: given up
    CANCELLED = "cancelled"  # its person was erased before it left


class WebhookSubscription(db.Model):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        sa.Index("ix_webhook_subscriptions_association", "association_id", "id"),
        sa.Index("ix_webhook_subscriptions_desk", "desk_id", "id"),
        sa.CheckConstraint("status IN ('active', 'paused', 'disabled')", name="status"),
        sa.CheckConstraint("(association_id IS NULL) <> (desk_id IS NULL)", name="owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int | None] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desks.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(100))
    event_types: Mapped[list] = mapped_column(sa.JSON)
    secret: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(10), default=SubscriptionStatus.ACTIVE)
    failures: Mapped[int] = mapped_column(default=0)  # consecutive failed attempts
    disabled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    association: Mapped["Association | None"] = relationship()  # noqa: F821
    desk: Mapped["Desk | None"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def owner(self):
        return self.association if self.association_id is not None else self.desk

    @property
    def is_active(self) -> bool:
        return self.status == SubscriptionStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<WebhookSubscription {self.id} {self.status} {self.url}>"


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(  # webhook-id: the same on every attempt
        sa.String(40), info={"no_foreign_key": "the Standard Webhooks message id we make, not a row"})
    event_type: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    last_duration_ms: Mapped[int | None]
    delivered_at: Mapped[datetime | None]
    redelivery_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="SET NULL"))

    subscription: Mapped[WebhookSubscription] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.status}>"
