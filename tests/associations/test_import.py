"""Importing members from CSV through the pages: template, upload, dry-run preview, confirm."""

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa

from diaspora.associations.models import Invitation, MemberImport, Membership
from diaspora.auth.models import User
from diaspora.core.models import AuditEvent, OutboxMessage
from diaspora.extensions import db
from diaspora.members.models import Profile
from tests.conftest import csrf_token_from
from tests.factories import (
    AssociationFactory,
    MembershipFactory,
    MembershipTypeFactory,
    ProfileFactory,
    UserFactory,
)
from tests.helpers import audit_actions, link_in, row_count, stats_on
from tests.mailserver import text_body

SLUG = "ghana-nurses-uk"
BASE = f"/associations/{SLUG}"
HEADER = ["email", "name", "cadre", "specialty", "heritage_countries", "membership_type"]


def csv_file(rows, *, separator: str = ",", bom: bool = False, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


@pytest.fixture
def association():
    association = AssociationFactory(name="Ghana Nurses UK", slug=SLUG)
    MembershipTypeFactory(association=association, name="Student", period_months=6)
    MembershipTypeFactory(association=association, name="Full member", period_months=12)
    MembershipTypeFactory(association=association, name="Retired", period_months=None, active=False)
    return association


@pytest.fixture
def officer(association):
    return MembershipFactory(association=association, officer=True,
                             user=UserFactory(name="Olu Officer")).user


@pytest.fixture
def upload(forms):
    """`upload(data)`: sends the file through the import page's form."""

    def send(data: bytes, filename: str = "members.csv"):
        return forms.submit(f"{BASE}/import", {"file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")

    return send


def preview_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert re.fullmatch(rf"{BASE}/import/\d+", location), location
    return location


def confirm(client, url: str):
    page = client.get(url).get_data(as_text=True)
    return client.post(f"{url}/confirm", data={"csrf_token": csrf_token_from(page)})


def row_cells(page: str) -> list[tuple[str, str, str, str]]:
    """(row, email, name, what will happen) for each row of the preview table."""
    found = re.findall(
        r'<td data-label="Row">(\d+)</td>\s*<td data-label="Email">([^<]*)</td>\s*'
        r'<td data-label="Name">([^<]*)</td>\s*<td data-label="What will happen">(.*?)</td>', page, re.S)
    return [(number, unescape(email), unescape(name), _text(what)) for number, email, name, what in found]


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def log_out(client) -> None:
    token = csrf_token_from(client.get("/dashboard").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})


def stat(page: str, label: str) -> int:
    tiles = stats_on(page)
    assert label in tiles, (label, tiles)
    return int(tiles[label].replace(",", ""))


# -- the template and the form ---------------------------------------------------------------

def test_the_import_page_explains_the_columns_and_offers_the_template(client, login, association, officer):
    login(officer)
    page = client.get(f"{BASE}/import").get_data(as_text=True)
    assert f'href="{BASE}/import/template.csv"' in page
    for column in HEADER:
        assert f"<code>{column}</code>" in page
    assert "<code>Full member</code>, <code>Student</code>" in page  # the active types
    assert "Retired" not in page
    assert "Left empty, the member gets <strong>Full member</strong>" in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page


def test_the_template_has_the_header_and_an_example_row(client, login, association, officer):
    login(officer)
    response = client.get(f"{BASE}/import/template.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="members-template.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffemail,name,cadre,specialty,heritage_countries,membership_type\r\n")
    assert text.splitlines()[1] == "ama.owusu@example.org,Ama Owusu,nurse,Critical care,GH|NG,Full member"


def test_the_template_itself_passes_the_dry_run(client, login, association, officer, upload):
    login(officer)
    template = client.get(f"{BASE}/import/template.csv").data
    page = client.get(preview_url(upload(template))).get_data(as_text=True)
    assert row_cells(page) == [("2", "ama.owusu@example.org", "Ama Owusu", "Will be invited")]


# -- reading files ---------------------------------------------------------------------------

@pytest.mark.parametrize(("separator", "bom"), [(",", False), (",", True), (";", False), (";", True)])
def test_comma_or_semicolon_with_or_without_a_bom(client, login, association, officer, upload, separator,
                                                  bom):
    login(officer)
    data = csv_file([["kofi@example.org", "Kofi Mensah", "Doctor", "Cardiology; echo", "GH|Nigeria", ""],
                     ["Abena@Example.org", "Abena Ofori", "", "", "", "student"]],
                    separator=separator, bom=bom)
    page = client.get(preview_url(upload(data))).get_data(as_text=True)
    assert row_cells(page) == [
        ("2", "kofi@example.org", "Kofi Mensah", "Will be invited"),
        ("3", "Abena@Example.org", "Abena Ofori", "Will be invited"),
    ]
    assert stat(page, "rows in the file") == 2 and stat(page, "to invite") == 2


@pytest.mark.parametrize(("data", "message"), [
    (b"mail,full name\r\nama@example.org,Ama\r\n",
     "it has no email / name column; we don&#39;t know the columns mail, full_name"),
    (b"email,cadre\r\nama@example.org,nurse\r\n", "it has no name column"),
    (b"email,name,phone\r\nama@example.org,Ama,0123\r\n", "we don&#39;t know the column phone"),
    (b"email,name,email\r\na@example.org,Ama,b@example.org\r\n", "the column email appears twice"),
    ("\ufeffemail;name;cadre\r\n;;\r\n\r\n".encode(), "The file has no members in it"),
    (b"", "The file is empty"),
    ("email,name\r\nama@example.org,Ama B\u00e9".encode("latin-1"), "The file is not saved as UTF-8"),
    (b"PK\x03\x04\x00\x00binary", "This is not a CSV file"),
])
def test_a_file_that_cannot_be_imported_comes_back_with_the_reason(client, login, association, officer,
                                                                   upload, data, message):
    login(officer)
    response = upload(data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'class="field-error" id="file-error"' in page  # beside the file field
    assert "There is a problem" in page
    assert row_count(MemberImport) == 0


def test_the_wrong_columns_message_lists_the_template_columns(client, login, association, officer, upload):
    login(officer)
    page = upload(b"e-mail,name\r\nama@example.org,Ama\r\n").get_data(as_text=True)
    assert "Use the columns of the template: email, name, cadre, specialty, heritage_countries, " \
           "membership_type (email and name are required)." in page


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("members.xlsx", b"email,name\r\na@example.org,A\r\n", "Choose a CSV file (its name ends in .csv)"),
    ("members.csv", b"email,name\r\n" + b"a" * (2 * 1024 * 1024), "The file is larger than 2 MB"),
])
def test_the_file_must_be_a_small_csv(client, login, association, officer, upload, filename, data, message):
    login(officer)
    response = upload(data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert row_count(MemberImport) == 0


def test_no_file_at_all(client, login, forms, association, officer):
    login(officer)
    response = forms.submit(f"{BASE}/import", {})
    assert response.status_code == 422
    assert "Choose the CSV file to upload." in response.get_data(as_text=True)


# -- the dry run -----------------------------------------------------------------------------

@pytest.fixture
def people(association):
    """An existing account with no membership, a current member, and a member who left."""
    outsider = ProfileFactory(user=UserFactory(name="Efua Existing", email="efua@example.org"),
                              cadre="midwife", specialty="Obstetrics", heritage=["KE"]).user
    current = MembershipFactory(association=association,
                                user=UserFactory(name="Yaw Member", email="yaw@example.org")).user
    left = MembershipFactory(association=association, status=Membership.LEFT, role=Membership.OFFICER,
                             joined_on=date(2020, 5, 1),
                             user=UserFactory(name="Adwoa Left", email="adwoa@example.org")).user
    return outsider, current, left


ROWS = [
    ["new.nurse@example.org", "Ama Nurse", "nurse", "Critical care", "GH|NG", ""],            # 2 no account
    ["EFUA@example.org", "Efua From The File", "doctor", "Surgery", "GH", "Student"],         # 3 an account
    ["not-an-email", "Bad Email", "nurse", "", "", ""],                                       # 4 error
    ["no.name@example.org", "", "nurse", "", "", ""],                                         # 5 error
    ["country@example.org", "Kojo Country", "nurse", "", "GH|Wakanda", ""],                   # 6 error
    ["cadre@example.org", "Kweku Cadre", "astronaut", "", "", ""],                            # 7 error
    ["type@example.org", "Akua Type", "nurse", "", "", "Platinum"],                           # 8 error
    ["retired@example.org", "Old Type", "nurse", "", "", "Retired"],                          # 9 error
    ["new.nurse@example.org", "Ama Again", "nurse", "", "", ""],                              # 10 duplicate
    ["yaw@example.org", "Yaw Member", "", "", "", ""],                                        # 11 member
    ["adwoa@example.org", "Adwoa Left", "", "", "", "Full member"],                           # 12 left before
    ["midwife@example.org", "Esi Midwife", "Community health worker", "", "Sierra Leone", ""],  # 13 no account
]


def test_the_dry_run_shows_what_will_happen_to_every_row(client, login, association, officer, upload, people):
    login(officer)
    url = preview_url(upload(csv_file(ROWS)))
    page = client.get(url).get_data(as_text=True)
    assert stat(page, "rows in the file") == 12
    assert stat(page, "to invite") == 4
    assert stat(page, "with errors") == 7
    assert stat(page, "already a member") == 1
    cells = {number: what for number, _, _, what in row_cells(page)}
    # Whether an address has an account is never shown: the officer could learn it from nothing else.
    assert cells["2"] == cells["3"] == cells["12"] == cells["13"] == "Will be invited"
    assert cells["4"].startswith("Not imported: Enter an email address in the right format")
    assert cells["5"] == "Not imported: The name is missing."
    assert "We don't know the country “Wakanda”" in cells["6"]
    assert "We don't know the cadre “astronaut”. Use one of: doctor, nurse, midwife" in cells["7"]
    assert ("This association has no membership type called “Platinum” (it has: Full member, Student)"
            in cells["8"])
    assert "The membership type “Retired” is no longer offered." in cells["9"]
    assert cells["10"] == "Not imported: The same email address is already on row 2."
    assert cells["11"] == "Already a member: skipped"
    assert "Invite 4 people" in page
    # a dry run changes nothing
    assert row_count(OutboxMessage) == 0 and row_count(Invitation) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 4


def test_an_address_with_an_account_looks_the_same_as_one_without(client, login, association, officer,
                                                                 upload, people):
    login(officer)
    page = client.get(preview_url(upload(csv_file([
        ["efua@example.org", "Efua", "", "", "", ""],
        ["nobody.yet@example.org", "Nobody Yet", "", "", "", ""],
    ])))).get_data(as_text=True)
    (_, _, _, with_account), (_, _, _, without) = row_cells(page)
    assert with_account == without == "Will be invited"


def test_a_row_with_several_problems_lists_each(client, login, association, officer, upload):
    login(officer)
    page = client.get(preview_url(upload(csv_file([["@", "", "vet", "", "XX", ""]])))).get_data(as_text=True)
    ((_, _, _, what),) = row_cells(page)
    for problem in ("Enter an email address in the right format", "name is missing", "cadre “vet”",
                    "country “XX”"):
        assert problem in what


def test_a_big_file_shows_every_error_and_the_first_100_other_rows(client, login, association, officer,
                                                                   upload):
    rows = [[f"member{n:04d}@example.org", f"Member {n:04d}", "nurse", "", "GH", ""] for n in range(1000)]
    for n in (150, 600, 999):
        rows[n][2] = "astronaut"
    login(officer)
    page = client.get(preview_url(upload(csv_file(rows)))).get_data(as_text=True)
    cells = row_cells(page)
    assert len(cells) == 103
    assert [number for number, _, _, what in cells if what.startswith("Not imported")] == ["152", "602",
                                                                                           "1001"]
    assert "and 897 more rows without errors." in page
    assert stat(page, "to invite") == 997
    assert len(page) < 200_000


# -- the import ------------------------------------------------------------------------------

def test_confirming_invites_exactly_the_valid_rows_and_adds_nobody(client, login, association, officer,
                                                                   upload, people, smtp_server):
    outsider, current, left = people
    memberships_before = row_count(Membership)
    login(officer)
    url = preview_url(upload(csv_file(ROWS)))
    response = confirm(client, url)
    assert response.status_code == 302 and response.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "4 invitations sent" in page
    assert "/confirm" not in page  # no second confirm button

    # Nobody is a member yet, and no account was made for anyone.
    assert row_count(Membership) == memberships_before
    assert row_count(User) == 4
    invitations = {i.email: i for i in db.session.scalars(sa.select(Invitation))}
    assert set(invitations) == {"new.nurse@example.org", "efua@example.org", "adwoa@example.org",
                                "midwife@example.org"}
    types = {t.name: t for t in association.membership_types}
    assert invitations["new.nurse@example.org"].membership_type_id == types["Full member"].id
    assert invitations["efua@example.org"].membership_type_id == types["Student"].id
    assert invitations["new.nurse@example.org"].profile_hint == {
        "cadre": "nurse", "specialty": "Critical care", "heritage_countries": ["GH", "NG"]}
    assert all(i.invited_by_id == officer.id for i in invitations.values())

    # The same invitation for everyone, whether or not they have an account.
    assert {m.recipient: m.template for m in db.session.scalars(sa.select(OutboxMessage))} == {
        email: "associations_invitation" for email in invitations}
    for email in invitations:
        text = text_body(smtp_server.last_to(email))
        assert "Olu Officer invites you to become a member of Ghana Nurses UK" in text
        assert link_in(text).startswith("/invitations/")
    assert smtp_server.to("yaw@example.org") == []

    # The rows that were left out stay on the page, with their reasons; the file itself is gone.
    assert "Rows that were not imported" in page and "The name is missing." in page
    assert "Kojo Country" in page and "Wakanda" in page
    member_import = db.session.scalars(sa.select(MemberImport)).one()
    assert member_import.content == "" and len(member_import.rejected_rows) == 7
    assert member_import.imported_at is not None and member_import.imported_count == 4
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "members.imported")).all()
    counts = {"rows": 12, "invited": 4, "already_members": 1, "already_invited": 0, "rows_with_errors": 7}
    assert len(events) == 1 and {key: events[0].changes[key] for key in counts} == counts
    assert events[0].actor_id == officer.id


