from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.time import utcnow
from diaspora.extensions import db


class Association(db.Model):
    """A diaspora health association (DHA)."""

    __tablename__ = "associations"

    PENDING, APPROVED, REJECTED, SUSPENDED = "pending", "approved", "rejected", "suspended"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    host_country: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="association")

    def __repr__(self) -> str:
        return f"<Association {self.slug}>"


class Membership(db.Model):
    """A user's place in an association: their role there and where the membership stands."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "association_id", name="uq_memberships_user_association"),
        sa.Index("ix_memberships_association_status", "association_id", "status"),
    )

    MEMBER, OFFICER = "member", "officer"
    APPLIED, ACTIVE, LAPSED, SUSPENDED, LEFT = "applied", "active", "lapsed", "suspended", "left"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(10), default=MEMBER)
    status: Mapped[str] = mapped_column(sa.String(10), default=APPLIED)
    joined_on: Mapped[date | None]
    renews_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    association: Mapped[Association] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def is_officer(self) -> bool:
        return self.role == self.OFFICER and self.status == self.ACTIVE
