"""Contributions a member logs (missions, training, mentoring ...), the missions an association
organises, its Health Partnerships, and the rollups the impact dashboard reads."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.domain import DomainError
from diaspora.core.i18n import _, _l
from diaspora.core.states import Action, StateMachine
from diaspora.core.time import long_date, today, utcnow
from diaspora.extensions import db

KINDS = {
    "mission": _l("Mission"),
    "training": _l("Training"),
    "mentoring": _l("Mentoring"),
    "tele_education": _l("Tele-education"),
    "teleconsultation": _l("Teleconsultation"),
    "supplies_donation": _l("Supplies donation"),
    "policy_advice": _l("Policy advice"),
    "research": _l("Research"),
    "other": _l("Other"),
}
MODES = {"in_person": _l("In person"), "remote": _l("Remote"), "hybrid": _l("Hybrid")}
# What the member may show on the public verification page and in the credential, beyond
# what is always shown there (the kind, the title, the dates, who verified it and when).
SHAREABLE_FIELDS = {
    "name": _l("Your name"),
    "country": _l("Country and region"),
    "partner": _l("Partner institution or facility"),
    "hours": _l("Hours"),
    "reach": _l("People trained and patients reached"),
    "description": _l("Description"),
}
DEFAULT_SHARED = ["name", "country", "hours"]


class ContributionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VERIFIED = "verified"
    WITHDRAWN = "withdrawn"


_C = ContributionStatus
CONTRIBUTION_STATES = StateMachine(
    ContributionStatus,
    labels={_C.DRAFT: _l("Draft"), _C.SUBMITTED: _l("Awaiting verification"), _C.RETURNED: _l("Returned"),
            _C.VERIFIED: _l("Verified"), _C.WITHDRAWN: _l("Withdrawn")},
    tones={_C.DRAFT: "neutral", _C.SUBMITTED: "info", _C.RETURNED: "warning", _C.VERIFIED: "success",
           _C.WITHDRAWN: "neutral"},
    actions=[
        Action("edit", {_C.DRAFT, _C.RETURNED, _C.WITHDRAWN}, None,
               refusal=_l("Only a draft or a returned contribution can be changed.")),
        Action("submit", {_C.DRAFT, _C.RETURNED, _C.WITHDRAWN}, _C.SUBMITTED,
               refusal=_l("Only a draft or a returned contribution can be sent for verification.")),
        Action("withdraw", {_C.DRAFT, _C.SUBMITTED}, _C.WITHDRAWN,
               refusal=_l("Only a draft or a contribution awaiting verification can be withdrawn.")),
        Action("verify", {_C.SUBMITTED}, _C.VERIFIED,
               refusal=_l("Only a contribution awaiting verification can be verified.")),
        Action("return", {_C.SUBMITTED}, _C.RETURNED,
               refusal=_l("Only a contribution awaiting verification can be returned.")),
        # A verified contribution is locked: to change it, the member reopens it, which takes
        # it out of the verified totals and back to a draft that must be verified again.
        Action("reopen", {_C.VERIFIED}, _C.DRAFT, refusal=_l("Only a verified contribution can be reopened.")),
        # An officer who verified in error withdraws the verification with a reason: it goes back
        # to the member as returned, to be corrected and sent again, like any returned one.
        Action("withdraw_verification", {_C.VERIFIED}, _C.RETURNED,
               refusal=_l("Only a verified contribution can have its verification withdrawn.")),
    ],
)
# The decisions an officer takes on a member's contribution. Nobody takes one on their own
# contribution, whatever the route (its page, the bulk form, a mission report): `logbook.move`,
# the one way a contribution changes status, refuses it with this.
DECISIONS = frozenset({"verify", "return", "withdraw_verification"})
OWN_DECISION_REFUSAL = _l("You cannot verify your own contribution, nor decide on it: another officer of the "
                          "association must.")


class Contribution(db.Model):
    __tablename__ = "contributions"

    @property
    def audit_association_id(self) -> int | None:
        """In its association's trail once its officers see it (sent), never as a draft."""
        seen = {ContributionStatus.SUBMITTED, ContributionStatus.RETURNED, ContributionStatus.VERIFIED}
        return self.association_id if self.status in seen else None
    __table_args__ = (
        sa.Index("ix_contributions_user_starts_on", "user_id", "starts_on", "id"),
        sa.Index("ix_contributions_queue", "association_id", "status", "submitted_at", "id"),
        sa.Index("ix_contributions_mission", "mission_id"),
        sa.Index("ix_contributions_partnership", "partnership_id"),
        CONTRIBUTION_STATES.check_constraint(),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"),
    )
    STATES = CONTRIBUTION_STATES

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the member's account is erased: the row stays, without identity or free text,
    # so that the association's and the country's totals stay true.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    association_id: Mapped[int | None] = mapped_column(sa.ForeignKey("associations.id", ondelete="SET NULL"))
    mission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("missions.id", ondelete="SET NULL"))
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnerships.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    country: Mapped[str | None] = mapped_column(sa.String(2))
    region: Mapped[str | None] = mapped_column(sa.String(10))
    partner: Mapped[str | None] = mapped_column(sa.String(200))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    hours: Mapped[float | None]
    participatory_hours: Mapped[float | None]
    mode: Mapped[str | None] = mapped_column(sa.String(20))
    people_trained: Mapped[int | None]
    patients_reached: Mapped[int | None]
    supplies_value: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    cpd_points: Mapped[float | None]
    reflection: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default=ContributionStatus.DRAFT)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The public verification link: an unguessable token, made at verification, revocable.
    public_token: Mapped[str | None] = mapped_column(sa.String(43), unique=True)
    public_revoked_at: Mapped[datetime | None]
    shared_fields: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    verified_by: Mapped["User | None"] = relationship(foreign_keys=[verified_by_id])  # noqa: F821
    association: Mapped["Association | None"] = relationship()  # noqa: F821
    evidence: Mapped[list["ContributionEvidence"]] = relationship(
        cascade="all, delete-orphan", order_by="ContributionEvidence.id", back_populates="contribution")

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def mode_label(self) -> str:
        return str(MODES.get(self.mode or "", ""))

    @property
    def status_label(self) -> str:
        return CONTRIBUTION_STATES.label(self.status)

    def allows(self, action: str) -> bool:
        return CONTRIBUTION_STATES.allows(action, self.status)

    @property
    def is_verified(self) -> bool:
        return self.status == ContributionStatus.VERIFIED

    @property
    def is_public(self) -> bool:
        return self.is_verified and self.public_token is not None and self.public_revoked_at is None

    def shares(self, field: str) -> bool:
        return field in (self.shared_fields if self.shared_fields is not None else DEFAULT_SHARED)


