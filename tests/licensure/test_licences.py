"""Members add their licences and CPD; the page shows each licence's status and CPD progress;
officers see a member's licences only where the member chose to share them."""

import re
from datetime import timedelta
from io import BytesIO

import icalendar
import pytest

from diaspora.contributions.logbook import logbook
from diaspora.contributions.verification import verification
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences
from diaspora.licensure.models import Licence
from tests.contributions.samples import values as contribution_values
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import row_count
from tests.licensure.samples import PDF, a_regulator


@pytest.fixture
def member(db):
    user = UserFactory(name="Abena Owusu")
    a_regulator()  # loads the catalogue
    db.session.commit()
    return user


def add_form(forms, data, certificate=None):
    payload = dict(data)
    if certificate is not None:
        payload["certificate"] = (BytesIO(certificate[0]), certificate[1])
    return forms.submit("/licences/new", payload, content_type="multipart/form-data")


def good(expires_in_days: int = 20) -> dict:
    return {"regulator_id": str(a_regulator().id), "registration_number": "NMC/RGN/12345", "category": "full",
            "issued_on": (today() - timedelta(days=340)).isoformat(),
            "expires_on": (today() + timedelta(days=expires_in_days)).isoformat(), "reminders": "y"}


def test_a_licence_expiring_soon_shows_as_expiring_with_its_cpd_bar(client, forms, login, member):
    login(member)
    response = add_form(forms, good(20), (PDF, "pin.pdf"))
    assert response.status_code == 302, response.get_data(as_text=True)
    licences.log_activity(member, title="Advanced life support", provider="Resus Council", completed_on=today(),
                          hours=8, amount=6, unit="points")
    db.session.commit()
    page = client.get("/licences").get_data(as_text=True)
    assert "Nursing and Midwifery Council of Ghana" in page and "Expiring" in page
    assert "6 of 15 points" in page and "Still missing 9 of the 15 points required." in page
    assert '<progress max="100" value="40"' in page
    held = db.session.query(Licence).one()
    detail = client.get(f"/licences/{held.id}").get_data(as_text=True)
    assert "NMC/RGN/12345" in detail and "Advanced life support" in detail
    assert "nmcgh.org FAQs" in detail  # the rule's source is shown beside it
    certificate = client.get(f"/licences/{held.id}/certificate")
    assert certificate.status_code == 200 and certificate.data == PDF


@pytest.mark.parametrize(("days", "status"), [(200, "Active"), (90, "Expiring"), (0, "Expiring"), (-1, "Lapsed")])
def test_the_status_follows_the_expiry_date(client, login, member, days, status):
    licences.add_licence(member, {**good(), "regulator_id": a_regulator().id, "issued_on": None,
                                  "expires_on": today() + timedelta(days=days)})
    db.session.commit()
    login(member)
    assert status in client.get("/licences").get_data(as_text=True)


def test_bad_input_comes_back_with_what_was_typed(forms, login, member):
    login(member)
    bad = {**good(), "registration_number": "", "regulator_id": "0", "expires_on": "2001-01-01"}
    response = add_form(forms, {**bad, "registration_number": "  "})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the regulator from the list." in text or "Enter your registration number." in text
    assert 'value="2001-01-01"' in text
    lying = add_form(forms, good(), (b"GIF89a not a pdf", "scan.pdf"))
    assert lying.status_code == 422 and "must be a PDF, PNG or JPEG" in lying.get_data(as_text=True)
    assert row_count(Licence) == 0


