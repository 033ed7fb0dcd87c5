from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.time import utcnow
from diaspora.extensions import db


class Desk(db.Model):
    """A ministry of health's diaspora desk for one country."""

    __tablename__ = "desks"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), unique=True)
    ministry: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    acknowledgement_days: Mapped[int] = mapped_column(default=10)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    officers: Mapped[list["DeskOfficer"]] = relationship(back_populates="desk")


class DeskOfficer(db.Model):
    """A user assigned to work a desk."""

    __tablename__ = "desk_officers"
    __table_args__ = (sa.UniqueConstraint("desk_id", "user_id", name="uq_desk_officers_desk_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    desk: Mapped[Desk] = relationship(back_populates="officers")
    user: Mapped["User"] = relationship()  # noqa: F821
