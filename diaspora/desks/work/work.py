"""A desk officer's work on a submission: assign it, move it through its statuses (acknowledge,
review, resolve, close), reply to the submitter in public (mailed in their language), add
internal notes (never shown to the submitter), answer several at once, and keep the desk's
canned replies.

Every change to a submission takes its row lock, then checks the version the officer's form
was shown (`core.domain.check_version`): a second officer who worked from an older page is
told, and nothing is saved for them. Every change bumps the version (it touches the row), so
whoever typed a reply while a colleague replied first reads the colleague's reply before
sending theirs. Every status change goes through `submissions.move` (the machine, the
counts, the timeline, the audit); the time to the first acknowledgement and to the answer is
recorded in the desk's working days (its calendar: desks/calendar/workdays.py; `counts.timed`)."""

from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, selectinload

from diaspora.auth.models import User
from diaspora.core import audit
from diaspora.core.domain import DomainError, check_version
from diaspora.core.i18n import _, _l
from diaspora.core.ids import parse_id
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.time import long_date, today, utcnow
from diaspora.desks.calendar import workdays
from diaspora.desks.models import (
    SUBMISSION_STATES,
    CannedReply,
    Desk,
    DeskOfficer,
    Submission,
    SubmissionAttachment,
    SubmissionEvent,
)
from diaspora.desks.submissions import counts, submissions
from diaspora.extensions import db

MAX_TEXT = 5000
MAX_BULK = 50
ACTIONS = ("acknowledge", "review", "resolve", "close")
NEEDS_OUTCOME = ("resolve", "close")
ANSWERED = ("resolve", "close")


# ---------------------------------------------------------------------------- reading


def submission_for_work(submission_id: int) -> Submission:
    """The submission with everything the work page shows, in a few statements: its
    submitter and association, its assignee, its timeline with each author, its files
    (names only: the data stays in the database until downloaded)."""
    return db.session.scalars(
        sa.select(Submission).where(Submission.id == submission_id)
        .options(joinedload(Submission.user), joinedload(Submission.association), joinedload(Submission.assignee),
                 selectinload(Submission.events).joinedload(SubmissionEvent.author),
                 selectinload(Submission.attachments).joinedload(SubmissionAttachment.file))
        .execution_options(populate_existing=True)).one()


def officers_of(desk: Desk) -> list[User]:
    return list(db.session.scalars(sa.select(User).join(DeskOfficer, DeskOfficer.user_id == User.id)
                                   .where(DeskOfficer.desk_id == desk.id).order_by(User.name, User.id)))


def canned_replies(desk: Desk) -> list[CannedReply]:
    return list(db.session.scalars(sa.select(CannedReply).where(CannedReply.desk_id == desk.id)
                                   .order_by(CannedReply.title, CannedReply.id)))


def canned_reply_of(desk: Desk, reply_id) -> CannedReply | None:
    """A canned reply of this desk named by a query parameter (to fill the reply box), or None."""
    number = parse_id(reply_id)
    if number is None:
        return None
    return db.session.scalar(sa.select(CannedReply).where(CannedReply.id == number, CannedReply.desk_id == desk.id))


def attachment_of(submission: Submission, attachment_id) -> SubmissionAttachment | None:
    number = parse_id(attachment_id)
    return next((a for a in submission.attachments if a.id == number), None)


def assignee_names(submission: Submission) -> dict[int, str]:
    """The names of the people an "assigned" event names (the event keeps their id, so an
    erased officer's name is not kept in the timeline): one statement."""
    ids = {int(e.body) for e in submission.events if e.kind == "assigned" and (e.body or "").isdigit()}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


@dataclass(frozen=True)
class Overdue:
    measure: str  # "acknowledge" | "answer"
    due_on: object

    @property
    def label(self) -> str:
        return _("Overdue: not acknowledged") if self.measure == "acknowledge" else _("Overdue: not answered")


