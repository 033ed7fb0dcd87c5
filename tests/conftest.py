"""Test harness: a real database built by the migrations (SQLite by default, PostgreSQL
with TEST_DATABASE_URL), a real SMTP server on loopback, the real CSRF-protected forms."""

import contextlib
import contextvars
import os
import re
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from diaspora import create_app
from diaspora.extensions import db as _db
from diaspora.extensions import limiter
from tests import factories
from tests.mailserver import SmtpServer


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only (row locks) are deselected on SQLite, and tests marked
    sqlite_only (its batch migrations, its foreign-key pragma) on PostgreSQL, where they mean
    nothing: deselected, never shown as skipped."""
    other = "sqlite_only" if os.environ.get("TEST_DATABASE_URL") else "postgres_only"
    elsewhere = [item for item in items if item.get_closest_marker(other)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if item not in elsewhere]


def _create_postgres_database(server_url: str) -> tuple[str, callable]:
    """A fresh database on the server TEST_DATABASE_URL names, and how to drop it."""
    url = sa.make_url(server_url)
    name = f"diaspora_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    url, drop = _create_postgres_database(server_url)
    yield url
    drop()


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def app_config(database_url: str, smtp_server: SmtpServer, **overrides) -> dict:
    return {
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "test-only-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": smtp_server.port,
        "MAIL_SUPPRESS_SEND": False,  # Flask-Mail would stay silent under TESTING
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASHING": "fast",  # argon2 at its cheapest: same code path, a fraction of the time
        "SERVER_NAME": "localhost",
        "PREFERRED_URL_SCHEME": "http",
        # webhook receivers in the tests listen on loopback, over plain http (production refuses both)
        "WEBHOOKS_ALLOW_HTTP": True,
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": True,
        **overrides,
    }


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a real server would: its own app context,
    `g` and database session, not the test's (where Flask would otherwise reuse them)."""

    def open(self, *args, **kwargs):
        # buffered: a streamed body (the CSV export) is read inside the request's context, as a
        # server reads it; read later, in the test's context, its context tokens would not match
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)

    def _copy_environ(self, other):
        environ = super()._copy_environ(other)
        environ.pop("werkzeug.debug.preserve_context", None)  # nothing to re-push afterwards
        return environ


@pytest.fixture(scope="session")
def app(database_url, smtp_server):
    """One app for the session (the browser tests' live server serves it too)."""
    application = create_app(app_config(database_url, smtp_server))
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    return application


def _empty_all_tables() -> None:
    tables = _db.metadata.sorted_tables
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        _db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture(autouse=True)
def db(app, smtp_server):
    """The database, emptied after each test; mail and rate limits start afresh too."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _empty_all_tables()
        _db.session.remove()
    with app.app_context():
        limiter.reset()
    smtp_server.clear()


@pytest.fixture
def is_postgres(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF-protected form"
    return match.group(1)


class Forms:
    """Submits the rendered forms the way a browser would: GET the page, POST with its token."""

    def __init__(self, client):
        self.client = client

    def submit(self, page_url: str, data: dict, *, action: str | None = None, **kwargs):
        page = self.client.get(page_url)
        payload = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data}
        return self.client.post(action or page_url, data=payload, **kwargs)


@pytest.fixture
def forms(client):
    return Forms(client)


def log_in_session(client, user) -> None:
    """Log a client in as Flask-Login would, without the login form (and its password hash):
    the tests of the login itself use `login_via_form`. The session counts as having passed
    the second factor (as after the code page), so admins and desk officers, for whom it is
    required, reach their pages; tests/auth/test_two_factor.py logs in through the forms."""
    from diaspora.auth.sessions import PASSED, second_factor_mark

    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[PASSED] = second_factor_mark(user)


def code_for(user, *, wait: bool = True) -> str:
    """The code the person's authenticator app shows now: for the earliest time-step the app
    still accepts (now, or a step either side) that is later than the last one used. Two
    logins within a step would otherwise send the same code, which is refused as a replay;
    waits for the next step if need be (at most one step)."""
    import time

    import pyotp

    from diaspora.auth import two_factor

    _db.session.refresh(user)
    secret = two_factor.secret_of(user)
    assert secret, f"{user.email} has no two-factor secret"
    while True:
        now = int(time.time() // two_factor.STEP)
        step = max(now - two_factor.DRIFT + 1, (user.totp_last_step or 0) + 1)  # keep a margin
        if step <= now + two_factor.DRIFT or not wait:
            return pyotp.TOTP(secret, interval=two_factor.STEP).at(step * two_factor.STEP)
        time.sleep(1)
        _db.session.refresh(user)


def give_second_factor(client, email: str):
    """After the password step (`/login`), enter the code when the account asks for one."""
    from diaspora.auth import services

    user = services.find_by_email(email)
    if user is None or not user.two_factor_enabled:
        return None
    response = Forms(client).submit("/login/code", {"code": code_for(user)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login(client):
    """`login(user)` logs the test client in (a session, as after the login form)."""

    def log_in(user):
        log_in_session(client, user)

    return log_in


@pytest.fixture
def login_via_form(forms):
    """`login_via_form(user)` logs the test client in through the real login form."""

    def log_in(user, password: str = factories.DEFAULT_PASSWORD):
        response = forms.submit("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return give_second_factor(forms.client, user.email) or response

    return log_in


class StatementCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` ... `counter.count` statements ran."""

    @contextlib.contextmanager
    def counting():
        counter = StatementCounter()
        engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting
