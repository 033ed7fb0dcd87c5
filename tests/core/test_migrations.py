"""The schema comes from the migrations, and the models agree with them."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from diaspora import create_app
from diaspora.extensions import db
from tests.conftest import _create_postgres_database, app_config


def test_models_and_migrations_agree(app):
    """The suite's database was built by `flask db upgrade`; autogenerate must find nothing."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_flask_db_upgrade_and_downgrade_from_an_empty_database(tmp_path, smtp_server, database_url):
    if database_url.startswith("postgresql"):
        import os

        url, drop = _create_postgres_database(os.environ["TEST_DATABASE_URL"])
    else:
        url, drop = f"sqlite:///{tmp_path / 'empty.sqlite'}", lambda: None
    try:
        fresh = create_app(app_config(url, smtp_server))
        runner = fresh.test_cli_runner()
        # Flask's CLI runs in the current app context if there is one: push the fresh app's.
        with fresh.app_context():
            result = runner.invoke(args=["db", "upgrade"])
            assert result.exit_code == 0, result.output
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {"users", "outbox_messages", "audit_events", "memberships", "desks"} <= tables
            result = runner.invoke(args=["db", "downgrade", "base"])
            assert result.exit_code == 0, result.output
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
    finally:
        drop()
