"""The desks through the API: a member's submissions (send, add information, withdraw, read the
public timeline) and the calls for support that match them; a desk's officers' queue (with the
page's filters), a submission's whole timeline, and the work on it (acknowledge, review, reply,
note, assign, resolve, close: desks/work/work.py, each checking the version read, through If-Match);
and the desk's engagement dashboard, under the same disclosure control as its page."""

from datetime import date
from types import SimpleNamespace

from flask import request
from flask_login import current_user
from pydantic import BaseModel, Field
from spectree import Response

from diaspora.api.v1 import models
from diaspora.api.v1.document import describe
from diaspora.api.v1.support import (
    PageQuery,
    api,
    args,
    body,
    if_match,
    keyset_page,
    new_blueprint,
    page_model,
    with_etag,
)
from diaspora.associations.policy import officer_associations
from diaspora.core.access import loads, plain, token_required
from diaspora.core.countries import country_name
from diaspora.core.i18n import _
from diaspora.core.problems import Problem
from diaspora.core.time import today
from diaspora.desks.disclosure import Cell
from diaspora.desks.engagement import engagement
from diaspora.desks.engagement.periods import ReportingPeriod
from diaspora.desks.models import SUBMISSION_STATES, reference_of, topic_label_of
from diaspora.desks.partners import calls
from diaspora.desks.submissions import submissions
from diaspora.desks.submissions.topics import QUESTIONS, answer_label
from diaspora.desks.work import queue as listing
from diaspora.desks.work import work
from diaspora.extensions import db

bp = new_blueprint("api_v1_desks")
TAG = "Your submissions and calls"
DESK_TAG = "Desk work"
SubmissionPage = page_model(models.Submission)
CallPage = page_model(models.Call)
MOST_CALLS = 50


# ---------------------------------------------------------------------------- shapes


def _submitter(submission) -> str:
    """As the desk's pages name the sender (desks/work/_macros.html: submitter)."""
    if submission.association is not None:
        if submission.show_identity and submission.user is not None:
            return _("%(association)s (sent by %(name)s)", association=submission.association.name,
                     name=submission.user.name)
        return submission.association.name
    if not submission.show_identity:
        return _("Identity withheld")
    return submission.user.name if submission.user is not None else _("Account deleted")


def _author(submission, event, own: bool) -> str | None:
    if event.author_id and event.author_id == submission.user_id:
        return _("you") if own else (event.author.name if submission.show_identity else _("the submitter"))
    return event.author.name if event.author is not None else None


def submission_out(submission, *, timeline: bool = False) -> models.Submission:
    own = submission.user_id == current_user.id
    events = None
    if timeline:
        shown = submissions.public_events(submission) if own else submission.events
        events = [models.Event(id=e.id, kind=e.kind, status=e.status, body=e.body, author=_author(submission, e, own),
                               created_at=e.created_at) for e in shown]
    desk = submission.desk
    return models.Submission(
        id=submission.id, reference=submission.reference, country=submission.country, topic=submission.topic,
        topic_label=submission.topic_label, title=submission.title, status=submission.status,
        status_label=SUBMISSION_STATES.label(submission.status),
        desk=models.Named(id=desk.id, name=desk.name) if desk else None,
        association=models.AssociationRef(id=submission.association.id, slug=submission.association.slug,
                                          name=submission.association.name) if submission.association else None,
        submitter=_submitter(submission),
        answers={name: answer_label(submission.topic, name, str(value)) for name, value in
                 (submission.answers or {}).items()},
        outcome=submission.outcome, acknowledge_by=submission.acknowledge_by, answer_by=submission.answer_by,
        assignee=None if own or submission.assignee is None else models.Person(
            id=submission.assignee.id, name=submission.assignee.name),
        created_at=submission.created_at, timeline=events, version=submission.version)


def _answer(submission, status: int = 200):
    fresh = work.submission_for_work(submission.id)
    return with_etag(submission_out(fresh, timeline=True), fresh, status)


