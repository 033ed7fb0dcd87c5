from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.time import utcnow
from diaspora.extensions import db


class Association(db.Model):
    """A diaspora health association (DHA). Applied for by any user, approved by an admin."""

    __tablename__ = "associations"

    PENDING, APPROVED, REJECTED, SUSPENDED = "pending", "approved", "rejected", "suspended"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    host_country: Mapped[str] = mapped_column(sa.String(2), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    website: Mapped[str | None] = mapped_column(sa.String(300))
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING, index=True)
    applied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    memberships: Mapped[list["Membership"]] = relationship(back_populates="association")
    heritage: Mapped[list["AssociationHeritageCountry"]] = relationship(
        cascade="all, delete-orphan", order_by="AssociationHeritageCountry.country"
    )
    membership_types: Mapped[list["MembershipType"]] = relationship(
        back_populates="association", order_by="MembershipType.name"
    )
    applied_by: Mapped["User | None"] = relationship(foreign_keys=[applied_by_id])  # noqa: F821

    @property
    def heritage_countries(self) -> list[str]:
        return [row.country for row in self.heritage]

    @property
    def is_approved(self) -> bool:
        return self.status == self.APPROVED

    def __repr__(self) -> str:
        return f"<Association {self.slug}>"


class AssociationHeritageCountry(db.Model):
    __tablename__ = "association_heritage_countries"

    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True, index=True)


class MembershipType(db.Model):
    """A kind of membership an association offers: how long it runs, whether it needs approval."""

    __tablename__ = "membership_types"
    __table_args__ = (
        sa.UniqueConstraint("association_id", "name", name="uq_membership_types_association_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(80))
    period_months: Mapped[int | None]  # None: no expiry
    requires_approval: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    association: Mapped[Association] = relationship(back_populates="membership_types")


class Membership(db.Model):
    """A user's place in an association: their role there and where the membership stands."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "association_id", name="uq_memberships_user_association"),
        sa.Index("ix_memberships_association_status", "association_id", "status"),
        sa.Index("ix_memberships_status_renews_on", "status", "renews_on"),
    )

    MEMBER, OFFICER = "member", "officer"
    APPLIED, ACTIVE, LAPSED, SUSPENDED, LEFT, REJECTED = (
        "applied", "active", "lapsed", "suspended", "left", "rejected"
    )
    STATUSES = (APPLIED, ACTIVE, LAPSED, SUSPENDED, LEFT, REJECTED)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    membership_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("membership_types.id", ondelete="SET NULL")
    )
    role: Mapped[str] = mapped_column(sa.String(10), default=MEMBER)
    status: Mapped[str] = mapped_column(sa.String(10), default=APPLIED)
    joined_on: Mapped[date | None]
    renews_on: Mapped[date | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The renewal date a reminder was last sent for: makes `flask memberships update` idempotent.
    reminder_sent_for: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    association: Mapped[Association] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship()  # noqa: F821
    membership_type: Mapped[MembershipType | None] = relationship()

    @property
    def is_officer(self) -> bool:
        return self.role == self.OFFICER and self.status == self.ACTIVE


class Invitation(db.Model):
    """An officer's invitation by email. Following its link creates an account or attaches
    the existing one, and makes an active membership."""

    __tablename__ = "invitations"
    __table_args__ = (sa.Index("ix_invitations_association_email", "association_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(320))
    name: Mapped[str | None] = mapped_column(sa.String(120))
    membership_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("membership_types.id", ondelete="SET NULL")
    )
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    association: Mapped[Association] = relationship()
    membership_type: Mapped[MembershipType | None] = relationship()


class MemberImport(db.Model):
    """An uploaded CSV of members, kept between the dry-run preview and the confirmation.
    The file lives in the database so any app server can finish the import."""

    __tablename__ = "member_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime | None]
    imported_count: Mapped[int] = mapped_column(default=0)
