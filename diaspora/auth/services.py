"""Account rules. Services flush and never commit; they take the actor explicitly and know
nothing of the request. Links in mail come from the configured site address (`core.links`).

Register, log in and reset answer the same whether or not an email is known, and do the same
work either way (one password hash, one mail), so neither the page nor its timing tells who
has an account: the difference only shows in the mail the owner of the address receives."""

import sqlalchemy as sa
from flask import current_app

from diaspora.auth import passwords, tokens
from diaspora.auth.models import User, new_session_token
from diaspora.core import audit, emails, personal_data
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.time import utcnow
from diaspora.extensions import db

DELETED_NAME = "Deleted member"


def normalise_email(email: str) -> str:
    """The form an address is stored and looked up in (see core/emails.py)."""
    return emails.lookup_form(email)


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(name: str, email: str, password: str, *, verified: bool = False,
                is_admin: bool = False) -> User:
    user = User(
        name=" ".join(name.split()),
        email=emails.normalise(email),
        password_hash=passwords.hash_password(password),
        email_verified_at=utcnow() if verified else None,
        is_admin=is_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register(name: str, email: str, password: str, locale: str | None = None) -> None:
    existing = find_by_email(email)
    if existing is not None:
        passwords.hash_password(password)  # the same work as a new account, so it takes as long
        queue_email(existing.email, _l("Someone tried to register with your email address"),
                    "account_exists", locale=existing.locale, user=existing,
                    login_url=absolute("auth.login"), reset_url=absolute("auth.forgot_password"))
        return
    user = create_user(name, email, password)
    if locale:
        user.locale = locale
    audit.record("user.registered", user, actor=user, changes={"email": user.email, "name": user.name})
    send_verification(user)


def send_verification(user: User) -> None:
    token = tokens.make("verify", {"uid": user.id, "email": user.email})
    queue_email(user.email, _l("Confirm your email address"), "verify_email", locale=user.locale,
                user=user, verify_url=absolute("auth.verify_email", token=token))


def verify_email(token: str) -> User:
    data = tokens.read("verify", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
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


def end_sessions(user: User) -> None:
    """Log out everywhere: a copied session or remember-me cookie stops working."""
    user.session_token = new_session_token()
    audit.record("user.logged_out", user, actor=user)


def request_password_reset(email: str, locale: str | None = None) -> None:
    """Mail a reset link to the account's owner; an address with no active account gets a
    mail saying so (the same work, so the answer and its timing are the same)."""
    user = find_by_email(email)
    if user is None or not user.active:
        address = normalise_email(email)
        try:
            emails.normalise(address)
        except emails.AddressError:
            return  # not an address we could mail: the form refuses it before this
        queue_email(address, _l("Resetting a password on the Diaspora Health Network"),
                    "reset_password_unknown", locale=locale, register_url=absolute("auth.register"),
                    reset_url=absolute("auth.forgot_password"))
        return
    token = tokens.make("reset", {"uid": user.id, "pw": tokens.fingerprint(user.password_hash)})
    queue_email(user.email, _l("Reset your password"), "reset_password", locale=user.locale, user=user,
                reset_url=absolute("auth.reset_password", token=token),
                minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60)
    audit.record("user.password_reset_requested", user, actor=user)


def user_for_reset_token(token: str) -> User:
    data = tokens.read("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or not user.active or tokens.fingerprint(user.password_hash) != data.get("pw"):
        raise tokens.InvalidToken("already used or account changed")
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    _set_password(user, new_password)
    # Following the emailed link proves the address works.
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record("user.password_reset", user, actor=user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise passwords.WrongSecret(_("Your current password is not right."), field="current_password")
    _set_password(user, new_password)
    audit.record("user.password_changed", user, actor=user)


def _set_password(user: User, new_password: str) -> None:
    problem = passwords.password_problem(new_password, [user.name, user.email])
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = passwords.hash_password(new_password)
    user.session_token = new_session_token()
    queue_email(user.email, _l("Your password was changed"), "password_changed", locale=user.locale,
                user=user, reset_url=absolute("auth.forgot_password"))


def request_email_change(user: User, new_email: str, password: str) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise passwords.WrongSecret(_("Your password is not right."), field="password")
    try:
        new_email = emails.normalise(new_email)
    except emails.AddressError as error:
        raise DomainError(str(error), field="email") from error
    if new_email == user.email:
        raise DomainError(_("That is already your email address."), field="email")
    if find_by_email(new_email) is not None:
        queue_email(new_email, _l("Someone tried to use your email address"), "email_taken",
                    locale=user.locale, user=user)
        return
    token = tokens.make("email", {"uid": user.id, "old": user.email, "new": new_email})
    queue_email(new_email, _l("Confirm your new email address"), "confirm_new_email", locale=user.locale,
                user=user, confirm_url=absolute("auth.confirm_email_change", token=token))
    audit.record("user.email_change_requested", user, actor=user, changes={"email": [user.email, new_email]})


def confirm_email_change(token: str) -> User:
    data = tokens.read("email", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or user.email != data.get("old"):
        raise tokens.InvalidToken("already used or account changed")
    if find_by_email(data["new"]) is not None:
        raise DomainError(_("Another account now uses that address."))
    old_email = user.email
    user.email = data["new"]
    user.email_verified_at = utcnow()
    queue_email(old_email, _l("Your email address was changed"), "email_changed", locale=user.locale,
                user=user, new_email=user.email)
    audit.record("user.email_changed", user, actor=user, changes={"email": [old_email, user.email]})
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_("Choose one of the languages listed."), field="locale")
    if locale != user.locale:
        audit.record("user.locale_changed", user, actor=user, changes={"locale": [user.locale, locale]})
        user.locale = locale


# ---------------------------------------------------------------------------- the whole account


def export_data(user: User) -> dict:
    """Everything the app holds about the person (every domain's registered data)."""
    data = {"exported_at": utcnow().isoformat(), **personal_data.export_person(user)}
    audit.record("user.exported_data", user, actor=user)
    return data


def deletion_blockers(user: User) -> list[str]:
    return personal_data.erasure_blockers(user)


def delete_account(user: User, password: str) -> dict:
    """Erase the person: every domain's data about them, their identity, their traces in the
    audit trail and the outbox. Anonymous counts stay. One transaction: a refusal (the only
    officer of an association) keeps everything as it was."""
    if not passwords.verify_password(user.password_hash, password):
        raise passwords.WrongSecret(_("Your password is not right."), field="password")
    blockers = deletion_blockers(user)
    if blockers:
        raise DomainError(" ".join(blockers))
    queue_email(user.email, _l("Your account has been deleted"), "members_account_deleted",
                locale=user.locale, name=user.name)
    counts = personal_data.erase_person(user)
    audit.record("user.deleted", user, actor=user, changes={"erased": sorted(counts)})
    return counts


def _export_account(user: User) -> dict:
    return {
        "name": user.name, "email": user.email, "created_at": user.created_at.isoformat(),
        "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "locale": user.locale, "is_platform_admin": user.is_admin,
        "two_factor": user.two_factor_enabled,
    }


def _erase_account(user: User) -> int:
    """The identity goes last: the row stays, anonymous, so counts and references hold."""
    user.name = DELETED_NAME
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = passwords.UNUSABLE_PREFIX + "deleted"
    user.active = False
    user.is_admin = False
    user.deleted_at = utcnow()
    user.session_token = new_session_token()
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    return 1


def register_personal_data() -> None:
    personal_data.register(
        "account", tables=("users",), export=_export_account, erase=_erase_account, order=1000,
        erased=_l("Your name, email address and password: you can no longer log in."),
        kept=_l("An empty account named “Deleted member” takes the place of yours, so what stays points to "
                "nobody."))
