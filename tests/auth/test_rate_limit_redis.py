"""Login limits hold across several app processes when they share Redis.

Two gunicorn servers run the real app against the same database and Redis; failures
on one count against the other. Needs Redis on 127.0.0.1:6379 (CI always has it)."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

from tests.mailserver import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}, and CI must run this test")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; start it to run this test")
    return REDIS_URL


@pytest.fixture
def two_servers(redis_url, database_url, tmp_path):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"gunicorn-{port}.log" for port in ports]
    outputs = [log.open("w") for log in logs]
    servers = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                         cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=output)
        for port, output in zip(ports, outputs, strict=True)
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, log in zip(urls, logs, strict=True):
            _wait_until_up(url, log)
        yield urls
    finally:
        for server, output in zip(servers, outputs, strict=True):
            server.terminate()
            server.wait(timeout=10)
            output.close()
        store = redis.Redis.from_url(redis_url)
        for key in store.scan_iter(f"{prefix}*"):
            store.delete(key)


def _wait_until_up(url: str, log: Path) -> None:
    """Until the server answers its health check: a minute, as on a machine busy with the rest
    of the suite two servers importing the app at once can take a while."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            return
        except OSError:  # refused, reset, timed out or 503 while gunicorn starts
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start; its log:\n{log.read_text()[-3000:]}")


def _failed_login(base_url: str, email: str) -> int:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base_url + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": "wrong guess again"})
    try:
        return opener.open(base_url + "/login", data=data.encode()).status
    except urllib.error.HTTPError as error:
        return error.code


def test_failures_on_one_server_count_on_the_other(two_servers):
    first, second = two_servers
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    statuses = [_failed_login(server, email) for server in (first, second, first, second, first)]
    assert statuses == [422] * 5
    assert _failed_login(second, email) == 429
    assert _failed_login(first, email) == 429
    assert _failed_login(first, "someone.else@example.org") == 422