class ContributionEvidence(db.Model):
    __tablename__ = "contribution_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="CASCADE"), index=True)

    contribution: Mapped[Contribution] = relationship(back_populates="evidence")
    file: Mapped["StoredFile"] = relationship()  # noqa: F821


class ContributionRollup(db.Model):
    """Verified contributions added up by association, country, kind and month, changed in the
    same transaction as each contribution that enters or leaves the verified status
    (contributions/impact/rollups.py): the impact dashboard reads these rows, never the contributions."""

    __tablename__ = "contribution_rollups"
    # A country's figures (a desk's dashboard), across associations; an association's months (its
    # impact dashboard's period, and its CSV in month order).
    __table_args__ = (sa.Index("ix_contribution_rollups_country_month", "country", "month"),
                      sa.Index("ix_contribution_rollups_association_month", "association_id", "month", "country",
                               "region", "kind"))

    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"),
                                                primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)  # "" when none was given
    region: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # "" when none was given
    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)  # the first day of the month it started
    contributions: Mapped[int] = mapped_column(default=0)
    hours: Mapped[float] = mapped_column(default=0)
    people_trained: Mapped[int] = mapped_column(default=0)
    patients_reached: Mapped[int] = mapped_column(default=0)


class CountryRollup(db.Model):
    """The same totals by country alone, across associations (a desk's dashboard): kept beside
    `ContributionRollup` in the same statements, so a country's figures are a few rows per
    kind, region and month however many associations work there."""

    __tablename__ = "country_contribution_rollups"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    region: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    contributions: Mapped[int] = mapped_column(default=0)
    hours: Mapped[float] = mapped_column(default=0)
    people_trained: Mapped[int] = mapped_column(default=0)
    patients_reached: Mapped[int] = mapped_column(default=0)


# ---------------------------------------------------------------------------- credentials


class RevocationReason(StrEnum):
    LINK_REVOKED = "link_revoked"  # the member revoked the public link
    LINK_RENEWED = "link_renewed"  # the member made a new link: the old credential names the old one
    REOPENED = "reopened"  # the member reopened the contribution to change it
    VERIFICATION_WITHDRAWN = "verification_withdrawn"  # an officer withdrew the verification
    ERASED = "erased"  # the member's account was erased


