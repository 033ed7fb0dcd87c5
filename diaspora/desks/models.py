"""Ministries of health's diaspora desks: their officers, the routing of structured input
(submissions) by country and topic, the work on each submission, MoUs with associations,
calls for support, and the aggregates the engagement dashboard reads."""

from datetime import date, datetime
from enum import StrEnum
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.i18n import _l
from diaspora.core.states import Action, StateMachine
from diaspora.core.time import utcnow
from diaspora.extensions import db

TOPICS = {
    "offer_of_support": _l("Offer of support"),
    "policy_input": _l("Policy input"),
    "barrier_report": _l("Barrier report"),
    "mission_notification": _l("Mission notification"),
    "partnership_proposal": _l("Partnership proposal"),
}
ANY_TOPIC = "*"  # a route for every topic of a country: the fallback when no route names the topic


class Desk(db.Model):
    """A ministry of health's diaspora desk. A country may have several (one per topic area)."""

    __tablename__ = "desks"
    __table_args__ = (sa.Index("ix_desks_country", "country"),)

    @property
    def audit_desk_id(self) -> int:
        """Its events are in its own audit trail."""
        return self.id

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2))
    ministry: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    acknowledgement_days: Mapped[int] = mapped_column(default=10)
    answer_days: Mapped[int] = mapped_column(default=30, server_default="30")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Replaced by every change to the desk's calendar (desks/calendar/calendars.py): the key under which
    # each process caches the desk's corrections (desks/calendar/workdays.py).
    calendar_token: Mapped[str] = mapped_column(sa.String(32), default=lambda: uuid4().hex, server_default="")

    __mapper_args__ = {"version_id_col": version}

    officers: Mapped[list["DeskOfficer"]] = relationship(back_populates="desk")
    routes: Mapped[list["DeskRoute"]] = relationship(back_populates="desk", cascade="all, delete-orphan")

    @property
    def topics(self) -> list[str]:
        return sorted(route.topic for route in self.routes)


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


