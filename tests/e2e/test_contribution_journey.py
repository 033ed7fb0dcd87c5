"""A member logs a tele-education contribution with a PDF as evidence and sends it; the officer
returns it with a reason; the member fixes it and sends it again; the officer verifies it; the
member downloads the PDF portfolio and opens the public verification page in a fresh browser
(no login). axe-core runs on every page."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from diaspora.core.time import today
from diaspora.extensions import db
from tests.e2e.conftest import log_in
from tests.factories import MembershipFactory, UserFactory

EVIDENCE = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def people(db):
    running = MembershipFactory(officer=True, user=UserFactory(name="Kofi Boateng", email="kofi@example.org"),
                                association__name="Ghana Nurses and Midwives UK")
    member = MembershipFactory(association=running.association,
                               user=UserFactory(name="Efua Asante", email="efua@example.org")).user
    db.session.commit()
    return {"officer": running.user, "member": member, "association": running.association}


@pytest.fixture
def open_as(browser, live_server):
    contexts = []

    def open_page(user=None):
        context = browser.new_context(accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            log_in(page, live_server, user)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_contribution_from_log_to_public_proof(people, open_as, live_server, smtp_server, assert_accessible,
                                                 tmp_path):
    day = (today() - timedelta(days=20)).isoformat()
    member = open_as(people["member"])
    member.get_by_role("link", name="Contributions").first.click()
    expect(member.get_by_role("heading", name="Log your first contribution")).to_be_visible()
    assert_accessible(member)
    member.get_by_role("link", name="Log a contribution").first.click()
    member.get_by_label("Kind of contribution").select_option("tele_education")
    member.get_by_label("Title").fill("Postpartum haemorrhage webinar")
    member.get_by_label("Country", exact=True).select_option("GH")
    member.get_by_label("First day").fill(day)
    member.get_by_label("Hours in all").fill("two and a half")
    member.get_by_label("Evidence").set_input_files(files=[{"name": "attendance.pdf", "mimeType": "application/pdf",
                                                            "buffer": EVIDENCE}])
    member.get_by_role("button", name="Save").click()
    expect(member.locator("#hours-error")).to_contain_text("Enter the hours as a number")
    expect(member.get_by_label("Title")).to_have_value("Postpartum haemorrhage webinar")
    assert_accessible(member)
    member.get_by_label("Hours in all").fill("2.5")
    member.get_by_label("Evidence").set_input_files(files=[{"name": "attendance.pdf", "mimeType": "application/pdf",
                                                            "buffer": EVIDENCE}])
    member.get_by_role("button", name="Save").click()
    expect(member.get_by_text("is saved as a draft")).to_be_visible()
    expect(member.get_by_role("link", name="Download attendance.pdf")).to_be_visible()
    assert_accessible(member)
    member.get_by_role("button", name="Send for verification").click()
    expect(member.get_by_text("Awaiting verification").first).to_be_visible()

    officer = open_as(people["officer"])
    officer.goto(live_server.url(f"/associations/{people['association'].slug}/verification"))
    assert_accessible(officer)
    officer.get_by_role("link", name="Postpartum haemorrhage webinar").click()
    assert_accessible(officer)
    officer.get_by_role("link", name="Return with a reason").click()
    officer.get_by_label("What should the member change?").fill("Please add how many midwives attended.")
    officer.get_by_role("button", name="Return it").click()
    expect(officer.get_by_text("Returned to Efua Asante")).to_be_visible()
    assert "Please add how many midwives attended." in str(smtp_server.last_to("efua@example.org"))

    member.reload()
    expect(member.get_by_text("Please add how many midwives attended.")).to_be_visible()
    assert_accessible(member)
    member.get_by_role("link", name="Change it").click()
    member.get_by_label("People trained").fill("35")
    member.get_by_role("button", name="Save").click()
    member.get_by_role("button", name="Send for verification").click()
    expect(member.get_by_text("Awaiting verification").first).to_be_visible()

    officer.goto(live_server.url(f"/associations/{people['association'].slug}/verification"))
    officer.get_by_label("Choose Postpartum haemorrhage webinar").check()
    officer.get_by_role("button", name="Verify the chosen contributions").click()
    expect(officer.get_by_text("1 contribution verified")).to_be_visible()
    expect(officer.get_by_role("heading", name="Nothing is waiting for verification")).to_be_visible()
    assert_accessible(officer)

    member.goto(live_server.url("/contributions"))
    expect(member.locator(".stat", has_text="verified contribution")).to_contain_text("1")
    assert_accessible(member)
    with member.expect_download() as pdf:
        member.get_by_role("link", name="Download as PDF").click()
    saved = tmp_path / "portfolio.pdf"
    pdf.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    member.get_by_role("link", name="Postpartum haemorrhage webinar").click()
    link = member.locator("a[href*='/proof/']").first.get_attribute("href")
    assert link and "/proof/" in link

    stranger = open_as(None)
    stranger.goto(live_server.url(link))
    expect(stranger.get_by_role("heading", name="Verified")).to_be_visible()
    expect(stranger.get_by_text("Ghana Nurses and Midwives UK verified this contribution")).to_be_visible()
    expect(stranger.get_by_role("heading", name="Postpartum haemorrhage webinar")).to_be_visible()
    assert_accessible(stranger)
    db.session.remove()
