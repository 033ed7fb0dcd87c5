"""Configuration: defaults here, then `instance/config.py`, then the environment,
then whatever a caller (a test) passes to `create_app`.

There is no fallback secret. In production the app refuses to start without `SECRET_KEY`
and `SERVER_NAME` (links in mail are built from it, never from a request's Host header);
in development a secret is generated once into `instance/secret_key`. The same holds for
`CREDENTIAL_SIGNING_KEY`, the Ed25519 key that signs Open Badges credentials (generated once into
`instance/credential-signing-key.pem` in development)."""

import json
import os
import secrets
from pathlib import Path

from joserfc.jwk import OKPKey

ENV_KEYS = (
    "SECRET_KEY",
    "CREDENTIAL_SIGNING_KEY",
    "DATABASE_URL",
    "APP_ENV",
    "ACCESS_LOG_RETENTION_MONTHS",
    "SERVER_NAME",
    "PREFERRED_URL_SCHEME",
    "APPLICATION_ROOT",
    "TRUSTED_HOSTS",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "MAIL_TIMEOUT",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_KEY_PREFIX",
    "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
    "LOGIN_LIMIT_PER_ACCOUNT",
    "LOGIN_LIMIT_PER_IP",
    "TWO_FACTOR_LIMIT",
    "ACCOUNT_CHECK_LIMIT",
    "OUTBOX_MAX_ATTEMPTS",
    "TRUSTED_PROXIES",
    "SESSION_COOKIE_SECURE",
    "DISCLOSURE_THRESHOLD",
    "API_RATE_LIMIT",
    "API_PUBLIC_RATE_LIMIT",
    "JOBS_URL",
    "JOBS_QUEUE_NAME",
    "OUTBOX_CLAIM_LEASE",
    "OUTBOX_SWEEP_GRACE",
    "METRICS_TOKEN",
    "DATABASE_POOLER",
    "WEBHOOKS_CONNECT_TIMEOUT",
    "WEBHOOKS_READ_TIMEOUT",
    "WEBHOOKS_MAX_ATTEMPTS",
    "WEBHOOKS_DISABLE_AFTER",
    "WEBHOOKS_ALLOW_HTTP",
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES",
)
BOOLEAN_KEYS = {"MAIL_USE_TLS", "MAIL_USE_SSL", "SESSION_COOKIE_SECURE", "WEBHOOKS_ALLOW_HTTP",
                "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"}
INTEGER_KEYS = {"MAIL_PORT", "MAIL_TIMEOUT", "OUTBOX_MAX_ATTEMPTS", "OUTBOX_CLAIM_LEASE", "OUTBOX_SWEEP_GRACE",
                "TRUSTED_PROXIES", "DISCLOSURE_THRESHOLD", "WEBHOOKS_MAX_ATTEMPTS", "WEBHOOKS_DISABLE_AFTER",
                "ACCESS_LOG_RETENTION_MONTHS"}
