"""A member adds their Nursing and Midwifery Council of Ghana licence, expiring in 20 days; the
page shows it as expiring with its CPD bar; the daily reminder run emails the 30-day reminder
once (a second run sends nothing); the member gets a private calendar address and the calendar
holds the expiry date; the member downloads the renewal pack. axe-core runs on every page."""

from datetime import timedelta

import icalendar
import pytest
from playwright.sync_api import expect

from diaspora.core import transaction
from diaspora.core.time import long_date, today
from diaspora.extensions import db
from diaspora.licensure import reference, reminders
from tests.e2e.conftest import log_in
from tests.factories import UserFactory
from tests.mailserver import text_body


@pytest.fixture
def member(db):
    user = UserFactory(name="Akosua Darko", email="akosua@example.org")
    reference.load()
    db.session.commit()
    return user


@pytest.fixture
def page(browser, live_server, member):
    context = browser.new_context(accept_downloads=True)
    opened = context.new_page()
    log_in(opened, live_server, member)
    yield opened
    context.close()


def test_a_licence_from_adding_it_to_its_reminder_calendar_and_renewal_pack(page, member, live_server, smtp_server,
                                                                           assert_accessible, tmp_path):
    expires = today() + timedelta(days=20)
    page.get_by_role("link", name="Licensing").first.click()
    expect(page.get_by_role("heading", name="Add your first licence")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a licence").first.click()
    assert_accessible(page)
    page.get_by_label("Regulator").select_option(label="Ghana: Nursing and Midwifery Council of Ghana (NMC)")
    page.get_by_label("Registration number").fill("NMC/RGN/0482761")
    page.get_by_label("Issued on").fill((expires - timedelta(days=365)).isoformat())
    page.get_by_label("Expires on").fill(expires.isoformat())
    expect(page.get_by_label("Email me 90, 30 and 7 days before it expires, and when it lapses")).to_be_checked()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your licence with NMC has been added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Nursing and Midwifery Council of Ghana")).to_be_visible()
    expect(page.locator(".badge", has_text="Expiring")).to_be_visible()
    expect(page.get_by_role("progressbar", name="CPD towards NMC’s requirement")).to_be_visible()
    expect(page.get_by_text("0 of 15")).to_be_visible()
    expect(page.get_by_text(long_date(expires)).first).to_be_visible()
    assert_accessible(page)
    licence_path = page.url.removeprefix(live_server.base)

    # The daily cron job: the run, its commit, and the mail it sends at once (as the CLI does).
    first = reminders.remind()
    transaction.commit()
    assert {str(t): n for t, n in first.sent.items() if n} == {"30": 1}
    mail = smtp_server.last_to("akosua@example.org")
    assert mail["Subject"] == f"Your NMC licence expires in 20 days, on {long_date(expires)}"
    assert f"http://localhost{licence_path}" in text_body(mail)
    again = reminders.remind()
    transaction.commit()
    assert again.total == 0
    assert len(smtp_server.to("akosua@example.org")) == 1

    page.get_by_role("link", name="Your licences").click()
    expect(page.locator(".badge", has_text="Expiring")).to_be_visible()
    page.get_by_role("button", name="Get a calendar address").click()
    expect(page.get_by_text("Your calendar address is ready")).to_be_visible()
    assert_accessible(page)
    address = page.locator("a[href*='/licences/calendar/']").first.get_attribute("href")
    assert address and address.endswith(".ics")
    feed = page.request.get(live_server.url(address))
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    body = feed.body()
    assert f"DTSTART;VALUE=DATE:{expires.strftime('%Y%m%d')}".encode() in body
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert len(events) == 1
    for event in events:
        assert event.get("UID") and event.get("DTSTAMP")
        assert event.decoded("DTSTART") == expires
    assert b"NMC/RGN/0482761" not in body  # the registration number stays out of calendars

    page.get_by_role("link", name="Open this licence").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the renewal pack (PDF)").click()
    saved = tmp_path / "renewal-pack.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert_accessible(page)
    db.session.remove()
