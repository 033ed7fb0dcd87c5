"""A logged-in session and its second factor: what the login, the account pages and the
two-factor pages (auth/two_factor_views.py) all keep in the session."""

import secrets

from flask import session
from flask_login import current_user, login_user

from diaspora.auth import tokens
from diaspora.auth.models import User

PENDING = "two_factor_pending"  # the signed "password was right" marker, until the code
PENDING_PURPOSE = "two-factor-login"
PASSED = "two_factor_passed"  # this login gave its second factor: `second_factor_mark(user)`


def second_factor_mark(user: User) -> str:
    """What the session keeps once a login has given its second factor: bound to the account
    and to its session token (a new one at logging out, a new password, turning two-factor
    sign-in on, a reset), so it counts for no other account, and not after any of those."""
    return tokens.fingerprint(f"second-factor:{user.get_id()}")


def second_factor_passed() -> bool:
    """Whether the person this request belongs to (`current_user`) gave their second factor."""
    if not current_user.is_authenticated:  # first: loading from a remember-me cookie sets the mark
        return False
    mark = session.get(PASSED)
    return isinstance(mark, str) and secrets.compare_digest(mark, second_factor_mark(current_user))


def start_session(user: User, remember: bool = False, second_factor: bool = False) -> None:
    """A fresh session for the logged-in person: nothing from before (a CSRF token, a
    planted session id, a second factor given by anyone) carries over; `second_factor` when
    this login has just given it (or the session had it for this person before a change)."""
    user = getattr(user, "_get_current_object", lambda: user)()  # the user, not the current_user proxy
    session.clear()
    login_user(user, remember=remember)
    if second_factor:
        session[PASSED] = second_factor_mark(user)
