from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.core.time import utcnow
from diaspora.extensions import db


class OutboxMessage(db.Model):
    """An email waiting to leave, or already gone. Written in the same transaction as
    the change that causes it, so a rolled-back change never sends mail and an SMTP
    outage delays mail without losing it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    QUEUED, SENT, FAILED, DISCARDED = "queued", "sent", "failed", "discarded"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    template: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    # The current sender's claim (outbox.claim): only its holder records the outcome.
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # Set when the recipient's account is erased while the message waits: once sent (or given
    # up on), it keeps neither its body nor its address.
    erase_after_send: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.template} to {self.recipient} {self.status}>"


class AuditEvent(db.Model):
    """Who changed what, when and from where. Never updated, never deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),
                      sa.Index("ix_audit_events_association", "association_id", "created_at", "id"),
                      sa.Index("ix_audit_events_desk", "desk_id", "created_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The person the event is about (erasure redacts events about them as well as by them).
    subject_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(
        sa.String(64), info={"no_foreign_key": "names an object of any table (object_type), and outlives it"})
    changes: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Whose trail it is in (`audit.record` reads them from the object): an association's
    # officers read its events, a desk's officers its desk's; admins read every event.
    association_id: Mapped[int | None] = mapped_column(sa.ForeignKey("associations.id", ondelete="SET NULL"))
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desks.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"


class StoredFile(db.Model):
    """An uploaded file (evidence, documents). Kept in the database, not on one server's disk,
    so every app server can serve it; `core/files.py` checks type and size on the way in."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlatformCount(db.Model):
    """Counts the admin's dashboard shows (accounts ...), kept by database triggers."""

    __tablename__ = "platform_counts"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class FailedJob(db.Model):
    """A background job whose last attempt failed (core/jobs.py): its name, its arguments (ids,
    never personal data) and its last error, until an admin retries or discards it."""

    __tablename__ = "failed_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(sa.String(120))
    arguments: Mapped[list] = mapped_column(sa.JSON, default=list)
    last_error: Mapped[str] = mapped_column(sa.Text)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DataAccess(db.Model):
    """Someone other than a person opened that person's data (a profile, a licence, a
    contribution, a submission): who, in which role, what and when (`core/access_log.py`).
    Written by one INSERT per page view; kept `ACCESS_LOG_RETENTION_MONTHS`, then purged."""

    __tablename__ = "data_accesses"
    __table_args__ = (sa.Index("ix_data_accesses_person", "person_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    viewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))  # officer, desk_officer, admin, service
    place: Mapped[str | None] = mapped_column(sa.String(200))  # the association or desk it was for
    what: Mapped[str] = mapped_column(sa.String(32))  # a code its domain registered a label for
    object_type: Mapped[str | None] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(
        sa.String(64), info={"no_foreign_key": "names an object of any table (object_type), and outlives it"})
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
