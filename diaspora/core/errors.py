"""Friendly error pages, or JSON for clients that ask for it; on the API's paths, RFC 9457
problem details (core/problems.py)."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from diaspora.core import access, problems, transaction
from diaspora.core.i18n import _, _l

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Please go back and try again.")),
    403: (_l("You can't do that"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("The page may have moved, or you may not have access to it.")),
    405: (_l("Not allowed"), _l("That page can't be used that way.")),
    409: (_l("Someone else changed this first"),
          _l("Your change was not saved, so nothing was overwritten. Go back, reload the page to see "
             "the latest version, and make your change again.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes and try again.")),
    500: (_l("Sorry, something went wrong on our side"),
          _l("We have been told about it. Please try again in a few minutes; "
             "nothing you typed was saved.")),
}
# A rate limit in words, as Flask-Limiter writes it in English ("20 per 1 hour"), by the period
# it counts over; a limit over any other period is said as Flask-Limiter writes it.
LIMIT_WORDS = {
    "second": lambda num, every: _("%(num)d per %(every)d second", num=num, every=every),
    "minute": lambda num, every: _("%(num)d per %(every)d minute", num=num, every=every),
    "hour": lambda num, every: _("%(num)d per %(every)d hour", num=num, every=every),
    "day": lambda num, every: _("%(num)d per %(every)d day", num=num, every=every),
}


def wants_json() -> bool:
    accepted = request.accept_mimetypes
    return accepted.best_match(["application/json", "text/html"]) == "application/json" and (
        accepted["application/json"] > accepted["text/html"]
    )


def render_error(status: int, detail: str | None = None, error: HTTPException | None = None):
    if access.is_api_path(request.path):
        return problems.from_http_error(error, detail) if error is not None else problems.problem_response(
            status, detail)
    title, default_detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    title, detail = str(title), str(detail or default_detail)
    if wants_json():
        return jsonify(error=title, detail=detail), status
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def handle_http_error(error: HTTPException):
    return render_error(error.code or 500, error=error)


def handle_api_error(error: HTTPException):
    return problems.from_http_error(error) if access.is_api_path(request.path) else error


def handle_csrf_error(error: CSRFError):
    return render_error(
        400, _("This form had expired or was sent from another site. Go back, reload the page and try again.")
    )


def handle_rate_limit(error: HTTPException):
    if access.is_api_path(request.path):
        return problems.problem_response(
            429, _("Too many requests: the limit is %(limit)s. Wait as many seconds as Retry-After says, then "
                   "try again.", limit=limit_words(error)), headers={"Retry-After": str(retry_after(error))})
    return render_error(429, _("Too many attempts: the limit is %(limit)s. Please wait a few minutes and "
                               "try again.", limit=limit_words(error)))


def retry_after(error: HTTPException) -> int:
    """Seconds until the limit that was just reached lets a request through again."""
    import time

    from diaspora.extensions import limiter

    if getattr(error, "retry_after", None):
        return error.retry_after  # the API's (access.CallsExceeded)
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, int(limit.reset_at - time.time()) + 1)


def limit_words(error: HTTPException) -> str:
    """The limit that was reached, in the reader's language when it counts over one period."""
    item = getattr(error, "limit_item", None) or getattr(getattr(error, "limit", None), "limit", None)
    period = getattr(getattr(item, "GRANULARITY", None), "name", None)
    if period not in LIMIT_WORDS:
        return str(error.description)
    return LIMIT_WORDS[period](item.amount, item.multiples)


def handle_unexpected_error(error: Exception):
    transaction.rollback()
    # A concurrent request won the race: the version column or a unique constraint refused
    # this one (a double-clicked form, two officers at once). Nothing was saved.
    if isinstance(getattr(error, "original_exception", error), StaleDataError | IntegrityError):
        return render_error(409)
    if isinstance(error, problems.Problem):
        return error.get_response()
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error", exc_info=error)
    return render_error(500)


def handle_untrusted_host(error: SecurityError):
    """A request for a host this site does not serve (TRUSTED_HOSTS): no page of ours, whose
    links would be built for that host."""
    return _("This site does not serve that host name."), 400, {"Content-Type": "text/plain; charset=utf-8"}


def register(app: Flask) -> None:
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(429, handle_rate_limit)
    for status in (400, 403, 404, 405, 409):
        app.register_error_handler(status, handle_http_error)
    for status in (401, 406, 412, 413, 415, 422, 428):  # the API's; a page keeps werkzeug's own answer
        app.register_error_handler(status, handle_api_error)
    app.register_error_handler(problems.Problem, lambda error: error.get_response())
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