# ---------------------------------------------------------------------------- a member's own


@bp.get("/submissions")
@token_required("desks:read")
@describe(paged=True)
@api.validate(query=PageQuery, resp=Response(HTTP_200=SubmissionPage), tags=[TAG])
def my_submissions():
    """Your submissions, newest first"""
    return keyset_page(submissions.submissions_of(current_user.id), submissions.NEWEST_FIRST, SubmissionPage,
                       submission_out, after=args().after, per_page=args().per_page)


def _answers(topic: str, sent: dict) -> dict:
    """The topic's questions answered as its form takes them (a date as YYYY-MM-DD, a number as
    a whole number): anything else is refused beside its question."""
    questions = {question.name: question for question in QUESTIONS[topic]}
    unknown = sorted(set(sent) - set(questions))
    if unknown:
        raise Problem(422, kind="invalid-field", errors=[
            {"field": f"answers.{name}", "pointer": f"#/answers/{name}",
             "detail": _("This topic asks no such question.")} for name in unknown[:10]])
    answers = {}
    for name, question in questions.items():
        value = sent.get(name)
        answers[name] = _read(question, value, name) if value not in (None, "") else None
    return answers


def _read(question, value, name: str):
    try:
        if question.kind == "date":
            return date.fromisoformat(str(value))
        if question.kind == "number":
            number = int(str(value).strip())
            if not 0 <= number <= 10_000_000:
                raise ValueError
            return number
    except ValueError:
        raise Problem(422, kind="invalid-field", errors=[{
            "field": f"answers.{name}", "pointer": f"#/answers/{name}",
            "detail": _("Enter a date as YYYY-MM-DD.") if question.kind == "date" else
            _("Enter a whole number, like 6.")}]) from None
    return value


@bp.post("/submissions")
@token_required("desks:write")
@describe(etag=True)
@api.validate(json=models.SubmissionIn, resp=Response(HTTP_201=models.Submission), tags=[TAG])
def send():
    """Send a submission to a country's desk

    It gets its reference and goes to the desk that takes its topic in that country (or waits,
    unrouted, for the platform's administrators). You are emailed a receipt with the desk's
    dates to acknowledge and to answer."""
    sent = body()
    country = sent.country.upper()
    if country_name(country) == country:
        raise Problem(422, kind="invalid-field", errors=[{"field": "country", "pointer": "#/country",
                                                          "detail": _("Choose a country from the list.")}])
    association = None
    if sent.association_id is not None:
        association = next((a for a in db.session.scalars(officer_associations(current_user))
                            if a.id == sent.association_id), None)
        if association is None:
            raise Problem(422, kind="invalid-field", errors=[{
                "field": "association_id", "pointer": "#/association_id",
                "detail": _("Choose yourself or one of your associations.")}])
    made = submissions.send(current_user, country=country, topic=sent.topic, title=sent.title,
                            answers=_answers(sent.topic, sent.answers), show_identity=sent.show_identity,
                            association=association)
    return _answer(made, 201)


@bp.get("/submissions/<int:submission_id>")
@token_required("desks:read", services=True)
@loads(submission="view")
@describe(etag=True)
@api.validate(resp=Response(HTTP_200=models.Submission), tags=[TAG])
def show(submission):
    """Read a submission and its timeline

    Its submitter reads its public timeline (statuses, replies, what they added); its desk's
    officers read every event, internal notes included."""
    return _answer(submission)


@bp.post("/submissions/<int:submission_id>/information")
@token_required("desks:write")
@loads(submission="change")
@describe(etag=True)
@api.validate(json=models.InformationIn, resp=Response(HTTP_200=models.Submission), tags=[TAG])
def add_information(submission):
    """Add information to your submission

    The desk sees it on the submission's timeline."""
    submissions.add_information(current_user, submission, body().body)
    return _answer(submission)