FLOAT_KEYS = {"WEBHOOKS_CONNECT_TIMEOUT", "WEBHOOKS_READ_TIMEOUT"}
LIST_KEYS = {"TRUSTED_HOSTS"}


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def defaults(instance_path: str) -> dict:
    return {
        "APP_ENV": "production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'diaspora.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PREFERRED_URL_SCHEME": "https",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_TIMEOUT": 10,
        "MAIL_DEFAULT_SENDER": "Diaspora Health Network <no-reply@diaspora-health.local>",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed logins: per account and address together (a stranger's guesses cannot lock the
        # owner out from their own address), a higher ceiling per account whatever the address,
        # and a ceiling per address whatever the account.
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT": "50 per hour",
        "LOGIN_LIMIT_PER_IP": "30 per 15 minutes",
        "OUTBOX_MAX_ATTEMPTS": 8,
        # How long a sender's claim on a message lasts: longer than an SMTP conversation can take
        # with MAIL_TIMEOUT on each step. A worker killed mid-delivery frees its messages after it.
        "OUTBOX_CLAIM_LEASE": 300,
        # The sweep leaves mail younger than this to the job its own commit enqueued.
        "OUTBOX_SWEEP_GRACE": 30,
        # A portfolio with more verified entries than this is rendered to PDF by a job and mailed.
        "PORTFOLIO_INLINE_LIMIT": 150,
        # An annual report listing more missions and partnerships than this is laid out by a job.
        "REPORT_INLINE_LIMIT": 60,
        # The job queue (core/jobs.py): sqlite:///<file> (default: instance/jobs.sqlite, no extra
        # service), redis://host:port/db in production, "immediate" under test.
        "JOBS_URL": None,
        # /metrics answers a request carrying "Authorization: Bearer <METRICS_TOKEN>", a platform
        # admin, or a request from loopback; nobody else.
        "METRICS_TOKEN": None,
        # "pgbouncer" when DATABASE_URL points at PgBouncer in transaction mode: no prepared
        # statements, no startup options (docs/database.md).
        "DATABASE_POOLER": None,
        "TRUSTED_PROXIES": 0,
        "VERIFY_TOKEN_MAX_AGE": 3 * 24 * 3600,
        "RESET_TOKEN_MAX_AGE": 3600,
        "WELCOME_TOKEN_MAX_AGE": 14 * 24 * 3600,
        "PER_PAGE": 25,
        # How long a person's list of who looked at their data is kept (`flask access-log purge`).
        "ACCESS_LOG_RETENTION_MONTHS": 24,
        # A desk's dashboard shows no count from 1 to this minus one (docs/disclosure.md): 10, as
        # the statistical offices' output checking (ACRO, SACRO) does by default.
        "DISCLOSURE_THRESHOLD": 10,
        # Calls to the API per token (and, for the public verification calls, per address).
        "API_RATE_LIMIT": "600 per minute",
        "API_PUBLIC_RATE_LIMIT": "120 per minute",
        # Webhooks (webhooks/jobs.py): seconds to connect and to wait for each read; attempts per
        # delivery (retried after 30 s, 1 min, 2 min ... at most 6 h, with jitter); failed calls in a row
        # before an endpoint is switched off. Endpoints are https:// to public addresses only, unless
        # these allow plain http or private and loopback addresses (a local receiver, the tests).
        "WEBHOOKS_CONNECT_TIMEOUT": 5.0,
        "WEBHOOKS_READ_TIMEOUT": 5.0,
        "WEBHOOKS_MAX_ATTEMPTS": 12,
        "WEBHOOKS_DISABLE_AFTER": 15,
        "WEBHOOKS_BACKOFF_SECONDS": 30,
        "WEBHOOKS_MAX_BACKOFF_SECONDS": 6 * 3600,
        "WEBHOOKS_ALLOW_HTTP": False,
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": False,
        "PASSWORD_HASHING": "production",  # "fast" only under test: see auth/passwords.py
        "LANGUAGES": ["en", "fr", "pt"],
        "BABEL_DEFAULT_LOCALE": "en",
    }


def development_defaults(environ=os.environ) -> dict:
    """Links in mail point where `flask run` serves: its host and port (`make run` sets them
    from HOST= and PORT=), else 127.0.0.1:5000."""
    host = environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # every address: mail names the loopback one
    port = environ.get("FLASK_RUN_PORT") or "5000"
    return {"SERVER_NAME": f"{host}:{port}", "PREFERRED_URL_SCHEME": "http"}


def production_settings(config: dict) -> dict:
    """What production always has unless explicitly overridden: cookies only over HTTPS,
    HSTS, and requests refused for any host the app does not serve."""
    settings = {"HSTS": True}
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        settings[key] = config.get("SESSION_COOKIE_SECURE_OVERRIDE", True)
    if not config.get("TRUSTED_HOSTS") and config.get("SERVER_NAME"):
        settings["TRUSTED_HOSTS"] = [config["SERVER_NAME"].split(":")[0]]
    return settings


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
        elif key in FLOAT_KEYS:
            value = float(value)
        elif key in LIST_KEYS:
            value = [part.strip() for part in value.split(",") if part.strip()]
        found[key] = value
    if "DATABASE_URL" in found:
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(found.pop("DATABASE_URL"))
    if "SESSION_COOKIE_SECURE" in found:  # an explicit choice wins over production's default
        found["SESSION_COOKIE_SECURE_OVERRIDE"] = found["SESSION_COOKIE_SECURE"]
    return found


def load(app, overrides: dict) -> None:
    config = app.config
    config.update(defaults(app.instance_path))
    config.from_pyfile("config.py", silent=True)
    environment = from_environment()
    config.update(environment)
    config.update(overrides)
    if config["APP_ENV"] == "development":
        explicit = environment.keys() | overrides.keys()
        for key, value in development_defaults().items():
            if key not in explicit and not (key == "SERVER_NAME" and config.get(key)):
                config[key] = value
    if config["APP_ENV"] == "production" and not config.get("TESTING"):
        config.update({key: value for key, value in production_settings(config).items()
                       if key not in overrides})
    ensure_server_name(config)
    ensure_secret_key(config, app.instance_path)
    ensure_credential_signing_key(config, app.instance_path)
    ensure_disclosure_threshold(config)
    if config.get("TESTING") and not config.get("JOBS_URL"):
        config["JOBS_URL"] = "immediate"
    tune_postgresql(config)


def tune_postgresql(config: dict) -> None:
    """psycopg prepares a statement after five executions, and PostgreSQL may then plan it once
    for any parameters: a generic plan cannot see a search pattern or a cursor's values, and one
    list query went from 1 ms to 80. Plan every execution for its own parameters."""
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    if config.get("DATABASE_POOLER") == "pgbouncer":
        # PgBouncer in transaction mode hands each transaction to any server connection: a
        # statement prepared on one is unknown on the next, and it refuses startup options.
        # Without prepared statements every execution is planned for its parameters anyway.
        connect_args["prepare_threshold"] = None
    else:
        connect_args.setdefault("options", "-c plan_cache_mode=force_custom_plan")
    options["connect_args"] = connect_args
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def ensure_disclosure_threshold(config: dict) -> None:
    threshold = config.get("DISCLOSURE_THRESHOLD")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ConfigError(
            f"DISCLOSURE_THRESHOLD must be a whole number of 2 or more (it is {threshold!r}): the desks' "
            "dashboards show no count below it. 10 is the usual choice (docs/disclosure.md)."
        )


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out `postgres://` URLs; SQLAlchemy wants a driver name."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def ensure_server_name(config: dict) -> None:
    if config.get("SERVER_NAME"):
        return
    if config.get("APP_ENV") == "production" and not config.get("TESTING"):
        raise ConfigError(
            "SERVER_NAME is not set. Set it to the host (and port, if not the default) people use to "
            "reach the site, for example SERVER_NAME=diaspora-health.example.org: links in mail are "
            "built from it."
        )
    config["SERVER_NAME"] = "localhost"


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


def ensure_credential_signing_key(config: dict, instance_path: str) -> None:
    """The Ed25519 private key (PEM, or a JWK as JSON) that signs the Open Badges credentials
    (contributions/proof/badges.py). Its public half is published at /credentials/issuer.json: losing
    or changing it makes every credential issued before unverifiable."""
    if config.get("CREDENTIAL_SIGNING_KEY"):
        try:
            signing_key(config["CREDENTIAL_SIGNING_KEY"])
        except ValueError as error:
            raise ConfigError(f"CREDENTIAL_SIGNING_KEY is not a usable Ed25519 private key: {error}") from None
        return
    if config.get("APP_ENV") != "development" and not config.get("TESTING"):
        raise ConfigError(
            "CREDENTIAL_SIGNING_KEY is not set. Set it in the environment or instance/config.py to an "
            "Ed25519 private key, PEM or JWK (for example: openssl genpkey -algorithm ed25519)."
        )
    key_file = Path(instance_path) / "credential-signing-key.pem"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(OKPKey.generate_key("Ed25519", private=True).as_pem(private=True).decode())
        key_file.chmod(0o600)
    config["CREDENTIAL_SIGNING_KEY"] = key_file.read_text().strip()


def signing_key(value: str) -> OKPKey:
    """An Ed25519 private key from a PEM or a JWK (JSON); ValueError if it is not one."""
    text = value.strip()
    try:
        key = OKPKey.import_key(json.loads(text) if text.startswith("{") else text)
    except Exception as error:  # joserfc and cryptography raise several kinds
        raise ValueError(str(error) or type(error).__name__) from None
    if key.as_dict().get("crv") != "Ed25519" or not key.is_private:
        raise ValueError("an Ed25519 private key is needed")
    return key
