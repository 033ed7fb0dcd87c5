"""The deployment's processes start as written: the Procfile's web, worker and scheduler, and the
systemd units' ExecStart lines, run here in production mode against the test database, a Redis
queue of their own and the loopback SMTP server. The web answers /healthz; mail queued by the
app is delivered by the workers; every process stops on SIGTERM."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

from diaspora.core import jobs, outbox, transaction
from tests.jobs_support import REDIS_URL, queue_app, wait_for
from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def procfile_commands() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def systemd_commands() -> dict[str, str]:
    found = {}
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        text = unit.read_text()
        command = re.search(r"^ExecStart=(.+)$", text, re.M).group(1)
        environment = " ".join(re.findall(r"^Environment=(\S+)$", text, re.M))
        found[unit.stem] = f"{environment} {command.replace('/srv/diaspora/.venv/bin/', f'{BIN}/')}".strip()
    return found


@pytest.fixture
def environment(database_url, smtp_server, app):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}, and CI must run this test")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    port = free_port()
    return {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "production",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "JOB_THREADS": "2",
        "SECRET_KEY": uuid.uuid4().hex,
        "SERVER_NAME": f"127.0.0.1:{port}",
        "CREDENTIAL_SIGNING_KEY": app.config["CREDENTIAL_SIGNING_KEY"],
        "DATABASE_URL": database_url,
        "JOBS_URL": REDIS_URL,
        "JOBS_QUEUE_NAME": f"test-{uuid.uuid4().hex[:8]}",
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": str(smtp_server.port),
    }


def healthz(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


@pytest.mark.parametrize("source", ["Procfile", "systemd"])
def test_web_workers_and_scheduler_start_and_deliver_mail(source, environment, database_url, smtp_server):
    commands = procfile_commands() if source == "Procfile" else systemd_commands()
    assert len(commands) == 3, commands
    processes = {}
    logs = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (a pipe nobody reads would fill and block them)
    try:
        for name, command in commands.items():
            expanded = command.replace("${PORT}", environment["PORT"])
            processes[name] = subprocess.Popen(["bash", "-c", f"exec env {expanded}"], cwd=ROOT, env=environment,
                                               stdout=subprocess.DEVNULL, stderr=logs, start_new_session=True)
        port = int(environment["PORT"])
        health = wait_for(lambda: healthz(port), 30, "the web process to answer /healthz", step=0.3)
        assert health["status"] == "ok" and health["redis"] == "ok", health

        app = queue_app(database_url, smtp_server, JOBS_QUEUE_NAME=environment["JOBS_QUEUE_NAME"])
        with app.app_context():
            outbox.queue_email("efua@example.org", "Welcome", "email_taken")
            transaction.commit()  # onto the processes' Redis queue
        wait_for(lambda: smtp_server.to("efua@example.org"), 30, "a worker to deliver the mail")
        time.sleep(0.5)
        for name, process in processes.items():
            assert process.poll() is None, f"{name} exited: {logs.seek(0) and ''}{logs.read()[-3000:]}"
        assert len(smtp_server.to("efua@example.org")) == 1
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in processes.items():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail(f"{name} did not stop on SIGTERM")
        if "app" in locals():
            jobs.queue_of(app).huey.flush()