@bp.post("/submissions/<int:submission_id>/withdraw")
@token_required("desks:write")
@loads(submission="change")
@describe(etag=True)
@api.validate(resp=Response(HTTP_200=models.Submission), tags=[TAG])
def withdraw(submission):
    """Withdraw your submission"""
    submissions.withdraw(current_user, submission)
    return _answer(submission)


@bp.get("/calls")
@token_required("desks:read")
@describe()
@api.validate(resp=Response(HTTP_200=CallPage), tags=[TAG])
def my_calls():
    """Calls for support that match you

    The open calls desks sent you (your profile matched them), newest first: at most 50."""
    found = calls.open_calls_for(current_user, limit=MOST_CALLS)
    return CallPage(items=[models.Call(
        id=call.id, title=call.title, description=call.description,
        desk=models.Named(id=call.desk.id, name=call.desk.name), country=call.desk.country,
        starts_on=call.starts_on, ends_on=call.ends_on, mode=call.mode, status=call.status)
        for call, _match in found], next=None)


# ---------------------------------------------------------------------------- the desk's work


class QueueQuery(PageQuery):
    topic: models.TopicName | None = None
    status: models.SubmissionStatusName | None = None
    assignee: str | None = Field(None, pattern="^(me|unassigned)$")
    overdue: str | None = Field(None, pattern="^1$", description="1: only those past their date, by the date "
                                "they were due.")
    sort: str = Field("newest", pattern="^(newest|due)$", description="newest, or due (oldest first); with "
                      "overdue=1, the most recently due or the longest overdue first.")


@bp.get("/desks/<int:desk_id>/queue")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe(paged=True)
@api.validate(query=QueueQuery, resp=Response(HTTP_200=SubmissionPage), tags=[DESK_TAG])
def queue(desk):
    """The desk's queue

    Its submissions, newest first or soonest due, filtered by topic, status, assignee
    (`me`, `unassigned`) or `overdue=1`, as on the queue page."""
    filters = listing.Filters.from_args(request.args)
    return keyset_page(None, filters.ordering, SubmissionPage, lambda row: submission_out(_queued(row, desk)),
                       after=args().after, per_page=args().per_page, pager=lambda after, per_page: listing.api_page(
                           desk, current_user, filters, after=after, per_page=per_page))


def _queued(row, desk) -> SimpleNamespace:
    """A row of the queue (`queue.api_page`: columns and names, not objects) as `submission_out`
    reads a submission."""
    return SimpleNamespace(
        **row._mapping, reference=reference_of(row.country, row.year, row.number),
        topic_label=topic_label_of(row.topic), desk=desk,
        association=SimpleNamespace(id=row.association_id, slug=row.association_slug, name=row.association_name)
        if row.association_id is not None else None,
        user=SimpleNamespace(name=row.user_name) if row.user_id is not None else None,
        assignee=SimpleNamespace(id=row.assignee_id, name=row.assignee_name) if row.assignee_id is not None else None)


@bp.get("/desks/<int:desk_id>/queue/counts")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe()
@api.validate(resp=Response(HTTP_200=models.QueueCounts), tags=[DESK_TAG])
def queue_counts(desk):
    """How many submissions the desk has in each status"""
    return models.QueueCounts(counts={str(status): count for status, count in listing.counts_of(desk).items()})


@bp.get("/desks/<int:desk_id>/submissions/<int:submission_id>")
@token_required("desks:read", services=True)
@loads(desk="work", submission="work")
@describe(etag=True)
@api.validate(resp=Response(HTTP_200=models.Submission), tags=[DESK_TAG])
def work_on(desk, submission):
    """Read a submission of the desk, with its whole timeline

    Its ETag is its version: every change below needs it in If-Match, so that an officer who
    read an older version is told rather than overwriting a colleague's work."""
    return _answer(submission)


