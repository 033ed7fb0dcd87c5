"""Structured input to a ministry's diaspora desk: a member (or an officer for their
association) sends a submission to a country; it gets a reference per country and year,
gap-free, and goes to the desk that takes its topic there (desks/submissions/routing.py) — or waits,
unrouted, until an admin routes it. The submitter follows its public timeline, adds
information or withdraws it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.datastructures import FileStorage

from diaspora.core import audit
from diaspora.core.domain import DomainError
from diaspora.core.files import UploadError, store_upload
from diaspora.core.i18n import _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.time import today, utcnow
from diaspora.desks.calendar import workdays
from diaspora.desks.models import (
    SUBMISSION_STATES,
    TOPICS,
    Desk,
    Submission,
    SubmissionAttachment,
    SubmissionEvent,
    SubmissionSequence,
)
from diaspora.desks.submissions import counts, routing
from diaspora.desks.submissions.topics import QUESTIONS
from diaspora.extensions import db

MAX_FILES = 5
MAX_ANSWER = 5000
NEWEST_FIRST = Ordering([
    SortKey(Submission.created_at, lambda s: s.created_at, descending=True, kind=datetime),
    SortKey(Submission.id, lambda s: s.id, descending=True, kind=int),
])


# ---------------------------------------------------------------------------- the reference


def next_number(country: str, year: int) -> int:
    """The next reference number of a country and year, taken under a row lock: two
    submissions at once wait for each other, and a rolled-back one gives its number back."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(SubmissionSequence).values(country=country, year=year, last=0)
                       .on_conflict_do_nothing(index_elements=["country", "year"]))
    return db.session.execute(
        sa.update(SubmissionSequence).where(SubmissionSequence.country == country, SubmissionSequence.year == year)
        .values(last=SubmissionSequence.last + 1).returning(SubmissionSequence.last)).scalar_one()


# ---------------------------------------------------------------------------- answers


def clean_answers(topic: str, answers: dict) -> dict:
    """Each question's answer as text, or DomainError beside the first that cannot be kept."""
    if topic not in QUESTIONS:
        raise DomainError(_("Choose what you are writing about."), field="topic")
    cleaned = {}
    for question in QUESTIONS[topic]:
        value = answers.get(question.name)
        text = value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else str(value).strip())
        if question.required and not text:
            raise DomainError(_("Answer this question."), field=question.name)
        if len(text) > MAX_ANSWER:
            raise DomainError(_("Keep this answer to 5,000 characters."), field=question.name)
        if question.kind == "choice" and text and text not in question.choices:
            raise DomainError(_("Choose one of the options."), field=question.name)
        cleaned[question.name] = text
    if topic == "mission_notification" and cleaned.get("ends_on", "") < cleaned.get("starts_on", ""):
        raise DomainError(_("The last day must be the same as or after the first day."), field="ends_on")
    return cleaned


# ---------------------------------------------------------------------------- sending


def send(user, *, country: str, topic: str, title: str, answers: dict, show_identity: bool,
         association=None, files: list[FileStorage] | None = None) -> Submission:
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give it a short title."), field="title")
    cleaned = clean_answers(topic, answers)
    year = today().year
    desk = routing.desk_for(country, topic)
    submission = Submission(
        country=country, year=year, number=next_number(country, year), topic=topic, title=title[:200],
        answers=cleaned, user_id=user.id, association_id=association.id if association else None,
        show_identity=bool(show_identity) or association is not None, status="submitted")
    _route(submission, desk)
    db.session.add(submission)
    db.session.flush()
    _attach(user, submission, files or [])
    submission.events.append(SubmissionEvent(kind="status", status="submitted", author_id=user.id))
    counts.added(submission)
    audit.record("submission.sent", submission, actor=user, subject=user,
                 changes={"reference": submission.reference, "topic": topic, "desk_id": submission.desk_id})
    _acknowledge_receipt(user, submission)
    if desk is None:
        _tell_admins_unrouted(submission)
    return submission


