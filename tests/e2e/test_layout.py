"""The officer's widest pages fit the screen: no page is wider than the window at any width
from a small phone to a wide desk, however long the cells (a wide table scrolls in its own box),
and no table breaks a word across two lines on a desktop."""


import pytest

from diaspora.associations.roster import importer
from diaspora.core import transaction
from tests.e2e.conftest import log_in
from tests.factories import MembershipFactory, ProfileFactory, UserFactory
from tests.world import build_tenant

WIDTHS = (320, 768, 1024, 1280, 1440)
LONG = "Obstetricsandgynaecologywithaverylongunbrokenspecialtyname" * 8  # no place to break a line


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width) out.push('page ' + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let inScrollBox = false;  // a wide table may scroll inside its own box, if the box fits
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (['auto', 'scroll'].includes(style.overflowX) && up.getBoundingClientRect().right <= width + 1) {
        inScrollBox = true; break;
      }
    }
    if (!inScrollBox) out.push(el.tagName.toLowerCase() + ' ends at ' + Math.round(box.right));
  }
  return out.slice(0, 3);
}"""


def overflow(page) -> list[str]:
    """What sticks out of the window (nothing may, but inside a box that scrolls on its own)."""
    return page.evaluate(OVERFLOW)


@pytest.fixture
def officer_pages(db, app):
    tenant = build_tenant("Layout", "GH")
    for number in range(30):
        user = UserFactory(name=f"Member {number:02d} With A Rather Long Double-Barrelled Name",
                           email=f"a.very.long.address.for.member.{number}@a-long-domain-name.example.org")
        ProfileFactory(user=user, specialty=LONG[:120], heritage=["GH", "NG", "KE", "ZW", "SL"], directory_consent=True)
        MembershipFactory(association=tenant.association, user=user, membership_type=tenant.membership_type)
    text = "email,name,specialty\r\n" + "".join(
        f"row{n}@example.org,Name {n},{LONG * 3}\r\n" for n in range(5)) + f"bad,{LONG * 10},\r\n"
    with app.test_request_context():
        upload = importer.upload(tenant.association, tenant.officer, "long.csv", text.encode())
    transaction.commit()
    slug = tenant.association.slug
    return tenant.officer, [f"/associations/{slug}/directory", f"/associations/{slug}/import/{upload.id}"]


def test_the_officer_directory_and_import_preview_fit_every_screen(browser, live_server, officer_pages):
    officer, paths = officer_pages
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, officer)
    too_wide, broken_words = {}, {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(live_server.url(path))
            problems = overflow(page)
            if problems:
                too_wide[(path, width)] = problems
            if width == 1280 and (words := split_words(page)):
                broken_words[path] = words
    context.close()
    assert too_wide == {}
    assert broken_words == {}




# Each word (a run of letters and digits) inside a table cell, measured as a DOM Range: a word
# drawn on two lines has two client rects ("Ghan/a", "Rem/ove"). Punctuation and spaces are
# where a line may break, so an address or a hyphenated name breaks there and is not counted.
SPLIT_WORDS = """() => {
  const out = [];
  const word = /[\\p{L}\\p{M}\\p{N}]+/gu;
  for (const cell of document.querySelectorAll('main td, main th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(word)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
        if (rects.length > 1) out.push(match[0]);
      }
    }
  }
  return [...new Set(out)].slice(0, 5);
}"""


def split_words(page) -> list[str]:
    """The words some table cell breaks across two lines (none may be, on a desktop)."""
    return page.evaluate(SPLIT_WORDS)


def test_the_accessibility_check_includes_wcag_2_2_target_sizes(browser, assert_accessible, axe):
    """axe-core leaves its WCAG 2.2 AA rule (24 × 24 px targets) off unless asked: our check asks,
    for every rule of that tag, and two small buttons side by side fail it."""
    from tests.e2e.conftest import WCAG22AA_RULES

    page = browser.new_page()
    page.set_content('<html lang="en"><title>t</title><main><h1>t</h1><p>'
                     '<button style="width:12px;height:12px;padding:0;margin:0">a</button>'
                     '<button style="width:12px;height:12px;padding:0;margin:0">b</button></p></main></html>')
    axe.run(page)  # loads axe-core into the page
    assert sorted(page.evaluate("() => axe.getRules(['wcag22aa']).map(rule => rule.ruleId)")) == sorted(WCAG22AA_RULES)
    with pytest.raises(AssertionError, match="target-size"):
        assert_accessible(page)
    page.close()


# Where the focused element is drawn, and whether the header (if it ever stays on screen) or
# anything else covers it: WCAG 2.2's "Focus not obscured".
FOCUS_PLACE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el.closest('.site-header, .skip-link')) return null;  // the header's own
  const box = el.getBoundingClientRect();
  const header = document.querySelector('.site-header').getBoundingClientRect();
  const above = Math.max(header.bottom, 0), below = window.innerHeight;
  const fits = box.height + 48 <= below - above;  // with room for the scroll padding (static/css/site.css)
  const top = Math.max(box.top, above), bottom = Math.min(box.bottom, below);
  const x = box.left + Math.min(box.width / 2, 8);
  const hit = bottom > top ? document.elementFromPoint(x, (top + bottom) / 2) : null;
  const seen = !!hit && (el === hit || el.contains(hit) || hit.contains(el));
  // whole, below the header, when it fits on the screen; else (a tall table) at least partly shown
  const ok = seen && (fits ? box.top >= above - 1 && box.bottom <= below + 1 : true);
  return ok ? null : {top: box.top, bottom: box.bottom, headerBottom: header.bottom,
                      element: el.outerHTML.slice(0, 80)};
}"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 600}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_focus_moved_by_the_keyboard_down_a_long_page_and_back_up_is_never_hidden(browser, live_server, db, viewport):
    member = UserFactory(name="Efua Mensah")
    transaction.commit()
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    log_in(page, live_server, member)
    page.goto(live_server.url("/api/v1/reference"))  # a long page of tables and links

    def hidden_now() -> str | None:
        place = page.evaluate(FOCUS_PLACE)
        return None if place is None else str(place)

    hidden, deepest = [], 0
    for _ in range(400):  # down the page, past two screens
        page.keyboard.press("Tab")
        if problem := hidden_now():
            hidden.append(problem)
        deepest = max(deepest, page.evaluate("() => window.scrollY"))
        if deepest > 2 * viewport["height"]:
            break
    assert deepest > 2 * viewport["height"], "the page is not long enough to test"
    for _ in range(30):  # and back up, where a header that stays on screen would cover it
        page.keyboard.press("Shift+Tab")
        if problem := hidden_now():
            hidden.append(problem)
    context.close()
    assert hidden == [], "\n".join(hidden)