def overdue(submission: Submission, on=None) -> Overdue | None:
    """Whether an open submission is past its acknowledgement date (while still new) or its
    answer date, as of `on` (today)."""
    on = on or today()
    if not submission.is_open:
        return None
    if submission.status == "submitted" and submission.acknowledge_by and submission.acknowledge_by < on:
        return Overdue("acknowledge", submission.acknowledge_by)
    if submission.answer_by and submission.answer_by < on:
        return Overdue("answer", submission.answer_by)
    return None


def submitter_of(submission: Submission) -> str:
    """Who sent it, as far as the desk may know: an association by name; a person by name only
    if they chose to show it (the queue's rows; as desks/work/_macros.html: submitter)."""
    if submission.association:
        if submission.show_identity and submission.user:
            return f"{submission.association.name} ({_('sent by %(name)s', name=submission.user.name)})"
        return submission.association.name
    if not submission.show_identity:
        return _("Identity withheld")
    if submission.user:
        return submission.user.name
    return _("Account deleted")


def queue_rows(items: list[Submission], desk_id: int, on, url_for) -> Markup:
    """The queue's rows (desks/work/queue.html), written in one pass: in the template each of
    the page's 25 rows cost some 300 calls (a cell, an escape, a filter at a time). `url_for`
    is the template's (links kept per process)."""
    labels = {"choose": escape(_("Choose")), "reference": escape(_("Reference")), "title": escape(_("Title")),
              "topic": escape(_("Topic")), "status": escape(_("Status")), "from": escape(_("From")),
              "assigned": escape(_("Assigned to")), "due": escape(_("Due"))}
    nobody = escape(_("Nobody yet"))
    parts = []
    for submission in items:
        reference = escape(submission.reference)
        late, when = overdue(submission, on), due_date(submission)
        pick = ""
        if submission.is_open:
            choose = escape(_("Choose %(reference)s", reference=submission.reference))
            pick = (f'<input type="checkbox" name="picks" value="{submission.id}:{submission.version}" '
                    f'id="pick-{submission.id}" aria-label="{choose}">')
        link = escape(url_for("desk_work.work_page", desk_id=desk_id, submission_id=submission.id))
        status = submission.status
        due = str(escape(long_date(when))) if when else "—"  # text, so that the badge added is not escaped
        if late:
            due += f' <span class="badge badge--danger">{escape(late.label)}</span>'
        assignee = escape(submission.assignee.name) if submission.assignee else nobody
        parts.append(
            f'<tr><td data-label="{labels["choose"]}">{pick}</td>'
            f'<td data-label="{labels["reference"]}"><a href="{link}">{reference}</a></td>'
            f'<td data-label="{labels["title"]}">{escape(submission.title)}</td>'
            f'<td data-label="{labels["topic"]}">{escape(submission.topic_label)}</td>'
            f'<td data-label="{labels["status"]}"><span class="badge badge--{escape(SUBMISSION_STATES.tone(status))}">'
            f'{escape(SUBMISSION_STATES.label(status))}</span></td>'
            f'<td data-label="{labels["from"]}">{escape(submitter_of(submission))}</td>'
            f'<td data-label="{labels["assigned"]}">{assignee}</td>'
            f'<td data-label="{labels["due"]}">{due}</td></tr>')
    return Markup("".join(parts))


def due_date(submission: Submission):
    """The date that matters next: acknowledgement while new, else the answer."""
    if not submission.is_open:
        return None
    if submission.status == "submitted" and submission.acknowledge_by:
        return submission.acknowledge_by
    return submission.answer_by


# ---------------------------------------------------------------------------- changing one


def _locked(submission: Submission, version) -> None:
    """Take the submission's row lock (PostgreSQL; SQLite locks the whole database on write)
    with its current values, then refuse the change if the form was shown an older version."""
    db.session.refresh(submission, with_for_update=True)
    check_version(submission, version)


def _touch(submission: Submission) -> None:
    submission.updated_at = utcnow()  # a new version, so a form shown before this change is refused


def _text(value: str | None, field: str, empty_message, too_long_message) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(str(empty_message), field=field)
    if len(text) > MAX_TEXT:
        raise DomainError(str(too_long_message), field=field)
    return text