class IssuedCredential(db.Model):
    """Every Open Badges credential ever issued: one for each public link a verified
    contribution is given (at verification, and at each new link). Its bit in a W3C Bitstring
    Status List (`status_list`, `status_index`, a random free place) is set when it is revoked,
    and stays set: the row is never deleted, so every credential's status can be read forever.
    On erasure the row stays, revoked, without its member or contribution."""

    __tablename__ = "issued_credentials"
    __table_args__ = (
        sa.UniqueConstraint("status_list", "status_index", name="uq_issued_credentials_status_list_index"),
        # A contribution has at most one live credential: the one its current link proves.
        sa.Index("uq_issued_credentials_live", "contribution_id", unique=True,
                 sqlite_where=sa.text("revoked_at IS NULL"), postgresql_where=sa.text("revoked_at IS NULL")),
        sa.Index("ix_issued_credentials_user", "user_id"),
        sa.CheckConstraint("status_list >= 1 AND status_index >= 0", name="status_place"),
        sa.CheckConstraint("reason IS NULL OR reason IN ({})".format(
            ", ".join(f"'{reason.value}'" for reason in RevocationReason)), name="reason"),
        sa.CheckConstraint("(revoked_at IS NULL AND reason IS NULL) OR (revoked_at IS NOT NULL AND reason IS NOT NULL)",
                           name="revoked_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status_list: Mapped[int]
    status_index: Mapped[int]
    contribution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contributions.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(sa.String(30))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CredentialSubject(db.Model):
    """How a member's credentials name them (`credentialSubject.id` and the JWT's `sub`): a
    random `urn:uuid:`, made with their first credential and the same in all of them, which
    says nothing about who they are. Erased with their account."""

    __tablename__ = "credential_subjects"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    subject_uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.subject_uuid}"


# ---------------------------------------------------------------------------- missions


class MissionStatus(StrEnum):
    PLANNED = "planned"
    UNDER_WAY = "under_way"
    COMPLETED = "completed"
    REPORTED = "reported"
    CANCELLED = "cancelled"


_M = MissionStatus
MISSION_STATES = StateMachine(
    MissionStatus,
    labels={_M.PLANNED: _l("Planned"), _M.UNDER_WAY: _l("Under way"), _M.COMPLETED: _l("Completed"),
            _M.REPORTED: _l("Reported"), _M.CANCELLED: _l("Cancelled")},
    tones={_M.PLANNED: "info", _M.UNDER_WAY: "warning", _M.COMPLETED: "neutral", _M.REPORTED: "success",
           _M.CANCELLED: "neutral"},
    actions=[
        Action("edit", {_M.PLANNED, _M.UNDER_WAY, _M.COMPLETED}, None,
               refusal=_l("A reported or cancelled mission can no longer be changed.")),
        # Who took part is known once the mission has begun, and until it is reported.
        Action("record_attendance", {_M.UNDER_WAY, _M.COMPLETED}, None,
               refusal=_l("Who took part can be recorded once the mission is under way, until it is reported.")),
        Action("start", {_M.PLANNED}, _M.UNDER_WAY, refusal=_l("Only a planned mission can start.")),
        Action("complete", {_M.UNDER_WAY}, _M.COMPLETED, refusal=_l("Only a mission under way can be completed.")),
        Action("report", {_M.COMPLETED}, _M.REPORTED,
               refusal=_l("Only a completed mission can be reported.")),
        Action("cancel", {_M.PLANNED, _M.UNDER_WAY}, _M.CANCELLED,
               refusal=_l("Only a planned mission or one under way can be cancelled.")),
    ],
)


class Mission(db.Model):
    __tablename__ = "missions"
    __table_args__ = (
        sa.Index("ix_missions_association_starts_on", "association_id", "starts_on", "id"),
        sa.Index("ix_missions_country_starts_on", "country", "starts_on", "id"),
        MISSION_STATES.check_constraint(),
        sa.CheckConstraint("ends_on >= starts_on", name="dates"),
    )
    STATES = MISSION_STATES

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnerships.id", ondelete="SET NULL"),
                                                       index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[str] = mapped_column(sa.String(2))
    region: Mapped[str | None] = mapped_column(sa.String(10))
    facility: Mapped[str | None] = mapped_column(sa.String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(12), default=MissionStatus.PLANNED)
    patients_seen: Mapped[int | None]
    procedures: Mapped[int | None]
    people_trained: Mapped[int | None]
    supplies_value: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    outcomes: Mapped[str | None] = mapped_column(sa.Text)
    reported_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    association: Mapped["Association"] = relationship()  # noqa: F821
    partnership: Mapped["Partnership | None"] = relationship()
    team: Mapped[list["MissionMember"]] = relationship(
        cascade="all, delete-orphan", order_by="MissionMember.id", back_populates="mission")

    @property
    def status_label(self) -> str:
        return MISSION_STATES.label(self.status)

    def allows(self, action: str) -> bool:
        """What may be done now: what the status allows, and not before its day has come."""
        return MISSION_STATES.allows(action, self.status) and self.opens_on(action) is None

    def opens_on(self, action: str) -> date | None:
        """The day `action` becomes possible, while it is still to come; else None."""
        day = getattr(self, MISSION_DAYS[action]) if action in MISSION_DAYS else None
        return day if day is not None and day > today() else None

    def refusal(self, action: str) -> str:
        """Why `action` cannot be done now, in the reader's language: the status, or the day."""
        if not MISSION_STATES.allows(action, self.status):
            return str(MISSION_STATES.action(action).refusal)
        day = self.opens_on(action)
        if day is None:
            return ""
        return {"start": _("The mission can start on %(date)s, its first day.", date=long_date(day)),
                "complete": _("The mission can be marked completed on %(date)s, its last day.",
                              date=long_date(day)),
                "report": _("The mission can be reported from %(date)s, its last day.", date=long_date(day)),
                }[action]

    def check(self, action: str) -> None:
        """DomainError with the refusal unless `action` may be done now."""
        if not self.allows(action):
            raise DomainError(self.refusal(action))

    def waiting(self) -> list[str]:
        """What the status allows but the calendar does not yet, each said with its day."""
        return [self.refusal(action) for action in MISSION_DAYS
                if MISSION_STATES.allows(action, self.status) and not self.allows(action)]


# Work is not done, nor verified, before it happens: the first day from which each action
# makes sense (`Mission.allows`, `Mission.refusal`).
MISSION_DAYS = {"start": "starts_on", "complete": "ends_on", "report": "ends_on"}


class TeamPlaceStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


_T = TeamPlaceStatus
TEAM_PLACE_STATES = StateMachine(
    TeamPlaceStatus,
    labels={_T.INVITED: _l("Invited"), _T.ACCEPTED: _l("On the team"), _T.DECLINED: _l("Declined")},
    tones={_T.INVITED: "info", _T.ACCEPTED: "success", _T.DECLINED: "neutral"},
    actions=[
        Action("accept", {_T.INVITED, _T.DECLINED}, _T.ACCEPTED, refusal=_l("This invitation has been answered.")),
        Action("decline", {_T.INVITED, _T.ACCEPTED}, _T.DECLINED, refusal=_l("This invitation has been answered.")),
    ],
)


class MissionMember(db.Model):
    """A place on a mission's team: invited, then accepted or declined, with a role."""

    __tablename__ = "mission_members"

    @property
    def audit_association_id(self) -> int | None:
        return self.mission.association_id if self.mission is not None else None
    __table_args__ = (
        sa.UniqueConstraint("mission_id", "user_id", name="uq_mission_members_mission_user"),
        sa.Index("ix_mission_members_user", "user_id", "id"),
        TEAM_PLACE_STATES.check_constraint(),
    )
    STATES = TEAM_PLACE_STATES

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(10), default=TeamPlaceStatus.INVITED)
    took_part: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mission: Mapped[Mission] = relationship(back_populates="team")
    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def status_label(self) -> str:
        return TEAM_PLACE_STATES.label(self.status)


class Partnership(db.Model):
    """A Health Partnership: a host-country institution linked with a heritage-country one."""

    __tablename__ = "partnerships"
    __table_args__ = (sa.Index("ix_partnerships_association_name", "association_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    host_institution: Mapped[str] = mapped_column(sa.String(200))
    heritage_institution: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[str] = mapped_column(sa.String(2))
    aims: Mapped[str | None] = mapped_column(sa.Text)
    focal_people: Mapped[str | None] = mapped_column(sa.Text)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    association: Mapped["Association"] = relationship()  # noqa: F821
