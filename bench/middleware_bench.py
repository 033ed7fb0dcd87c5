"""What our middleware costs on every request: the app's route that touches no database
(`/bench/bare` in bench/wsgi.py, through every before- and after-request hook) against the same
route in a bare Flask app (bench/plain_flask.py), both under gunicorn with two sync workers,
measured alternately with wrk (one connection, then 8), on the same machine.

    .venv/bin/python bench/middleware_bench.py               # 3 rounds of 4 s each
    .venv/bin/python bench/middleware_bench.py --seconds 1 --rounds 1

Target (issue 17): the app's bare route within 1.3x of the bare Flask route (p50 latency)."""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from joserfc.jwk import OKPKey

ROOT = Path(__file__).resolve().parent.parent
LATENCY_P50 = re.compile(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", re.M)
RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def start(module: str, port: int, env: dict) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", module],
                               cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{module} did not start")


def wrk(port: int, connections: int, seconds: float) -> tuple[float, float]:
    """(p50 in ms, requests per second)."""
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                          "-H", f"Host: 127.0.0.1:{port}", f"http://127.0.0.1:{port}/bench/bare"],
                         capture_output=True, text=True, check=True).stdout
    value, unit = LATENCY_P50.search(out).groups()
    return float(value) * UNITS[unit], float(RATE.search(out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    database = Path(tempfile.mkdtemp()) / "bench.sqlite"
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": uuid.uuid4().hex * 2,
           "DATABASE_URL": f"sqlite:///{database}", "SERVER_NAME": "127.0.0.1:5091", "PREFERRED_URL_SCHEME": "http",
           "TRUSTED_HOSTS": "127.0.0.1", "SESSION_COOKIE_SECURE": "false",
           "CREDENTIAL_SIGNING_KEY": OKPKey.generate_key("Ed25519", private=True).as_pem(private=True).decode()}
    servers = {"app": start("bench.wsgi:app", 5091, env), "flask": start("bench.plain_flask:app", 5092, env)}
    ports = {"app": 5091, "flask": 5092}
    try:
        for connections in (1, 8):
            results = {"app": [], "flask": []}
            for _ in range(args.rounds):
                for name in ("flask", "app"):
                    results[name].append(wrk(ports[name], connections, args.seconds))
            ratios = [a[0] / f[0] for a, f in zip(results["app"], results["flask"], strict=True)]
            app_rate = statistics.median(r[1] for r in results["app"])
            flask_rate = statistics.median(r[1] for r in results["flask"])
            print(f"{connections} connection(s): p50 ratio app/flask {statistics.median(ratios):.2f} "
                  f"({min(ratios):.2f}-{max(ratios):.2f}); requests/s app {app_rate:.0f}, flask {flask_rate:.0f} "
                  f"({app_rate / flask_rate:.2f})")
    finally:
        for process in servers.values():
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(database.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
