"""The one place where a request or CLI command commits.

Views and services only `flush()`. When a request ends with a success or redirect,
`commit_or_rollback` commits; any 4xx/5xx answer rolls back, so a failed form or a
refused request never leaves half a change behind. Mail queued in the transaction leaves
after the commit: a CLI command sends it at once; a request sends it once its response has
gone to the browser, so nobody waits on SMTP."""

from flask import Response, current_app

from diaspora.core import outbox
from diaspora.extensions import db

# A bulk change (a CSV import) may queue thousands of mails: the request sends the first
# few itself and leaves the rest to `flask outbox send`.
INLINE_DELIVERY_LIMIT = 20


def commit() -> None:
    """Commit and send the mail queued in the transaction now (CLI commands)."""
    pending = _commit()
    outbox.deliver(pending)


def _commit() -> list[int]:
    pending = outbox.take_pending_ids()
    db.session.commit()
    return pending[:INLINE_DELIVERY_LIMIT]


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
    pending = _commit()
    if pending:
        app = current_app._get_current_object()

        def deliver_after_response() -> None:
            with app.app_context():
                try:
                    outbox.deliver(pending)
                except Exception:  # the mail stays queued: `flask outbox send` will send it
                    app.logger.exception("Mail %s not sent after the response", pending)

        response.call_on_close(deliver_after_response)
    return response


def discard_on_error(error: BaseException | None) -> None:
    if error is not None and _session_in_use():
        rollback()
