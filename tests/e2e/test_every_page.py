"""Every page each role can reach, in a real browser: accessible (axe-core finds nothing
serious) in English, French and Portuguese, never wider than the screen from a small phone to
a wide desk, its main navigation on one row from 1024 px, its heading within the top fifth of
a phone's first screen (390 × 844), no word in a table broken across two lines at 1280 px
(no "Ghan/a"), and valid HTML (the Nu HTML Checker, run once over every saved page at the end).
The pages are found by the crawl of tests/test_crawl.py, one page per kind of URL, from the
demo data."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from diaspora import demo
from diaspora.core import transaction
from diaspora.core.i18n import LANGUAGE_NAMES
from tests.conftest import give_second_factor
from tests.test_crawl import crawl

from .conftest import log_in
from .test_layout import overflow, split_words

LANGUAGES = ("en", "fr", "pt")
WIDTHS = (320, 768, 1024, 1440)
PHONE = {"width": 390, "height": 844}
TOP_FIFTH = PHONE["height"] / 5
VNU_JAR = Path(os.environ.get("VNU_JAR", Path.home() / ".cache/diaspora-vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
SAVED = Path(os.environ.get("SAVED_PAGES_DIR", "/tmp")) / f"diaspora-saved-pages-{os.getpid()}"

# The tops of the main navigation's items (the wide screen's bar), rounded: one value for one row.
NAV_ROWS = """() => {
  const bar = document.querySelector('.site-nav--bar');
  if (!bar || getComputedStyle(bar).display === 'none') return null;
  const items = [...bar.querySelectorAll(':scope > ul > li')];
  return [...new Set(items.map(li => Math.round(li.getBoundingClientRect().top)))];
}"""
HEADING_TOP = "() => { const h = document.querySelector('main h1'); return h ? h.getBoundingClientRect().top : null; }"
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

    too_wide, wrapped, heading_low, broken_words = {}, {}, {}, {}
    for language in LANGUAGES:
        # as a person would: the footer's switch (kept on the account, or in a cookie for a visitor)
        page.goto(live_server.url(paths[0]))
        page.locator("footer").get_by_role("button", name=LANGUAGE_NAMES[language]).click()
        for path in paths:
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(live_server.url(path))
            assert page.locator("html").get_attribute("lang") == language, path
            assert_accessible(page)
            _save(response.text(), role, language, path)
            rows = page.evaluate(NAV_ROWS)
            if rows is None or len(rows) != 1:
                wrapped[f"{path} in {language} at 1280px"] = rows
            if words := split_words(page):
                broken_words[f"{path} in {language}"] = words
            page.set_viewport_size(PHONE)
            top = page.evaluate(HEADING_TOP)
            if top is None or top > TOP_FIFTH:
                heading_low[f"{path} in {language}"] = top
            if language == "fr":  # the longest words of the three
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    if sticking_out := overflow(page):
                        too_wide[f"{path} at {width}px"] = sticking_out
                    rows = page.evaluate(NAV_ROWS)
                    if width >= 1024 and (rows is None or len(rows) != 1):
                        wrapped[f"{path} in fr at {width}px"] = rows
    context.close()
    assert too_wide == {}
    assert not wrapped, f"the main navigation is not one row: {wrapped}"
    assert not broken_words, f"a table cell breaks these words across two lines at 1280px: {broken_words}"
    assert not heading_low, f"the heading starts below the top fifth ({TOP_FIFTH:.0f}px) at 390px: {heading_low}"


def _save(html: str, role: str, language: str, path: str) -> None:
    """The page as the server sent it, for the Nu HTML Checker at the end of the run."""
    SAVED.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9]+", "-", f"{role}-{language}-{path}").strip("-")[:150]
    (SAVED / f"{name}.html").write_text(html, encoding="utf-8")


def test_every_saved_page_passes_the_nu_html_checker():
    """Runs after the pages above (the module's order): one JVM over every page they saved."""
    files = sorted(SAVED.glob("*.html")) if SAVED.exists() else []
    if not files:
        if os.environ.get("CI"):
            pytest.fail("CI must check the saved pages, but none was saved (the page tests above did not run)")
        pytest.skip("no page was saved: run the whole module")
    if not VNU_JAR.exists() or not shutil.which("java"):
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Nu HTML Checker, but {VNU_JAR} or java is missing (.ci/run installs it)")
        pytest.skip(f"{VNU_JAR} not found: npm install --prefix ~/.cache/diaspora-vnu vnu-jar")
    result = subprocess.run(["java", "-Xss1024k", "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                             *map(str, files)], capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')} [{m.get('extract', '')!r}]"
              for m in messages if m.get("type") == "error"]
    shutil.rmtree(SAVED, ignore_errors=True)
    assert errors == [], f"{len(errors)} errors:\n" + "\n".join(errors[:60])