class DeskRoute(db.Model):
    """(country, topic) → desk: where a submission goes. `topic` is a topic or ANY_TOPIC."""

    __tablename__ = "desk_routes"
    __table_args__ = (sa.UniqueConstraint("country", "topic", name="uq_desk_routes_country_topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desks.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(sa.String(2))
    topic: Mapped[str] = mapped_column(sa.String(30))

    desk: Mapped[Desk] = relationship(back_populates="routes")


class DeskCalendarDay(db.Model):
    """A desk's correction to its country's public holidays (desks/calendar/calendars.py): a day off the
    `holidays` package does not list ("added": declared by executive instrument), or a listed
    holiday that is a working day after all ("removed": not observed, or moved), each with its
    source (the instrument, the gazette notice). One per desk and day."""

    __tablename__ = "desk_calendar_days"
    __table_args__ = (
        sa.UniqueConstraint("desk_id", "day", name="uq_desk_calendar_days_desk_day"),
        sa.CheckConstraint("change IN ('added', 'removed')", name="change"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desks.id", ondelete="CASCADE"))
    day: Mapped[date]
    change: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(120))  # added: as declared; removed: as the package lists it
    note: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------------------- submissions


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


_S = SubmissionStatus
OPEN_STATUSES = (_S.SUBMITTED, _S.ACKNOWLEDGED, _S.IN_REVIEW)
SUBMISSION_STATES = StateMachine(
    SubmissionStatus,
    labels={_S.SUBMITTED: _l("Submitted"), _S.ACKNOWLEDGED: _l("Acknowledged"), _S.IN_REVIEW: _l("In review"),
            _S.RESOLVED: _l("Resolved"), _S.CLOSED: _l("Closed"), _S.WITHDRAWN: _l("Withdrawn")},
    tones={_S.SUBMITTED: "info", _S.ACKNOWLEDGED: "info", _S.IN_REVIEW: "warning", _S.RESOLVED: "success",
           _S.CLOSED: "neutral", _S.WITHDRAWN: "neutral"},
    actions=[
        Action("acknowledge", {_S.SUBMITTED}, _S.ACKNOWLEDGED,
               refusal=_l("Only a new submission can be acknowledged.")),
        Action("review", {_S.SUBMITTED, _S.ACKNOWLEDGED}, _S.IN_REVIEW,
               refusal=_l("Only a new or acknowledged submission can go into review.")),
        Action("resolve", set(OPEN_STATUSES), _S.RESOLVED, refusal=_l("Only an open submission can be resolved.")),
        Action("close", set(OPEN_STATUSES), _S.CLOSED, refusal=_l("Only an open submission can be closed.")),
        Action("withdraw", set(OPEN_STATUSES), _S.WITHDRAWN,
               refusal=_l("Only an open submission can be withdrawn.")),
        Action("add_information", set(OPEN_STATUSES), None,
               refusal=_l("Information can be added only while the submission is open.")),
    ],
)


class SubmissionSequence(db.Model):
    """The last reference number given in a country and year: references are gap-free because
    each is taken under a row lock in the transaction that makes the submission."""

    __tablename__ = "submission_sequences"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


# `Submission.due_on`: the earlier of its dates while submitted, its answer date while
# acknowledged or in review, none once closed. SQL that PostgreSQL and SQLite both compute.
DUE_ON = (
    "CASE WHEN status = 'submitted' AND acknowledge_by IS NOT NULL "
    "AND (answer_by IS NULL OR acknowledge_by < answer_by) THEN acknowledge_by "
    f"WHEN status IN ({', '.join(repr(str(status)) for status in OPEN_STATUSES)}) THEN answer_by END"
)


def reference_of(country: str, year: int, number: int) -> str:
    """A submission's reference, as its sender and the desk quote it: GH-2026-000123."""
    return f"{country}-{year}-{number:06d}"


def topic_label_of(topic: str) -> str:
    return str(TOPICS.get(topic, topic))


class Submission(db.Model):
    __tablename__ = "submissions"
    # The association a submission speaks for does not read the desk's work on it.
    audit_association_id = None
    __table_args__ = (
        sa.UniqueConstraint("country", "year", "number", name="uq_submissions_reference"),
        sa.Index("ix_submissions_desk_status_created_at", "desk_id", "status", "created_at", "id"),
        sa.Index("ix_submissions_desk_created_at", "desk_id", "created_at", "id"),
        sa.Index("ix_submissions_user_created_at", "user_id", "created_at", "id"),
        sa.Index("ix_submissions_unrouted", "desk_id", "country", "topic"),
        # `flask desks remind`: the open submissions past their dates, without a full scan.
        sa.Index("ix_submissions_status_acknowledge_by", "status", "acknowledge_by"),
        sa.Index("ix_submissions_status_answer_by", "status", "answer_by"),
        # The queue's "overdue" filter: a range of `due_on` within the desk, in its order.
        sa.Index("ix_submissions_desk_due_on", "desk_id", "due_on", "id"),
        SUBMISSION_STATES.check_constraint(),
    )
    STATES = SUBMISSION_STATES

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2))
    year: Mapped[int]
    number: Mapped[int]
    topic: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(200))
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    association_id: Mapped[int | None] = mapped_column(sa.ForeignKey("associations.id", ondelete="SET NULL"))
    show_identity: Mapped[bool] = mapped_column(default=False)
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desks.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(12), default=SubmissionStatus.SUBMITTED)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    acknowledge_by: Mapped[date | None]
    answer_by: Mapped[date | None]
    # When the desk's next step is due while the submission is open (its acknowledgement
    # date while submitted, else its answer date), kept by the database: past it, it is
    # overdue (`queue.overdue_condition`). Empty once closed.
    due_on: Mapped[date | None] = mapped_column(sa.Computed(DUE_ON, persisted=True))
    acknowledged_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    assignee: Mapped["User | None"] = relationship(foreign_keys=[assignee_id])  # noqa: F821
    association: Mapped["Association | None"] = relationship()  # noqa: F821
    desk: Mapped[Desk | None] = relationship()
    events: Mapped[list["SubmissionEvent"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionEvent.id")
    attachments: Mapped[list["SubmissionAttachment"]] = relationship(cascade="all, delete-orphan")

    @property
    def reference(self) -> str:
        return reference_of(self.country, self.year, self.number)

    @property
    def topic_label(self) -> str:
        return topic_label_of(self.topic)

    @property
    def status_label(self) -> str:
        return SUBMISSION_STATES.label(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def allows(self, action: str) -> bool:
        return SUBMISSION_STATES.allows(action, self.status)


class SubmissionEvent(db.Model):
    """The timeline: status changes, public replies, internal notes (never shown to the
    submitter), information added by the submitter, routing."""

    __tablename__ = "submission_events"
    __table_args__ = (
        sa.Index("ix_submission_events_submission", "submission_id", "id"),
        sa.CheckConstraint("kind IN ('status', 'reply', 'note', 'information', 'routed', 'assigned')", name="kind"),
    )
    PUBLIC_KINDS = ("status", "reply", "information", "routed")

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(12))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str | None] = mapped_column(sa.String(12))
    body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="events")
    author: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def is_public(self) -> bool:
        return self.kind in self.PUBLIC_KINDS


class SubmissionAttachment(db.Model):
    __tablename__ = "submission_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="CASCADE"), index=True)

    file: Mapped["StoredFile"] = relationship()  # noqa: F821


