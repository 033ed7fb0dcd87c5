"""A page that sends mail, and /healthz, with the mail server healthy and with it hanging, side
by side (issue 18).

The app runs as in production: gunicorn with two sync workers, and one `flask jobs worker`
process, on a fresh database (SQLite in a temporary directory by default, or a fresh PostgreSQL
database on `--database-url`'s server), the job queue on SQLite (`--jobs-url redis://...` for
Redis), MAIL_TIMEOUT 10 s. The mail server is aiosmtpd on loopback (tests/mailserver.py); "hanging"
means it greets, then answers nothing.

Each round sends two "forgot password" requests at once (the page that sends mail, each from its
own address so the per-address limit is not what is measured) and, meanwhile, one /healthz.
It reports the median and worst latency of each in each phase, and the ratio hanging / healthy.
Before the queue (issue 18's figures): two concurrent requests took 10.4 s each and /healthz 8.5 s.

    .venv/bin/python bench/hanging_smtp_bench.py [--rounds 20] [--database-url postgresql+psycopg://...]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from tests.mailserver import SmtpServer, free_port  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def fresh_database(server_url: str | None, directory: Path) -> tuple[str, callable]:
    if not server_url:
        return f"sqlite:///{directory / 'bench.sqlite'}", lambda: None
    from tests.conftest import _create_postgres_database

    return _create_postgres_database(server_url)


def prepare(database_url: str, smtp: SmtpServer, signing_key: str, people: int) -> None:
    from flask_migrate import upgrade

    from diaspora import create_app
    from diaspora.auth.models import User
    from diaspora.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url,
                      "CREDENTIAL_SIGNING_KEY": signing_key, "PASSWORD_HASHING": "fast"})
    with app.app_context():
        upgrade()
        table = User.__table__
        db.session.execute(sa.insert(table), [
            {"email": f"nurse{i}@example.org", "name": f"Nurse {i}", "password_hash": "!",
             "session_token": uuid.uuid4().hex} for i in range(people)])
        db.session.commit()
        db.engine.dispose()


class App:
    def __init__(self, database_url: str, jobs_url: str, smtp: SmtpServer, signing_key: str):
        self.port = free_port()
        self.env = {
            **os.environ, "PYTHONPATH": str(ROOT), "FLASK_APP": "wsgi", "APP_ENV": "production",
            "SECRET_KEY": uuid.uuid4().hex, "SERVER_NAME": f"127.0.0.1:{self.port}",
            "CREDENTIAL_SIGNING_KEY": signing_key, "DATABASE_URL": database_url, "JOBS_URL": jobs_url,
            "MAIL_SERVER": smtp.host, "MAIL_PORT": str(smtp.port), "MAIL_TIMEOUT": "10",
            "SESSION_COOKIE_SECURE": "false", "TRUSTED_PROXIES": "1",
        }
        bin_dir = Path(sys.executable).parent
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (kept for the run)
        self.web = subprocess.Popen([str(bin_dir / "gunicorn"), "--workers", "2", "--bind",
                                     f"127.0.0.1:{self.port}", "wsgi:app"], cwd=ROOT, env=self.env,
                                    stdout=self.log, stderr=self.log)
        self.worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--workers", "2"],
                                       cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError("the app did not start")

    def stop(self) -> None:
        for process in (self.web, self.worker):
            process.terminate()
        for process in (self.web, self.worker):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def forgot_password(base: str, email: str, address: str) -> float:
    session = requests.Session()
    headers = {"X-Forwarded-For": address}
    page = session.get(base + "/forgot-password", headers=headers, timeout=30).text
    token = CSRF.search(page).group(1)
    start = time.perf_counter()
    response = session.post(base + "/forgot-password", data={"csrf_token": token, "email": email},
                            headers=headers, allow_redirects=False, timeout=30)
    elapsed = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    return elapsed


def healthz(base: str) -> float:
    start = time.perf_counter()
    assert requests.get(base + "/healthz", timeout=30).ok
    return time.perf_counter() - start


def phase(app: App, rounds: int, offset: int) -> tuple[list[float], list[float]]:
    pages, health = [], []
    for round_number in range(rounds):
        found: list[float] = []
        threads = []
        for k in range(2):
            n = offset + round_number * 2 + k
            thread = threading.Thread(target=lambda n=n, found=found: found.append(
                forgot_password(app.base, f"nurse{n}@example.org", f"10.{n // 250}.{n % 250}.1")))
            threads.append(thread)
            thread.start()
        time.sleep(0.05)
        health.append(healthz(app.base))
        for thread in threads:
            thread.join()
        pages.extend(found)
    return pages, health


def wait_for_mail(smtp: SmtpServer, count: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while len(smtp.messages) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms, worst {max(values) * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a fresh database is made on it)")
    parser.add_argument("--jobs-url", help="the job queue (default: SQLite in the temporary directory)")
    options = parser.parse_args()
    from joserfc.jwk import OKPKey

    signing_key = OKPKey.generate_key("Ed25519", private=True).as_pem(private=True).decode()
    with tempfile.TemporaryDirectory() as directory:
        database_url, drop = fresh_database(options.database_url, Path(directory))
        smtp = SmtpServer()
        smtp.start()
        app = None
        try:
            prepare(database_url, smtp, signing_key, people=options.rounds * 4 + 16)
            app = App(database_url, options.jobs_url or f"sqlite:///{Path(directory) / 'jobs.sqlite'}", smtp,
                      signing_key)
            phase(app, 3, options.rounds * 4)  # warm-up: both gunicorn workers, the job worker
            healthy = phase(app, options.rounds, 0)
            expected = options.rounds * 4 + 6
            wait_for_mail(smtp, options.rounds * 2 + 6)
            before = len(smtp.messages)
            smtp.hanging.set()
            hanging = phase(app, options.rounds, options.rounds * 2)
            sent_while_hanging = len(smtp.messages) - before
            smtp.hanging.clear()
            wait_for_mail(smtp, expected)
            print(f"Hanging-SMTP benchmark: {options.rounds} rounds of 2 concurrent 'forgot password' "
                  f"requests + /healthz; database {database_url.split(':')[0]}, queue "
                  f"{(options.jobs_url or 'sqlite').split(':')[0]}")
            print(f"{'':22}{'healthy SMTP':>38}  {'hanging SMTP':>38}  ratio (p50)")
            for label, index in (("page that sends mail", 0), ("/healthz", 1)):
                ratio = statistics.median(hanging[index]) / statistics.median(healthy[index])
                print(f"{label:22}{summary(healthy[index]):>38}  {summary(hanging[index]):>38}  {ratio:5.2f}")
            print(f"mail: {sent_while_hanging} delivered while the server hung, "
                  f"{len(smtp.messages)} of {expected} delivered once it answered again; "
                  f"{len({m['X-Outbox-Id'] for m in smtp.messages})} distinct")
        finally:
            if app is not None:
                app.stop()
            smtp.stop()
            drop()


if __name__ == "__main__":
    main()
