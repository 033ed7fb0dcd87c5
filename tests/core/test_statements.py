"""Statements kept per process (core/statements.py): `one_of` sends a list as one value and
finds what an `IN` finds, whatever the list's length, on SQLite and on PostgreSQL."""

import sqlalchemy as sa

from diaspora.auth.models import User
from diaspora.core.statements import kept, one_of
from diaspora.extensions import db
from tests.factories import UserFactory


def _named(name: str) -> sa.Select:
    return kept(name, lambda: sa.select(User.name).where(one_of(User.id, "ids")).order_by(User.name))


def test_one_of_finds_what_in_finds_for_any_list(app):
    users = [UserFactory(name=f"Member {number:02d}") for number in range(12)]
    db.session.commit()
    statement = _named("test_one_of_ids")
    for chosen in ([], users[:1], users[3:9], users, users[::-1]):
        ids = [user.id for user in chosen]
        found = db.session.scalars(statement, {"ids": ids}).all()
        assert found == db.session.scalars(sa.select(User.name).where(User.id.in_(ids)).order_by(User.name)).all()
        assert found == sorted(user.name for user in chosen)


def test_one_of_sends_the_list_as_one_value_the_same_statement_for_every_length(app, count_queries):
    users = [UserFactory() for _ in range(30)]
    db.session.commit()
    statement = _named("test_one_of_ids_sql")
    with count_queries() as counter:
        db.session.scalars(statement, {"ids": [user.id for user in users[:2]]}).all()
        db.session.scalars(statement, {"ids": [user.id for user in users]}).all()
    first, second = [sql for sql in counter.statements if sql.lstrip().startswith("SELECT users.name")]
    assert first == second  # not "IN (?, ?)" then "IN (?, ?, ... 30 of them)"
    assert first.count("?") + first.count("%(") == 1
