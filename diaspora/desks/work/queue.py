"""A desk's queue: its submissions, newest first or oldest first, keyset-paged.

Both orders are served by the submissions' indexes: `(desk_id, created_at, id)` for the whole
queue, and `(desk_id, status, created_at, id)` within one status. "Oldest first" is also
"soonest due first": a desk's acknowledgement and answer dates are its submissions' days
plus the desk's fixed number of working days, so they grow with `created_at`. Only the
overdue are read by the date they were due (`due_on`, kept by the database) along
`(desk_id, due_on, id)`: in creation order, the walk would step over every submission not yet
due, as many as the desk receives in the weeks it has to answer. The other filters (topic,
assignee) narrow what those indexes read within the desk. The counts per status come from
`SubmissionCount` (a few rows), never from counting the queue."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, defer, joinedload

from diaspora.associations.models import Association
from diaspora.auth.models import User
from diaspora.core.pagination import Ordering, Page, SortKey, kept_page_of, paginate_kept
from diaspora.core.statements import kept
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
# Only the overdue: by the date they were due (`Submission.due_on`), which the index
# `(desk_id, due_on, id)` reads in order from today back, or from the longest overdue on.
OVERDUE_ORDERS = {
    "newest": Ordering([SortKey(Submission.due_on, lambda s: s.due_on, descending=True, kind=date),
                        SortKey(Submission.id, lambda s: s.id, descending=True, kind=int)]),
    "due": Ordering([SortKey(Submission.due_on, lambda s: s.due_on, kind=date),
                     SortKey(Submission.id, lambda s: s.id, kind=int)]),
}
_kept: dict = {}  # the queue's statements, per set of filters chosen (`pagination.paginate_kept`)
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
        return (OVERDUE_ORDERS if self.overdue else ORDERS)[self.sort]

    @property
    def narrowed(self) -> bool:
        return any(key != "sort" for key in self.as_args())


def queue_page(desk: Desk, officer, filters: Filters, on: date | None = None) -> Page:
    """The request's page of the queue as the queue page shows it (`PAGE_COLUMNS`)."""
    shape, build, parameters = _kept_queue(desk, officer, filters, on)
    return kept_page_of(_kept, shape, build, parameters, filters.ordering)


def api_page(desk: Desk, officer, filters: Filters, *, after: str | None, per_page: int) -> Page:
    """A page of the queue as the API gives it: each submission's columns with its sender's,
    assignee's and association's names (`API_COLUMNS`), as rows, not objects."""
    def build() -> sa.Select:
        return _narrowed(_api_rows(), filters, *_bound_filters())

    shape = ("queue_rows", bool(filters.status), bool(filters.topic), filters.assignee, filters.overdue, filters.sort)
    return paginate_kept(_kept, shape, build, _values(desk, officer, filters, None), filters.ordering,
                         after=after, per_page=per_page, scalars=False, unique=False)


def _kept_queue(desk: Desk, officer, filters: Filters, on: date | None) -> tuple:
    """The desk's submissions as the filters choose them, as a statement kept per set of filters
    chosen (`pagination.paginate_kept`): the filters' values, the desk, the officer and the day
    are its bound parameters."""
    def build() -> sa.Select:
        return _queue(filters, *_bound_filters()).options(*PAGE_COLUMNS)

    shape = ("queue", bool(filters.status), bool(filters.topic), filters.assignee, filters.overdue, filters.sort)
    return shape, build, _values(desk, officer, filters, on)


def _bound_filters() -> tuple:
    return tuple(sa.bindparam(name, type_=type_) for name, type_ in (
        ("desk_id", sa.Integer), ("officer_id", sa.Integer), ("status", sa.String), ("topic", sa.String),
        ("on", sa.Date)))


def _values(desk: Desk, officer, filters: Filters, on: date | None) -> dict:
    return {"desk_id": desk.id, "officer_id": officer.id, "status": filters.status, "topic": filters.topic,
            "on": on or today()}


def _narrowed(query: sa.Select, filters: Filters, desk_id, officer_id, status, topic, on) -> sa.Select:
    query = query.where(Submission.desk_id == desk_id)
    if filters.status:
        query = query.where(Submission.status == status)
    if filters.topic:
        query = query.where(Submission.topic == topic)
    if filters.assignee == "me":
        query = query.where(Submission.assignee_id == officer_id)
    elif filters.assignee == "unassigned":
        query = query.where(Submission.assignee_id.is_(None))
    if filters.overdue:
        query = query.where(overdue_condition(on))
    return query