def assign(officer, submission: Submission, assignee_id: int | None, version) -> User | None:
    """Give the submission to an officer of its desk (oneself or a colleague), or to nobody."""
    _locked(submission, version)
    assignee = None
    if assignee_id:
        assignee = db.session.scalar(sa.select(User).join(DeskOfficer, DeskOfficer.user_id == User.id).where(
            User.id == assignee_id, DeskOfficer.desk_id == submission.desk_id))
        if assignee is None:
            raise DomainError(_("Choose an officer of this desk."), field="assignee_id")
    if submission.assignee_id == (assignee.id if assignee else None):
        return assignee
    old = submission.assignee_id
    submission.assignee_id = assignee.id if assignee else None
    submission.events.append(SubmissionEvent(kind="assigned", author_id=officer.id,
                                             body=str(assignee.id) if assignee else None))
    _touch(submission)
    db.session.flush()
    audit.record("submission.assigned", submission, actor=officer,
                 changes={"assignee_id": [old, submission.assignee_id]})
    return assignee


def act(officer, submission: Submission, action: str, version, outcome: str | None = None) -> None:
    """acknowledge, review, resolve or close; resolving and closing say the outcome, which the
    submitter reads on their page and by email."""
    if action not in ACTIONS:
        raise DomainError(_("This can't be done to a submission."))
    _locked(submission, version)
    SUBMISSION_STATES.check(action, submission.status)
    text = None
    if action in NEEDS_OUTCOME:
        text = _text(outcome, "outcome", _l("Say what the outcome is: the submitter reads it."),
                     _l("Keep the outcome to 5,000 characters."))
    _move(officer, submission, action, text)
    if action in ANSWERED:
        _tell_submitter(submission, text, status=submission.status)


def _move(officer, submission: Submission, action: str, text: str | None) -> None:
    submissions.move(submission, action, actor=officer, body=text)
    now = utcnow()
    desk = submission.desk
    calendar = workdays.of_desk(desk) if desk else workdays.of_country(submission.country)
    if submission.acknowledged_at is None:  # the first time an officer takes it up
        submission.acknowledged_at = now
        counts.timed(submission, "acknowledge", calendar.working_days_between(submission.created_at.date(), today()))
    if action in ANSWERED:
        submission.outcome = text
        submission.answered_at = now
        counts.timed(submission, "answer", calendar.working_days_between(submission.created_at.date(), today()))
    _touch(submission)
    db.session.flush()


def reply(officer, submission: Submission, body: str, version) -> SubmissionEvent:
    """A public reply: on the submitter's timeline, and mailed to them in their language."""
    _locked(submission, version)
    if submission.status == "withdrawn":
        raise DomainError(_("The submitter withdrew this submission: it can no longer be answered."))
    text = _text(body, "body", _l("Write your reply."), _l("Keep the reply to 5,000 characters."))
    event = _reply(officer, submission, text)
    _tell_submitter(submission, text)
    return event


def _reply(officer, submission: Submission, text: str) -> SubmissionEvent:
    event = SubmissionEvent(kind="reply", author_id=officer.id, body=text)
    submission.events.append(event)
    _touch(submission)
    db.session.flush()
    audit.record("submission.replied", submission, actor=officer, changes={"event_id": event.id})
    return event


def note(officer, submission: Submission, body: str, version) -> SubmissionEvent:
    """An internal note: for the desk's officers only, never shown or sent to the submitter."""
    _locked(submission, version)
    text = _text(body, "note", _l("Write your note."), _l("Keep the note to 5,000 characters."))
    event = SubmissionEvent(kind="note", author_id=officer.id, body=text)
    submission.events.append(event)
    _touch(submission)
    db.session.flush()
    audit.record("submission.noted", submission, actor=officer, changes={"event_id": event.id})
    return event


