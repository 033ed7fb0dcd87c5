"""What the desks hold about a person, for export and erasure (core/personal_data.py): their
desk work, their submissions (with what they added and the public replies), and their answers
to calls for support. On erasure a submission stays for the ministry's counts, without its
submitter, its title, its answers, its files or what they wrote on it."""

import sqlalchemy as sa

from diaspora.core import personal_data
from diaspora.core.i18n import _l
from diaspora.core.models import StoredFile
from diaspora.desks.models import CallMatch, Desk, DeskOfficer, Submission, SubmissionAttachment, SubmissionEvent
from diaspora.extensions import db


def _iso(value):
    return value.isoformat() if value is not None else None


def export_desk_work(user) -> list[dict]:
    desks = db.session.scalars(sa.select(Desk).join(DeskOfficer).where(DeskOfficer.user_id == user.id))
    return [{"desk": desk.name, "country": desk.country} for desk in desks]


def erase_desk_work(user) -> int:
    return db.session.execute(sa.delete(DeskOfficer).where(DeskOfficer.user_id == user.id)
                              .execution_options(synchronize_session=False)).rowcount


def export_submissions(user) -> list[dict]:
    rows = db.session.scalars(sa.select(Submission).where(Submission.user_id == user.id).order_by(Submission.id))
    return [{"reference": s.reference, "country": s.country, "topic": s.topic, "title": s.title,
             "answers": s.answers, "show_identity": s.show_identity, "status": s.status,
             "created_at": _iso(s.created_at),
             "timeline": [{"kind": e.kind, "status": e.status, "body": e.body, "at": _iso(e.created_at)}
                          for e in s.events if e.is_public]} for s in rows]


def erase_submissions(user) -> int:
    db.session.flush()
    mine = sa.select(Submission.id).where(Submission.user_id == user.id)
    ids = list(db.session.scalars(mine))
    file_ids = list(db.session.scalars(sa.select(SubmissionAttachment.file_id)
                                       .where(SubmissionAttachment.submission_id.in_(ids)))) if ids else []
    if ids:
        db.session.execute(sa.delete(SubmissionAttachment).where(SubmissionAttachment.submission_id.in_(ids)))
        db.session.execute(sa.update(Submission).where(Submission.id.in_(ids)).values(
            user_id=None, title="", answers={}, show_identity=False).execution_options(synchronize_session=False))
    if file_ids:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id.in_(file_ids)))
    db.session.execute(sa.update(SubmissionEvent).where(SubmissionEvent.author_id == user.id)
                       .values(body=None, author_id=None).execution_options(synchronize_session=False))
    db.session.execute(sa.update(Submission).where(Submission.assignee_id == user.id).values(assignee_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(CallMatch).where(CallMatch.user_id == user.id)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()
    return len(ids)


def export_calls(user) -> list[dict]:
    rows = db.session.scalars(sa.select(CallMatch).where(CallMatch.user_id == user.id))
    return [{"call": m.call.title, "notified_at": _iso(m.notified_at), "answered_at": _iso(m.answered_at),
             "note": m.note} for m in rows]


def register() -> None:
    personal_data.register("desk_work", tables=("desk_officers",), export=export_desk_work, erase=erase_desk_work,
                           order=40, erased=_l("Your place as an officer of a ministry desk, if you have one."))
    personal_data.register(
        "submissions", tables=("submissions", "submission_events", "submission_attachments", "call_matches"),
        export=lambda user: {"submissions": export_submissions(user), "calls_for_support": export_calls(user)},
        erase=erase_submissions, order=35,
        erased=_l("On what you sent to ministry desks: your name, its title, your answers, your files and what "
                  "you added later; your answers to calls for support; and, if you work a desk, the text of "
                  "what you wrote on its cases."),
        kept=_l("What you sent to a ministry desk stays with the desk, with no name, together with the desk’s "
                "replies and notes: the desk needs its case record, and its counts stay true."),
        audit_refs=lambda user: {"submissions": list(db.session.scalars(
            sa.select(Submission.id).where(Submission.user_id == user.id)))})
    for table, reason in {
        "desks": "a ministry desk: its country and settings, no person",
        "desk_routes": "a desk's routing rules",
        "desk_calendar_days": "a desk's working days and holidays",
        "canned_replies": "a desk's reply templates, written for the desk, about no one",
        "support_calls": "a desk's calls for support; the answers are the members'",
        "mous": "agreements between a desk and an association",
        "desk_reminders": "when a case's deadlines fall due; the case is the submissions'",
        "submission_sequences": "the next case number of each desk",
        "submission_counts": "anonymous counts of cases",
        "submission_timings": "anonymous counts of how long cases took",
        "engagement_counts": "anonymous counts",
        "disclosed_counts": "anonymous counts, already published",
        "disclosure_blocks": "which small counts are hidden, no person",
    }.items():
        personal_data.not_personal(table, reason)
