"""Benchmark of the member CSV import: generates a CSV, checks it (the dry run) and imports it
with the same service functions the pages use, and prints rows per second for each.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--database-url URL]

Without --database-url it makes a fresh SQLite database in a temporary folder. With one, the
schema is migrated there and the benchmark's rows are added to it (use an empty database)."""

import argparse
import logging
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from diaspora import create_app  # noqa: E402
from diaspora.associations.models import Association, Invitation, Membership, MembershipType  # noqa: E402
from diaspora.associations.roster import importer  # noqa: E402
from diaspora.auth.models import User  # noqa: E402
from diaspora.auth.passwords import UNUSABLE_PREFIX  # noqa: E402
from diaspora.core import transaction  # noqa: E402
from diaspora.core.models import OutboxMessage  # noqa: E402
from diaspora.core.time import today  # noqa: E402
from diaspora.extensions import db  # noqa: E402
from diaspora.members.models import CADRES  # noqa: E402

COUNTRIES = ["GH", "NG", "KE", "ZW", "UG", "GH|NG", "Ghana", "Sierra Leone", "ZA|ZW", ""]
SPECIALTIES = ["Critical care", "Paediatrics", "Midwifery", "Pharmacovigilance", "Public health", ""]


def generate_csv(rows: int, existing_emails: list[str]) -> str:
    """`rows` members; one in 50 has an error (an unknown cadre), and the first few are people
    who already have an account."""
    lines = ["email,name,cadre,specialty,heritage_countries,membership_type"]
    cadres = list(CADRES)
    for i in range(rows):
        email = existing_emails[i] if i < len(existing_emails) else f"member{i:06d}@bench.example.org"
        cadre = "astronaut" if i % 50 == 49 else cadres[i % len(cadres)]
        lines.append(f"{email},Member {i:06d},{cadre},{SPECIALTIES[i % len(SPECIALTIES)]},"
                     f"{COUNTRIES[i % len(COUNTRIES)]},")
    return "\n".join(lines) + "\n"


def set_up(existing: int) -> tuple[Association, User, list[str]]:
    association = Association(name="Bench Health Association", slug="bench", host_country="GB",
                              status=Association.APPROVED)
    db.session.add(association)
    db.session.flush()
    db.session.add(MembershipType(association_id=association.id, name="Full member", period_months=12,
                                  requires_approval=False))
    officer = User(name="Bench Officer", email="officer@bench.example.org",
                   password_hash=UNUSABLE_PREFIX + "bench")
    db.session.add(officer)
    db.session.flush()
    db.session.add(Membership(user_id=officer.id, association_id=association.id, role=Membership.OFFICER,
                              status=Membership.ACTIVE, joined_on=today(),
                              renews_on=today() + timedelta(days=365)))
    people = [User(name=f"Existing {i}", email=f"existing{i}@bench.example.org",
                   password_hash=UNUSABLE_PREFIX + "bench") for i in range(existing)]
    db.session.add_all(people)
    transaction.commit()
    return association, officer, [person.email for person in people]


def progress(stage: str, done: int, total: int) -> None:
    print(f"\r  {stage}: {done:>6} / {total}", end="\n" if done == total else "", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a new SQLite database in a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import-bench-") as folder:
        run(args.rows, args.database_url or f"sqlite:///{folder}/bench.sqlite")


def run(rows: int, url: str) -> None:
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "bench-only",
        "SQLALCHEMY_DATABASE_URI": url,
        "MAIL_SERVER": None,
    })
    logging.disable(logging.INFO)  # the migrations' log, and the inline mails (there is no server)
    print(f"Database: {sa.make_url(url).render_as_string(hide_password=True)}")

    with app.app_context():
        upgrade()
        association, officer, existing = set_up(existing=min(100, rows // 10))
        text = generate_csv(rows, existing)
        print(f"CSV: {rows} rows, {len(text.encode()) / 1024:.0f} KiB")

        with app.test_request_context():
            started = time.perf_counter()
            member_import = importer.upload(association, officer, "bench.csv", text.encode())
            dry_run = importer.plan(association, member_import.content, progress)
            checked = time.perf_counter() - started
            print(f"Dry run (read, check, look up): {checked:.2f} s, {rows / checked:,.0f} rows/s "
                  f"({len(dry_run.to_import)} to import, {dry_run.with_errors} with errors)")

            started = time.perf_counter()
            result = importer.confirm(member_import, officer, progress)
            imported = time.perf_counter() - started
            print(f"Import (check again, then write): {imported:.2f} s, "
                  f"{rows / imported:,.0f} rows/s ({result.invited} invitations)")

            started = time.perf_counter()
            transaction.commit()  # as the request does; sends the first few mails inline
            committed = time.perf_counter() - started
            print(f"Commit: {committed:.2f} s")
            total = imported + committed
            print(f"Confirm request total: {total:.2f} s, {rows / total:,.0f} rows/s")

        invited = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)
                                    .where(Invitation.association_id == association.id))
        queued = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        print(f"Now: {invited} invitations, {queued} emails in the outbox")
        assert result.invited == len(dry_run.to_import) == invited
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
