"""Configuration: defaults here, then `instance/config.py`, then the environment,
then whatever a caller (a test) passes to `create_app`.

There is no fallback secret. In production the app refuses to start without
`SECRET_KEY`; in development one is generated once into `instance/secret_key`."""

import os
import secrets
from pathlib import Path

ENV_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "APP_ENV",
    "SERVER_NAME",
    "PREFERRED_URL_SCHEME",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_KEY_PREFIX",
    "LOGIN_LIMIT_PER_ACCOUNT",
    "LOGIN_LIMIT_PER_IP",
    "OUTBOX_MAX_ATTEMPTS",
    "TRUSTED_PROXIES",
)
BOOLEAN_KEYS = {"MAIL_USE_TLS", "MAIL_USE_SSL", "SESSION_COOKIE_SECURE"}
INTEGER_KEYS = {"MAIL_PORT", "OUTBOX_MAX_ATTEMPTS", "TRUSTED_PROXIES"}


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def defaults(instance_path: str) -> dict:
    return {
        "APP_ENV": "production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'diaspora.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_DEFAULT_SENDER": "Diaspora Health Network <no-reply@diaspora-health.local>",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_IP": "30 per 15 minutes",
        "OUTBOX_MAX_ATTEMPTS": 8,
        "TRUSTED_PROXIES": 0,
        "VERIFY_TOKEN_MAX_AGE": 3 * 24 * 3600,
        "RESET_TOKEN_MAX_AGE": 3600,
        "WELCOME_TOKEN_MAX_AGE": 14 * 24 * 3600,
        "PER_PAGE": 25,
    }


def from_environment(environ=os.environ) -> dict:
    found = {}
    for key in ENV_KEYS:
        if key not in environ:
            continue
        value = environ[key]
        if key in BOOLEAN_KEYS:
            value = value.lower() in {"1", "true", "yes", "on"}
        elif key in INTEGER_KEYS:
            value = int(value)
        found[key] = value
    if "DATABASE_URL" in found:
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(found.pop("DATABASE_URL"))
    return found


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out `postgres://` URLs; SQLAlchemy wants a driver name."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def ensure_secret_key(config: dict, instance_path: str) -> None:
    if config.get("SECRET_KEY"):
        return
    if config.get("APP_ENV") != "development" and not config.get("TESTING"):
        raise ConfigError(
            "SECRET_KEY is not set. Set it in the environment or instance/config.py "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    config["SECRET_KEY"] = key_file.read_text().strip()
