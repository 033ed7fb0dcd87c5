"""Two-factor sign-in: a TOTP authenticator app (RFC 6238), with one-time recovery codes.

* **The secret** is made when enrolment starts and kept encrypted in `users.totp_secret`
  (AES-GCM, with a key derived from SECRET_KEY by HKDF; a key in SECRET_KEY_FALLBACKS still
  reads it after a rotation). It is shown, as a QR code and as text, only while enrolment is
  unfinished; once a code has confirmed it (`totp_enabled_at`), no page shows it again.
* **A code** is accepted for the current 30-second step or the one either side (clock drift),
  and only for a step later than the last one accepted (`totp_last_step`): the same code, or
  an older one, is refused.
* **Recovery codes**: ten, made at enrolment, shown once, in the answer to the request that made
  them (never in the session cookie); each works once. Only the SHA-256 of each is kept: 80
  random bits cannot be guessed, so argon2 would add nothing but time.
* **Typed as people type**: a code in another script's digits (Arabic-Indic ٣, full-width ３),
  full-width letters or any kind of dash is read as the ASCII it stands for (`_clean`).
* **Wrong ones are limited** per account (auth/limits.py): at login, and where a password and
  a code change something (new recovery codes, turning it off, a new phone).
* **Required** for platform admins and for the roles a domain registers (`required_for`: desks
  registers its officers; `is_required`); offered to everyone.
* **Lost device**: a recovery code, then set up again; without one, an admin resets the second
  factor (`reset_by_admin`, audited, the person is emailed), or, for the last admin, the
  `flask users reset-two-factor EMAIL` command on the server.

Services flush, never commit, and take the actor explicitly."""

import base64
import hashlib
import secrets
import time
import unicodedata
from collections.abc import Callable

import pyotp
import segno
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from markupsafe import Markup

from diaspora.auth import passwords
from diaspora.auth.models import RecoveryCode, User, new_session_token
from diaspora.core import audit
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.time import utcnow
from diaspora.extensions import db

ISSUER = "Diaspora Health Network"
STEP = 30  # seconds: every authenticator app's default
DRIFT = 1  # steps either side accepted
RECOVERY_CODES = 10
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends; encrypted it fits the 64-character column
_NONCE = 12


# ---------------------------------------------------------------------------- the secret, encrypted


def _key(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"diaspora.totp-secret").derive(secret_key.encode())


def _encrypt(raw: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE)
    sealed = AESGCM(_key(current_app.config["SECRET_KEY"])).encrypt(nonce, raw, b"totp")
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def _decrypt(stored: str) -> bytes | None:
    blob = base64.urlsafe_b64decode(stored + "=" * (-len(stored) % 4))
    keys = [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]
    for secret_key in keys:
        try:
            return AESGCM(_key(secret_key)).decrypt(blob[:_NONCE], blob[_NONCE:], b"totp")
        except InvalidTag:
            continue
    return None  # encrypted under a key no longer configured: the person uses a recovery code


def _base32(user: User) -> str | None:
    raw = _decrypt(user.totp_secret) if user.totp_secret else None
    return base64.b32encode(raw).decode() if raw else None


def _totp(user: User) -> pyotp.TOTP | None:
    secret = _base32(user)
    return pyotp.TOTP(secret, interval=STEP) if secret else None


# ---------------------------------------------------------------------------- who must have it


# Roles that must use a second factor, registered by the domain that knows the role (desks
# registers its officers): name -> whether the user holds it. Platform admins always must.
REQUIRED_FOR: dict[str, Callable[[User], bool]] = {}


def required_for(role: str, holds: Callable[[User], bool]) -> None:
    """Declare that whoever holds `role` (`holds(user)`) must use a second factor."""
    REQUIRED_FOR[role] = holds


def is_required(user: User) -> bool:
    """Platform admins, and whoever holds a role registered with `required_for`, must use a
    second factor."""
    return user.is_admin or any(holds(user) for holds in REQUIRED_FOR.values())


# ---------------------------------------------------------------------------- enrolment


