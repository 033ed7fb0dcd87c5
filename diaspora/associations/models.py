from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from diaspora.core.i18n import _l
from diaspora.core.states import Action, StateMachine
from diaspora.core.text import WORD_LENGTH
from diaspora.core.time import utcnow
from diaspora.extensions import db


class AssociationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


ASSOCIATION_STATES = StateMachine(
    AssociationStatus,
    labels={
        AssociationStatus.PENDING: _l("Waiting for approval"),
        AssociationStatus.APPROVED: _l("Approved"),
        AssociationStatus.REJECTED: _l("Rejected"),
        AssociationStatus.SUSPENDED: _l("Suspended"),
    },
    tones={
        AssociationStatus.PENDING: "warning",
        AssociationStatus.APPROVED: "success",
        AssociationStatus.REJECTED: "danger",
        AssociationStatus.SUSPENDED: "danger",
    },
    actions=[
        Action("approve", {AssociationStatus.PENDING}, AssociationStatus.APPROVED,
               refusal=_l("This application has already been decided.")),
        Action("reject", {AssociationStatus.PENDING}, AssociationStatus.REJECTED,
               refusal=_l("This application has already been decided.")),
    ],
)


class MembershipStatus(StrEnum):
    APPLIED = "applied"
    ACTIVE = "active"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    LEFT = "left"
    REJECTED = "rejected"


class MembershipRole(StrEnum):
    MEMBER = "member"
    OFFICER = "officer"


_S = MembershipStatus
MEMBERSHIP_STATES = StateMachine(
    MembershipStatus,
    labels={
        _S.APPLIED: _l("Applied, waiting for a decision"),
        _S.ACTIVE: _l("Active"),
        _S.LAPSED: _l("Lapsed"),
        _S.SUSPENDED: _l("Suspended"),
        _S.LEFT: _l("Ended"),
        _S.REJECTED: _l("Application rejected"),
    },
    tones={_S.APPLIED: "info", _S.ACTIVE: "success", _S.LAPSED: "warning", _S.SUSPENDED: "danger",
           _S.LEFT: "neutral", _S.REJECTED: "neutral"},
    actions=[
        # Someone whose membership ended, lapsed or was refused may come back.
        Action("apply", {_S.LEFT, _S.REJECTED, _S.LAPSED}, _S.APPLIED),
        Action("join", {_S.LEFT, _S.REJECTED, _S.LAPSED}, _S.ACTIVE),
        Action("approve", {_S.APPLIED}, _S.ACTIVE, refusal=_l("This application has already been decided.")),
        Action("reject", {_S.APPLIED}, _S.REJECTED, refusal=_l("This application has already been decided.")),
        Action("accept_invitation", {_S.APPLIED, _S.LEFT, _S.REJECTED, _S.LAPSED, _S.ACTIVE}, _S.ACTIVE,
               refusal=_l("A suspended membership cannot be restarted by an invitation. "
                          "Please contact the association's officers.")),
        Action("promote", {_S.ACTIVE}, None, refusal=_l("Only an active member can be made an officer.")),
        Action("demote", {_S.ACTIVE, _S.LAPSED, _S.SUSPENDED}, None,
               refusal=_l("This membership has ended.")),
        Action("renew", {_S.ACTIVE, _S.LAPSED}, _S.ACTIVE,
               refusal=_l("Only an active or lapsed membership can be renewed.")),
        Action("suspend", {_S.ACTIVE}, _S.SUSPENDED, refusal=_l("Only an active membership can be suspended.")),
        Action("reinstate", {_S.SUSPENDED}, _S.ACTIVE,
               refusal=_l("Only a suspended membership can be reinstated.")),
        Action("end", {_S.ACTIVE, _S.LAPSED, _S.SUSPENDED}, _S.LEFT,
               refusal=_l("Only an active, lapsed or suspended membership can be ended.")),
        Action("leave", {_S.APPLIED, _S.ACTIVE, _S.LAPSED, _S.SUSPENDED}, _S.LEFT,
               refusal=_l("This membership has already ended.")),
        Action("lapse", {_S.ACTIVE}, _S.LAPSED),
    ],
)
# What an officer can do to a membership from its page, in the order the buttons appear.
OFFICER_ACTIONS = ("approve", "reject", "promote", "demote", "renew", "reinstate", "suspend", "end")