def test_a_verified_contribution_counts_for_every_licence_whose_cycle_holds_it_in_each_ones_unit(member):
    running = MembershipFactory(officer=True)
    MembershipFactory(association=running.association, user=member)
    ghana = licences.add_licence(member, {**good(100), "regulator_id": a_regulator().id, "issued_on": None,
                                          "expires_on": today() + timedelta(days=100)})
    nigeria = licences.add_licence(member, {**good(100), "regulator_id": a_regulator("NG", "NMCN").id,
                                            "issued_on": None, "expires_on": today() + timedelta(days=300)})
    made = logbook.log(member, contribution_values("Obstetric skills drills", cpd_points=4))
    logbook.submit(member, made, running.association)
    verification.verify(running.user, made)
    unverified = logbook.log(member, contribution_values("Not verified", cpd_points=50))
    assert unverified.id
    progress = licences.progress_of(member.id, [ghana, nigeria])
    assert progress[ghana.id].counted == 4  # Ghana's NMC counts points
    assert progress[ghana.id].items[0].verifier == running.association.name
    # Nigeria's NMCN counts units, and its source gives no conversion: listed, not counted
    assert [item.title for item in progress[nigeria.id].items] == ["Obstetric skills drills"]
    assert progress[nigeria.id].counted == 0 and len(progress[nigeria.id].not_counted) == 1


def test_officers_see_a_members_licence_only_when_shared_with_their_association(client, login, member):
    running = MembershipFactory(officer=True)
    MembershipFactory(association=running.association, user=member)
    other = MembershipFactory(officer=True)
    MembershipFactory(association=other.association, user=member)
    held = licences.add_licence(member, {**good(), "regulator_id": a_regulator().id, "issued_on": None,
                                         "expires_on": today() + timedelta(days=40)})
    db.session.commit()
    login(running.user)
    assert client.get(f"/licences/{held.id}").status_code == 404
    licences.choose_sharing(member, {running.association.id: True})
    db.session.commit()
    page = client.get(f"/licences/{held.id}")
    assert page.status_code == 200 and "NMC/RGN/12345" in page.get_data(as_text=True)
    assert client.get(f"/licences/{held.id}/edit").status_code == 403
    login(other.user)  # the member shares with one association, not the other
    assert client.get(f"/licences/{held.id}").status_code == 404


def test_the_sharing_choices_are_saved_from_the_page(client, forms, login, member):
    running = MembershipFactory(officer=True)
    MembershipFactory(association=running.association, user=member)
    db.session.commit()
    login(member)
    forms.submit("/licences", {"shared": [str(running.association.id)]}, action="/licences/sharing")
    assert dict((a.id, s) for a, s in licences.sharing_of(member.id)) == {running.association.id: True}
    page = client.get("/licences").get_data(as_text=True)
    assert re.search(rf'value="{running.association.id}"\s+checked', page)
    forms.submit("/licences", {}, action="/licences/sharing")
    assert dict((a.id, s) for a, s in licences.sharing_of(member.id)) == {running.association.id: False}


def test_the_calendar_feed_is_valid_icalendar_and_its_address_can_be_changed(client, forms, login, member):
    expiry = today() + timedelta(days=60)
    licences.add_licence(member, {**good(), "regulator_id": a_regulator().id, "issued_on": None,
                                  "expires_on": expiry})
    db.session.commit()
    login(member)
    forms.submit("/licences", {}, action="/licences/calendar")
    page = client.get("/licences").get_data(as_text=True)
    url = re.search(r'href="(/licences/calendar/[^"]+\.ics)"', page).group(1)
    client.get("/logout")
    feed = client.get(url)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(feed.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert events[0]["UID"] and events[0]["DTSTAMP"]
    assert events[0].decoded("DTSTART") == expiry
    assert b"NMC/RGN/12345" not in feed.data  # a calendar travels: no registration number in it
    assert len(list(events[0].walk("VALARM"))) == 2

    login(member)
    forms.submit("/licences", {}, action="/licences/calendar/renew")
    assert client.get(url).status_code == 404


def test_the_page_costs_the_same_statements_whatever_the_number_of_licences(client, login, count_queries, member):
    def add(n):
        for _ in range(n):
            licences.add_licence(member, {**good(), "regulator_id": a_regulator().id, "issued_on": None,
                                          "expires_on": today() + timedelta(days=30)})
            licences.log_activity(member, title="Course", provider=None, completed_on=today(), hours=1, amount=1,
                                  unit="points")
        db.session.commit()

    def statements():
        login(member)
        with count_queries() as counter:
            assert client.get("/licences").status_code == 200
        return counter.count

    add(1)
    few = statements()
    add(10)
    assert statements() == few
