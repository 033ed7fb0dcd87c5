"""A member files a barrier report about licensure to Nigeria; the acknowledgement mail arrives
with the reference; the Nigeria desk officer signs in with a two-factor code, finds it in the
queue, acknowledges it, replies publicly and adds an internal note; the member sees the reply
but not the note; a Ghana desk officer cannot open it; the Nigeria dashboard shows "<10" where
counts are small. axe-core runs on every page."""

import re

import pytest
from playwright.sync_api import expect

from diaspora.core import transaction
from diaspora.desks.engagement import engagement
from diaspora.desks.models import Submission
from diaspora.extensions import db
from diaspora.members.models import DeskSharingConsent
from tests.e2e.conftest import log_in
from tests.factories import DeskFactory, DeskOfficerFactory, ProfileFactory, UserFactory
from tests.mailserver import text_body


@pytest.fixture
def people(db):
    nigeria = DeskFactory(country="NG", name="Nigerians in Diaspora Health Desk",
                          ministry="Federal Ministry of Health")
    ghana = DeskFactory(country="GH", name="Ghana Diaspora Health Desk", ministry="Ministry of Health, Ghana")
    member = UserFactory(name="Chiamaka Obi", email="chiamaka@example.org")
    ProfileFactory(user=member, cadre="nurse", heritage=["NG"])
    for n in range(3):  # three nurses share with Nigeria's desk: a count under 10
        other = UserFactory(name=f"Nurse {n}")
        ProfileFactory(user=other, cadre="nurse", heritage=["NG"])
        db.session.add(DeskSharingConsent(user_id=other.id, country="NG", shared=True))
    people = {
        "member": member,
        "nigeria": DeskOfficerFactory(desk=nigeria, user=UserFactory(name="Bola Adeyemi", email="bola@example.org")
                                      ).user,
        "ghana": DeskOfficerFactory(desk=ghana, user=UserFactory(name="Kwesi Mensah")).user,
        "nigeria_desk": nigeria,
    }
    engagement.refresh()
    transaction.commit()
    return people


@pytest.fixture
def open_as(browser, live_server):
    contexts = []

    def open_page(user):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        log_in(page, live_server, user)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_barrier_report_from_member_to_desk_and_back(people, open_as, live_server, smtp_server,
                                                       assert_accessible):
    member = open_as(people["member"])
    member.get_by_role("link", name="Ministries").first.click()
    assert_accessible(member)
    member.get_by_role("link", name="Write to a ministry").first.click()
    member.get_by_label("Country").select_option("NG")
    member.get_by_label("What it is about").select_option("barrier_report")
    member.get_by_role("button", name="Continue").click()
    expect(member.get_by_text("Nigerians in Diaspora Health Desk (Federal Ministry of Health) will receive it.")
           ).to_be_visible()
    assert_accessible(member)
    member.get_by_label("A short title").fill("Renewal needs a visit to Abuja")
    member.get_by_label("The barrier you met").select_option("licensure")
    member.get_by_label("What happened").fill("The council asked me to renew in person.")
    member.get_by_role("button", name="Check your answers").click()
    expect(member.locator("#what_would_help-error")).to_contain_text("Answer this question.")
    expect(member.get_by_label("What happened")).to_have_value("The council asked me to renew in person.")
    member.get_by_label("What would help").fill("Online renewal for nurses abroad.")
    member.get_by_label("The desk may see my name and email address").check()
    member.get_by_role("button", name="Check your answers").click()
    expect(member.get_by_role("heading", name="Check your answers")).to_be_visible()
    assert_accessible(member)
    member.get_by_role("button", name="Send it").click()
    expect(member.get_by_text("your reference is NG-")).to_be_visible()
    reference = db.session.query(Submission).one().reference
    mail = smtp_server.last_to("chiamaka@example.org")
    assert reference in mail["Subject"] and "Nigerians in Diaspora Health Desk" in text_body(mail)
    assert_accessible(member)
    submission_url = member.url

    officer = open_as(people["nigeria"])  # log_in gives the code of the officer's authenticator app
    expect(officer).to_have_url(re.compile(r"/desks/\d+/queue"))  # a desk officer lands in the queue
    assert_accessible(officer)
    officer.get_by_role("link", name=reference).click()
    assert_accessible(officer)
    officer.get_by_role("button", name="Acknowledge it").click()
    expect(officer.locator(".badge", has_text="Acknowledged").first).to_be_visible()
    officer.get_by_label("Your reply").fill("We are preparing online renewal; we will write again in March.")
    officer.get_by_role("button", name="Send the reply").click()
    expect(officer.get_by_text("We are preparing online renewal").first).to_be_visible()
    officer.get_by_role("textbox", name="Internal note").fill("Raise with the council's registrar.")
    officer.get_by_role("button", name="Add the note").click()
    expect(officer.get_by_text("Raise with the council's registrar.")).to_be_visible()
    assert_accessible(officer)
    assert "We are preparing online renewal" in text_body(smtp_server.last_to("chiamaka@example.org"))

    member.goto(submission_url)
    expect(member.get_by_text("We are preparing online renewal")).to_be_visible()
    assert "Raise with the council's registrar." not in member.content()
    assert "Internal note" not in member.content()
    assert_accessible(member)

    ghana = open_as(people["ghana"])
    submission_id = db.session.query(Submission).one().id
    desk_id = people["nigeria_desk"].id
    for path in (f"/desks/{desk_id}/submissions/{submission_id}", f"/submissions/{submission_id}",
                 f"/desks/{desk_id}/queue"):
        response = ghana.goto(live_server.url(path))
        assert response.status in (403, 404), path

    officer.goto(live_server.url(f"/desks/{desk_id}/dashboard"))
    expect(officer.get_by_text("<10").first).to_be_visible()
    assert_accessible(officer)
