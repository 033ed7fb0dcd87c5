"""Browser journeys in Debian's Chromium, driven by Playwright, against a live server.

The live server runs the session's app in a thread of this process (werkzeug), so it
shares the test database and the loopback SMTP server. Where Chromium is missing the
journeys are skipped with a note on how to install it, except under CI, where a
missing browser fails the run."""

import os
import re
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD
from tests.live import LiveServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BLOCKING_IMPACTS = {"serious", "critical"}
# axe-core's default rules, and WCAG 2.2 AA's too: its one rule, `target-size` (a target at least
# 24 × 24 px, or spaced as if it were; a link inside a sentence is exempt), is off by default.
WCAG22AA_RULES = ("target-size",)
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {rule: {"enabled": True} for rule in WCAG22AA_RULES}}


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    browser_tests = [item for item in items if str(item.fspath).startswith(here)]
    for item in browser_tests:
        item.add_marker(pytest.mark.e2e)
    if shutil.which(CHROMIUM) or not browser_tests:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the browser tests, but {CHROMIUM} is missing "
                                "(apt-get install -y chromium)")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found: run `sudo apt-get install -y chromium` "
                                   "to run the browser tests")
    for item in browser_tests:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Runs axe-core in the page (WCAG 2.2 AA's target size included); fails on any serious or
    critical violation."""

    def check(page):
        # After a click the next page may still be loading: its stylesheet not applied, its links
        # unstyled and too small for `target-size`. Judge the page the person will see.
        page.wait_for_load_state("load")
        results = axe.run(page, options=AXE_OPTIONS)
        blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in blocking
        ]
        assert not blocking, f"accessibility problems on {page.url}:\n" + "\n".join(details)

    return check


def open_account_menu(page) -> None:
    """On a wide screen the account's links and "Log out" sit in the header's Account menu."""
    page.locator(".site-nav--bar").get_by_text("Account", exact=True).click()


def log_out(page) -> None:
    """Log out as a person would: on a wide screen "Log out" sits in the header's Account menu."""
    open_account_menu(page)
    page.locator(".site-nav--bar").get_by_role("button", name="Log out").click()


def log_in(page, live_server, user, password: str = DEFAULT_PASSWORD) -> None:
    """Log a browser page in through the login form, as a person would. An account with
    two-factor sign-in gets the code its authenticator app would show (tests/conftest.py:
    `code_for`); a platform admin or desk officer without it is enrolled first, as the app
    requires for them (the journey of enrolling itself is tests/e2e/test_two_factor_journey.py)."""
    from diaspora.auth import services, two_factor
    from diaspora.core import transaction
    from tests.conftest import code_for

    account = services.find_by_email(user.email)
    if account is not None and not account.two_factor_enabled and two_factor.is_required(account):
        two_factor.enrol_for_demo(account)
        transaction.commit()
    page.goto(live_server.url("/login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if account is not None and account.two_factor_enabled:
        expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
        page.get_by_role("textbox", name="Code").fill(code_for(account))
        page.get_by_role("button", name="Log in").click()
    # in their workspace: a member's dashboard, an officer's association, a desk, the admin home
    expect(page).not_to_have_url(re.compile(r"/login"))
    expect(page.locator("main h1")).to_be_visible()