class Association(db.Model):
    """A diaspora health association (DHA). Applied for by any user, approved by an admin."""

    __tablename__ = "associations"

    @property
    def audit_association_id(self) -> int:
        """Its events are in its own audit trail."""
        return self.id

    PENDING, APPROVED, REJECTED, SUSPENDED = (AssociationStatus.PENDING, AssociationStatus.APPROVED,
                                              AssociationStatus.REJECTED, AssociationStatus.SUSPENDED)
    __table_args__ = (
        ASSOCIATION_STATES.check_constraint(),
        sa.Index("ix_associations_status_name", "status", sa.text("lower(name)"), "id"),
    )
    STATES = ASSOCIATION_STATES

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    host_country: Mapped[str] = mapped_column(sa.String(2), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    website: Mapped[str | None] = mapped_column(sa.String(300))
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(10), default=AssociationStatus.PENDING, index=True)
    applied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    # The name as the database lowers it: the list's sort key (registry.BY_NAME) and its cursor.
    name_lowered: Mapped[str] = column_property(sa.func.lower(name), deferred=True)

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

    @property
    def status_label(self) -> str:
        return ASSOCIATION_STATES.label(self.status)

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
        # One index per way a list of an association's memberships is cut (core/pagination.py):
        # by name, by name within a status, newest first, and applications oldest first.
        # The name orders also hold the search text (PostgreSQL: INCLUDE), so a search that walks the
        # list in name order reads no table rows (directory.page).
        sa.Index("ix_memberships_association_sort_name", "association_id", "sort_name", "id",
                 postgresql_include=["search_text"]),
        sa.Index("ix_memberships_association_status_sort_name", "association_id", "status", "sort_name", "id",
                 postgresql_include=["search_text"]),
        sa.Index("ix_memberships_association_created_at", "association_id", "created_at", "id"),
        sa.Index("ix_memberships_association_status_created_at", "association_id", "status", "created_at", "id"),
        sa.Index("ix_memberships_status_renews_on", "status", "renews_on"),
        # Substring search (a trigram index on PostgreSQL; measured faster than one that also
        # holds the association, whose entries for a big association are half the table).
        sa.Index("ix_memberships_search_text", "search_text", postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"}),
        MEMBERSHIP_STATES.check_constraint(),
        sa.CheckConstraint("role IN ('member', 'officer')", name="role"),
    )

    MEMBER, OFFICER = MembershipRole.MEMBER, MembershipRole.OFFICER
    APPLIED, ACTIVE, LAPSED, SUSPENDED, LEFT, REJECTED = (
        _S.APPLIED, _S.ACTIVE, _S.LAPSED, _S.SUSPENDED, _S.LEFT, _S.REJECTED
    )
    STATES = MEMBERSHIP_STATES

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
    # The member's name folded for sorting (core.text.fold), kept here so that a directory
    # page is one walk of the (association_id, sort_name, id) index, whatever the size of the
    # association. Kept in step with users.name by `_keep_sort_names` below.
    sort_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    # What the directory's search looks in, folded: the member's name, specialty and skills.
    # Kept in step with the user, profile and skills by `_keep_member_text` below.
    search_text: Mapped[str] = mapped_column(sa.String(600), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    association: Mapped[Association] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship()  # noqa: F821
    membership_type: Mapped[MembershipType | None] = relationship()

    @property
    def is_officer(self) -> bool:
        return self.role == self.OFFICER and self.status == self.ACTIVE

    @property
    def status_label(self) -> str:
        return MEMBERSHIP_STATES.label(self.status)

    def allows(self, action: str) -> bool:
        """Whether `action` may be taken now: the status allows it, and so do the role and the
        membership type where the action depends on them."""
        if not MEMBERSHIP_STATES.allows(action, self.status):
            return False
        if action == "promote":
            return self.role == self.MEMBER
        if action == "demote":
            return self.role == self.OFFICER
        if action == "renew":
            return bool(self.membership_type and self.membership_type.period_months)
        return True

    def officer_actions(self) -> list[str]:
        return [action for action in OFFICER_ACTIONS if self.allows(action)]


class AssociationCount(db.Model):
    """How many memberships an association has in each status. Kept by database triggers on
    `memberships` (see the migration "counters"), in the same transaction as every change,
    however it is made (a service, a bulk UPDATE, a cascade): pages read these few rows
    instead of counting the memberships."""

    __tablename__ = "association_counts"

    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class MembershipWord(db.Model):
    """Each word of a membership's search text, in the name order of its association: a search
    reads a word's members a page at a time, in order, whatever their number
    (roster/words.py). Made again with the search text (`refresh_member_text`)."""

    __tablename__ = "membership_words"

    word: Mapped[str] = mapped_column(sa.String(WORD_LENGTH), primary_key=True)
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"),
                                                primary_key=True)
    sort_name: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"),
                                               primary_key=True, index=True)


