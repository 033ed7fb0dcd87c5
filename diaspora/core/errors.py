"""Friendly error pages, or JSON for clients that ask for it."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from diaspora.core import transaction

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("You can't do that", "Your account does not have access to this page."),
    404: ("Page not found", "The page may have moved, or you may not have access to it."),
    405: ("Not allowed", "That page can't be used that way."),
    409: ("Someone else changed this first",
          "Your change was not saved, so nothing was overwritten. Go back, reload the page to see "
          "the latest version, and make your change again."),
    429: ("Too many attempts", "Please wait a few minutes and try again."),
    500: ("Sorry, something went wrong on our side",
          "We have been told about it. Please try again in a few minutes; "
          "nothing you typed was saved."),
}


def wants_json() -> bool:
    accepted = request.accept_mimetypes
    return accepted.best_match(["application/json", "text/html"]) == "application/json" and (
        accepted["application/json"] > accepted["text/html"]
    )


def render_error(status: int, detail: str | None = None):
    title, default_detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    detail = detail or default_detail
    if wants_json():
        return jsonify(error=title, detail=detail), status
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def handle_http_error(error: HTTPException):
    return render_error(error.code or 500)


def handle_csrf_error(error: CSRFError):
    return render_error(
        400, "This form had expired or was sent from another site. Go back, reload the page and try again."
    )


def handle_rate_limit(error: HTTPException):
    return render_error(429, f"Too many attempts: the limit is {error.description}. "
                             "Please wait a few minutes and try again.")


def handle_unexpected_error(error: Exception):
    transaction.rollback()
    # A concurrent request won the race: the version column or a unique constraint refused
    # this one (a double-clicked form, two officers at once). Nothing was saved.
    if isinstance(getattr(error, "original_exception", error), StaleDataError | IntegrityError):
        return render_error(409)
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error", exc_info=error)
    return render_error(500)


def handle_untrusted_host(error: SecurityError):
    """A request for a host this site does not serve (TRUSTED_HOSTS): no page of ours, whose
    links would be built for that host."""
    return "This site does not serve that host name.", 400, {"Content-Type": "text/plain; charset=utf-8"}


def register(app: Flask) -> None:
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(429, handle_rate_limit)
    for status in (400, 403, 404, 405, 409):
        app.register_error_handler(status, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
