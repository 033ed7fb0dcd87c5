"""Benchmark of the daily licence reminder run (`flask licences remind`) on PostgreSQL: 10,000
and 100,000 licences, each scale in a fresh database.

    .venv/bin/python bench/licence_reminders_bench.py                       # 10k and 100k (about 2 minutes)
    .venv/bin/python bench/licence_reminders_bench.py --scales 2000,20000   # a quick look

For each scale it makes a fresh database on the server `--database-url` names, migrates it,
loads the regulator catalogue, and adds one member per licence with `INSERT ... SELECT ... FROM
generate_series` (every constraint respected): expiry dates spread evenly over the last month
and the next year, one member in ten with reminders off, one in fifty with a closed account,
their languages English, French and Portuguese in turn. Then it runs the reminder service twice,
as the command does (the run, then the commit; the mail is left in the outbox for `flask outbox
send`, there being no mail server), and reports for each run its time, the emails queued and the
SQL statements it issued, split into those that do not depend on what is sent and those that
come per chunk of mails. The second run must send nothing, and its statement count must be the
same at every scale."""

import argparse
import logging
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPREAD_PAST, SPREAD_FUTURE = 30, 365  # expiry dates: from 30 days ago to 364 days ahead


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load(connection, licences: int) -> None:
    """`licences` members, each with one licence (ids from 1: a fresh database). The users
    counter's trigger is off during the load (one row updated 100,000 times in a transaction
    walks ever longer chains of its dead versions) and the count recomputed after it. So is the
    shared licences' trigger: these members belong to no association, so share with none."""
    connection.execute(sa.text("ALTER TABLE users DISABLE TRIGGER count_users_changed"))
    connection.execute(sa.text("""
        INSERT INTO users (id, email, name, password_hash, email_verified_at, active, locale, is_admin,
                           session_token, created_at)
        SELECT g, 'member' || g || '@bench.example', 'Bench Member ' || g, '!unusable:bench', now(),
               g % 50 <> 0, (ARRAY['en', 'fr', 'pt'])[1 + g % 3], false, md5(g::text), now()
        FROM generate_series(1, CAST(:n AS integer)) g"""), {"n": licences})
    connection.execute(sa.text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
    connection.execute(sa.text("ALTER TABLE users ENABLE TRIGGER count_users_changed"))
    connection.execute(sa.text("DELETE FROM platform_counts WHERE name = 'users'"))
    connection.execute(sa.text("INSERT INTO platform_counts (name, count) SELECT 'users', count(*) FROM users"))
    connection.execute(sa.text("ALTER TABLE licences DISABLE TRIGGER share_licences_licence_changed"))
    connection.execute(sa.text(f"""
        INSERT INTO licences (user_id, regulator_id, registration_number, category, issued_on, expires_on,
                              reminders, created_at, version)
        SELECT g, r.ids[1 + g % array_length(r.ids, 1)], 'BENCH/' || g, 'full',
               CURRENT_DATE + ((g * 7919) % {SPREAD_PAST + SPREAD_FUTURE} - {SPREAD_PAST}) - 365,
               CURRENT_DATE + ((g * 7919) % {SPREAD_PAST + SPREAD_FUTURE} - {SPREAD_PAST}),
               g % 10 <> 0, now(), 1
        FROM generate_series(1, CAST(:n AS integer)) g,
             (SELECT array_agg(id ORDER BY id) AS ids FROM regulators) r"""), {"n": licences})
    connection.execute(sa.text("ALTER TABLE licences ENABLE TRIGGER share_licences_licence_changed"))


def kind(statement: str) -> str:
    words = " ".join(statement.split()).upper()
    if words.startswith("INSERT INTO LICENCE_REMINDERS"):
        return "claim (INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING), one per threshold"
    if words.startswith("INSERT INTO OUTBOX_MESSAGES"):
        return "outbox rows (bulk INSERT, per language and 1,000 mails)"
    if words.startswith("INSERT INTO AUDIT_EVENTS"):
        return "audit events (one INSERT per 1,000 mails)"
    if words.startswith("SELECT") and "FROM LICENCES JOIN USERS" in words:
        return "recipients (one SELECT per 1,000 mails)"
    return words[:60]


def measure(app, scale: int) -> list[dict]:
    from diaspora.core import outbox
    from diaspora.extensions import db
    from diaspora.licensure import reminders

    runs = []
    with app.app_context():
        for _ in range(2):
            statements: list[str] = []

            def count(conn, cursor, statement, parameters, context, executemany, into=statements):
                into.append(statement)

            sa.event.listen(db.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            report = reminders.remind()
            db.session.commit()
            seconds = time.perf_counter() - started
            sa.event.remove(db.engine, "before_cursor_execute", count)
            outbox.take_pending_ids()  # left for `flask outbox send`: no mail server here
            runs.append({"scale": scale, "seconds": seconds, "mails": report.total,
                         "sent": {str(t): n for t, n in report.sent.items()},
                         "statements": len(statements), "kinds": Counter(kind(s) for s in statements)})
        db.session.remove()
        db.engine.dispose()
    return runs


def run_scale(server_url, scale: int, keep: bool) -> list[dict]:
    from flask_migrate import upgrade

    from diaspora import create_app

    name = f"diaspora_bench_reminders_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench",
                          "SERVER_NAME": "bench.example", "PREFERRED_URL_SCHEME": "https", "MAIL_SERVER": None})
        with app.app_context():
            upgrade()
            from diaspora.extensions import db
            from diaspora.licensure import reference

            reference.load()
            db.session.commit()
        engine = sa.create_engine(url)
        started = time.monotonic()
        with engine.begin() as connection:
            load(connection, scale)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
        engine.dispose()
        progress(f"  {scale:,} licences loaded in {time.monotonic() - started:.1f} s")
        return measure(app, scale)
    finally:
        if keep:
            progress(f"  kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server (a fresh database is made on it for each scale)")
    parser.add_argument("--scales", default="10000,100000", help="licences at each scale")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' log
    server_url = sa.make_url(args.database_url)
    results = []
    for scale in (int(value) for value in args.scales.split(",")):
        progress(f"{scale:,} licences ...")
        results += run_scale(server_url, scale, args.keep)

    print("| licences | run | time | emails (90 / 30 / 7 / lapsed) | SQL statements | of which per 1,000 mails |")
    print("| --- | --- | --- | --- | --- | --- |")
    for number, result in enumerate(results):
        per_chunk = sum(n for k, n in result["kinds"].items() if "per " in k and "one per threshold" not in k)
        sent = result["sent"]
        print(f"| {result['scale']:,} | {'first' if number % 2 == 0 else 'second'} | {result['seconds']:.2f} s | "
              f"{result['mails']:,} ({sent['90']:,} / {sent['30']:,} / {sent['7']:,} / {sent['lapsed']:,}) | "
              f"{result['statements']} | {per_chunk} |")
    print()
    for result in results[:2]:
        for statement_kind, n in sorted(result["kinds"].items()):
            print(f"  {result['scale']:,}: {n:>3}  {statement_kind}")
    seconds = [r for n, r in enumerate(results) if n % 2 == 1]
    assert all(r["mails"] == 0 for r in seconds), "a second run sent mail"
    assert len({r["statements"] for r in seconds}) == 1, "the second run's statement count grew with the licences"
    for first in results[::2]:
        fixed = first["statements"] - sum(n for k, n in first["kinds"].items()
                                          if "per " in k and "one per threshold" not in k)
        assert fixed == seconds[0]["statements"], "the first run's fixed part differs from an empty run"


if __name__ == "__main__":
    main()
