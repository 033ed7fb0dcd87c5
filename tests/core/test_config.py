import pytest

from diaspora import create_app
from diaspora.config import ConfigError, ensure_secret_key, from_environment, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_development_generates_a_secret_key_once(tmp_path):
    first, second = {"APP_ENV": "development"}, {"APP_ENV": "development"}
    ensure_secret_key(first, str(tmp_path))
    ensure_secret_key(second, str(tmp_path))
    assert len(first["SECRET_KEY"]) == 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


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