def start_enrolment(user: User) -> None:
    """A new secret, not yet in use, unless one is already waiting to be confirmed."""
    if user.two_factor_enabled:
        raise DomainError(_("Two-factor sign-in is already on."))
    if user.totp_secret is None or _base32(user) is None:
        user.totp_secret = _encrypt(secrets.token_bytes(SECRET_BYTES))
        user.totp_last_step = None
        db.session.flush()


def pending_secret(user: User) -> str | None:
    """The secret being set up, to show once (None once enrolment is done: never shown again)."""
    if user.two_factor_enabled:
        return None
    return _base32(user)


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(pending_secret(user), interval=STEP).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (no file, no script)."""
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=5, border=2, dark="#111", light="#fff", title=title, svgclass="qr-code")
    return Markup(svg)  # segno escapes the title; the rest is its own markup


def enable(user: User, code: str) -> list[str]:
    """Confirm the pending secret with a code from the app; turn it on. Returns the recovery
    codes (shown once). Every other session is logged out."""
    if user.two_factor_enabled:
        raise DomainError(_("Two-factor sign-in is already on."))
    if _base32(user) is None:
        raise DomainError(_("Start the set-up again: scan the new QR code."), field="code")
    step = _matching_step(user, code)
    if step is None:
        raise DomainError(_("That code is not right. Enter the 6-digit code your app shows now."), field="code")
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    user.session_token = new_session_token()
    codes = _new_recovery_codes(user)
    audit.record("user.two_factor_enabled", user, actor=user)
    queue_email(user.email, _l("Two-factor sign-in is on"), "auth_two_factor_enabled", locale=user.locale,
                user=user, account_url=absolute("auth.two_factor"), reset_url=absolute("auth.forgot_password"))
    return codes


def regenerate_recovery_codes(user: User, password: str, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), with the password and a current code."""
    _check_password_and_code(user, password, code)
    codes = _new_recovery_codes(user)
    audit.record("user.recovery_codes_renewed", user, actor=user)
    return codes


def disable(user: User, password: str, code: str) -> None:
    """Turn it off, with the password and a code (or a recovery code). Not for those who must
    have it."""
    if not user.two_factor_enabled:
        raise DomainError(_("Two-factor sign-in is already off."))
    if is_required(user):
        raise DomainError(_("Two-factor sign-in is required for platform administrators and desk officers: "
                            "it cannot be turned off."))
    _check_password_and_code(user, password, code)
    _clear(user)
    audit.record("user.two_factor_disabled", user, actor=user)
    queue_email(user.email, _l("Two-factor sign-in is off"), "auth_two_factor_disabled", locale=user.locale,
                user=user, account_url=absolute("auth.two_factor"), reset_url=absolute("auth.forgot_password"))


def restart(user: User, password: str, code: str) -> None:
    """A new phone, for someone who must keep a second factor: with the password and a code (or
    a recovery code), the old secret and codes go and set-up starts again; until it is done,
    the person reaches only the set-up page. Every session is logged out (the lost phone's
    holder may have one): the caller starts this one afresh."""
    if not user.two_factor_enabled:
        raise DomainError(_("Two-factor sign-in is already off."))
    _check_password_and_code(user, password, code)
    _clear(user)
    user.session_token = new_session_token()
    start_enrolment(user)
    audit.record("user.two_factor_restarted", user, actor=user)


def reset_by_admin(admin: User, user: User, reason: str) -> None:
    """An admin turns off someone's second factor (a lost phone and no recovery code left),
    after checking who they are. Audited with the reason; the person is emailed and logged out
    everywhere; if it is required for them, they set it up again at their next login."""
    if not admin.is_admin:
        raise DomainError(_("Only a platform administrator can do that."))
    if user.id == admin.id:
        raise DomainError(_("Ask another administrator to reset your own two-factor sign-in."), field="email")
    if not user.two_factor_enabled and user.totp_secret is None:
        raise DomainError(_("That account does not use two-factor sign-in."), field="email")
    _clear(user)
    user.session_token = new_session_token()
    audit.record("user.two_factor_reset", user, actor=admin, changes={"reason": reason})
    queue_email(user.email, _l("Your two-factor sign-in was reset"), "auth_two_factor_reset", locale=user.locale,
                user=user, login_url=absolute("auth.login"), account_url=absolute("auth.two_factor"))


