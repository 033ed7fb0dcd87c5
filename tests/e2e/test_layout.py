"""The officer's widest pages fit the screen: no page is wider than the window at any width
from a small phone to a wide desk, however long the cells (a wide table scrolls in its own box)."""


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
    too_wide = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(live_server.url(path))
            problems = overflow(page)
            if problems:
                too_wide[(path, width)] = problems
    context.close()
    assert too_wide == {}


