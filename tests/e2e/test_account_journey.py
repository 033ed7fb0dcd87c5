"""A newcomer registers, confirms their email, logs in, sees their dashboard and logs out."""

from playwright.sync_api import expect

from tests.e2e.conftest import log_out
from tests.helpers import link_in
from tests.mailserver import text_body

PASSWORD = "marigold tractor velvet 31"


def test_a_newcomer_registers_confirms_logs_in_and_out(page, live_server, smtp_server, assert_accessible):
    page.goto(live_server.url("/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("diaspora health work")
    assert_accessible(page)

    page.get_by_role("link", name="Register").first.click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Adwoa Sarpong")
    page.get_by_label("Email address").fill("adwoa@example.org")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("adwoa@example.org")
    assert_accessible(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)

    mail = smtp_server.last_to("adwoa@example.org")
    page.goto(live_server.url(link_in(text_body(mail))))
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("adwoa@example.org")
    assert_accessible(page)

    page.get_by_label("Password").fill("not the right one at all")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#password-error")).to_contain_text("The email address or password is not right.")
    expect(page.get_by_label("Email address")).to_have_value("adwoa@example.org")
    assert_accessible(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Adwoa Sarpong")).to_be_visible()
    expect(page.get_by_role("heading", name="Your memberships")).to_be_visible()
    assert_accessible(page)

    log_out(page)
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    assert_accessible(page)
