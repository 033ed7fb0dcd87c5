"""The one place where a request or CLI command commits.

Views and services only `flush()`. When a request ends with a success or redirect,
`commit_or_rollback` commits; any 4xx/5xx answer rolls back, so a failed form or a
refused request never leaves half a change behind. Mail queued in the transaction
is handed to the outbox sender after the commit."""

from flask import Response

from diaspora.core import outbox
from diaspora.extensions import db

# A bulk change (a CSV import) may queue thousands of mails: the request sends the first
# few at once and leaves the rest to `flask outbox send`, so nobody waits on SMTP.
INLINE_DELIVERY_LIMIT = 20


def commit() -> None:
    pending = outbox.take_pending_ids()
    db.session.commit()
    outbox.deliver(pending[:INLINE_DELIVERY_LIMIT])


def rollback() -> None:
    outbox.forget_pending()
    db.session.rollback()


def commit_or_rollback(response: Response) -> Response:
    if response.status_code < 400:
        commit()
    else:
        rollback()
    return response


def discard_on_error(error: BaseException | None) -> None:
    if error is not None:
        rollback()
