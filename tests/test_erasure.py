"""Erasure leaves nothing a person typed, anywhere.

A person gets every kind of data every domain holds (tests/<domain>/samples.py, `@person_sample`),
each piece typed with a distinctive mark; they delete their account through the page; then every
text column of every table is scanned for every mark. A new domain is covered by adding its
samples, without editing this file; a table that refers to a person but is claimed by no entry of
the personal-data registry fails `test_every_table_about_a_person_is_claimed`."""

import json

import sqlalchemy as sa

from diaspora.associations.models import Membership
from diaspora.auth.models import User
from diaspora.core import personal_data, transaction
from diaspora.core.outbox import send_due
from diaspora.extensions import db
from tests import samples
from tests.factories import DEFAULT_PASSWORD, AssociationFactory, MembershipFactory, UserFactory
from tests.samples import Person


def _text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def where_marks_are(marks: list[str]) -> dict[str, set[str]]:
    """{mark: {"table.column", ...}} for every mark found in any column of any table."""
    found: dict[str, set[str]] = {}
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).mappings():
            for column, value in row.items():
                text = _text_of(value)
                for mark in marks:
                    if mark in text:
                        found.setdefault(mark, set()).add(f"{table.name}.{column}")
    return found


def make_person() -> Person:
    samples.load()
    association = AssociationFactory(name="Ghana Nurses UK")
    officer = MembershipFactory(association=association, officer=True).user
    name, address = samples.mark("name"), samples.mark("email")
    user = UserFactory(name=f"Ama {name}", email=f"{address}@example.org")
    person = Person(user=user, association=association, officer=officer, marks=[name, address])
    for sample in samples.PERSON_SAMPLES:
        sample(person)
    transaction.commit()
    return person


def test_erasure_leaves_nothing_the_person_typed(app, client, forms, login, db, smtp_server):
    person = make_person()
    before = where_marks_are(person.marks)
    assert set(before) == set(person.marks), "every mark must be stored somewhere before the erasure"
    own_tables = {place.split(".")[0] for places in before.values() for place in places}
    memberships_before = db.session.scalar(sa.select(sa.func.count()).select_from(Membership))

    login(person.user)
    response = forms.submit("/account/delete", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    send_due(ignore_schedule=True)  # whatever mail still waited (the confirmation of the erasure)

    left = where_marks_are(person.marks)
    assert left == {}, f"still stored after the erasure: {left}"
    # Anonymous counts stay: the memberships are rows still, pointing to an anonymous account.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == memberships_before
    erased = db.session.get(User, person.user.id)
    assert erased.name == "Deleted member" and not erased.active
    assert own_tables  # the samples did reach the tables they are meant for
    assert "Your account has been deleted" in [m["Subject"] for m in smtp_server.messages]


def test_the_erasure_is_refused_whole_for_the_only_officer(client, forms, login, db):
    person = make_person()
    sole = MembershipFactory(user=person.user, officer=True)
    login(person.user)
    response = forms.submit("/account/delete", {"password": DEFAULT_PASSWORD})
    assert response.status_code in (409, 422)
    assert sole.association.name in response.get_data(as_text=True)
    assert set(where_marks_are(person.marks)) == set(person.marks)  # nothing was erased


def test_every_table_about_a_person_is_claimed():
    """Each table with a column referring to a user is exported and erased by some registry
    entry (or declared to hold nothing personal, with the reason)."""
    samples.load()
    referring = {
        table.name for table in db.metadata.sorted_tables
        for column in table.columns for key in column.foreign_keys if key.column.table.name == "users"
    }
    unclaimed = referring - personal_data.claimed_tables()
    assert unclaimed == set(), f"add these tables to a personal_data.register(...) entry: {unclaimed}"