def test_an_imported_person_becomes_a_member_only_by_accepting(client, login, forms, association, officer,
                                                              upload, smtp_server):
    login(officer)
    confirm(client, preview_url(upload(csv_file([["kojo@example.org", "Kojo Asare", "midwife", "Labour ward",
                                                  "GH", ""]]))))
    log_out(client)
    link = link_in(text_body(smtp_server.last_to("kojo@example.org")))
    response = forms.submit(link, {"name": "Kojo Asare", "password": "mango groundnut harmattan 1957"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "kojo@example.org"))
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert (membership.status, membership.association_id) == ("active", association.id)
    profile = db.session.get(Profile, user.id)
    assert (profile.cadre, profile.specialty, profile.heritage_countries) == ("midwife", "Labour ward", ["GH"])


def test_an_existing_account_keeps_its_profile_and_may_decline(client, login, forms, association, officer,
                                                              upload, people, smtp_server):
    outsider = people[0]
    login(officer)
    confirm(client, preview_url(upload(csv_file([["efua@example.org", "Efua", "doctor", "Surgery", "GH", ""]]))))
    log_out(client)
    link = link_in(text_body(smtp_server.last_to("efua@example.org")))
    login(outsider)
    page = client.get(link).get_data(as_text=True)
    response = client.post(link, data={"csrf_token": csrf_token_from(page), "answer": "decline"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Membership).where(Membership.user_id == outsider.id)) is None
    assert db.session.scalar(sa.select(Invitation)).declined_at is not None
    profile = db.session.get(Profile, outsider.id)
    assert (profile.cadre, profile.specialty) == ("midwife", "Obstetrics")
    assert client.get(link).status_code == 400  # answered once


