"""Erasure leaves nothing a person typed, anywhere.

A person gets every kind of data every domain holds (tests/<domain>/samples.py, `@person_sample`),
each piece typed with a distinctive mark; they delete their account through the page; then every
text column of every table is scanned for every mark. A new domain is covered by adding its
samples, without editing this file. A table claimed by no entry of the personal-data registry and
not declared not personal fails `test_every_table_is_claimed_or_declared_not_personal`; an entry
whose tables no person sample fills fails `test_every_registry_entry_has_a_person_sample`."""

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


def unclaimed_tables(metadata: sa.MetaData) -> set[str]:
    """Tables neither claimed by a registry entry nor declared not personal, whatever their columns."""
    return {table.name for table in metadata.sorted_tables} - personal_data.claimed_tables()


def test_every_table_is_claimed_or_declared_not_personal():
    """Each table is exported and erased by some registry entry, or declared to hold nothing
    personal with the reason, even a table with no column referring to a user (a person's words
    can sit in a table keyed by something else)."""
    samples.load()
    unclaimed = unclaimed_tables(db.metadata)
    assert unclaimed == set(), ("add these tables to a personal_data.register(...) entry, or declare them "
                                f"personal_data.not_personal(table, reason): {unclaimed}")


def test_a_table_nobody_claims_is_caught():
    """The guard above on a broken copy of the schema: a new table with no user column at all."""
    broken = sa.MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(broken)
    sa.Table("private_notes", broken, sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.Text))
    assert unclaimed_tables(broken) == {"private_notes"}


def tables_about(person: Person) -> set[str]:
    """The tables holding a mark the person typed, or a row whose user column names them."""
    tables = {place.split(".")[0] for places in where_marks_are(person.marks).values() for place in places}
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns
                   if any(key.column.table.name == "users" for key in column.foreign_keys)]
        if columns and db.session.scalar(sa.select(sa.literal(1)).select_from(table).where(
                sa.or_(*(column == person.user.id for column in columns))).limit(1)):
            tables.add(table.name)
    return tables


def entries_without_a_sample(person_tables: set[str]) -> list[str]:
    return [entry.name for entry in personal_data.entries() if not set(entry.tables) & person_tables]


def test_every_registry_entry_has_a_person_sample():
    """An entry whose tables the person samples never fill is erased by nothing the suite sees:
    its erasure could do nothing and the scan would still pass."""
    person = make_person()
    missing = entries_without_a_sample(tables_about(person))
    assert missing == [], f"add a @person_sample (tests/<domain>/samples.py) filling these entries: {missing}"


def test_an_entry_without_a_sample_is_caught(monkeypatch):
    """The guard above on a broken registry: an entry for a table no person sample fills."""
    person = make_person()
    monkeypatch.setitem(personal_data.REGISTRY, "desk routes", personal_data.Entry(
        "desk routes", ("desk_routes",), export=lambda user: [], erase=lambda user: 0))
    assert entries_without_a_sample(tables_about(person)) == ["desk routes"]
