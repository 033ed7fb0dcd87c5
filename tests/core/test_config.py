import json

import pytest
from joserfc.jwk import OKPKey

from diaspora import create_app
from diaspora.config import (
    ConfigError,
    defaults,
    ensure_credential_signing_key,
    ensure_disclosure_threshold,
    ensure_secret_key,
    from_environment,
    normalise_database_url,
)


def a_signing_key() -> str:
    return OKPKey.generate_key("Ed25519", private=True).as_pem(private=True).decode()


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SERVER_NAME", "diaspora-health.example.org")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_production_refuses_to_start_without_its_site_address(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SERVER_NAME", raising=False)
    with pytest.raises(ConfigError, match="SERVER_NAME is not set"):
        create_app()


def test_production_refuses_to_start_without_a_credential_signing_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SERVER_NAME", "diaspora-health.example.org")
    monkeypatch.delenv("CREDENTIAL_SIGNING_KEY", raising=False)
    with pytest.raises(ConfigError, match="CREDENTIAL_SIGNING_KEY is not set"):
        create_app()


def test_production_refuses_a_credential_signing_key_that_is_not_an_ed25519_private_key(monkeypatch):
    public_only = OKPKey.generate_key("Ed25519", private=True).as_pem(private=False).decode()
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SERVER_NAME", "diaspora-health.example.org")
    for wrong in ("not a key", public_only):
        monkeypatch.setenv("CREDENTIAL_SIGNING_KEY", wrong)
        with pytest.raises(ConfigError, match="CREDENTIAL_SIGNING_KEY is not a usable Ed25519 private key"):
            create_app()


def test_production_sends_cookies_over_https_only_and_serves_only_its_host(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("CREDENTIAL_SIGNING_KEY", a_signing_key())
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SERVER_NAME", "diaspora-health.example.org")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["TRUSTED_HOSTS"] == ["diaspora-health.example.org"]
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    good = client.get("/", base_url="https://diaspora-health.example.org")
    assert good.status_code == 200
    assert good.headers["Strict-Transport-Security"].startswith("max-age=")


def test_development_generates_a_secret_key_once(tmp_path):
    first, second = {"APP_ENV": "development"}, {"APP_ENV": "development"}
    ensure_secret_key(first, str(tmp_path))
    ensure_secret_key(second, str(tmp_path))
    assert len(first["SECRET_KEY"]) == 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_development_generates_a_credential_signing_key_once(tmp_path):
    first, second = {"APP_ENV": "development"}, {"APP_ENV": "development"}
    ensure_credential_signing_key(first, str(tmp_path))
    ensure_credential_signing_key(second, str(tmp_path))
    assert first["CREDENTIAL_SIGNING_KEY"].startswith("-----BEGIN PRIVATE KEY-----")
    assert first["CREDENTIAL_SIGNING_KEY"] == second["CREDENTIAL_SIGNING_KEY"]
    assert (tmp_path / "credential-signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert OKPKey.import_key(first["CREDENTIAL_SIGNING_KEY"]).as_dict()["crv"] == "Ed25519"


def test_a_signing_key_given_as_a_jwk_is_kept():
    jwk = json.dumps(OKPKey.generate_key("Ed25519", private=True).as_dict(private=True))
    config = {"APP_ENV": "production", "CREDENTIAL_SIGNING_KEY": jwk}
    ensure_credential_signing_key(config, "/nonexistent")
    assert config["CREDENTIAL_SIGNING_KEY"] == jwk


def test_the_environment_configures_database_and_mail():
    found = from_environment({
        "DATABASE_URL": "postgres://app@db.internal/diaspora",
        "MAIL_SERVER": "smtp.example.org",
        "MAIL_PORT": "587",
        "MAIL_USE_TLS": "true",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    })
    assert found["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db.internal/diaspora"
    assert found["MAIL_PORT"] == 587 and found["MAIL_USE_TLS"] is True
    assert found["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_sqlite_urls_are_left_alone():
    assert normalise_database_url("sqlite:///instance/x.sqlite") == "sqlite:///instance/x.sqlite"


def test_the_disclosure_threshold_is_ten_unless_set_and_never_below_two(monkeypatch):
    assert defaults("instance")["DISCLOSURE_THRESHOLD"] == 10
    assert from_environment({"DISCLOSURE_THRESHOLD": "5"})["DISCLOSURE_THRESHOLD"] == 5
    for wrong in (1, 0, True, "10"):
        with pytest.raises(ConfigError, match="DISCLOSURE_THRESHOLD must be a whole number of 2 or more"):
            ensure_disclosure_threshold({"DISCLOSURE_THRESHOLD": wrong})
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SERVER_NAME", "diaspora-health.example.org")
    monkeypatch.setenv("CREDENTIAL_SIGNING_KEY", a_signing_key())
    monkeypatch.setenv("DISCLOSURE_THRESHOLD", "1")
    with pytest.raises(ConfigError, match="DISCLOSURE_THRESHOLD"):
        create_app()


def test_in_development_links_in_mail_follow_the_port_flask_run_serves_on(monkeypatch):
    """`make run PORT=5077` (FLASK_RUN_PORT) mails links to port 5077, not 5000."""
    from diaspora.core.links import absolute

    for key in ("SERVER_NAME", "FLASK_RUN_HOST"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("FLASK_RUN_PORT", "5077")
    app = create_app()
    with app.app_context():
        assert absolute("auth.login") == "http://127.0.0.1:5077/login"
    monkeypatch.setenv("FLASK_RUN_HOST", "0.0.0.0")
    monkeypatch.delenv("FLASK_RUN_PORT")
    with create_app().app_context():
        assert absolute("auth.login") == "http://127.0.0.1:5000/login"
