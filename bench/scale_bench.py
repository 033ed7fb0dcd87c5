"""How list and dashboard pages hold up as an association grows: 10k, 100k, 1M memberships, and
as its members log contributions: 100k, then 1M contributions for 100k members.

    .venv/bin/python bench/scale_bench.py                                  # 10k, 100k, 1M (about 25 min)
    .venv/bin/python bench/scale_bench.py --scales 100000 --contributions 100000,1000000 --pages contributions
    .venv/bin/python bench/scale_bench.py --scales 2000,4000 --seconds 0.3 --repeat 1   # CI's quick run
    .venv/bin/python bench/scale_bench.py --scales 100000,1000000 --contributions 10000 --pages licences
    .venv/bin/python bench/scale_bench.py --contributions 10000 --pages standards

It makes a fresh PostgreSQL database (dropped afterwards unless --keep), migrates it, and grows
it step by step with `bench/scale_data.py` (one association holds half of all memberships): each
step brings the memberships to a value of --scales and the contributions to the matching value
of --contributions (by default as many contributions as memberships; a single value of either
applies to every step). The app runs under gunicorn (two sync workers, production settings)
with one extra route that touches no database (`bench/wsgi.py`). For each page, requests to the
page and to that bare route alternate, one at a time, for `--seconds`; the result is the ratio
of their medians (p50), repeated `--repeat` times (the median ratio is reported, with the
range). Ratios, not seconds: the benchmark and the server share the machine's cores.

Each page is also measured against its floor (bench/floor.py: the same SELECT statements sent
through a raw cursor, their rows rendered by a minimal Jinja template), and, with
`--connections` requests at once (wrk), against both again.

Targets (issue 17): no page more than 1.2x slower at 1M memberships than at 100k, every page
within 2x of its floor and under 10x the bare route one request at a time. It also times the CSV export's first
data row for the big association. A third of the members hold licences, three in five share
them with their association (`scale_data.grow_licences`): the licence overview is measured
with its first page of licences lapsing soon and its second."""

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from joserfc.jwk import OKPKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import desk_data, scale_data  # noqa: E402

OFFICER_EMAIL = "officer@bench.example"
OFFICER_PASSWORD = "bench officer passphrase kente 2026"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Server:
    """gunicorn serving bench/wsgi.py in production mode on a free port."""

    def __init__(self, database_url: str, port: int, secret_key: str | None = None):
        self.port = port
        env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": secret_key or uuid.uuid4().hex * 2,
               "DATABASE_URL": database_url, "SERVER_NAME": f"127.0.0.1:{port}", "PREFERRED_URL_SCHEME": "http",
               "SESSION_COOKIE_SECURE": "false", "RATELIMIT_STORAGE_URI": "memory://",
               "API_RATE_LIMIT": "1000000 per minute",  # the API pages are asked thousands of times
               "CREDENTIAL_SIGNING_KEY": OKPKey.generate_key("Ed25519", private=True).as_pem(private=True).decode()}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi:app"],
            cwd=ROOT, env=env)
        for _ in range(100):
            try:
                self.get("/bench/bare")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def request(self, method: str, path: str, body: str | None = None, cookie: str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if cookie and cookie.startswith("Bearer "):  # an API token (api_token)
            headers["Authorization"] = cookie
        elif cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def get(self, path: str, cookie: str | None = None):
        return self.request("GET", path, cookie=cookie)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def log_in(server: Server, email: str = OFFICER_EMAIL) -> str:
    response, page = server.get("/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = CSRF.search(page.decode()).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": OFFICER_PASSWORD})
    response, _ = server.request("POST", "/login", body=body, cookie=cookie)
    assert response.status == 302, f"login failed: {response.status}"
    return response.getheader("Set-Cookie").split(";")[0]


def log_in_with_code(server: Server, email: str, secret: str) -> str:
    """Password, then the authenticator's code (admins and desk officers must use a second factor). A code
    is accepted once: a second login within the same 30 seconds uses the next step's."""
    import pyotp

    totp = pyotp.TOTP(secret)
    for attempt in range(4):
        response, page = server.get("/login")
        cookie = response.getheader("Set-Cookie").split(";")[0]
        token = CSRF.search(page.decode()).group(1)
        body = urlencode({"csrf_token": token, "email": email, "password": OFFICER_PASSWORD})
        response, _ = server.request("POST", "/login", body=body, cookie=cookie)
        assert response.status == 302, f"login failed: {response.status}"
        cookie = response.getheader("Set-Cookie").split(";")[0]
        _, page = server.get("/login/code", cookie)
        token = CSRF.search(page.decode()).group(1)
        code = totp.at(time.time(), counter_offset=attempt % 2)
        response, _ = server.request("POST", "/login/code", body=urlencode({"csrf_token": token, "code": code}),
                                     cookie=cookie)
        if response.status == 302:
            return response.getheader("Set-Cookie").split(";")[0]
        if attempt % 2:
            time.sleep(30)
    raise AssertionError("the desk officer's code was refused")


