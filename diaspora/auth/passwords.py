"""Password hashing (argon2id) and strength rules (zxcvbn).

Passwords may be up to MAX_LENGTH characters (long passphrases are welcome); strength is
judged by zxcvbn on the first ZXCVBN_MAX characters, which is all it accepts.

Every check verifies an argon2 hash, even when there is no account or the account has no
usable password (made by an import, or erased): each path takes the same time, so timing does
not tell which addresses have accounts. Under test, `PASSWORD_HASHING = "fast"` uses argon2 at
its cheapest settings (the same code path, a fraction of the time)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from zxcvbn import zxcvbn

from diaspora.core.domain import DomainError
from diaspora.core.i18n import _

MIN_LENGTH = 10
MAX_LENGTH = 1000
ZXCVBN_MAX = 72  # zxcvbn refuses longer input
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline attacks"

# Marks an account with no password yet (or ever): no password matches it, since it is not
# an argon2 hash.
UNUSABLE_PREFIX = "!unusable:"



class WrongSecret(DomainError):
    """A wrong password or code given to confirm a change: the view counts it against the
    account's limit (limits.check_blocked) before showing it beside its field."""


HASHERS = {
    "production": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}
# Verified against when no account (or no usable hash) matches, so a login takes as long
# either way; one per profile, so the timing matches the profile in use.
_DUMMY_HASHES = {name: hasher.hash("not a real password, only for timing") for name, hasher in HASHERS.items()}


def _profile() -> str:
    if has_app_context():
        return current_app.config.get("PASSWORD_HASHING", "production")
    return "production"


def hasher() -> PasswordHasher:
    return HASHERS[_profile()]


def hash_password(password: str) -> str:
    return hasher().hash(password)


def is_usable(password_hash: str | None) -> bool:
    return bool(password_hash) and password_hash.startswith("$argon2")


def verify_password(password_hash: str | None, password: str) -> bool:
    usable = is_usable(password_hash)
    try:
        matches = hasher().verify(password_hash if usable else _DUMMY_HASHES[_profile()], password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and usable


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


def password_problem(password: str, user_inputs: list[str] = ()) -> str | None:
    """A sentence saying what is wrong with the password, or None when it is good enough."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(min)d characters.", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(max)d characters.", max=MAX_LENGTH)
    hints = [value[:ZXCVBN_MAX] for value in user_inputs if value]
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=hints)
    if result["score"] >= MIN_SCORE:
        return None
    return _("This password is too easy to guess. Add a few more uncommon words, or use a longer "
             "phrase that only you would think of.")
