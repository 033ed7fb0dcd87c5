"""The one place where a request or CLI command commits.

Views and services only `flush()`. When a request ends with a success or redirect,
`commit_or_rollback` commits; any 4xx/5xx answer rolls back, so a failed form or a
refused request never leaves half a change behind. Mail queued in the transaction is handed to
the job queue right after the commit (`outbox.enqueue_delivery`: one small write to the queue,
never SMTP); a worker sends it. Nobody waits on a mail server, and if the process dies between
the commit and the enqueue the outbox's periodic sweep enqueues it."""

from flask import Response

from diaspora.core import outbox
from diaspora.extensions import db


def commit() -> None:
    """Commit, then enqueue the delivery of the mail queued in the transaction (CLI commands)."""
    pending = _commit()
    if pending:
        outbox.enqueue_delivery(pending)


def _commit() -> list[int]:
    pending = outbox.take_pending_ids()
    db.session.commit()
    return pending


def rollback() -> None:
    outbox.forget_pending()
    db.session.rollback()


def _session_in_use() -> bool:
    """Whether this request opened a database session: a page that read or wrote nothing (a
    static answer, a redirect) has nothing to end, and ending nothing still costs."""
    return db.session.registry.has()


def commit_or_rollback(response: Response) -> Response:
    if not _session_in_use():
        return response
    if response.status_code >= 400:
        rollback()
        return response
    commit()
    return response


def discard_on_error(error: BaseException | None) -> None:
    if error is not None and _session_in_use():
        rollback()
