"""A person turns on two-factor sign-in in a real browser: reads the key off the page (as they
would type it into an app), confirms with the app's code, sees their recovery codes, logs out,
and logs in again with their password and then a code, pasted as the app shows it. Every page
is checked with axe-core, and none is wider than a small phone's screen."""

import time
from pathlib import Path

import pyotp
from playwright.sync_api import expect

from diaspora.core import transaction
from tests.e2e.conftest import log_in, log_out
from tests.e2e.test_layout import overflow
from tests.factories import DEFAULT_PASSWORD, UserFactory


def test_a_member_enrols_logs_out_and_logs_in_with_a_code(page, live_server, assert_accessible, db):
    user = UserFactory(name="Abena Owusu")
    transaction.commit()
    log_in(page, live_server, user)

    page.goto(live_server.url("/account"))
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in", level=1)).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert overflow(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.get_by_role("textbox", name="Code").fill("000000" if app.now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    assert_accessible(page)

    used = app.now()
    page.get_by_role("textbox", name="Code").fill(used)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    codes = page.locator(".recovery-codes li").all_inner_texts()
    with page.expect_download() as download:  # a data: link: the codes are asked for nowhere again
        page.get_by_role("link", name="Download as text").click()
    assert "recovery" in download.value.suggested_filename
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert all(code in saved for code in codes)
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in", level=1)).to_be_visible()
    assert_accessible(page)

    log_out(page)
    page.goto(live_server.url("/login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    assert_accessible(page)
    while app.now() == used:  # the code used to enrol is refused as a replay: wait for the next
        time.sleep(1)
    # pasted as the app shows it, "123 456": the field keeps it whole and the space is ignored
    code = app.now()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url("/").rstrip("/"))
    page.evaluate("text => navigator.clipboard.writeText(text)", f"{code[:3]} {code[3:]}")
    page.get_by_role("textbox", name="Code").focus()
    page.keyboard.press("ControlOrMeta+V")
    expect(page.get_by_role("textbox", name="Code")).to_have_value(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Abena Owusu")).to_be_visible()
