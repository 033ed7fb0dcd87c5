"""A newcomer does everything in French: chooses the language on the home page, registers
(and is told in French what was wrong), confirms the address from a French email, logs in,
and finds a French dashboard with dates and first steps in French. axe-core on each page.

The French words are looked up in the French catalogue by their English message, so the test
follows the translators' wording; it also checks that each one differs from the English."""

from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from tests.helpers import link_in
from tests.mailserver import text_body

CATALOGUES = Path(__file__).resolve().parents[2] / "diaspora" / "translations"
PASSWORD = "marigold tractor velvet 31"


@pytest.fixture(scope="module")
def fr():
    translations = Translations.load(str(CATALOGUES), ["fr"])
    assert isinstance(translations, Translations), "compile the catalogues first (make translations)"

    def french(message: str, **values) -> str:
        text = translations.ugettext(message)
        assert text != message, f"not translated: {message}"
        return text % values if values else text

    return french


def test_a_newcomer_registers_and_starts_in_french(page, live_server, smtp_server, assert_accessible, fr, db):
    page.goto(live_server.url("/"))
    page.locator("footer").get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)

    page.goto(live_server.url("/register"))
    expect(page.get_by_role("heading", name=fr("Create an account"))).to_be_visible()
    page.get_by_label(fr("Full name")).fill("Aminata Diallo")
    page.get_by_label(fr("Email address")).fill("aminata@example.org")
    page.get_by_label(fr("Password")).fill("password")
    page.get_by_role("button", name=fr("Create account")).click()
    expect(page.get_by_role("heading", name=fr("There is a problem"))).to_be_visible()
    expect(page.get_by_label(fr("Email address"))).to_have_value("aminata@example.org")
    assert_accessible(page)

    page.get_by_label(fr("Password")).fill(PASSWORD)
    page.get_by_role("button", name=fr("Create account")).click()
    expect(page.get_by_role("heading", name=fr("Check your email"))).to_be_visible()
    assert_accessible(page)

    mail = smtp_server.last_to("aminata@example.org")
    assert mail["Subject"] == fr("Confirm your email address")
    page.goto(live_server.url(link_in(text_body(mail))))
    expect(page.get_by_text(fr("Thank you: your email address is confirmed."))).to_be_visible()

    page.get_by_label(fr("Password")).fill(PASSWORD)
    page.get_by_role("button", name=fr("Log in")).click()
    expect(page.get_by_role("heading", name=fr("Welcome, %(name)s", name="Aminata Diallo"))).to_be_visible()
    expect(page.get_by_role("link", name=fr("Complete your profile"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=fr("Complete your profile")).click()
    page.get_by_role("button", name=fr("Save your profile")).click()
    expect(page.locator("#cadre-error")).to_contain_text(fr("Choose your profession."))
    assert_accessible(page)
    page.get_by_label(fr("Your profession")).select_option("midwife")
    page.get_by_role("group", name=fr("Heritage countries")).get_by_label("Sénégal").check()
    page.get_by_role("button", name=fr("Save your profile")).click()
    expect(page.get_by_text(fr("Midwife"), exact=True)).to_be_visible()
    expect(page.get_by_text("Sénégal").first).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url("/account"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)
