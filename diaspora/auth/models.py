import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.core.time import utcnow
from diaspora.extensions import db


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """A person with an account. Roles are contextual: platform admin is a flag;
    association roles come from memberships, desk roles from desk assignments."""

    __tablename__ = "users"
    __table_args__ = (
        # Substring search on names (directory, admin lists): a trigram index on PostgreSQL.
        sa.Index("ix_users_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    email_verified_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    # Two-factor sign-in (auth/two_factor.py): the TOTP secret, encrypted (AES-GCM, a key derived
    # from SECRET_KEY), set when enrolment starts; it counts only once `totp_enabled_at` is set.
    # `totp_last_step` is the time-step of the last code accepted: the same code is never taken twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Part of the login cookie: rotating it (on a password change) logs out every other session.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]  # identity erased at the person's request

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (a lost phone). Only its SHA-256
    is kept: the code is 80 random bits, far beyond guessing, so a slow hash (argon2, for
    passwords people choose) would add nothing but cost, and the hash can be looked up directly."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