def _queue(filters: Filters, *bound) -> sa.Select:
    # The submitter's and the assignee's names, the association's name and slug: not their
    # whole rows (an account is about 35 columns, twice a row).
    return _narrowed(sa.select(Submission), filters, *bound).options(
        joinedload(Submission.user).load_only(User.name),
        joinedload(Submission.association).load_only(Association.name, Association.slug),
        joinedload(Submission.assignee).load_only(User.name))


def _api_rows() -> sa.Select:
    sender, assignee = aliased(User), aliased(User)
    return (sa.select(*API_COLUMNS, Association.slug.label("association_slug"),
                      Association.name.label("association_name"), sender.name.label("user_name"),
                      assignee.name.label("assignee_name"))
            .outerjoin(Association, Association.id == Submission.association_id)
            .outerjoin(sender, sender.id == Submission.user_id)
            .outerjoin(assignee, assignee.id == Submission.assignee_id))


API_COLUMNS = (Submission.id, Submission.country, Submission.year, Submission.number, Submission.topic,
               Submission.title, Submission.status, Submission.answers, Submission.outcome,
               Submission.acknowledge_by, Submission.answer_by, Submission.created_at, Submission.version,
               Submission.user_id, Submission.show_identity, Submission.association_id, Submission.assignee_id,
               Submission.due_on)  # the overdue are paged by it


# What the queue page shows of each submission (not its answers or outcome: the API's list does).
PAGE_COLUMNS = (defer(Submission.answers), defer(Submission.outcome), defer(Submission.answered_at),
                defer(Submission.updated_at))


def overdue_condition(on: date):
    """Open and past its date: not acknowledged by its acknowledgement date, or not answered
    by its answer date (`Submission.due_on`, which the database keeps)."""
    return Submission.due_on < on


def counts_of(desk: Desk) -> dict[str, int]:
    """{status: submissions} of the desk, from the maintained counter: one statement over a
    few rows (its topics × statuses), however many submissions it has."""
    rows = db.session.execute(kept("desk_counts", _counts_statement),
                              {"country": desk.country, "desk_id": desk.id}).all()
    found = {status: int(number or 0) for status, number in rows}
    return {status: found.get(status, 0) for status in SUBMISSION_STATES.values}


def _counts_statement() -> sa.Select:
    return (sa.select(SubmissionCount.status, sa.func.sum(SubmissionCount.count))
            .where(SubmissionCount.country == sa.bindparam("country", type_=sa.String),
                   SubmissionCount.desk_id == sa.bindparam("desk_id", type_=sa.Integer))  # the key's prefix
            .group_by(SubmissionCount.status))



ATTENTION_CAP = 100  # "100+" beyond: a bounded read, never a count of everything


def attention_of(desk: Desk, on: date | None = None) -> dict[str, int]:
    """What needs the desk first: open submissions past their date, and open ones nobody is
    assigned to, each counted up to ATTENTION_CAP (a LIMITed read of the desk's open rows), in
    one statement."""
    overdue, unassigned = db.session.execute(kept("desk_attention", _attention_statement),
                                             {"desk_id": desk.id, "on": on or today()}).one()
    return {"overdue": int(overdue or 0), "unassigned": int(unassigned or 0)}


def _attention_statement() -> sa.Select:
    desk_id = Submission.desk_id == sa.bindparam("desk_id", type_=sa.Integer)

    def capped(condition, *order) -> sa.ScalarSelect:
        # Along an index of the desk's rows in its order, stopping at the cap: never a scan of
        # every desk's submissions.
        inner = sa.select(Submission.id).where(desk_id, condition).order_by(*order).limit(ATTENTION_CAP).subquery()
        return sa.select(sa.func.count()).select_from(inner).scalar_subquery()

    unassigned = sa.and_(Submission.status.in_([str(s) for s in OPEN_STATUSES]), Submission.assignee_id.is_(None))
    return sa.select(
        capped(overdue_condition(sa.bindparam("on", type_=sa.Date)), Submission.due_on, Submission.id),
        capped(unassigned, Submission.created_at, Submission.id))  # ix_submissions_desk_created_at