def reset_by_command(user: User) -> None:
    """The same, from the server's command line (the last admin's own lost device)."""
    _clear(user)
    user.session_token = new_session_token()
    audit.record("user.two_factor_reset", user, actor=None, changes={"reason": "flask users reset-two-factor"})
    queue_email(user.email, _l("Your two-factor sign-in was reset"), "auth_two_factor_reset", locale=user.locale,
                user=user, login_url=absolute("auth.login"), account_url=absolute("auth.two_factor"))


def enrol_for_demo(user: User) -> str:
    """The demo's admin and desk officer (`flask demo load`): turned on without a code; a later
    run keeps the secret. Returns the secret, to print beside the demo logins."""
    if not user.two_factor_enabled or _base32(user) is None:
        user.totp_secret = _encrypt(secrets.token_bytes(SECRET_BYTES))
        user.totp_enabled_at = utcnow()
        user.totp_last_step = None
        _new_recovery_codes(user)
        audit.record("user.two_factor_enabled", user, actor=None, changes={"by": "flask demo load"})
    return secret_of(user)


def secret_of(user: User) -> str | None:
    """The secret in base32, as an app holds it. Only for the demo command and the tests: no page
    shows it once enrolment is done."""
    return _base32(user)


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# ---------------------------------------------------------------------------- codes


def _clean(code: str) -> str:
    """A code as the ASCII it stands for, however it was typed: full-width letters and digits
    (NFKC), the decimal digits of any script (Arabic-Indic ٣ is 3), without spaces or dashes of
    any kind, in upper case. What is still not ASCII matches no code."""
    kept = []
    for char in unicodedata.normalize("NFKC", code or ""):
        if char.isspace() or unicodedata.category(char) == "Pd":
            continue
        digit = unicodedata.decimal(char, None)
        kept.append(str(digit) if digit is not None else char)
    return "".join(kept).upper()


def _matching_step(user: User, code: str, now: float | None = None) -> int | None:
    """The time-step whose code this is (within the drift, after the last accepted), or None."""
    totp = _totp(user)
    code = _clean(code)
    if totp is None or len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    current = int((now if now is not None else time.time()) // STEP)
    for step in range(current - DRIFT, current + DRIFT + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def verify(user: User, code: str) -> str | None:
    """Check a sign-in code: a 6-digit code from the app (once per step), or a recovery code
    (once). Returns "totp" or "recovery" when accepted (and records its use), else None."""
    if not user.two_factor_enabled:
        return None
    # Under a row lock (PostgreSQL), so two requests with the same code cannot both pass.
    db.session.refresh(user, with_for_update=True)
    step = _matching_step(user, code)
    if step is not None:
        user.totp_last_step = step
        return "totp"
    cleaned = _clean(code)
    if len(cleaned) == 16 and cleaned.isascii():
        recovery = db.session.scalar(
            sa.select(RecoveryCode).where(RecoveryCode.code_hash == _hash(cleaned),
                                          RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
            .with_for_update())
        if recovery is not None:
            recovery.used_at = utcnow()
            audit.record("user.recovery_code_used", user, actor=user,
                         changes={"left": recovery_codes_left(user) - 1})
            return "recovery"
    return None


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _check_password_and_code(user: User, password: str, code: str) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise passwords.WrongSecret(_("Your password is not right."), field="password")
    if verify(user, code) is None:
        raise passwords.WrongSecret(_("That code is not right, or it has been used already."), field="code")


def _hash(cleaned: str) -> str:
    return hashlib.sha256(cleaned.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode()  # 16 characters, 80 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)).lower())
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


# ---------------------------------------------------------------------------- personal data


def _export(user: User) -> dict:
    return {
        "enabled": user.two_factor_enabled,
        "enabled_at": user.totp_enabled_at.isoformat() if user.totp_enabled_at else None,
        "recovery_codes_left": recovery_codes_left(user),
    }


def _erase(user: User) -> int:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.user_id == user.id)) or 0
    _clear(user)
    return count


def register_personal_data() -> None:
    from diaspora.core import personal_data

    personal_data.register("two_factor", tables=("recovery_codes",), export=_export, erase=_erase, order=990,
                           erased=_l("Your two-factor sign-in: its key and your recovery codes."))
