"""Deny by default.

Every view declares who may call it with one of these decorators. A view without a
declared rule is refused with 403 at run time (and `tests/test_access_rules.py` fails
while one exists). Per-object rules live in each domain's `policy.py`."""

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

ALWAYS_ALLOWED_ENDPOINTS = {"static"}


def _declare(rule: str) -> Callable:
    def mark(view: Callable) -> Callable:
        view.access_rule = rule
        return view

    return mark


def public(view: Callable) -> Callable:
    """Anyone, logged in or not."""
    return _declare("public")(view)


def anonymous_only(view: Callable) -> Callable:
    """Pages for visitors (register, log in, reset); a logged-in user goes to the dashboard."""
    from flask import redirect, url_for

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated:
            return redirect(url_for("dashboard.index"))
        return view(*args, **kwargs)

    return _declare("anonymous")(wrapper)


def login_required(view: Callable) -> Callable:
    """Any logged-in, active user. Object-level checks happen in the view through a policy."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            from diaspora.extensions import login_manager

            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _declare("login")(wrapper)


def admin_required(view: Callable) -> Callable:
    """Platform administrators only."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            from diaspora.extensions import login_manager

            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return _declare("admin")(wrapper)


def declared_rule(view: Callable | None) -> str | None:
    return getattr(view, "access_rule", None)


def enforce_declared_rule() -> None:
    if request.endpoint is None or request.endpoint in ALWAYS_ALLOWED_ENDPOINTS:
        return  # unmatched URLs become 404 as usual
    view = current_app.view_functions.get(request.endpoint)
    if declared_rule(view) is None:
        current_app.logger.error("Refused %s: view declares no access rule", request.endpoint)
        abort(403)