def test_importing_the_same_file_again_invites_nobody_twice(client, login, association, officer, upload, people,
                                                           smtp_server):
    login(officer)
    data = csv_file(ROWS)
    confirm(client, preview_url(upload(data)))
    invitations, memberships, mails = row_count(Invitation), row_count(Membership), row_count(OutboxMessage)
    smtp_server.clear()

    again = preview_url(upload(data))
    page = client.get(again).get_data(as_text=True)
    assert stat(page, "to invite") == 0
    assert stat(page, "already invited") == 4 and stat(page, "already a member") == 1
    assert "/confirm" not in page
    response = confirm(client, again)
    assert response.status_code == 302
    page = client.get(again).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert (row_count(Invitation), row_count(Membership), row_count(OutboxMessage)) == (
        invitations, memberships, mails)
    assert smtp_server.messages == []
    assert audit_actions().count("members.imported") == 1


def test_confirming_twice_imports_once(client, login, association, officer, upload):
    login(officer)
    url = preview_url(upload(csv_file([["kojo@example.org", "Kojo Asare", "", "", "", ""]])))
    page = client.get(url).get_data(as_text=True)
    token = csrf_token_from(page)
    assert client.post(f"{url}/confirm", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{url}/confirm", data={"csrf_token": token}).status_code == 302
    assert "This file has been imported already." in client.get(url).get_data(as_text=True)
    assert row_count(OutboxMessage) == 1
    assert audit_actions().count("members.imported") == 1


def test_a_file_without_a_valid_row_imports_nothing(client, login, association, officer, upload):
    login(officer)
    url = preview_url(upload(csv_file([["bad", "Bad Email", "", "", "", ""],
                                       ["x@example.org", "", "", "", "", ""]])))
    page = client.get(url).get_data(as_text=True)
    assert "No row of this file can be imported" in page
    assert "/confirm" not in page
    response = confirm(client, url)
    assert response.status_code == 302
    assert "Nothing was imported: every row either has an error" in client.get(url).get_data(as_text=True)
    assert row_count(Invitation) == 0 and row_count(OutboxMessage) == 0
    assert db.session.scalars(sa.select(MemberImport)).one().imported_at is None


def test_an_association_without_membership_types_invites_without_one(client, login, forms, upload):
    association = AssociationFactory(slug=SLUG)
    login(MembershipFactory(association=association, officer=True).user)
    confirm(client, preview_url(upload(csv_file([["kojo@example.org", "Kojo Asare", "", "", "", ""]]))))
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.email == "kojo@example.org" and invitation.membership_type_id is None


# -- who may -----------------------------------------------------------------------------------

def test_an_import_of_another_association_is_not_found(client, login, association, officer, upload):
    theirs = AssociationFactory(slug="nigerian-doctors-ie")
    their_officer = MembershipFactory(association=theirs, officer=True).user
    login(officer)
    url = preview_url(upload(csv_file([["kojo@example.org", "Kojo Asare", "", "", "", ""]])))
    import_id = url.rsplit("/", 1)[1]
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    # the right import id under the wrong association, by this association's officer
    assert client.get(f"/associations/nigerian-doctors-ie/import/{import_id}").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(their_officer)
    token = csrf_token_from(client.get("/dashboard").get_data(as_text=True))
    assert client.get(f"/associations/nigerian-doctors-ie/import/{import_id}").status_code == 404
    response = client.post(f"/associations/nigerian-doctors-ie/import/{import_id}/confirm",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert row_count(OutboxMessage) == 0
    assert client.get("/associations/nigerian-doctors-ie/import/999999").status_code == 404


def test_the_preview_of_10000_bad_rows_stays_light(client, login, association, officer, upload):
    rows = [[f"not-an-email-{n}", f"Member {n:05d}", "nurse", "", "GH", ""] for n in range(10_000)]
    login(officer)
    response = client.get(preview_url(upload(csv_file(rows))))
    page = response.get_data(as_text=True)
    assert len(response.get_data()) < 200_000
    assert "9700 more have errors too" in page
    assert len(row_cells(page)) == 300
