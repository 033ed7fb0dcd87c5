"""What the migrated database must hold beyond what Alembic's comparison sees
(tests/core/test_migrations.py): the models' CHECK constraints (our state machines), foreign
keys enforced on SQLite as on PostgreSQL, and a foreign key to `users` on every column holding
a user id. Each guard is also run on a deliberately broken copy, to show it can fail."""

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, event

from diaspora.associations.models import Association, Membership
from diaspora.auth.models import User
from diaspora.extensions import db, enforce_foreign_keys_on_sqlite
from diaspora.members.models import Profile
from tests.factories import AssociationFactory, MembershipFactory, ProfileFactory, UserFactory

# ---------------------------------------------------------------------------- CHECK constraints

SQLITE_CHECK = re.compile(r'CONSTRAINT\s+["`]?(\w+)["`]?\s+CHECK', re.IGNORECASE)


def model_checks(metadata: sa.MetaData) -> set[tuple[str, str]]:
    return {(table.name, str(constraint.name)) for table in metadata.sorted_tables
            for constraint in table.constraints if isinstance(constraint, sa.CheckConstraint)}


def database_checks(connection) -> set[tuple[str, str]]:
    """(table, constraint) for every CHECK constraint the database itself holds."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(sa.text(
            "SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
            "WHERE k.contype = 'c' AND c.relnamespace = current_schema()::regnamespace"))
        return {(table, name) for table, name in rows}
    rows = connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    return {(table, name) for table, sql in rows for name in SQLITE_CHECK.findall(sql or "")}


def missing_checks(metadata: sa.MetaData, connection) -> set[tuple[str, str]]:
    return model_checks(metadata) - database_checks(connection)


def test_every_check_constraint_of_the_models_is_in_the_migrated_database(app):
    assert model_checks(db.metadata), "the models declare CHECK constraints: the guard must see them"
    with db.engine.connect() as connection:
        missing = missing_checks(db.metadata, connection)
    assert missing == set(), f"add these CHECK constraints to a migration: {sorted(missing)}"


def test_a_check_constraint_missing_from_the_migrations_is_caught(app):
    broken = sa.MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(broken)
    broken.tables["memberships"].append_constraint(sa.CheckConstraint("id > 0", name="positive_id"))
    with db.engine.connect() as connection:
        assert missing_checks(broken, connection) == {("memberships", "ck_memberships_positive_id")}


# ---------------------------------------------------------------------------- foreign keys on SQLite


def dangling_key_refused(engine: Engine) -> bool:
    """Whether the database refuses a row whose foreign key names nothing."""
    with engine.connect() as connection:
        try:
            connection.execute(sa.insert(Profile.__table__).values(user_id=-1))
        except sa.exc.IntegrityError:
            return True
        finally:
            connection.rollback()
    return False


def test_foreign_keys_are_enforced(app):
    assert dangling_key_refused(db.engine)


@pytest.mark.sqlite_only
def test_an_sqlite_connection_without_enforcement_is_caught(app, database_url):
    """The guard above on a broken copy: an SQLite engine made without the connect hook."""
    event.remove(Engine, "connect", enforce_foreign_keys_on_sqlite)
    try:
        unenforced = sa.create_engine(database_url)
        assert not dangling_key_refused(unenforced)
        unenforced.dispose()
    finally:
        event.listen(Engine, "connect", enforce_foreign_keys_on_sqlite)


def test_on_delete_behaves_as_on_postgresql(app):
    """Deleting a user in SQL (not through the ORM) cascades to what is theirs alone and empties
    the columns that only name them, on SQLite as on PostgreSQL."""
    user = UserFactory()
    profile = ProfileFactory(user=user)
    membership = MembershipFactory(user=user)
    applied = AssociationFactory(applied_by_id=user.id)
    ids = {"profile": profile.user_id, "membership": membership.id, "association": applied.id}
    db.session.commit()
    db.session.execute(sa.delete(User.__table__).where(User.__table__.c.id == user.id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Profile, ids["profile"]) is None  # ON DELETE CASCADE
    assert db.session.get(Membership, ids["membership"]) is None  # ON DELETE CASCADE
    assert db.session.get(Association, ids["association"]).applied_by_id is None  # ON DELETE SET NULL


# ---------------------------------------------------------------------------- user ids have keys

USER_COLUMN = re.compile(r"^(user|actor|subject|owner|author|assignee|principal)_id$|_by_id$")


def refers_to_users(column: sa.Column) -> bool:
    """A foreign key to users.id, directly or through a key that itself refers to it
    (profile_languages.user_id -> profiles.user_id -> users.id)."""
    return any(key.column.table.name == "users" or refers_to_users(key.column) for key in column.foreign_keys)


def keyless_or_misdirected(metadata: sa.MetaData) -> list[str]:
    """Columns named like a user id without a foreign key to users, and id columns with no
    foreign key at all that do not say why (`info={"no_foreign_key": reason}`)."""
    problems = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            where = f"{table.name}.{column.name}"
            if USER_COLUMN.search(column.name) and not refers_to_users(column):
                problems.append(f"{where} holds a user id but has no foreign key to users")
            elif column.name.endswith("_id") and not column.foreign_keys and not column.info.get("no_foreign_key"):
                problems.append(f"{where} has no foreign key and does not say why (info={{'no_foreign_key': ...}})")
    return problems


def test_every_user_id_has_a_foreign_key_to_users(app):
    assert keyless_or_misdirected(db.metadata) == []


def test_a_user_column_without_a_key_is_caught(app):
    broken = sa.MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(broken)
    sa.Table("reviews", broken, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("reviewer_id", sa.Integer), sa.Column("approved_by_id", sa.ForeignKey("desks.id")))
    assert keyless_or_misdirected(broken) == [
        "reviews.reviewer_id has no foreign key and does not say why (info={'no_foreign_key': ...})",
        "reviews.approved_by_id holds a user id but has no foreign key to users",
    ]
