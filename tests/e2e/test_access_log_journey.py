"""Who looked at my data, in a browser: an officer opens a member's record from the directory;
the member, under Your account, reads that this officer looked at it, in which role and when,
and downloads the list. axe-core runs on the member's page."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.associations.support import association_with_heritage
from tests.e2e.conftest import log_in, open_account_menu
from tests.factories import MembershipFactory


@pytest.fixture
def people(db):
    association = association_with_heritage("GH", name="Ghana Nurses UK", slug="ghana-nurses-uk")
    officer = MembershipFactory(association=association, officer=True, user__name="Kwame Officer").user
    member = MembershipFactory(association=association, user__name="Abena Member").user
    db.session.commit()
    return {"association": association, "officer": officer, "member": member}


def test_a_member_reads_that_an_officer_opened_their_record(people, browser, live_server, assert_accessible):
    officer_context = browser.new_context()
    member_context = browser.new_context()
    try:
        officer = officer_context.new_page()
        log_in(officer, live_server, people["officer"])
        officer.goto(live_server.url("/associations/ghana-nurses-uk/directory"))
        officer.get_by_role("link", name="Abena Member").click()
        expect(officer.get_by_role("heading", name="Abena Member")).to_be_visible()

        member = member_context.new_page()
        log_in(member, live_server, people["member"])
        open_account_menu(member)
        member.locator(".site-nav--bar").get_by_role("link", name="Your account").click()
        member.get_by_role("link", name="Who looked at your data").click()
        expect(member.get_by_role("heading", name="Who looked at your data")).to_be_visible()
        row = member.get_by_role("row").filter(has_text="Kwame Officer")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Officer, Ghana Nurses UK")
        expect(row).to_contain_text("Your membership record")
        assert_accessible(member)
        with member.expect_download() as download:
            member.get_by_role("link", name="Download the list (CSV)").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "Kwame Officer" in text and "Your membership record" in text
    finally:
        officer_context.close()
        member_context.close()