class SubmissionCount(db.Model):
    """Submissions by country, desk (0: unrouted), topic and status, kept in the same
    transaction as each change (desks/submissions/counts.py): queues and dashboards read these."""

    __tablename__ = "submission_counts"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    desk_id: Mapped[int] = mapped_column(primary_key=True, info={"no_foreign_key": "0 counts the unrouted"})
    topic: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class SubmissionTiming(db.Model):
    """How many submissions of a country took N working days to be acknowledged or answered:
    a histogram, from which the dashboard reads the median without reading the submissions."""

    __tablename__ = "submission_timings"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    measure: Mapped[str] = mapped_column(sa.String(12), primary_key=True)  # "acknowledge" | "answer"
    working_days: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class CannedReply(db.Model):
    __tablename__ = "canned_replies"
    __table_args__ = (sa.Index("ix_canned_replies_desk_title", "desk_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desks.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)

    desk: Mapped[Desk] = relationship()


class DeskReminder(db.Model):
    """An overdue reminder sent to a desk's officers, once per submission and due date."""

    __tablename__ = "desk_reminders"

    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                                               primary_key=True)
    measure: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    due_on: Mapped[date] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------------------- MoUs and calls


class MouStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    EXPIRED = "expired"
    ENDED = "ended"


MOU_STATUS_LABELS = {MouStatus.DRAFT: _l("Draft"), MouStatus.SIGNED: _l("Signed"), MouStatus.EXPIRED: _l("Expired"),
                     MouStatus.ENDED: _l("Ended")}


class Mou(db.Model):
    """A memorandum of understanding between a desk and an association."""

    __tablename__ = "mous"
    __table_args__ = (
        sa.Index("ix_mous_desk", "desk_id", "signed_on", "id"),
        sa.Index("ix_mous_association", "association_id", "id"),
        sa.CheckConstraint("status IN ('draft', 'signed', 'expired', 'ended')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desks.id", ondelete="CASCADE"))
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(sa.Text)
    signed_on: Mapped[date | None]
    review_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(10), default=MouStatus.DRAFT)
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    desk: Mapped[Desk] = relationship()
    association: Mapped["Association"] = relationship()  # noqa: F821
    document: Mapped["StoredFile | None"] = relationship()  # noqa: F821


class SupportCall(db.Model):
    """A desk's call for support: a need, matched to members who could meet it."""

    __tablename__ = "support_calls"
    __table_args__ = (
        sa.Index("ix_support_calls_desk_created_at", "desk_id", "created_at", "id"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="status"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desks.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    cadre: Mapped[str | None] = mapped_column(sa.String(30))
    specialty: Mapped[str | None] = mapped_column(sa.String(120))
    region: Mapped[str | None] = mapped_column(sa.String(10))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    mode: Mapped[str] = mapped_column(sa.String(10), default="either")  # in_person | remote | either
    licence_required: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(8), default="open")
    # Who the call reached when posted, and why not the others who share its cadre
    # (`calls.reach`): shown to the desk under the disclosure rule. NULL for older calls.
    sent_count: Mapped[int | None]
    not_consented_count: Mapped[int | None]
    unavailable_count: Mapped[int | None]
    unlicensed_count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    desk: Mapped[Desk] = relationship()


class CallMatch(db.Model):
    """A member a call was sent to (so no one is told twice), and their answer if they gave one."""

    __tablename__ = "call_matches"
    __table_args__ = (sa.Index("ix_call_matches_user", "user_id", "call_id"),
                      sa.Index("ix_call_matches_call_answered", "call_id", "answered_at", "user_id"))

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("support_calls.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    notified_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.Text)

    call: Mapped[SupportCall] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821


class EngagementCount(db.Model):
    """Consenting members of a heritage country, counted by one dimension (cadre, specialty,
    host country, return intention and horizon, licence status), refreshed by `flask desks
    refresh` (an incremental job); what the dashboard shows of them is published from these
    rows into `disclosed_counts`."""

    __tablename__ = "engagement_counts"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DisclosureBlock(db.Model):
    """A set of counts published together under disclosure control (docs/disclosure.md): a
    country's member figures (`period` "") or its verified contributions of one year (`period`
    "2026", which holds the year, its quarters and its months). `fingerprint` is a digest of
    the counts and the threshold it was published from: `flask desks refresh` publishes a block
    again only when it changes."""

    __tablename__ = "disclosure_blocks"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    threshold: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    counted_at: Mapped[datetime] = mapped_column(default=utcnow)  # the last count that found the same figures


class DisclosedCount(db.Model):
    """A count as a desk's dashboard shows it, with its state (desks/disclosure.py: shown,
    small, hidden or unseen), decided for every period and table of its block at once. The
    dashboard reads these rows, a page at a time (country, period), and nothing else."""

    __tablename__ = "disclosed_counts"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)    # "", "2026", "2026-Q2", "2026-05"
    dimension: Mapped[str] = mapped_column(sa.String(30), primary_key=True)  # "cadre", "kind", "month", ...
    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    count: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(8))
