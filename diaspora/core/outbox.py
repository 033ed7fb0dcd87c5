"""Durable email.

`queue_email` renders a message into the outbox inside the caller's transaction.
After that transaction commits, `deliver` tries to send what it queued; whatever
fails stays queued, and `send_due` (the `flask outbox send` cron command) retries it
with exponential backoff. A message is *claimed* with a conditional UPDATE before it
is sent (on PostgreSQL the candidates are also selected FOR UPDATE SKIP LOCKED), so
two senders running at once never send the same message twice.

No request talks to SMTP: after the commit, `transaction` enqueues an `outbox.deliver` job with
the ids (core/jobs.py), and a worker sends them; the periodic `outbox.sweep` job (every minute)
enqueues whatever is still queued and due, so a process that dies between its commit and the
enqueue, a worker killed mid-delivery or a lost job delays mail and loses none. Each claim
carries a fresh token: only the sender holding the current claim records the outcome, and a
claim's lease (`OUTBOX_CLAIM_LEASE`, longer than any SMTP conversation's timeouts) is what lets
another worker take over from a dead one. Every SMTP connection has a timeout (`MAIL_TIMEOUT`). Bodies are encoded
quoted-printable (no line longer than RFC 5321 allows, whatever people type). Once a message
has left, its body is cleared: the outbox is a queue, not an archive of what people wrote."""

import secrets
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
JOB_CHUNK = 50
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
        token = claim(message_id, now, ignore_schedule=True)
        if token:
            _send_claimed(message_id, token, report)
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
        claimed = [(i, token) for i in candidates if (token := claim(i, now, ignore_schedule=ignore_schedule))]
        report.skipped += len(candidates) - len(claimed)
        attempted.update(candidates)
        for message_id, token in claimed:
            _send_claimed(message_id, token, report)
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


def claim(message_id: int, now: datetime, *, ignore_schedule: bool = False) -> str | None:
    """Take a lease on one queued message; its token, or None if another sender holds it or it
    left already. Exactly one of several concurrent senders wins: the UPDATE re-checks its WHERE
    clause after any competing UPDATE commits."""
    token = secrets.token_hex(16)
    statement = (
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxMessage.QUEUED,
            _not_leased(now),
        )
        .values(locked_until=now + claim_lease(), attempts=OutboxMessage.attempts + 1, claim_token=token)
        .execution_options(synchronize_session=False)
    )
    if not ignore_schedule:
        statement = statement.where(OutboxMessage.next_attempt_at <= now)
    claimed = db.session.execute(statement).rowcount == 1
    db.session.commit()
    return token if claimed else None


def claim_lease() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_CLAIM_LEASE"])


def sweep(*, now: datetime | None = None) -> int:
    """Enqueue a delivery job for every queued message that is due and not held by a sender (the
    periodic job, every minute). Returns how many it enqueued. A message queued in the last
    `OUTBOX_SWEEP_GRACE` seconds is left to the job its own commit enqueued."""
    from diaspora.core import jobs

    now = now or utcnow()
    grace = timedelta(seconds=current_app.config["OUTBOX_SWEEP_GRACE"])
    ids = list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxMessage.QUEUED, OutboxMessage.next_attempt_at <= now,
               OutboxMessage.created_at <= now - grace, _not_leased(now))
        .order_by(OutboxMessage.id)))
    db.session.commit()
    for start in range(0, len(ids), JOB_CHUNK):
        jobs.enqueue("outbox.deliver", ids[start:start + JOB_CHUNK])
    return len(ids)


def enqueue_delivery(ids: list[int]) -> None:
    """After a commit: a delivery job per chunk of ids. If the queue cannot be reached the mail
    waits in the outbox for the sweep; nothing is lost, so this never raises."""
    from diaspora.core import jobs

    try:
        for start in range(0, len(ids), JOB_CHUNK):
            jobs.enqueue("outbox.deliver", ids[start:start + JOB_CHUNK])
    except Exception:
        current_app.logger.exception("Mail %s not enqueued; the sweep will", ids[:JOB_CHUNK])


def deliver_job(ids: list[int]) -> str:
    return str(deliver(ids))


def sweep_job() -> int:
    return sweep()


def retry(message_id: int) -> bool:
    """An admin's retry of a failed (or discarded) message: queued again, attempts from zero."""
    changed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id,
               OutboxMessage.status.in_((OutboxMessage.FAILED, OutboxMessage.DISCARDED)),
               OutboxMessage.body_text != "")
        .values(status=OutboxMessage.QUEUED, attempts=0, next_attempt_at=utcnow(), locked_until=None,
                claim_token=None)
        .execution_options(synchronize_session=False)).rowcount == 1
    if changed:
        db.session.info.setdefault(PENDING_KEY, []).append(message_id)
    return changed


def discard(message_id: int) -> bool:
    """An admin gives up on a failed message: it is never sent, and forgets what it said."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != OutboxMessage.FAILED:
        return False
    message.status = OutboxMessage.DISCARDED
    _forget_contents(message)
    return True


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _not_leased(now: datetime):
    return sa.or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)


def _send_claimed(message_id: int, token: str, report: SendReport) -> None:
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
        message.claim_token = None
        _forget_contents(message)
        report.sent.append(message_id)
    _commit_if_still_claimed(message, token)


def _commit_if_still_claimed(message: OutboxMessage, token: str) -> None:
    """Record the outcome only while this sender still holds the claim (the row is locked first
    on PostgreSQL, so a competing claim waits until the outcome is recorded)."""
    with db.session.no_autoflush:  # read the stored claim, not this sender's pending changes
        held = db.session.scalar(
            sa.select(OutboxMessage.claim_token).where(OutboxMessage.id == message.id).with_for_update())
    if held != token:
        current_app.logger.warning("Mail %s: claim lost to another sender; outcome not recorded", message.id)
        db.session.rollback()
        return
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
    message.claim_token = None
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
