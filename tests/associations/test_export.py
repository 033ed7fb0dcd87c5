"""Exporting an association's members as CSV: officers only, every membership, streamed."""

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from diaspora.associations.models import Membership
from diaspora.associations.roster import exporter
from diaspora.core.models import AuditEvent
from diaspora.extensions import db
from tests.factories import (
    AssociationFactory,
    MembershipFactory,
    MembershipTypeFactory,
    ProfileFactory,
    UserFactory,
)
from tests.helpers import audit_actions

URL = "/associations/ghana-nurses-uk/members/export.csv"


@pytest.fixture
def association():
    return AssociationFactory(name="Ghana Nurses UK", slug="ghana-nurses-uk")


@pytest.fixture
def officer(association):
    return MembershipFactory(association=association, officer=True,
                             user=UserFactory(name="Olu Officer", email="olu@example.org")).user


def export(client):
    # buffered: the test client reads the streamed body inside the request's own context
    return client.get(URL, buffered=True)


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))


def test_an_officer_downloads_every_membership_with_its_details(client, login, association, officer):
    full = MembershipTypeFactory(association=association, name="Full member", period_months=12)
    ama = ProfileFactory(user=UserFactory(name="Ama Mensah", email="ama@example.org"), cadre="nurse",
                         specialty="Critical care, ICU", host_country="GB", host_city="Leeds",
                         heritage=["NG", "GH"], directory_consent=False).user
    MembershipFactory(association=association, user=ama, membership_type=full,
                      joined_on=date(2026, 1, 15), renews_on=date(2027, 1, 15))
    MembershipFactory(association=association, status=Membership.SUSPENDED,
                      user=UserFactory(name="Esi Suspended", email="esi@example.org"))
    MembershipFactory(association=association, status=Membership.APPLIED, joined_on=None,
                      user=UserFactory(name="=HYPERLINK(\"http://evil\")", email="evil@example.org"))
    MembershipFactory(association=AssociationFactory(), user=UserFactory(name="Someone Elsewhere"))
    login(officer)
    response = export(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="ghana-nurses-uk-members-')
    assert response.data.startswith("\ufeff".encode())  # the BOM, so Excel reads UTF-8
    rows = rows_of(response)
    assert list(rows[0]) == ["name", "email", "status", "role", "membership_type", "joined_on", "renews_on",
                             "cadre", "specialty", "heritage_countries", "host_country", "host_city"]
    assert [row["name"] for row in rows] == ["'=HYPERLINK(\"http://evil\")", "Ama Mensah", "Esi Suspended",
                                             "Olu Officer"]
    assert rows[1] == {
        "name": "Ama Mensah", "email": "ama@example.org", "status": "active", "role": "member",
        "membership_type": "Full member", "joined_on": "2026-01-15", "renews_on": "2027-01-15",
        "cadre": "nurse", "specialty": "Critical care, ICU", "heritage_countries": "GH;NG",
        "host_country": "GB", "host_city": "Leeds",
    }
    assert rows[2]["status"] == "suspended" and rows[2]["cadre"] == ""
    assert rows[3]["role"] == "officer"
    assert "Someone Elsewhere" not in response.get_data(as_text=True)


def test_the_export_is_audited(client, login, association, officer):
    login(officer)
    assert export(client).status_code == 200
    assert "members.exported" in audit_actions(association)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "members.exported")).one()
    assert event.actor_id == officer.id


def test_the_rows_are_written_a_chunk_at_a_time(app, association, monkeypatch):
    monkeypatch.setattr(exporter, "CHUNK", 2)
    monkeypatch.setattr(exporter, "COPY_CHUNK", 2)  # PostgreSQL's batches (COPY)
    for number in range(5):
        MembershipFactory(association=association, user=UserFactory(name=f"Member {number}"))
    pieces = list(exporter.members_csv(association.id))
    assert len(pieces) == 1 + 3  # the header, then chunks of 2, 2 and 1 rows
    assert pieces[0].startswith("\ufeffname,email,")
    assert [piece.count("\r\n") for piece in pieces] == [1, 2, 2, 1]


@pytest.mark.parametrize("who", ["member", "other_officer", "outsider", "admin"])
def test_only_the_associations_officers_may_export(client, login, association, officer, who):
    people = {
        "member": lambda: MembershipFactory(association=association).user,
        "other_officer": lambda: MembershipFactory(association=AssociationFactory(), officer=True).user,
        "outsider": lambda: UserFactory(),
        "admin": lambda: UserFactory(admin=True),
    }
    login(people[who]())
    response = export(client)
    assert response.status_code == 403
    assert b"ama@example.org" not in response.data
    assert "members.exported" not in audit_actions()


@pytest.mark.postgres_only
def test_postgresql_writes_the_same_rows_as_python(app, association, officer):
    """On PostgreSQL the database writes the CSV (COPY): the same rows, in the same order, with
    the same guard against formulas, dates, heritage countries in order and empty cells."""
    full = MembershipTypeFactory(association=association, name="+Full, \"member\"")
    for number, name in enumerate(["Ama Mensah", "=SUM(A1)", "-1 Kofi", "@Esi", "Zed, Quoted \"Z\"", "Ëlo"]):
        user = ProfileFactory(user=UserFactory(name=name), heritage=["NG", "GH", "KE"][: number % 3 + 1],
                              specialty="" if number == 2 else f"Specialty {number}",
                              host_city=None if number == 3 else "Leeds").user
        MembershipFactory(association=association, user=user, membership_type=full if number % 2 else None,
                          renews_on=date(2027, 1, number + 1) if number % 2 else None)
    db.session.commit()
    buffer = io.StringIO()
    written = "".join(exporter._written(association.id, csv.writer(buffer, lineterminator="\r\n"), buffer))
    copied = "".join(exporter._copied(association.id))
    assert list(csv.reader(io.StringIO(copied))) == list(csv.reader(io.StringIO(written)))
    assert copied.count("\r\n") == written.count("\r\n") == 7
