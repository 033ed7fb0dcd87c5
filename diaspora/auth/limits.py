"""Limits on wrong passwords and codes, counted in Flask-Limiter's storage (Redis in
production, so they hold across app servers), through the `limits` library it is built on.

Failed logins have three counters, each with its own ceiling:

* per account *and* address: a few tries, then a pause. Someone guessing from elsewhere
  cannot lock the owner out of their own address;
* per account, from anywhere: a much higher ceiling, against guessing spread over many
  addresses;
* per address, whatever the account: against one machine trying many accounts.

An account is named by its address normalised exactly as the login looks it up
(`services.normalise_email`), so `Name@...` and `NAME@...` share one allowance.

The account's keys include a fingerprint of its password hash, so a password reset starts
them afresh: the owner can always get back in through the reset link.

The same mechanism counts wrong codes after a right password (`code_blocked`) and wrong
passwords or codes on the account's own pages (`check_blocked`: new recovery codes, turning
two-factor sign-in off or moving it to a new phone, changing the password or the email,
deleting the account), each per account."""

from dataclasses import dataclass

from flask import current_app
from limits import parse

from diaspora.auth import tokens
from diaspora.auth.services import normalise_email
from diaspora.extensions import limiter


@dataclass(frozen=True)
class Blocked:
    seconds: int  # until the first limit that was reached starts afresh
    whole_account: bool  # the per-account ceiling (reached from many places), not just here


def _limits() -> dict:
    config = current_app.config
    return {
        "pair": parse(config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"]),
        "account": parse(config["LOGIN_LIMIT_PER_ACCOUNT"]),
        "address": parse(config["LOGIN_LIMIT_PER_IP"]),
    }


def _keys(email: str, password_hash: str | None, address: str | None) -> dict:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    account = f"{prefix}login:{normalise_email(email)}:{tokens.fingerprint(password_hash or 'none')[:10]}"
    return {
        "pair": (account, address or "-"),
        "account": (account,),
        "address": (f"{prefix}login-address", address or "-"),
    }


def blocked(email: str, password_hash: str | None, address: str | None) -> Blocked | None:
    """Whether a login for this account from this address must wait, and how long."""
    strategy = limiter.limiter
    items, keys = _limits(), _keys(email, password_hash, address)
    reached = [name for name in items if not strategy.test(items[name], *keys[name])]
    if not reached:
        return None
    waits = []
    for name in reached:
        reset_at = strategy.get_window_stats(items[name], *keys[name]).reset_time
        waits.append(max(1, int(reset_at - _now()) + 1))
    return Blocked(seconds=max(waits), whole_account="account" in reached)


def record_failure(email: str, password_hash: str | None, address: str | None) -> None:
    strategy = limiter.limiter
    items, keys = _limits(), _keys(email, password_hash, address)
    for name, item in items.items():
        strategy.hit(item, *keys[name])


def _now() -> float:
    import time

    return time.time()


# ---------------------------------------------------------------------------- per-account checks
#
# Wrong codes after a right password, and wrong passwords or codes on the account's own pages:
# counted per account (whoever tries already has the password or the session, so the address
# matters little), with the password's fingerprint in the key, like the logins: a password
# reset lifts the pause. Each ceiling can be set in the config, by the name given here.

TWO_FACTOR_LIMIT = "5 per 15 minutes"  # six digits, three steps accepted at a time: years to guess
ACCOUNT_CHECK_LIMIT = "5 per 15 minutes"


def _account_limit(config_key: str, default: str):
    return parse(current_app.config.get(config_key, default))


def _account_key(counter: str, user_id: int, password_hash: str | None) -> tuple:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return (f"{prefix}{counter}:{user_id}:{tokens.fingerprint(password_hash or 'none')[:10]}",)


def _wait(item, key: tuple) -> int | None:
    strategy = limiter.limiter
    if strategy.test(item, *key):
        return None
    reset_at = strategy.get_window_stats(item, *key).reset_time
    return max(1, int(reset_at - _now()) + 1)


def code_blocked(user_id: int, password_hash: str | None) -> int | None:
    """Seconds until sign-in codes may be tried again for this account, or None."""
    return _wait(_account_limit("TWO_FACTOR_LIMIT", TWO_FACTOR_LIMIT),
                 _account_key("two-factor", user_id, password_hash))


def record_code_failure(user_id: int, password_hash: str | None) -> None:
    limiter.limiter.hit(_account_limit("TWO_FACTOR_LIMIT", TWO_FACTOR_LIMIT),
                        *_account_key("two-factor", user_id, password_hash))


def check_blocked(user_id: int, password_hash: str | None) -> int | None:
    """Seconds until the account's own pages may check a password or a code again, or None."""
    return _wait(_account_limit("ACCOUNT_CHECK_LIMIT", ACCOUNT_CHECK_LIMIT),
                 _account_key("account-check", user_id, password_hash))


def record_check_failure(user_id: int, password_hash: str | None) -> None:
    limiter.limiter.hit(_account_limit("ACCOUNT_CHECK_LIMIT", ACCOUNT_CHECK_LIMIT),
                        *_account_key("account-check", user_id, password_hash))
