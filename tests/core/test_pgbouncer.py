"""The app through PgBouncer in transaction mode (Debian's `pgbouncer`, started here on a free
port in front of the test PostgreSQL): each transaction may run on another server connection,
so a statement psycopg prepared on one is unknown on the next. With DATABASE_POOLER=pgbouncer
the app prepares none. PostgreSQL runs only (marker `pgbouncer`); CI installs pgbouncer, and
there a missing pgbouncer fails the test instead of skipping it."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from diaspora import create_app
from diaspora.core.models import OutboxMessage
from diaspora.extensions import db
from tests.conftest import IsolatedClient, app_config, csrf_token_from
from tests.mailserver import free_port

pytestmark = [pytest.mark.pgbouncer, pytest.mark.postgres_only]

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture(scope="module")
def pgbouncer(database_url):
    """PgBouncer in transaction mode on a free port, in front of the test database's server."""
    if not os.path.exists(PGBOUNCER):
        if os.environ.get("CI"):
            pytest.fail("pgbouncer is not installed, and CI must run this test (.ci/run installs it)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    url = sa.make_url(database_url)
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))  # not under pytest's root-only tmp
    directory.chmod(0o777)
    port = free_port()
    config = directory / "pgbouncer.ini"
    config.write_text(f"""[databases]
* = host={url.host or '127.0.0.1'} port={url.port or 5432} user={url.username or 'postgres'}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 4
max_client_conn = 100
logfile = {directory / 'pgbouncer.log'}
pidfile = {directory / 'pgbouncer.pid'}
""")
    config.chmod(0o644)
    user = ["-u", "postgres"] if os.geteuid() == 0 else []  # pgbouncer refuses to run as root
    process = subprocess.Popen([PGBOUNCER, *user, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            psycopg.connect(host="127.0.0.1", port=port, dbname=url.database, user="postgres",
                            connect_timeout=1).close()
            break
        except psycopg.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"pgbouncer did not start: {process.stderr.read()!r}") from None
            time.sleep(0.1)
    yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    process.terminate()
    process.wait(10)
    shutil.rmtree(directory, ignore_errors=True)


def bounced_app(pgbouncer_url: str, smtp_server, **overrides):
    app = create_app(app_config(pgbouncer_url, smtp_server, **overrides))
    app.test_client_class = IsolatedClient
    return app


def register(client, name: str):
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    return client.post("/register", data={"csrf_token": token, "name": name.title(),
                                          "email": f"{name}@example.org", "password": "purple giraffe umbrella 9"})


def test_the_app_works_through_pgbouncer_in_transaction_mode(pgbouncer, smtp_server):
    app = bounced_app(pgbouncer, smtp_server, DATABASE_POOLER="pgbouncer",
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8, "pool_pre_ping": True})
    client = app.test_client()
    # many times the same statements, from several pooled connections (psycopg would prepare
    # each after its fifth run): sign-ups that send mail, logins, pages
    for index in range(12):
        assert register(client, f"nurse{index}").status_code == 302
        client.get("/logout")
    for _ in range(10):
        assert client.get("/healthz").json["database"] == "ok"
        assert client.get("/associations").status_code == 200
    assert len(smtp_server.messages) == 12
    with app.app_context():
        sent = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == OutboxMessage.SENT))
        assert sent == 12
        db.session.remove()
        db.engine.dispose()


def test_without_the_setting_the_app_cannot_use_pgbouncer(pgbouncer, smtp_server):
    """What the setting is for (and proof that the test above could fail): the app's startup
    option is refused, and psycopg's prepared statements meet, on PgBouncer 1.18's transaction
    pooling, server connections that do not know them."""
    app = bounced_app(pgbouncer, smtp_server)
    with app.app_context(), pytest.raises(sa.exc.OperationalError, match="unsupported startup parameter"):
        db.session.execute(sa.text("SELECT 1"))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    engine = sa.create_engine(pgbouncer, connect_args={"prepare_threshold": 0}, pool_size=4)
    errors = []
    connections = [engine.connect() for _ in range(4)]
    try:
        for _ in range(10):
            for connection in connections:
                try:
                    connection.execute(sa.select(OutboxMessage.id).where(OutboxMessage.id == 1)).all()
                    connection.commit()
                except sa.exc.DBAPIError as error:
                    errors.append(str(error.orig))
                    connection.rollback()
    finally:
        for connection in connections:
            connection.close()
        engine.dispose()
    assert any("prepared statement" in error for error in errors), errors[:3]