@bp.post("/desks/<int:desk_id>/submissions/<int:submission_id>/<any(acknowledge,review,resolve,close):action>")
@token_required("desks:write", services=True)
@loads(desk="work", submission="work")
@plain("action")
@describe(if_match="required", etag=True)
@api.validate(json=models.OutcomeIn, resp=Response(HTTP_200=models.Submission), tags=[DESK_TAG])
def act(desk, submission, action):
    """Acknowledge, review, resolve or close a submission

    Resolving and closing say the `outcome`, which the submitter reads and is emailed."""
    version = if_match(submission)
    work.act(current_user, submission, action, version, body().outcome)
    return _answer(submission)


@bp.post("/desks/<int:desk_id>/submissions/<int:submission_id>/reply")
@token_required("desks:write", services=True)
@loads(desk="work", submission="work")
@describe(if_match="required", etag=True)
@api.validate(json=models.ReplyIn, resp=Response(HTTP_200=models.Submission), tags=[DESK_TAG])
def reply(desk, submission):
    """Reply to the submitter

    On their timeline, and emailed to them in their language."""
    version = if_match(submission)
    work.reply(current_user, submission, body().body, version)
    return _answer(submission)


@bp.post("/desks/<int:desk_id>/submissions/<int:submission_id>/note")
@token_required("desks:write", services=True)
@loads(desk="work", submission="work")
@describe(if_match="required", etag=True)
@api.validate(json=models.NoteIn, resp=Response(HTTP_200=models.Submission), tags=[DESK_TAG])
def note(desk, submission):
    """Add an internal note

    For the desk's officers only: never shown or sent to the submitter."""
    version = if_match(submission)
    work.note(current_user, submission, body().note, version)
    return _answer(submission)


@bp.post("/desks/<int:desk_id>/submissions/<int:submission_id>/assign")
@token_required("desks:write", services=True)
@loads(desk="work", submission="work")
@describe(if_match="required", etag=True)
@api.validate(json=models.AssignIn, resp=Response(HTTP_200=models.Submission), tags=[DESK_TAG])
def assign(desk, submission):
    """Assign a submission to an officer of the desk, or to nobody"""
    version = if_match(submission)
    work.assign(current_user, submission, body().assignee_id, version)
    return _answer(submission)


# ---------------------------------------------------------------------------- engagement


def _cell(value) -> models.Cell:
    if isinstance(value, Cell):
        return models.Cell(text=engagement.disclosed(value), value=value.shown, state=value.state)
    return models.Cell(text="" if value is None else str(value), value=None, state="text")


class PeriodQuery(BaseModel):
    year: str | None = Field(None, pattern="^[0-9]{4}$")
    part: str | None = Field(None, pattern="^(year|q[1-4]|0[1-9]|1[0-2])$",
                             description="year, q1 to q4, or a month 01 to 12.")


@bp.get("/desks/<int:desk_id>/engagement")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe()
@api.validate(query=PeriodQuery, resp=Response(HTTP_200=models.Engagement), tags=[DESK_TAG])
def engagement_of(desk):
    """The desk's engagement dashboard

    The figures its page shows, for a fixed period (`year`, and `part`), under the same
    disclosure control: a count the page hides has `value` null and the same `text` (<10, *
    or –); a table too small to break down has no rows and says why in `withheld`."""
    period, problems = ReportingPeriod.from_args(request.args, today().replace(day=1))
    board = engagement.dashboard_of(desk, period)
    tables = [models.Table(slug=table.slug, title=table.title, columns=table.columns, withheld=table.withheld,
                           rows=[models.TableRow(label=label, cells=[_cell(cell) for cell in cells])
                                 for label, cells in table.rows],
                           total=[_cell(cell) for cell in table.total] if table.total is not None else None)
              for table in board.tables().values()]
    return models.Engagement(period=period.key, threshold=board.threshold, refreshed_at=board.refreshed_at,
                             members=_cell(board.members), tables=tables,
                             median_working_days_to_acknowledge=board.median_acknowledge,
                             median_working_days_to_answer=board.median_answer,
                             notes=[str(problem) for problem in problems])
