"""Durable email.

`queue_email` renders a message into the outbox inside the caller's transaction.
After that transaction commits, `deliver` tries to send what it queued; whatever
fails stays queued, and `send_due` (the `flask outbox send` cron command) retries it
with exponential backoff. A message is *claimed* with a conditional UPDATE before it
is sent (on PostgreSQL the candidates are also selected FOR UPDATE SKIP LOCKED), so
two senders running at once never send the same message twice.

A request never waits on SMTP: its mail is handed to `deliver` after the response has been
sent (`transaction.commit_or_rollback`), and every SMTP connection has a timeout
(`MAIL_TIMEOUT`), so a hanging mail server delays mail, never the app. Bodies are encoded
quoted-printable (no line longer than RFC 5321 allows, whatever people type). Once a message
has left, its body is cleared: the outbox is a queue, not an archive of what people wrote."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy

import sqlalchemy as sa
from flask import current_app, render_template
from flask_mail import Message

from diaspora.core.i18n import in_locale
from diaspora.core.models import OutboxMessage
from diaspora.core.time import utcnow
from diaspora.extensions import db, mail

PENDING_KEY = "outbox_pending_ids"
CLAIM_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


def queue_email(recipient: str, subject, template: str, *, locale: str | None = None,
                **context) -> OutboxMessage:
    """Render `templates/email/<template>.txt` (and `.html`) into the outbox, in the
    recipient's language (`subject` is best given as a lazy string, `_l(...)`, so it is
    translated there too). Nothing leaves until the surrounding transaction commits."""
    with in_locale(locale):
        subject = str(subject)
        context.setdefault("subject", subject)
        message = OutboxMessage(
            recipient=recipient,
            subject=subject,
            template=template,
            body_text=render_template(f"email/{template}.txt", **context),
            body_html=render_template(f"email/{template}.html", **context),
        )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(message.id)
    return message


def queue_emails(emails: Iterable[tuple[str, object, str, dict]], *, chunk: int = 1000) -> list[int]:
    """`queue_email` for many messages at once (a bulk import): the same templates with the
    same context, but the app's template context is computed once and the messages are
    inserted in bulk, a chunk at a time, instead of with one flush each. Takes (recipient,
    subject, template, context) tuples, rendered in the current language; returns the ids."""
    app_context: dict = {}
    current_app.update_template_context(app_context)
    templates: dict[str, tuple] = {}
    ids: list[int] = []
    pending: list[dict] = []

    def insert() -> None:
        table = OutboxMessage.__table__
        ids.extend(db.session.scalars(sa.insert(table).returning(table.c.id), pending).all())
        pending.clear()

    for recipient, subject, template, context in emails:
        if template not in templates:
            environment = current_app.jinja_env
            templates[template] = (environment.get_template(f"email/{template}.txt"),
                                   environment.get_template(f"email/{template}.html"))
        text, html = templates[template]
        subject = str(subject)
        values = {**app_context, "subject": subject, **context}
        pending.append({"recipient": recipient, "subject": subject, "template": template,
                        "body_text": text.render(values), "body_html": html.render(values)})
        if len(pending) >= chunk:
            insert()
    if pending:
        insert()
    db.session.info.setdefault(PENDING_KEY, []).extend(ids)
    return ids


def take_pending_ids() -> list[int]:
    """The ids queued in the current transaction; called by the one place that commits."""
    return db.session.info.pop(PENDING_KEY, [])


def forget_pending() -> None:
    db.session.info.pop(PENDING_KEY, None)


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: int = 0

    def __str__(self) -> str:
        return f"{len(self.sent)} sent, {len(self.failed)} failed, {self.skipped} held by another sender"


def deliver(message_ids: Iterable[int]) -> SendReport:
    """Try once, now, to send these messages. Call only after their transaction committed."""
    report = SendReport()
    ids = list(message_ids)
    if not ids:
        return report
    now = utcnow()
    for message_id in ids:
        if claim(message_id, now, ignore_schedule=True):
            _send_claimed(message_id, report)
        else:
            report.skipped += 1
    return report


def send_due(*, now: datetime | None = None, ignore_schedule: bool = False, batch: int = 50,
             progress=None) -> SendReport:
    """Send every queued message whose next attempt is due (all queued ones with
    `ignore_schedule`), in batches, until none is left that this sender can claim."""
    report = SendReport()
    now = now or utcnow()
    attempted: set[int] = set()
    while True:
        candidates = [i for i in _due_ids(now, ignore_schedule, batch) if i not in attempted]
        if not candidates:
            return report
        claimed = [i for i in candidates if claim(i, now, ignore_schedule=ignore_schedule)]
        report.skipped += len(candidates) - len(claimed)
        attempted.update(candidates)
        for message_id in claimed:
            _send_claimed(message_id, report)
            if progress:
                progress(report)


def _due_ids(now: datetime, ignore_schedule: bool, batch: int) -> list[int]:
    query = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxMessage.QUEUED, _not_leased(now))
        .order_by(OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    if not ignore_schedule:
        query = query.where(OutboxMessage.next_attempt_at <= now)
    ids = list(db.session.scalars(query))
    db.session.commit()  # release the row locks; the claim below is what protects a message
    return ids


def claim(message_id: int, now: datetime, *, ignore_schedule: bool = False) -> bool:
    """Take a lease on one queued message. Exactly one of several concurrent senders wins:
    the UPDATE re-checks its WHERE clause after any competing UPDATE commits."""
    statement = (
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxMessage.QUEUED,
            _not_leased(now),
        )
        .values(locked_until=now + CLAIM_LEASE, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not ignore_schedule:
        statement = statement.where(OutboxMessage.next_attempt_at <= now)
    claimed = db.session.execute(statement).rowcount == 1
    db.session.commit()
    return claimed


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _not_leased(now: datetime):
    return sa.or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)


def _send_claimed(message_id: int, report: SendReport) -> None:
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    try:
        _transmit(message)
    except Exception as error:  # any transport failure keeps the message queued
        _record_failure(message, error)
        report.failed.append(message_id)
    else:
        message.status = OutboxMessage.SENT
        message.sent_at = utcnow()
        message.last_error = None
        message.locked_until = None
        _forget_contents(message)
        report.sent.append(message_id)
    db.session.commit()


def _forget_contents(message: OutboxMessage) -> None:
    """A message that has left (or never will) keeps its metadata, not what it said; one whose
    recipient was erased meanwhile keeps nothing about them."""
    message.body_text = ""
    message.body_html = None
    if message.erase_after_send:
        from diaspora.core.personal_data import ERASED_ADDRESS

        message.recipient = ERASED_ADDRESS
        message.subject = ""
        message.last_error = None


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.locked_until = None
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxMessage.FAILED
        if message.erase_after_send:
            _forget_contents(message)
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)
    current_app.logger.warning("Mail %s to %s not sent: %s", message.id, message.recipient,
                               message.last_error)


class _Message(Message):
    """Flask-Mail's message, serialised without refolding its headers at 78 characters:
    Python's folder splits a word at the first non-ASCII letter ("le 23 d" + an encoded
    "écembre"), and mail readers then show "d écembre". Flask-Mail has already encoded and
    folded the subject correctly; 998 is RFC 5322's line limit."""

    def _message(self):
        built = super()._message()
        built.policy = policy.SMTP.clone(max_line_length=998)
        return built


def _transmit(message: OutboxMessage) -> None:
    if not current_app.config.get("MAIL_SERVER"):
        current_app.logger.info(
            "No MAIL_SERVER set; mail %s shown here instead of sent.\nTo: %s\nSubject: %s\n\n%s",
            message.id, message.recipient, message.subject, message.body_text,
        )
        return
    mail.send(
        _Message(
            subject=message.subject,
            recipients=[message.recipient],
            body=message.body_text,
            html=message.body_html,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
            extra_headers={"X-Outbox-Id": str(message.id)},
        )
    )