class SearchWord(db.Model):
    """Every word that is in some membership's search text, once: where a search finds the
    words that contain what was typed (a trigram index on PostgreSQL). A word nobody has any
    longer goes (roster/words.py)."""

    __tablename__ = "search_words"
    __table_args__ = (sa.Index("ix_search_words_word_trgm", "word", postgresql_using="gin",
                               postgresql_ops={"word": "gin_trgm_ops"}),)

    word: Mapped[str] = mapped_column(sa.String(WORD_LENGTH), primary_key=True)


class Invitation(db.Model):
    """An officer's invitation by email. Following its link creates an account or attaches
    the existing one, and makes an active membership."""

    __tablename__ = "invitations"
    __table_args__ = (
        sa.Index("ix_invitations_association_email", "association_id", "email"),
        sa.Index("ix_invitations_email", "email"),  # what waits for a person: their dashboard
    )

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
    declined_at: Mapped[datetime | None]
    # What an officer's import knew about the person, offered as the start of their profile
    # when they accept: {"cadre": ..., "specialty": ..., "heritage_countries": [...]}.
    profile_hint: Mapped[dict | None] = mapped_column(sa.JSON)
    member_import_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member_imports.id", ondelete="SET NULL"), index=True
    )

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
    # The file until it is imported; then emptied (it holds other people's details), keeping
    # only the rows that could not be imported, with their reasons, for the officer to fix.
    content: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime | None]
    imported_count: Mapped[int] = mapped_column(default=0)
    rejected_rows: Mapped[list | None] = mapped_column(sa.JSON)


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _keep_sort_names(session, flush_context, instances) -> None:
    """A new membership takes its member's folded name; a renamed member's memberships follow."""
    from diaspora.auth.models import User
    from diaspora.core.text import fold

    for obj in session.new:
        if isinstance(obj, Membership) and not obj.sort_name:
            user = obj.user or (session.get(User, obj.user_id) if obj.user_id else None)
            obj.sort_name = fold(user.name)[:120] if user else ""
    for obj in session.dirty:
        if isinstance(obj, User) and sa.inspect(obj).attrs.name.history.has_changes():
            session.execute(sa.update(Membership).where(Membership.user_id == obj.id)
                            .values(sort_name=fold(obj.name)[:120])
                            .execution_options(synchronize_session="fetch"))


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _forget_words_of_deleted(session, flush_context, instances) -> None:
    """The words of memberships about to be deleted go first, so that a word nobody has any
    longer leaves the vocabulary too: the database's cascade would remove the rows without
    saying which words they held."""
    memberships = [obj.id for obj in session.deleted if isinstance(obj, Membership) and obj.id]
    if memberships:
        from diaspora.associations.roster import words

        words.forget(session.connection(), memberships)


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _keep_member_text(session, flush_context) -> None:
    """After any change to a member's name, profile or skills, or a new membership, their
    memberships' search text is made again (a few rows per person)."""
    from diaspora.auth.models import User
    from diaspora.members.models import Profile

    people = {obj.user_id for obj in session.new if isinstance(obj, Membership)}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Profile):
            people.add(obj.user_id)
        elif isinstance(obj, User) and sa.inspect(obj).attrs.name.history.has_changes():
            people.add(obj.id)
    people.discard(None)
    if people:
        refresh_member_text(session.connection(), people)


def refresh_member_text(connection, user_ids) -> None:
    from diaspora.auth.models import User
    from diaspora.core.text import searchable
    from diaspora.members.models import Profile, ProfileSkill, Skill

    skills = sa.select(sa.func.aggregate_strings(Skill.name, " ")).select_from(ProfileSkill).join(Skill).where(
        ProfileSkill.user_id == User.id).correlate(User).scalar_subquery()
    rows = connection.execute(
        sa.select(User.id, User.name, Profile.specialty, skills)
        .outerjoin(Profile, Profile.user_id == User.id).where(User.id.in_(list(user_ids))))
    texts = {}
    for user_id, name, specialty, skill_names in rows:
        texts[user_id] = searchable(" ".join(part for part in (name, specialty, skill_names) if part))[:600]
        connection.execute(sa.update(Membership.__table__).where(Membership.__table__.c.user_id == user_id)
                           .values(search_text=texts[user_id]))
    from diaspora.associations.roster import words

    words.refresh(connection, texts)
