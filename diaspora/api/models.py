"""Access tokens for the JSON API.

A **personal** token is its owner's (`user_id`): the API treats its bearer as that person, under
the same policies as their pages. A **service** token is an association's or a desk's
(`association_id` or `desk_id`), made by one of its officers for a system (a CRM sync, a
ministry's case system): its bearer is the token's own principal, a service account
(`principal_id`, a `users` row that cannot log in, named after the token) that the policies
treat as an officer of exactly that association or desk, and that the audit trail and a
submission's timeline name as the author of what it does.

Only the SHA-256 of the secret is kept (256 random bits: a slow hash would add nothing), with
its first characters (`prefix`) to recognise it by. A token works until its expiry day ends,
until it is revoked, and, for a personal token, only while its owner still holds every role
it was made with (`roles`: platform admin, officer of an association, officer of a desk),
re-checked on every call."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.i18n import _l
from diaspora.core.time import today, utcnow
from diaspora.extensions import db

PREFIX = "dhn_"


class TokenKind(StrEnum):
    PERSONAL = "personal"
    SERVICE = "service"


# Scopes, per domain, read or write (write includes read).
SCOPE_DOMAINS = {
    "members": _l("Your profile and memberships"),
    "associations": _l("Members, the directory and applications"),
    "contributions": _l("Contributions, their verification, missions and impact"),
    "licences": _l("Licences and CPD"),
    "desks": _l("Submissions to desks, a desk's queue, calls and engagement"),
    "webhooks": _l("Webhook endpoints of an association or a desk, and their delivery logs"),
}
LEVELS = {"read": _l("Read"), "write": _l("Read and write")}
ALL_SCOPES = tuple(f"{domain}:{level}" for domain in SCOPE_DOMAINS for level in LEVELS)
# What a service token may be given: its association's or its desk's domains.
SERVICE_DOMAINS = {"association": ("associations", "contributions", "webhooks"), "desk": ("desks", "webhooks")}


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (
        sa.Index("ix_api_tokens_user", "user_id", "created_at", "id"),
        sa.Index("ix_api_tokens_association", "association_id", "created_at", "id"),
        sa.Index("ix_api_tokens_desk", "desk_id", "created_at", "id"),
        sa.Index("ix_api_tokens_created", "created_at", "id"),
        sa.CheckConstraint("kind IN ('personal', 'service')", name="kind"),
        sa.CheckConstraint(
            "(kind = 'personal' AND association_id IS NULL AND desk_id IS NULL) OR "
            "(kind = 'service' AND user_id IS NULL AND (association_id IS NULL) <> (desk_id IS NULL))",
            name="owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list] = mapped_column(sa.JSON)
    # A personal token's owner (erased with them); a service token's association or desk.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    association_id: Mapped[int | None] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desks.id", ondelete="CASCADE"))
    # Who acts when the token is used: the owner, or the service token's own service account.
    principal_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The privileged roles a personal token was made with ("admin", "officer:<association id>",
    # "desk:<desk id>"): it stops working when its owner no longer holds one of them.
    roles: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_on: Mapped[date]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(sa.String(45))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    principal: Mapped["User"] = relationship(foreign_keys=[principal_id])  # noqa: F821
    owner: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    revoked_by: Mapped["User | None"] = relationship(foreign_keys=[revoked_by_id])  # noqa: F821
    association: Mapped["Association | None"] = relationship()  # noqa: F821
    desk: Mapped["Desk | None"] = relationship()  # noqa: F821

    @property
    def is_service(self) -> bool:
        return self.kind == TokenKind.SERVICE

    @property
    def is_expired(self) -> bool:
        return self.expires_on < today()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_live(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "revoked"
        return "expired" if self.is_expired else "active"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.kind} {self.prefix}>"
