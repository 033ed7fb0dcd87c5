"""Each page's cost in-process against its floor (bench/floor.py), with no server, client or
network in the way: the Flask test client, logged in as the page's reader, asks for the page and
for its floor in turn; each is timed `--runs` times and the minimum kept (the least disturbed run).
CPU time of this process (what the app spends: Python, the driver, Jinja; not PostgreSQL's) and
wall time (with the SQL) are both reported.

    .venv/bin/python bench/scale_bench.py --scales 20000 --keep --seconds 0.3 --repeat 1 --connections 0
    .venv/bin/python bench/page_cpu.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/diaspora_bench_xxxx
    .venv/bin/python bench/page_cpu.py --database-url ... --only queue --profile   # py-spy-free: cProfile of one page

A ratio (page / floor) near 1 means the page spends little beyond its SQL and a minimal template;
issue 17 asks for 2 or less."""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import floor, scale_bench  # noqa: E402
from bench.desk_data import DESK_OFFICER_EMAIL  # noqa: E402
from bench.scale_data import PORTFOLIO_EMAIL  # noqa: E402

WHO = {"officer": scale_bench.OFFICER_EMAIL, "portfolio": PORTFOLIO_EMAIL, "desk": DESK_OFFICER_EMAIL}


def make_app(url: str):
    os.environ.update({"APP_ENV": "production", "SECRET_KEY": uuid.uuid4().hex * 2, "DATABASE_URL": url,
                       "SERVER_NAME": "bench.localhost", "PREFERRED_URL_SCHEME": "http",
                       "SESSION_COOKIE_SECURE": "false", "RATELIMIT_STORAGE_URI": "memory://",
                       "API_RATE_LIMIT": "1000000 per minute"})
    os.environ.setdefault("CREDENTIAL_SIGNING_KEY", _signing_key())
    from diaspora import create_app
    from diaspora.core.access import public

    app = create_app()
    floor.install(app)
    app.get("/bench/bare")(public(lambda: "ok"))
    return app


def _signing_key() -> str:
    from joserfc.jwk import OKPKey

    return OKPKey.generate_key("Ed25519", private=True).as_pem(private=True).decode()


def logged_in(app, email: str):
    """A test client whose session is that person's, second factor given."""
    from diaspora.auth import sessions as auth_sessions
    from diaspora.auth.models import User
    from diaspora.extensions import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        user_id, mark = user.get_id(), auth_sessions.second_factor_mark(user)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session[auth_sessions.PASSED] = mark
    return client


class _WithToken:
    """A test client that sends an API token with every request (the API takes no cookie)."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def get(self, path, **kwargs):
        return self.client.get(path, headers={"Authorization": self.token}, **kwargs)


def api_client(app, email: str) -> _WithToken:
    return _WithToken(app.test_client(), scale_bench.api_token(app, email))


def timed(client, paths: list[str], runs: int) -> list[tuple[float, float]]:
    """(min CPU µs, min wall µs) of `runs` requests to each path, the paths asked in turn (so that
    a busy moment of the machine falls on all of them), after two of each to warm up."""
    for path in paths:
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}"
    cpu: dict[str, list[float]] = {path: [] for path in paths}
    wall: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(runs):
        for path in paths:
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(path)
            cpu[path].append(time.process_time() - c0)
            wall[path].append(time.perf_counter() - w0)
    return [(min(cpu[path]) * 1e6, min(wall[path]) * 1e6) for path in paths]


def calls_of(client, path: str) -> int:
    """Python function calls (and calls into C) one request makes: unlike a time, the same on a
    busy machine, so a change's effect shows even when other work shares the cores."""
    client.get(path)
    count = 0

    def counter(frame, event, arg):
        nonlocal count
        if event == "call" or event == "c_call":
            count += 1

    sys.setprofile(counter)
    try:
        client.get(path)
    finally:
        sys.setprofile(None)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--only", default="", help="only the pages whose label contains this")
    parser.add_argument("--profile", action="store_true", help="cProfile the chosen pages (sorted by own time)")
    args = parser.parse_args()
    app = make_app(args.database_url)
    engine = sa.create_engine(args.database_url)
    pages = scale_bench.pages(engine)
    engine.dispose()
    clients = {who: logged_in(app, email) for who, email in WHO.items()}
    clients.update({f"{who} API": api_client(app, email) for who, email in WHO.items()})
    [(bare_cpu, bare_wall)] = timed(clients["officer"], ["/bench/bare"], args.runs)
    print(f"bare route: {bare_cpu:.0f} µs CPU, {bare_wall:.0f} µs wall\n")
    print("| page | page µs (CPU) | floor µs (CPU) | ratio | page µs (wall) | floor µs (wall) | wall ratio | over bare "
          "| page calls | floor calls | calls ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, (who, path) in pages.items():
        if args.only not in label:
            continue
        client = clients[who]
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            client.get(path)
            profiler.enable()
            for _ in range(20):
                client.get(path)
            profiler.disable()
            print(f"\n## {label}")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(35)
            continue
        page_calls, floor_calls = calls_of(client, path), calls_of(client, scale_bench.floor_path(path))
        (page_cpu, page_wall), (floor_cpu, floor_wall) = timed(client, [path, scale_bench.floor_path(path)],
                                                               args.runs)
        print(f"| {label} | {page_cpu:.0f} | {floor_cpu:.0f} | {page_cpu / floor_cpu:.2f} | {page_wall:.0f} | "
              f"{floor_wall:.0f} | {page_wall / floor_wall:.2f} | {page_wall / bare_wall:.1f}x | {page_calls} | "
              f"{floor_calls} | {page_calls / floor_calls:.2f} |", flush=True)


if __name__ == "__main__":
    main()