@dataclass
class Measure:
    """One page at one scale: its p50 over the bare route's and over its floor's (requests one
    at a time, alternating), and the same under `--connections` at once (wrk)."""

    to_bare: list[float] = field(default_factory=list)
    to_floor: list[float] = field(default_factory=list)
    busy_to_bare: list[float] = field(default_factory=list)
    busy_to_floor: list[float] = field(default_factory=list)
    page_ms: float = 0.0
    bare_ms: float = 0.0


def floor_path(path: str) -> str:
    return "/bench/floor?" + urlencode({"path": path})


def median_ms(server: Server, path: str, cookie: str, seconds: float) -> tuple[float, float, float]:
    """p50 of the page, of the bare route and of the page's floor, measured in turn for `seconds`."""
    times: dict[str, list[float]] = {path: [], "/bench/bare": [], floor_path(path): []}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or len(times[path]) < 5:
        for target, taken in times.items():
            started = time.perf_counter()
            response, _ = server.get(target, cookie)
            taken.append(time.perf_counter() - started)
            assert response.status == 200, f"{target} answered {response.status}"
    page, bare, floor = (statistics.median(taken) * 1000 for taken in times.values())
    return page, bare, floor


WRK_P50 = re.compile(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def busy_ms(server: Server, path: str, cookie: str, seconds: float, connections: int) -> float:
    """p50 of `path` with `connections` requests at once (wrk, one thread)."""
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                          "-H", f"Host: 127.0.0.1:{server.port}",
                          "-H", f"Authorization: {cookie}" if cookie.startswith("Bearer ") else f"Cookie: {cookie}",
                          f"http://127.0.0.1:{server.port}{path}"], capture_output=True, text=True, check=True).stdout
    value, unit = WRK_P50.search(out).groups()
    return float(value) * WRK_UNITS[unit]


def measure(server: Server, path: str, cookie: str, args) -> Measure:
    found = Measure()
    for _ in range(args.repeat):
        page_ms, bare_ms, floor_ms = median_ms(server, path, cookie, args.seconds)
        found.to_bare.append(page_ms / bare_ms)
        found.to_floor.append(page_ms / floor_ms)
        found.page_ms, found.bare_ms = page_ms, bare_ms
        if args.connections:
            busy = {target: busy_ms(server, target, cookie, args.seconds, args.connections)
                    for target in (path, "/bench/bare", floor_path(path))}
            found.busy_to_bare.append(busy[path] / busy["/bench/bare"])
            found.busy_to_floor.append(busy[path] / busy[floor_path(path)])
    return found


def first_row_seconds(server: Server, path: str, cookie: str) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Host": f"127.0.0.1:{server.port}", "Cookie": cookie})
    response = connection.getresponse()
    seen = b""
    while seen.count(b"\n") < 2:  # the header line, then the first member
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(1024)
        if not chunk:
            break
        seen += chunk
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


SUBMISSIONS_PER = 10  # contributions per submission to the desk: 100,000 submissions at 1M contributions
DESK_PAGES = ("desk engagement dashboard", "desk dashboard, last year's second quarter", "desk queue",
              "desk queue, overdue", "desk queue, topic and status")
DIRECTORY_PAGES = ("member directory, page 1", "directory, search: a person", "directory, search: a specialty",
                   "directory, search: a family name", "directory, search: a common name",
                   "directory, search: a name and a specialty", "directory, search: two words never together",
                   "directory, deep page", "directory, newest")
CONTRIBUTION_PAGES = ("member portfolio", "verification queue", "impact dashboard", "impact dashboard, 5 years")
LICENCE_PAGES = ("licence overview", "licence overview, page 2")
STANDARDS_PAGES = ("FHIR: Practitioner search", "FHIR: Practitioner search, deep page",
                   "FHIR: PractitionerRole, _lastUpdated", "FHIR: _history since yesterday",
                   "FHIR: _history, deep page",
                   "Open311: the desk's requests", "Aggregates: CSV")
API_PAGES = ("API: members list", "API: desk queue", "API: contributions list")
GROUPS = {"directory": DIRECTORY_PAGES, "contributions": CONTRIBUTION_PAGES, "desks": DESK_PAGES,
          "licences": LICENCE_PAGES, "standards": STANDARDS_PAGES, "api": API_PAGES}


