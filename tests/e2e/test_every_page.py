"""Every page each role can reach, in a real browser: accessible (axe-core finds nothing
serious) in English, French and Portuguese, and never wider than the screen from a small
phone to a wide desk. The pages are found by the crawl of tests/test_crawl.py, one page per
kind of URL, from the demo data."""

import re

import pytest

from diaspora import demo
from diaspora.core import transaction
from diaspora.core.i18n import LANGUAGE_NAMES
from tests.conftest import give_second_factor
from tests.test_crawl import crawl

from .conftest import log_in
from .test_layout import overflow

LANGUAGES = ("en", "fr", "pt")
WIDTHS = (320, 768, 1024, 1440)
ROLES = ("visitor", "member", "association officer", "platform admin", "desk officer")


class DemoUser:
    def __init__(self, email: str, name: str):
        self.email, self.name = email, name


@pytest.fixture
def demo_logins(app, db):
    logins = dict(demo.load())
    transaction.commit()
    return logins


def _one_page_per_kind(pages: dict) -> list[str]:
    """A page for each kind of URL (ids and cursors aside), that answers 200 with HTML."""
    chosen: dict[str, str] = {}
    for path, (status, _, mime) in pages.items():
        if status == 200 and mime == "text/html":
            chosen.setdefault(re.sub(r"\d+", "N", path.split("?")[0]), path)
    return sorted(chosen.values())


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_accessible_in_each_language_and_fits_every_screen(
        browser, live_server, client, forms, demo_logins, assert_accessible, role):
    from diaspora.auth.models import User
    from diaspora.extensions import db

    context = browser.new_context()
    page = context.new_page()
    if role == "visitor":
        paths = _one_page_per_kind(crawl(client, start="/"))
    else:
        forms.submit("/login", {"email": demo_logins[role], "password": demo.DEMO_PASSWORD})
        give_second_factor(client, demo_logins[role])  # the admin's and desk officer's code
        paths = _one_page_per_kind(crawl(client))
        user = db.session.scalar(db.select(User).where(User.email == demo_logins[role]))
        log_in(page, live_server, DemoUser(user.email, user.name), password=demo.DEMO_PASSWORD)
    assert len(paths) >= 3, paths

    too_wide = {}
    for language in LANGUAGES:
        # as a person would: the footer's switch (kept on the account, or in a cookie for a visitor)
        page.goto(live_server.url(paths[0]))
        page.locator("footer").get_by_role("button", name=LANGUAGE_NAMES[language]).click()
        for path in paths:
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(live_server.url(path))
            assert page.locator("html").get_attribute("lang") == language, path
            assert_accessible(page)
            if language == "fr":  # the longest words of the three
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    if sticking_out := overflow(page):
                        too_wide[f"{path} at {width}px"] = sticking_out
    context.close()
    assert too_wide == {}
