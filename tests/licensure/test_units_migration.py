"""The migration to CPD units (0243d1c091c0): each regulator's free-text unit is read as it
stands in the database now (the reference data's words or an admin's correction), split into
the unit, the rest as a note, and a conversion only where the text gives one outright; what it
cannot read stays unknown with every word kept. A CPD activity's points become an amount in
points. And back down."""

import csv
import importlib.util
import os
from pathlib import Path

import sqlalchemy as sa

from diaspora import create_app
from diaspora.extensions import db
from diaspora.licensure import reference
from tests.conftest import _create_postgres_database, app_config
from tests.factories import UserFactory

BEFORE, REVISION = "f6a7b8c9d0e1", "0243d1c091c0"
MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / f"20261204_{REVISION}_cpd_units.py"

# The `cpd_unit` column of the shared source (/work/shared/data/regulators.csv), as it was
# loaded before this migration.
PUBLISHED = {
    ("GH", "MDC"): "credits (physician assistants 10); from at least 3 events in 3 categories",
    ("GH", "NMC"): "points (nurse assistants 10; senior staff and tutors 20)",
    ("KE", "KMPDC"): "points per calendar year (CPD Rules 2019)",
    ("KE", "NCK"): "hours (40 hours of training a year)",
    ("NG", "MDCN"): "credits from the previous year",
    ("NG", "NMCN"): "units (3 mandatory CPD programme + 3 other approved providers)",
    ("ZW", "MDPCZ"): "",
    ("ZA", "HPCSA"): "units per 12 months incl. 5 on ethics/human rights/health law; units valid 24 months",
    ("TZ", "MCT"): "points per year",
    ("ZM", "HPCZ"): "points",
}


def migration():
    spec = importlib.util.spec_from_file_location("cpd_units_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_splits_the_published_text_as_the_reference_data_does():
    split_unit = migration().split_unit
    with open(reference.DATA / "regulators.csv", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    assert {(row["country"], row["short_name"]) for row in rows} == set(PUBLISHED)
    for row in rows:
        expected = (row["cpd_unit"] or None, row["cpd_note"] or None, None)
        assert split_unit(PUBLISHED[row["country"], row["short_name"]]) == expected, row["short_name"]


def test_text_the_migration_cannot_read_stays_whole_and_the_unit_unknown():
    split_unit = migration().split_unit
    assert split_unit("50 points a year") == (None, "50 points a year", None)
    assert split_unit("points or hours, see the CPD rules") == (None, "points or hours, see the CPD rules", None)
    assert split_unit("CPD credits (1 credit = 1 hour)") == ("credits", "1 credit = 1 hour", 1.0)
    assert split_unit("CEUs per year") == ("units", "per year", None)
    assert split_unit("hours (1 credit = 1 hour)") == ("hours", "1 credit = 1 hour", None)  # no conversion for hours
    assert split_unit("  ") == (None, None, None)


REGULATORS = sa.table("regulators", sa.column("id", sa.Integer), sa.column("country", sa.String),
                      sa.column("name", sa.String), sa.column("short_name", sa.String),
                      sa.column("cpd_required_per_cycle", sa.Double), sa.column("cpd_unit", sa.String))


def test_upgrade_fills_units_from_what_is_there_now_and_downgrade_gives_the_text_back(tmp_path, smtp_server,
                                                                                      database_url):
    if database_url.startswith("postgresql"):
        url, drop = _create_postgres_database(os.environ["TEST_DATABASE_URL"])
    else:
        url, drop = f"sqlite:///{tmp_path / 'units.sqlite'}", lambda: None
    try:
        fresh = create_app(app_config(url, smtp_server))
        runner = fresh.test_cli_runner()
        with fresh.app_context():
            assert runner.invoke(args=["db", "upgrade", BEFORE]).exit_code == 0
            with db.engine.begin() as connection:
                connection.execute(REGULATORS.insert(), [
                    # as loaded from the reference data
                    {"country": "GH", "name": "NMC Ghana", "short_name": "NMC", "cpd_required_per_cycle": 15,
                     "cpd_unit": PUBLISHED["GH", "NMC"]},
                    # corrected by an admin since: their words are read, not the reference data's
                    {"country": "NG", "name": "MDCN", "short_name": "MDCN", "cpd_required_per_cycle": 20,
                     "cpd_unit": "credits (1 credit = 1 hour, MDCN guidelines 2026)"},
                    {"country": "KE", "name": "KMPDC", "short_name": "KMPDC", "cpd_required_per_cycle": 50,
                     "cpd_unit": "50 points a year"},
                    {"country": "ZW", "name": "MDPCZ", "short_name": "MDPCZ", "cpd_required_per_cycle": None,
                     "cpd_unit": None}])
            user = UserFactory()
            db.session.commit()
            with db.engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO cpd_activities (user_id, title, completed_on, hours, points, created_at) "
                    "VALUES (:user, 'Course', '2026-11-01', 2, 4, '2026-11-01 10:00:00')"), {"user": user.id})

            assert runner.invoke(args=["db", "upgrade", REVISION]).exit_code == 0
            with db.engine.connect() as connection:
                rows = {row.short_name: row[1:] for row in connection.execute(sa.text(
                    "SELECT short_name, cpd_unit, cpd_note, cpd_hours_per_unit FROM regulators"))}
                activity = connection.execute(sa.text("SELECT hours, amount, unit FROM cpd_activities")).one()
            assert rows == {
                "NMC": ("points", "nurse assistants 10; senior staff and tutors 20", None),
                "MDCN": ("credits", "1 credit = 1 hour, MDCN guidelines 2026", 1.0),
                "KMPDC": (None, "50 points a year", None),  # unknown until an admin says: nothing guessed
                "MDPCZ": (None, None, None)}
            assert tuple(activity) == (2, 4, "points")

            assert runner.invoke(args=["db", "downgrade", BEFORE]).exit_code == 0
            with db.engine.connect() as connection:
                texts = dict(connection.execute(sa.text("SELECT short_name, cpd_unit FROM regulators")).all())
                points = connection.execute(sa.text("SELECT points FROM cpd_activities")).scalar_one()
            assert texts["NMC"] == PUBLISHED["GH", "NMC"] and texts["KMPDC"] == "50 points a year"
            assert texts["MDCN"].startswith("credits (1 credit = 1 hour, MDCN guidelines 2026)")
            assert points == 4
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