def pages(engine) -> dict[str, tuple[str, str]]:
    """label: (who, path); who is the big association's officer, the portfolio member or Ghana's desk officer."""
    with engine.connect() as connection:
        big = connection.execute(sa.text("SELECT id FROM associations WHERE slug = :s"),
                                 {"s": scale_data.BIG_SLUG}).scalar()
        some_member = connection.execute(sa.text(
            "SELECT id FROM memberships WHERE association_id = :a AND role = 'member' ORDER BY id LIMIT 1"),
            {"a": big}).scalar()
        count = connection.execute(sa.text("SELECT count FROM association_counts WHERE association_id = :a "
                                           "AND status = 'active'"), {"a": big}).scalar() or 0
        deep = connection.execute(sa.text(
            "SELECT sort_name, id FROM memberships WHERE association_id = :a ORDER BY sort_name, id "
            "OFFSET :n LIMIT 1"), {"a": big, "n": min(50_000, count // 2)}).one()
        first_page = connection.execute(sa.text(  # the overview's first page of licences lapsing soon
            "SELECT expires_on, licence_id FROM shared_licences WHERE association_id = :a "
            "AND expires_on BETWEEN current_date AND current_date + 90 ORDER BY expires_on, licence_id "
            "LIMIT 25"), {"a": big}).all()
        lapsing = first_page[-1] if first_page else (date.today(), 0)  # a small run may have less than a page
        person = connection.execute(sa.text(
            "SELECT users.name FROM memberships JOIN users ON users.id = memberships.user_id "
            "WHERE association_id = :a ORDER BY memberships.id OFFSET :n LIMIT 1"),
            {"a": big, "n": count // 3}).scalar()
    import base64
    import json

    def encoded(values) -> str:
        return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")

    cursor = encoded(list(deep))
    licence_cursor = encoded([lapsing[0].isoformat(), lapsing[1]])
    directory = f"/associations/{scale_data.BIG_SLUG}/directory"
    big_slug = scale_data.BIG_SLUG
    five_years = f"{date.today().year - 5}-{date.today().month:02d}"
    with engine.connect() as connection:
        desk = connection.execute(sa.text("SELECT id FROM desks WHERE country = :c ORDER BY id LIMIT 1"),
                                  {"c": desk_data.DESK_COUNTRY}).scalar()
        sharing = connection.execute(sa.text(  # the FHIR feed's middle: a deep page's cursor
            "SELECT count(*) FROM desk_sharing_consents WHERE country = :c"), {"c": desk_data.DESK_COUNTRY}).scalar()
        feed_middle = connection.execute(sa.text(
            "SELECT updated_at, user_id FROM desk_sharing_consents WHERE country = :c AND shared "
            "ORDER BY updated_at, user_id OFFSET :n LIMIT 1"), {"c": desk_data.DESK_COUNTRY, "n": sharing // 3}).first()
    feed_cursor = encoded([feed_middle[0].isoformat(), feed_middle[1]]) if feed_middle else ""
    day_ago = (date.today() - timedelta(days=1)).isoformat()
    officer_pages = {
        "member directory, page 1": directory,
        "directory, search: a person": directory + "?" + urlencode({"q": person}),
        "directory, search: a specialty": directory + "?q=anaesth",
        "directory, search: a family name": directory + "?q=mensah",
        # several words (directory._hops): the person's name without its number (its holders sit
        # together in name order), a family name and the start of a specialty, and two specialties
        # nobody has together, spread through the same stretch of the list (the hop's bound, then
        # the trigram index)
        "directory, search: a common name": directory + "?" + urlencode({"q": person.rsplit(" ", 1)[0]}),
        "directory, search: a name and a specialty": directory + "?q=mensah+anaesth",
        "directory, search: two words never together": directory + "?q=anaesthesia+cardiology",
        "directory, deep page": directory + "?after=" + cursor,
        "directory, newest": directory + "?sort=newest",
        "dashboard": "/dashboard",
        "applications": f"/associations/{scale_data.BIG_SLUG}/applications",
        "manage": f"/associations/{scale_data.BIG_SLUG}/manage",
        "member page": f"/associations/{scale_data.BIG_SLUG}/members/{some_member}",
        "profile": "/profile",
        "admin review list": "/admin/associations",
        "verification queue": f"/associations/{big_slug}/verification",
        "impact dashboard": f"/associations/{big_slug}/impact",
        "impact dashboard, 5 years": f"/associations/{big_slug}/impact?from={five_years}",
        "licence overview": f"/associations/{big_slug}/licences",
        "licence overview, page 2": f"/associations/{big_slug}/licences?after={licence_cursor}",
    }
    found = {label: ("officer", path) for label, path in officer_pages.items()}
    found["member portfolio"] = ("portfolio", "/contributions")
    found["desk engagement dashboard"] = ("desk", f"/desks/{desk}/dashboard")
    found["desk dashboard, last year's second quarter"] = (
        "desk", f"/desks/{desk}/dashboard?year={date.today().year - 1}&part=q2")
    found["desk queue"] = ("desk", f"/desks/{desk}/queue")
    found["desk queue, overdue"] = ("desk", f"/desks/{desk}/queue?overdue=1")
    found["desk queue, topic and status"] = ("desk", f"/desks/{desk}/queue?topic=barrier_report&status=submitted")
    found["API: members list"] = ("officer API", f"/api/v1/associations/{big_slug}/members")
    found["API: desk queue"] = ("desk API", f"/api/v1/desks/{desk}/queue")
    found["API: contributions list"] = ("portfolio API", "/api/v1/contributions")
    fhir = f"/api/v1/desks/{desk}/fhir"
    found["FHIR: Practitioner search"] = ("desk API", f"{fhir}/Practitioner")
    deep = f"?_cursor={feed_cursor}" if feed_cursor else ""  # a run too small to share anything has no middle
    found["FHIR: Practitioner search, deep page"] = ("desk API", f"{fhir}/Practitioner{deep}")
    found["FHIR: PractitionerRole, _lastUpdated"] = ("desk API", f"{fhir}/PractitionerRole?_lastUpdated=ge{day_ago}")
    found["FHIR: _history since yesterday"] = ("desk API", f"{fhir}/Practitioner/_history?_since={day_ago}")
    found["FHIR: _history, deep page"] = ("desk API", f"{fhir}/Practitioner/_history{deep}")
    found["Open311: the desk's requests"] = ("desk API", f"/api/v1/desks/{desk}/open311/v2/requests.json")
    found["Aggregates: CSV"] = ("desk API", f"/api/v1/desks/{desk}/aggregates.csv")
    return found


def api_token(app, email: str) -> str:
    """A personal token of the person, sent as `Authorization: Bearer …` (the API takes no cookie)."""
    from datetime import timedelta

    from diaspora.api import tokens
    from diaspora.api.models import ALL_SCOPES
    from diaspora.auth import services
    from diaspora.core import transaction
    from diaspora.core.time import today

    with app.app_context():
        made = tokens.create_personal(services.find_by_email(email), "bench", list(ALL_SCOPES),
                                      today() + timedelta(days=2))
        transaction.commit()
        return f"Bearer {made.secret}"


def _values(text: str, count: int) -> list[int]:
    values = [int(value) for value in text.split(",")]
    return values * count if len(values) == 1 else values


def _groups(text: str):
    if text == "all":
        return text
    groups = [group.strip() for group in text.split(",")]
    unknown = [group for group in groups if group not in GROUPS]
    if unknown:
        raise argparse.ArgumentTypeError(f"no such group of pages: {', '.join(unknown)} "
                                         f"(known: all, {', '.join(GROUPS)})")
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server (a fresh database is made on it)")
    parser.add_argument("--scales", default="10000,100000,1000000", help="memberships at each step")
    parser.add_argument("--contributions", default=None,
                        help="contributions at each step (default: as many as memberships)")
    parser.add_argument("--pages", type=_groups, default="all",
                        help="measure every page (all), or only the groups named, by commas: directory, "
                             "contributions, desks, licences, standards (FHIR, Open311, the CSV), api (its lists)")
    parser.add_argument("--seconds", type=float, default=4.0, help="per page and repetition")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8,
                        help="also measure with this many requests at once (wrk); 0: one at a time only")
    parser.add_argument("--port", type=int, default=5087)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    steps_count = max(len(args.scales.split(",")), len((args.contributions or "").split(",")))
    memberships = _values(args.scales, steps_count)
    contributions = _values(args.contributions, steps_count) if args.contributions else memberships
    if len(memberships) != len(contributions):
        parser.error("--scales and --contributions must have as many values (or one)")
    scales = list(zip(memberships, contributions, strict=True))

    server_url = sa.make_url(args.database_url)
    name = f"diaspora_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    server = None
    try:
        progress(f"Migrating {name} ...")
        from flask_migrate import upgrade

        from diaspora import create_app
        from diaspora.auth.passwords import HASHERS

        secret_key = uuid.uuid4().hex * 2
        bench_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": secret_key})
        with bench_app.app_context():
            upgrade()
        officer_hash = HASHERS["production"].hash(OFFICER_PASSWORD)
        results: dict[str, dict[tuple, Measure]] = {}
        first_rows: dict[tuple, float] = {}
        for scale in scales:
            started = time.monotonic()
            progress(f"Growing to {scale[0]:,} memberships and {scale[1]:,} contributions ...")
            with engine.begin() as connection:
                scale_data.grow_to(connection, scale[0], officer_hash)
                scale_data.grow_licences(connection)
                scale_data.grow_contributions_to(connection, scale[1], officer_hash)
                desk = desk_data.ensure_desk(connection, officer_hash)
                desk_data.grow_submissions_to(connection, desk, scale[1] // SUBMISSIONS_PER)
            scale_data.analyse(engine)
            desk_data.refresh(bench_app)  # the hourly `flask desks refresh`
            progress(f"  ready in {time.monotonic() - started:.0f} s")
            if server is None:
                server = Server(url, args.port, secret_key)
                # Platform admins (the bench officer is one) and desk officers must use a second factor.
                secrets = {email: desk_data.enrol(bench_app, email)
                           for email in (OFFICER_EMAIL, desk_data.DESK_OFFICER_EMAIL)}
            cookies = {"officer": log_in_with_code(server, OFFICER_EMAIL, secrets[OFFICER_EMAIL]),
                       "portfolio": log_in(server, scale_data.PORTFOLIO_EMAIL),
                       "desk": log_in_with_code(server, desk_data.DESK_OFFICER_EMAIL,
                                                secrets[desk_data.DESK_OFFICER_EMAIL])}
            cookies.update({f"{who} API": api_token(bench_app, email) for who, email in (
                ("officer", OFFICER_EMAIL), ("portfolio", scale_data.PORTFOLIO_EMAIL),
                ("desk", desk_data.DESK_OFFICER_EMAIL))})
            for label, (who, path) in pages(engine).items():
                if args.pages != "all" and not any(label in GROUPS[group] for group in args.pages):
                    continue
                found = results.setdefault(label, {})[scale] = measure(server, path, cookies[who], args)
                busy = (f", {statistics.median(found.busy_to_bare):.1f}x / {statistics.median(found.busy_to_floor):.2f}"
                        f" with {args.connections} at once" if args.connections else "")
                progress(f"  {label:<34} {statistics.median(found.to_bare):6.1f}x the bare route, "
                         f"{statistics.median(found.to_floor):.2f}x its floor{busy} "
                         f"({found.page_ms:.1f} ms vs {found.bare_ms:.2f} ms)")
            if args.pages != "all":
                continue
            export = f"/associations/{scale_data.BIG_SLUG}/members/export.csv"
            first_rows[scale] = first_row_seconds(server, export, cookies["officer"])
            progress(f"  CSV export, first row      {first_rows[scale] * 1000:.0f} ms")
        report(results, first_rows, scales)
    finally:
        if server is not None:
            server.stop()
        engine.dispose()
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cell(ratios: list[float], digits: int = 1) -> str:
    if not ratios:
        return "-"
    return f"{statistics.median(ratios):.{digits}f}x ({min(ratios):.{digits}f}-{max(ratios):.{digits}f})"


def report(results: dict[str, dict[tuple, Measure]], first_rows, scales) -> None:
    last = scales[-1]
    print("\np50 of each page / p50 of a route that touches no database, one request at a time (median of")
    print("repetitions, range); growth: last scale over the one before it (100k to 1M in the full run); the")
    print("page over its floor (the same SELECTs through a raw cursor, rows through a minimal template) and")
    print("both again with several requests at once, at the last scale. Columns: memberships / contributions\n")
    print("| page | " + " | ".join(f"{m:,} / {c:,}" for m, c in scales)
          + " | growth | over the floor | busy: over bare | busy: over the floor |")
    print("|" + " --- |" * (len(scales) + 5))
    for label, by_scale in results.items():
        cells = [_cell(by_scale[s].to_bare) for s in scales]
        before = scales[-2] if len(scales) > 1 else scales[0]
        growth = statistics.median(by_scale[last].to_bare) / statistics.median(by_scale[before].to_bare)
        print(f"| {label} | " + " | ".join(cells) + f" | {growth:.2f} | {_cell(by_scale[last].to_floor, 2)} | "
              f"{_cell(by_scale[last].busy_to_bare)} | {_cell(by_scale[last].busy_to_floor, 2)} |")
    if first_rows:
        print("| CSV export, first row | " + " | ".join(f"{first_rows[s] * 1000:.0f} ms" for s in scales)
              + " | | | | |")


if __name__ == "__main__":
    main()