def _tell_submitter(submission: Submission, text: str | None, status: str | None = None) -> None:
    person = submission.user
    if person is None or not person.active:
        return
    if status:
        subject = _l("Your submission %(reference)s has an answer", reference=submission.reference)
    else:
        subject = _l("A reply to your submission %(reference)s", reference=submission.reference)
    queue_email(person.email, subject, "desks_reply", locale=person.locale, user=person, submission=submission,
                desk=submission.desk, reply=text, status=status,
                status_label=SUBMISSION_STATES.labels.get(status, "") if status else "",
                submission_url=absolute("submissions.show", submission_id=submission.id))


# ---------------------------------------------------------------------------- several at once


@dataclass
class BulkResult:
    answered: int = 0
    resolved: int = 0
    changed_meanwhile: int = 0
    left_alone: int = 0


def parse_picks(values: list[str]) -> dict[int, str]:
    """{submission id: version} from the queue's checkboxes ("id:version"), at most MAX_BULK."""
    picks: dict[int, str] = {}
    for value in values or []:
        number, _sep, version = str(value).partition(":")
        chosen = parse_id(number)
        if chosen is not None and version.isascii() and version.isdigit() and len(version) < 12:
            picks.setdefault(chosen, version)
    if len(picks) > MAX_BULK:
        raise DomainError(_("Choose at most %(count)d submissions at once.", count=MAX_BULK), field="picks")
    return picks


def answer_many(officer, desk: Desk, picks: dict[int, str], body: str, *, resolve: bool = False) -> BulkResult:
    """One public reply to several of the desk's open submissions (and, if asked, resolve them
    with it as the outcome): each gets its own event, email, counts and audit. A submission
    someone changed since the queue was shown is left alone (counted in `changed_meanwhile`);
    one of another desk, or no longer open, is left alone too."""
    if not picks:
        raise DomainError(_("Choose at least one submission."), field="picks")
    text = _text(body, "body", _l("Write your reply."), _l("Keep the reply to 5,000 characters."))
    chosen = list(db.session.scalars(
        sa.select(Submission).where(Submission.id.in_(list(picks)), Submission.desk_id == desk.id)
        .options(joinedload(Submission.user), joinedload(Submission.desk))
        .order_by(Submission.id).with_for_update(of=Submission)))
    result = BulkResult(left_alone=len(picks) - len(chosen))
    for submission in chosen:
        if str(submission.version) != picks[submission.id]:
            result.changed_meanwhile += 1
            continue
        if not submission.is_open or (resolve and not submission.allows("resolve")):
            result.left_alone += 1
            continue
        if resolve:
            _move(officer, submission, "resolve", text)
            _tell_submitter(submission, text, status=submission.status)
            result.resolved += 1
        else:
            _reply(officer, submission, text)
            _tell_submitter(submission, text)
        result.answered += 1
    return result


# ---------------------------------------------------------------------------- canned replies


def _canned_values(title: str, body: str) -> tuple[str, str]:
    title = _text(title, "title", _l("Give the reply a short title."), _l("Keep the title to 120 characters."))
    if len(title) > 120:
        raise DomainError(_("Keep the title to 120 characters."), field="title")
    body = _text(body, "body", _l("Write the reply."), _l("Keep the reply to 5,000 characters."))
    return title, body


def add_canned(officer, desk: Desk, title: str, body: str) -> CannedReply:
    title, body = _canned_values(title, body)
    reply_ = CannedReply(desk_id=desk.id, title=title, body=body)
    db.session.add(reply_)
    db.session.flush()
    audit.record("canned_reply.added", reply_, actor=officer, changes={"desk_id": desk.id, "title": title})
    return reply_


def change_canned(officer, reply_: CannedReply, title: str, body: str) -> None:
    title, body = _canned_values(title, body)
    changes = audit.diff(reply_, {"title": title, "body": body})
    reply_.title, reply_.body = title, body
    db.session.flush()
    if changes:
        audit.record("canned_reply.changed", reply_, actor=officer, changes=changes)


def delete_canned(officer, reply_: CannedReply) -> None:
    audit.record("canned_reply.deleted", reply_, actor=officer, changes={"title": reply_.title})
    db.session.delete(reply_)
    db.session.flush()
