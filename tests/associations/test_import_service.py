"""The import service on its own: reading CSV, the lookups, the email rule, set-based work."""

import pytest
import sqlalchemy as sa

from diaspora.associations.models import Invitation, Membership
from diaspora.associations.roster import importer
from diaspora.auth.models import User
from diaspora.core import emails, transaction
from diaspora.core.models import OutboxMessage
from diaspora.extensions import db
from tests.factories import AssociationFactory, MembershipFactory, MembershipTypeFactory, UserFactory
from tests.helpers import row_count


def test_rows_are_numbered_as_a_spreadsheet_numbers_them():
    text = ("Email ; Name;Heritage Countries\r\n"
            "a@example.org;\"Mensah; Ama\";GH|NG\r\n"
            "\r\n"
            ";;\r\n"
            "b@example.org;Kofi;\r\n")
    rows = importer.parse(text)
    assert [(row.number, row.email, row.name, row.heritage_countries) for row in rows] == [
        (2, "a@example.org", "Mensah; Ama", "GH|NG"),
        (5, "b@example.org", "Kofi", ""),
    ]


def test_a_row_with_more_cells_than_columns_is_an_error(app):
    association = AssociationFactory()
    with app.test_request_context():
        plan = importer.plan(association, "email,name\r\na@example.org,Mensah, Ama\r\n")
    assert plan.rows[0].errors == ["The row has more cells than there are columns. Put quotes around a "
                                   "value that contains the separator."]


@pytest.mark.parametrize(("text", "code"), [
    ("GH", "GH"), ("gh", "GH"), (" Ghana ", "GH"), ("GHA", "GH"), ("nigeria", "NG"),
    ("Sierra  Leone", "SL"), ("Côte d'Ivoire", "CI"), ("Tanzania", "TZ"),
    ("Wakanda", None), ("", None), ("G", None),
])
def test_countries_by_code_or_name(text, code):
    assert importer.find_country(text) == code


@pytest.mark.parametrize(("text", "key"), [
    ("nurse", "nurse"), ("NURSE", "nurse"), ("allied_health", "allied_health"),
    ("Allied health", "allied_health"), ("Allied health professional", "allied_health"),
    ("community health worker", "community_health"), ("astronaut", None),
])
def test_cadres_by_key_or_label(text, key):
    assert importer.find_cadre(text) == key


ADDRESSES = [
    "ama@example.org", "Ama.Mensah@Example.ORG", "o'neil+tag@sub.example.co.uk", "a..b@example.org",
    ".a@example.org", "a.@example.org", "a@b.test", "a@localhost", "x@a.123", "ü@example.org",
    "a@bü.de", "a b@example.org", "@example.org", "a@", "a@-x.org", "a@x..org", "a@example.org.",
    "a" * 65 + "@example.org", "a@" + "b" * 64 + ".org", '"quoted"@example.org', "no-at-sign",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_quick_email_check_agrees_with_the_full_one(address):
    """The importer's shortcut gives what `core.emails.normalise` gives, or refuses with its reason."""
    try:
        expected = emails.normalise(address)
    except emails.AddressError as error:
        with pytest.raises(emails.AddressError) as raised:
            importer.normalise_address(address)
        assert str(raised.value) == str(error)
    else:
        assert importer.normalise_address(address) == expected


def test_the_preview_shows_errors_and_the_first_rows_only():
    rows = [importer.Row(number=n, email="", name="") for n in range(2, 12)]
    rows[7].errors.append("bad")
    shown, more, more_errors = importer.Plan(rows).shown(limit=3)
    assert [row.number for row in shown] == [2, 3, 4, 9]
    assert (more, more_errors) == (6, 0)


def test_the_preview_of_a_file_full_of_errors_stays_short():
    rows = [importer.Row(number=n, email="", name="") for n in range(2, 1002)]
    for row in rows:
        row.errors.append("bad")
    shown, more, more_errors = importer.Plan(rows).shown()
    assert len(shown) == importer.PREVIEW_ERROR_ROWS
    assert (more, more_errors) == (0, 1000 - importer.PREVIEW_ERROR_ROWS)


def _csv(count: int, existing: list[str]) -> str:
    lines = ["email,name,cadre,heritage_countries"]
    lines += [f"{email},Existing,nurse,GH" for email in existing]
    lines += [f"new{n}@example.org,New {n},nurse,GH|NG" for n in range(count)]
    return "\n".join(lines)


@pytest.mark.parametrize("stage", ["plan", "confirm"])
def test_the_number_of_statements_does_not_grow_with_the_rows(app, count_queries, monkeypatch, stage):
    """Memberships and invitations are looked up with IN lists in chunks, and invitations are
    written with bulk INSERTs: 80 rows take as many statements as 8 (with chunks of 100 here;
    500 and 1,000 in the app)."""
    from diaspora.associations import invitations

    monkeypatch.setattr(importer.checking, "IN_CHUNK", 100)
    monkeypatch.setattr(invitations, "INSERT_CHUNK", 100)
    association = AssociationFactory()
    MembershipTypeFactory(association=association, name="Full member")
    officer = MembershipFactory(association=association, officer=True).user
    counts = []
    for size in (4, 40):
        existing = [UserFactory().email for _ in range(size)]
        MembershipFactory(association=association, user=db.session.scalar(
            sa.select(User).where(User.email == existing[0])))
        with app.test_request_context():
            member_import = importer.upload(association, officer, "members.csv",
                                            _csv(size, existing).encode())
            with count_queries() as counter:
                if stage == "plan":
                    plan = importer.plan(association, member_import.content)
                    assert len(plan.to_import) == 2 * size - 1
                else:
                    result = importer.confirm(member_import, officer)
                    assert result.invited == 2 * size - 1
            transaction.rollback()
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_confirm_writes_in_the_callers_transaction_only(app):
    """The service flushes; nothing is kept unless the caller commits."""
    association = AssociationFactory()
    officer = MembershipFactory(association=association, officer=True).user
    with app.test_request_context():
        member_import = importer.upload(association, officer, "m.csv", b"email,name\nkojo@example.org,Kojo\n")
        importer.confirm(member_import, officer)
        assert row_count(Invitation) == 1 and row_count(OutboxMessage) == 1
        transaction.rollback()
    assert row_count(Invitation) == 0 and row_count(OutboxMessage) == 0
    assert row_count(Membership) == 1


def test_long_lists_are_looked_up_in_chunks(app, count_queries, monkeypatch):
    monkeypatch.setattr(importer.checking, "IN_CHUNK", 10)
    association = AssociationFactory()
    existing = [UserFactory().email for _ in range(25)]
    with app.test_request_context(), count_queries() as counter:
        plan = importer.plan(association, _csv(0, existing))
    assert {row.outcome for row in plan.rows} == {importer.INVITE}
    lookups = [s for s in counter.statements if s.startswith("SELECT users.email")]
    assert len(lookups) == 3  # 25 addresses, 10 at a time
