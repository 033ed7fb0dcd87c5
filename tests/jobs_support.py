"""Real job workers for the fault tests: `flask jobs worker` processes on a Redis queue of their
own (127.0.0.1:6379), sharing the test database and the loopback SMTP server."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from diaspora import create_app
from diaspora.core.models import OutboxMessage
from diaspora.extensions import db

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def queue_app(database_url: str, smtp_server, **overrides):
    """An app like the session's, but with a real Redis queue (not immediate mode)."""
    from tests.conftest import IsolatedClient, app_config

    settings = {"JOBS_URL": REDIS_URL, "JOBS_QUEUE_NAME": f"test-{uuid.uuid4().hex[:8]}", "MAIL_TIMEOUT": 5,
                "OUTBOX_CLAIM_LEASE": 4, "OUTBOX_SWEEP_GRACE": 0, **overrides}
    app = create_app(app_config(database_url, smtp_server, **settings))
    app.test_client_class = IsolatedClient
    return app


class Worker:
    """`flask jobs worker` in its own process, configured as the given app."""

    def __init__(self, app, *, workers: int = 2, scheduler: bool = False):
        config = app.config
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "FLASK_APP": "wsgi",
            "APP_ENV": "testing",
            "SECRET_KEY": config["SECRET_KEY"],
            "CREDENTIAL_SIGNING_KEY": config["CREDENTIAL_SIGNING_KEY"],
            "SERVER_NAME": "localhost",
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "JOBS_URL": config["JOBS_URL"],
            "JOBS_QUEUE_NAME": config["JOBS_QUEUE_NAME"],
            "MAIL_SERVER": config["MAIL_SERVER"],
            "MAIL_PORT": str(config["MAIL_PORT"]),
            "MAIL_TIMEOUT": str(config["MAIL_TIMEOUT"]),
            "OUTBOX_CLAIM_LEASE": str(config["OUTBOX_CLAIM_LEASE"]),
            "OUTBOX_SWEEP_GRACE": str(config["OUTBOX_SWEEP_GRACE"]),
        }
        if config.get("DATABASE_POOLER"):
            env["DATABASE_POOLER"] = config["DATABASE_POOLER"]
        args = [sys.executable, "-m", "flask", "jobs", "worker", "--workers", str(workers)]
        if scheduler:
            args.append("--scheduler")
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (an unread pipe would fill and block it)
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log)

    def kill(self) -> None:
        """kill -9: no cleanup, no goodbye."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(5)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.seek(0)
        return self.log.read()


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
    db.session.commit()
    return rows


def wait_for(condition, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
