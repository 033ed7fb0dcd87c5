"""The cron commands right after a bulk load, before the planner has any statistics (autovacuum
is off on these machines, and a real server's may not have run yet): `flask desks refresh`,
`flask desks remind` and `flask licences remind`, each timed as the command runs it, on a fresh
PostgreSQL database grown by bench/scale_data.py and bench/desk_data.py without `VACUUM ANALYZE`.

    .venv/bin/python bench/commands_bench.py --scales 100000
    .venv/bin/python bench/commands_bench.py --scales 20000 --analyse   # the same, statistics made first
    .venv/bin/python bench/commands_bench.py --scales 1000000 --keep    # then, on the kept database:
    .venv/bin/python bench/commands_bench.py --database diaspora_commands_xxxx --forget-statistics

Each command is run through Flask's CLI runner (what cron runs), twice: the first run meets the
tables as loaded, the second with whatever the first left (the commands analyse the tables they
read when they find no statistics). The figures are wall seconds."""

import argparse
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import desk_data, scale_data  # noqa: E402
from bench.scale_bench import OFFICER_PASSWORD, SUBMISSIONS_PER  # noqa: E402

COMMANDS = (["desks", "refresh"], ["desks", "remind"], ["licences", "remind"])


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def forget_statistics(engine) -> None:
    """As right after the load: the planner's statistics of every table dropped (pg_statistic,
    the row estimates in pg_class, the analyse times), the reminders already sent forgotten.
    Needs a superuser (the bench server's `postgres`)."""
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM desk_reminders"))
        connection.execute(sa.text("DELETE FROM licence_reminders"))
        connection.execute(sa.text("DELETE FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class "
                                   "WHERE relnamespace = 'public'::regnamespace)"))
        connection.execute(sa.text("UPDATE pg_class SET reltuples = -1, relpages = 0 "
                                   "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"))
        connection.execute(sa.text("SELECT pg_stat_reset()"))


def run_scale(server_url, scale: int, analyse_first: bool, keep: bool, database: str | None = None,
              forget: bool = False) -> dict[str, list[float]]:
    from flask_migrate import upgrade

    from diaspora import create_app
    from diaspora.auth.passwords import HASHERS

    name = database or f"diaspora_commands_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    if database is None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        progress(f"Database {name}")
    url = server_url.set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    found: dict[str, list[float]] = {}
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": uuid.uuid4().hex * 2,
                          "MAIL_SUPPRESS_SEND": True})
        if database is None:
            with app.app_context():
                upgrade()
            password_hash = HASHERS["fast"].hash(OFFICER_PASSWORD)
            started = time.monotonic()
            with engine.begin() as connection:
                scale_data.grow_to(connection, scale, password_hash)
                scale_data.grow_licences(connection)
                scale_data.grow_contributions_to(connection, scale, password_hash)
                desk = desk_data.ensure_desk(connection, password_hash)
                desk_data.grow_submissions_to(connection, desk, scale // SUBMISSIONS_PER)
            progress(f"{scale:,} memberships loaded in {time.monotonic() - started:.0f} s")
        if forget:
            forget_statistics(engine)
        if analyse_first:
            scale_data.analyse(engine)
        runner = app.test_cli_runner()
        for command in COMMANDS:
            label = " ".join(command)
            for attempt in range(2):
                started = time.monotonic()
                result = runner.invoke(args=command)
                taken = time.monotonic() - started
                assert result.exit_code == 0, (label, result.output, result.exception)
                found.setdefault(label, []).append(taken)
                last = [line for line in result.output.splitlines() if line.strip()][-1:] or [""]
                progress(f"  flask {label} (run {attempt + 1}): {taken:.1f} s  {last[0][:100]}")
    finally:
        engine.dispose()
        if not keep and database is None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--scales", default="100000")
    parser.add_argument("--analyse", action="store_true", help="VACUUM ANALYZE after the load, before the commands")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database", help="run on this kept database (no load) instead of a fresh one")
    parser.add_argument("--forget-statistics", action="store_true",
                        help="drop the planner's statistics and the reminders sent first (as right after the load)")
    args = parser.parse_args()
    results = {}
    for scale in (int(value) for value in args.scales.split(",")):
        results[scale] = run_scale(sa.make_url(args.database_url), scale, args.analyse, args.keep, args.database,
                                   args.forget_statistics)
    print("\n| command | " + " | ".join(f"{scale:,}: first run | second run" for scale in results) + " |")
    print("| --- |" + " --- | --- |" * len(results))
    for label in (" ".join(command) for command in COMMANDS):
        print(f"| flask {label} | " + " | ".join(f"{runs[label][0]:.1f} s | {runs[label][1]:.1f} s"
                                                 for runs in results.values()) + " |")


if __name__ == "__main__":
    main()
