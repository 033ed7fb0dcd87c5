"""`make run` delivers mail by itself: `flask serve` (its last step) runs the web server and, in
threads of the same process, a job consumer on the embedded SQLite queue. No other process, no
command typed."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path

from diaspora import create_app
from diaspora.core import outbox, transaction
from tests.conftest import app_config
from tests.jobs_support import wait_for
from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]


def healthz(port: int):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


def test_flask_serve_delivers_queued_mail_with_no_other_process(database_url, smtp_server, app, tmp_path):
    port = free_port()
    jobs_url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    environment = {
        **os.environ, "PYTHONPATH": str(ROOT), "FLASK_APP": "wsgi", "APP_ENV": "development",
        "SECRET_KEY": uuid.uuid4().hex, "CREDENTIAL_SIGNING_KEY": app.config["CREDENTIAL_SIGNING_KEY"],
        "SERVER_NAME": f"127.0.0.1:{port}", "DATABASE_URL": database_url, "JOBS_URL": jobs_url,
        "MAIL_SERVER": smtp_server.host, "MAIL_PORT": str(smtp_server.port),
    }
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen([sys.executable, "-m", "flask", "serve", "--port", str(port)], cwd=ROOT,
                                  env=environment, stdout=log, stderr=log, start_new_session=True)
        try:
            health = wait_for(lambda: healthz(port), 30, "flask serve to answer", step=0.3)
            assert health["redis"] == "not used" and health["jobs_waiting"] == 0
            # what a page or `flask demo load` does: the outbox row, then the job on the same queue
            writer = create_app(app_config(database_url, smtp_server, JOBS_URL=jobs_url))
            with writer.app_context():
                outbox.queue_email("yaw@example.org", "Welcome", "email_taken")
                transaction.commit()
            wait_for(lambda: smtp_server.to("yaw@example.org"), 20, "the mail, sent by flask serve's consumer")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
