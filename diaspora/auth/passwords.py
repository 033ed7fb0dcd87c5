"""Password hashing (argon2id) and strength rules (zxcvbn)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline attacks"

# Marks an account made by someone else (an import) that has no password yet; no password
# ever matches it, since it is not an argon2 hash.
UNUSABLE_PREFIX = "!unusable:"

_hasher = PasswordHasher()
# Verified against when no account matches, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, user_inputs: list[str] = ()) -> str | None:
    """A sentence saying what is wrong with the password, or None when it is good enough."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    result = zxcvbn(password[:100], user_inputs=[value for value in user_inputs if value])
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    advice = feedback.get("warning") or ""
    suggestions = " ".join(feedback.get("suggestions") or [])
    message = "This password is too easy to guess."
    if advice:
        message += f" {advice.rstrip('.')}."
    message += " " + (suggestions or "Add a few more uncommon words.")
    return message.strip()
