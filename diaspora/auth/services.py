"""Account rules. Services flush and never commit; they know nothing of the request.

Register, log in and reset answer the same whether or not an email is known: the
difference only shows in the mail that the owner of the address receives."""

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for

from diaspora.auth import passwords, tokens
from diaspora.auth.models import User, new_session_token
from diaspora.core import audit
from diaspora.core.outbox import queue_email
from diaspora.core.time import utcnow
from diaspora.extensions import db


class AccountError(Exception):
    """A rule stopped the change; the message is for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(name: str, email: str, password: str, *, verified: bool = False,
                is_admin: bool = False) -> User:
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        password_hash=passwords.hash_password(password),
        email_verified_at=utcnow() if verified else None,
        is_admin=is_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register(name: str, email: str, password: str) -> None:
    existing = find_by_email(email)
    if existing is not None:
        queue_email(existing.email, "Someone tried to register with your email address",
                    "account_exists", user=existing,
                    login_url=url_for("auth.login", _external=True),
                    reset_url=url_for("auth.forgot_password", _external=True))
        return
    user = create_user(name, email, password)
    audit.record("user.registered", user, actor=user, changes={"email": user.email, "name": user.name})
    send_verification(user)


def send_verification(user: User) -> None:
    token = tokens.make("verify", {"uid": user.id, "email": user.email})
    queue_email(user.email, "Confirm your email address", "verify_email", user=user,
                verify_url=url_for("auth.verify_email", token=token, _external=True))


def verify_email(token: str) -> User:
    data = tokens.read("verify", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        raise tokens.InvalidToken("account or address changed")
    if not user.is_verified:
        user.email_verified_at = utcnow()
        audit.record("user.email_verified", user, actor=user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None. Takes as long either way."""
    user = find_by_email(email)
    if not passwords.verify_password(user.password_hash if user else None, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit.record("user.logged_in", user, actor=user)


def request_password_reset(email: str) -> None:
    user = find_by_email(email)
    if user is None or not user.active:
        return
    token = tokens.make("reset", {"uid": user.id, "pw": tokens.fingerprint(user.password_hash)})
    queue_email(user.email, "Reset your password", "reset_password", user=user,
                reset_url=url_for("auth.reset_password", token=token, _external=True),
                minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60)
    audit.record("user.password_reset_requested", user, actor=user)


def welcome_link(user: User) -> str:
    """A link for someone whose account was made for them (a member import): it lets them
    choose their password, and proves their address. Single use, valid for 14 days."""
    token = tokens.make("welcome", {"uid": user.id, "pw": tokens.fingerprint(user.password_hash)})
    return url_for("auth.welcome", token=token, _external=True)


def create_account_for(name: str, email: str) -> User:
    """An account someone else made (an officer's import): no usable password until its
    owner follows their welcome link."""
    user = User(name=name.strip(), email=normalise_email(email),
                password_hash=passwords.UNUSABLE_PREFIX + tokens.fingerprint(str(utcnow())))
    db.session.add(user)
    db.session.flush()
    return user


def user_for_reset_token(token: str, purpose: str = "reset") -> User:
    max_age = current_app.config["WELCOME_TOKEN_MAX_AGE" if purpose == "welcome" else "RESET_TOKEN_MAX_AGE"]
    data = tokens.read(purpose, token, max_age)
    user = db.session.get(User, data.get("uid"))
    if user is None or tokens.fingerprint(user.password_hash) != data.get("pw"):
        raise tokens.InvalidToken("already used or account changed")
    return user


def reset_password(token: str, new_password: str, purpose: str = "reset") -> User:
    user = user_for_reset_token(token, purpose)
    _set_password(user, new_password)
    # Following the emailed link proves the address works.
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record("user.password_reset" if purpose == "reset" else "user.welcomed", user, actor=user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError("Your current password is not right.", field="current_password")
    _set_password(user, new_password)
    audit.record("user.password_changed", user)


def _set_password(user: User, new_password: str) -> None:
    problem = passwords.password_problem(new_password, [user.name, user.email])
    if problem:
        raise AccountError(problem, field="password")
    user.password_hash = passwords.hash_password(new_password)
    user.session_token = new_session_token()
    queue_email(user.email, "Your password was changed", "password_changed", user=user,
                reset_url=url_for("auth.forgot_password", _external=True))


def request_email_change(user: User, new_email: str, password: str) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise AccountError("Your password is not right.", field="password")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise AccountError("That is already your email address.", field="email")
    if find_by_email(new_email) is not None:
        queue_email(new_email, "Someone tried to use your email address", "email_taken", user=user)
        return
    token = tokens.make("email", {"uid": user.id, "old": user.email, "new": new_email})
    queue_email(new_email, "Confirm your new email address", "confirm_new_email", user=user,
                confirm_url=url_for("auth.confirm_email_change", token=token, _external=True))
    audit.record("user.email_change_requested", user, changes={"email": [user.email, new_email]})


def confirm_email_change(token: str) -> User:
    data = tokens.read("email", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("old"):
        raise tokens.InvalidToken("already used or account changed")
    if find_by_email(data["new"]) is not None:
        raise AccountError("Another account now uses that address.")
    old_email = user.email
    user.email = data["new"]
    user.email_verified_at = utcnow()
    queue_email(old_email, "Your email address was changed", "email_changed", user=user,
                new_email=user.email)
    audit.record("user.email_changed", user, changes={"email": [old_email, user.email]})
    return user
