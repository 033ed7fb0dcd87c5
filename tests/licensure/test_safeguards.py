"""The WHO Health Workforce Support and Safeguards List: a marker beside each listed country
wherever countries appear, the public page that explains it, and the admins' corrections."""

import re

import pytest

from diaspora.contributions.logbook import logbook
from diaspora.extensions import db
from diaspora.licensure import reference, safeguards
from diaspora.licensure.models import SafeguardCountry
from diaspora.members import profiles
from tests.contributions.samples import values as contribution_values
from tests.factories import UserFactory, association_with_heritage
from tests.helpers import audit_actions, row_count

MARKER = re.compile(r'<a class="tag tag--safeguard" href="/safeguards">WHO safeguards list'
                    r'<span class="visually-hidden"> \((?P<country>[^<]+?) is on the WHO')


def marked(page: str) -> set[str]:
    """The countries a reader sees flagged on the page."""
    return {match.group("country") for match in MARKER.finditer(page)}


@pytest.fixture
def listed(db):
    reference.load_safeguard_list()
    db.session.commit()


def test_the_reference_list_has_nigeria_and_sierra_leone_but_not_kenya(listed):
    codes = safeguards.listed_codes()
    assert len(codes) == 55
    assert {"NG", "SL", "GH"} <= codes and "KE" not in codes and "GB" not in codes


def test_the_profile_marks_a_listed_heritage_country_and_not_another(client, login, listed):
    member = UserFactory()
    profiles.start_profile(member, cadre="nurse", specialty=None, heritage_countries=["NG", "KE"])
    db.session.commit()
    login(member)
    page = client.get("/profile").get_data(as_text=True)
    assert "Kenya" in page and "Nigeria" in page
    assert marked(page) == {"Nigeria"}


def test_the_association_page_and_list_mark_listed_countries(client, listed):
    association = association_with_heritage("SL", "KE", name="Sierra Leone Nurses UK", slug="sln")
    assert association.id
    page = client.get("/associations/sln").get_data(as_text=True)
    assert "Kenya" in page and marked(page) == {"Sierra Leone"}
    assert marked(client.get("/associations").get_data(as_text=True)) == {"Sierra Leone"}


@pytest.mark.parametrize(("country", "expected"), [("NG", {"Nigeria"}), ("KE", set())])
def test_a_contribution_marks_its_country_only_when_listed(client, login, listed, country, expected):
    member = UserFactory()
    made = logbook.log(member, contribution_values("Neonatal resuscitation training", country=country))
    db.session.commit()
    login(member)
    page = client.get(f"/contributions/{made.id}").get_data(as_text=True)
    assert "Neonatal resuscitation training" in page
    assert marked(page) == expected


def test_no_marker_when_the_list_is_empty(client, login):
    member = UserFactory()
    profiles.start_profile(member, cadre="nurse", specialty=None, heritage_countries=["NG"])
    db.session.commit()
    login(member)
    page = client.get("/profile").get_data(as_text=True)
    assert "Nigeria" in page and marked(page) == set()


def test_the_public_page_explains_the_list_and_names_its_countries(client, listed):
    page = client.get("/safeguards")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Global Code of Practice on the International Recruitment of Health Personnel" in text
    assert "Active international recruitment" in text and "does not restrict anyone’s own movement" in text
    assert "government-to-government agreement" in text
    assert "<li>Sierra Leone</li>" in text and "Kenya" not in text
    assert "9789240069787" in text and "55 countries are on the list" in text


def test_an_admin_adds_and_removes_a_country_and_each_change_is_audited(client, forms, login, listed):
    admin = UserFactory(admin=True)
    login(admin)
    page = client.get("/admin/safeguards").get_data(as_text=True)
    assert "NHS Employers Code of Practice" in page and "Sierra Leone" in page

    added = forms.submit("/admin/safeguards", {"country": "KE", "who_region": "AFR", "note": "Checked by hand"})
    assert added.status_code == 302
    assert db.session.get(SafeguardCountry, "KE").note == "Checked by hand"
    assert "<li>Kenya</li>" in client.get("/safeguards").get_data(as_text=True)

    again = forms.submit("/admin/safeguards", {"country": "KE"})
    assert again.status_code == 422 and "Kenya is already on the list." in again.get_data(as_text=True)

    removed = forms.submit("/admin/safeguards", {}, action="/admin/safeguards/SL/remove")
    assert removed.status_code == 302
    assert db.session.get(SafeguardCountry, "SL") is None and row_count(SafeguardCountry) == 55
    assert "<li>Sierra Leone</li>" not in client.get("/safeguards").get_data(as_text=True)
    assert audit_actions() == ["safeguard_country.added", "safeguard_country.removed"]
    assert client.post("/admin/safeguards/SL/remove").status_code in (400, 404)  # gone (or no token)


def test_a_member_cannot_change_the_list(client, forms, login, listed):
    login(UserFactory())
    assert client.get("/admin/safeguards").status_code == 403
    assert forms.submit("/licences", {}, action="/admin/safeguards/SL/remove").status_code == 403
    assert db.session.get(SafeguardCountry, "SL") is not None


def test_the_marker_costs_one_statement_per_page_however_many_countries(app, listed, count_queries):
    with app.test_request_context(), count_queries() as counter:
        for code in ("NG", "SL", "KE", "GH", "ZW", "GB"):
            safeguards.marker(code)
        html = safeguards.marked_countries(["NG", "KE"])
    assert counter.count == 1
    assert str(html).startswith("Nigeria <a class=\"tag tag--safeguard\"") and str(html).endswith(", Kenya")


@pytest.mark.parametrize(("country", "expected"), [("SL", {"Sierra Leone"}), ("KE", set())])
def test_the_mission_page_marks_its_country_only_when_listed(client, login, listed, country, expected):
    from datetime import timedelta

    from diaspora.contributions.models import Mission
    from diaspora.core.time import today
    from tests.factories import MembershipFactory

    officer = MembershipFactory(officer=True)
    mission = Mission(association_id=officer.association.id, title="Maternity ward mission", country=country,
                      facility="Connaught Hospital", starts_on=today() + timedelta(days=30),
                      ends_on=today() + timedelta(days=40))
    db.session.add(mission)
    db.session.commit()
    login(officer.user)
    page = client.get(f"/associations/{officer.association.slug}/missions/{mission.id}").get_data(as_text=True)
    assert "Maternity ward mission" in page
    assert marked(page) == expected
