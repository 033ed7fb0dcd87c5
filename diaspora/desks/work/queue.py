"""A desk's queue: its submissions, newest first or oldest first, keyset-paged.

Both orders are served by the submissions' indexes: `(desk_id, created_at, id)` for the whole
queue, and `(desk_id, status, created_at, id)` within one status. "Oldest first" is also
"soonest due first": a desk's acknowledgement and answer dates are its submissions' days
plus the desk's fixed number of working days, so they grow with `created_at`. The other
filters (topic, assignee, overdue) narrow what those indexes read within the desk. The
counts per status come from `SubmissionCount` (a few rows), never from counting the queue."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload

from diaspora.associations.models import Association
from diaspora.auth.models import User
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.time import today
from diaspora.desks.models import OPEN_STATUSES, SUBMISSION_STATES, TOPICS, Desk, Submission, SubmissionCount
from diaspora.extensions import db

NEWEST_FIRST = Ordering([
    SortKey(Submission.created_at, lambda s: s.created_at, descending=True, kind=datetime),
    SortKey(Submission.id, lambda s: s.id, descending=True, kind=int),
])
OLDEST_FIRST = Ordering([
    SortKey(Submission.created_at, lambda s: s.created_at, kind=datetime),
    SortKey(Submission.id, lambda s: s.id, kind=int),
])
ORDERS = {"newest": NEWEST_FIRST, "due": OLDEST_FIRST}
ASSIGNEES = ("me", "unassigned")


@dataclass(frozen=True)
class Filters:
    topic: str | None = None
    status: str | None = None
    assignee: str | None = None  # "me" | "unassigned" | None (anyone)
    overdue: bool = False
    sort: str = "newest"

    @classmethod
    def from_args(cls, args) -> "Filters":
        topic = args.get("topic") if args.get("topic") in TOPICS else None
        status = args.get("status") if args.get("status") in SUBMISSION_STATES.values else None
        assignee = args.get("assignee") if args.get("assignee") in ASSIGNEES else None
        sort = args.get("sort") if args.get("sort") in ORDERS else "newest"
        return cls(topic=topic, status=status, assignee=assignee, overdue=args.get("overdue") == "1", sort=sort)

    def as_args(self) -> dict:
        values = {"topic": self.topic, "status": self.status, "assignee": self.assignee,
                  "overdue": "1" if self.overdue else None, "sort": self.sort if self.sort != "newest" else None}
        return {key: value for key, value in values.items() if value}

    @property
    def ordering(self) -> Ordering:
        return ORDERS[self.sort]

    @property
    def narrowed(self) -> bool:
        return any(key != "sort" for key in self.as_args())


def queue_of(desk: Desk, officer, filters: Filters, on: date | None = None) -> sa.Select:
    """The desk's submissions as the filters choose them (not yet ordered: `page_of` orders)."""
    on = on or today()
    query = sa.select(Submission).where(Submission.desk_id == desk.id)
    if filters.status:
        query = query.where(Submission.status == filters.status)
    if filters.topic:
        query = query.where(Submission.topic == filters.topic)
    if filters.assignee == "me":
        query = query.where(Submission.assignee_id == officer.id)
    elif filters.assignee == "unassigned":
        query = query.where(Submission.assignee_id.is_(None))
    if filters.overdue:
        query = query.where(overdue_condition(on))
    # The submitter's and the assignee's names, the association's name and slug: not their
    # whole rows (an account is about 35 columns, twice a row).
    return query.options(joinedload(Submission.user).load_only(User.name),
                         joinedload(Submission.association).load_only(Association.name, Association.slug),
                         joinedload(Submission.assignee).load_only(User.name))


# What the queue page shows of each submission (not its answers or outcome: the API's list does).
PAGE_COLUMNS = (defer(Submission.answers), defer(Submission.outcome), defer(Submission.answered_at),
                defer(Submission.updated_at))


def overdue_condition(on: date):
    """Open and past its date: not acknowledged by its acknowledgement date, or not answered
    by its answer date."""
    return sa.and_(Submission.status.in_([str(s) for s in OPEN_STATUSES]), sa.or_(
        sa.and_(Submission.status == "submitted", Submission.acknowledge_by < on),
        Submission.answer_by < on))


def counts_of(desk: Desk) -> dict[str, int]:
    """{status: submissions} of the desk, from the maintained counter: one statement over a
    few rows (its topics × statuses), however many submissions it has."""
    rows = db.session.execute(
        sa.select(SubmissionCount.status, sa.func.sum(SubmissionCount.count))
        .where(SubmissionCount.country == desk.country, SubmissionCount.desk_id == desk.id)  # the key's prefix
        .group_by(SubmissionCount.status)).all()
    found = {status: int(number or 0) for status, number in rows}
    return {status: found.get(status, 0) for status in SUBMISSION_STATES.values}


ATTENTION_CAP = 100  # "100+" beyond: a bounded read, never a count of everything


def attention_of(desk: Desk, on: date | None = None) -> dict[str, int]:
    """What needs the desk first: open submissions past their date, and open ones nobody is
    assigned to, each counted up to ATTENTION_CAP (a LIMITed read of the desk's open rows)."""
    on = on or today()
    open_ = sa.and_(Submission.desk_id == desk.id, Submission.status.in_([str(s) for s in OPEN_STATUSES]))

    def capped(condition) -> int:
        # In the desk's creation order: read along ix_submissions_desk_created_at and stop at the
        # cap, never a scan of every desk's submissions.
        inner = (sa.select(Submission.id).where(open_, condition)
                 .order_by(Submission.created_at, Submission.id).limit(ATTENTION_CAP).subquery())
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(inner)) or 0)

    return {"overdue": capped(overdue_condition(on)), "unassigned": capped(Submission.assignee_id.is_(None))}