def _route(submission: Submission, desk: Desk | None) -> None:
    submission.desk_id = desk.id if desk else None
    submission.desk = desk
    if desk is not None:  # in the desk's working days; the dates never move once given (docs/architecture.md)
        start, calendar = today(), workdays.of_desk(desk)
        submission.acknowledge_by = calendar.add_working_days(start, desk.acknowledgement_days)
        submission.answer_by = calendar.add_working_days(start, desk.answer_days)


def _attach(user, submission: Submission, uploads: list[FileStorage]) -> None:
    uploads = [upload for upload in uploads if upload is not None and upload.filename]
    if len(submission.attachments) + len(uploads) > MAX_FILES:
        raise DomainError(_("Attach at most %(count)d files.", count=MAX_FILES), field="files")
    for upload in uploads:
        try:
            stored = store_upload(upload, user)
        except UploadError as error:
            raise DomainError(str(error), field="files") from error
        submission.attachments.append(SubmissionAttachment(file_id=stored.id))
    db.session.flush()


def _acknowledge_receipt(user, submission: Submission) -> None:
    queue_email(user.email, _l("We have received your submission %(reference)s", reference=submission.reference),
                "desks_received", locale=user.locale, user=user, submission=submission, desk=submission.desk,
                submission_url=absolute("submissions.show", submission_id=submission.id))


def _tell_admins_unrouted(submission: Submission) -> None:
    from diaspora.auth.models import User

    for admin in db.session.scalars(sa.select(User).where(User.is_admin.is_(True), User.active.is_(True))):
        queue_email(admin.email, _l("A submission has no desk: %(reference)s", reference=submission.reference),
                    "desks_unrouted", locale=admin.locale, user=admin, submission=submission,
                    unrouted_url=absolute("desk_setup.unrouted"))


def route_now(admin, submission: Submission) -> Desk | None:
    """An admin routes an unrouted submission once a desk takes its country and topic."""
    if submission.desk_id is not None:
        raise DomainError(_("This submission already has a desk."))
    desk = routing.desk_for(submission.country, submission.topic)
    if desk is None:
        raise DomainError(_("No active desk takes %(topic)s for this country yet.", topic=submission.topic_label))
    _route(submission, desk)
    counts.moved(submission, old_status=submission.status, old_desk_id=None)
    submission.events.append(SubmissionEvent(kind="routed", author_id=admin.id, body=desk.name))
    db.session.flush()
    audit.record("submission.routed", submission, actor=admin, changes={"desk_id": desk.id})
    return desk


# ---------------------------------------------------------------------------- the submitter


def add_information(user, submission: Submission, text: str, files: list[FileStorage] | None = None) -> None:
    SUBMISSION_STATES.check("add_information", submission.status)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write what you want to add."), field="body")
    _attach(user, submission, files or [])
    submission.events.append(SubmissionEvent(kind="information", author_id=user.id, body=text[:MAX_ANSWER]))
    submission.updated_at = utcnow()
    db.session.flush()
    audit.record("submission.information_added", submission, actor=user, subject=user)


def move(submission: Submission, action: str, *, actor, body: str | None = None) -> None:
    """The one way a submission changes status: the machine, the counts, the timeline, the audit."""
    old_status, old_desk = submission.status, submission.desk_id
    old, new = SUBMISSION_STATES.apply(submission, action)
    counts.moved(submission, old_status=old_status, old_desk_id=old_desk)
    submission.events.append(SubmissionEvent(kind="status", status=new, author_id=actor.id, body=body))
    db.session.flush()
    audit.record(f"submission.{action}", submission, actor=actor, changes={"status": {"from": old, "to": new}})


def withdraw(user, submission: Submission) -> None:
    move(submission, "withdraw", actor=user)


def submissions_of(user_id: int) -> sa.Select:
    return sa.select(Submission).where(Submission.user_id == user_id)


def public_events(submission: Submission) -> list[SubmissionEvent]:
    return [event for event in submission.events if event.is_public]


def topic_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in TOPICS.items()]
