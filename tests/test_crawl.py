"""Walk every page each demo role can reach from its dashboard: none fails, none is
heavier than a nurse on a slow connection should wait for, and each has one <h1>."""

import re
from urllib.parse import urldefrag, urlsplit

import pytest

from diaspora import demo
from diaspora.core import transaction
from tests.conftest import give_second_factor

MAX_PAGE_BYTES = 200_000
MAX_PAGES = 120
LINK = re.compile(r'href="([^"]+)"')


@pytest.fixture
def demo_data(app, db):
    logins = dict(demo.load())
    transaction.commit()
    return logins


def crawl(client, start: str = "/dashboard") -> dict[str, tuple[int, int, str]]:
    seen: dict[str, tuple[int, int, str]] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        body = response.get_data()
        seen[path] = (response.status_code, len(body), response.mimetype)
        location = response.headers.get("Location", "")
        if response.status_code in (301, 302, 303) and location.startswith("/") and location not in seen:
            queue.append(location)  # /dashboard sends a desk officer or an admin to their workspace
        if response.mimetype != "text/html":
            continue
        for href in LINK.findall(body.decode()):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith("/static/"):
                continue
            if href not in seen and href not in queue:
                queue.append(href)
    return seen


@pytest.mark.parametrize("role", ["platform admin", "association officer", "member", "desk officer"])
def test_every_page_a_role_can_reach_works_and_is_light(client, forms, demo_data, role):
    response = forms.submit("/login", {"email": demo_data[role], "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    give_second_factor(client, demo_data[role])  # the admin's and desk officer's code
    pages = crawl(client)
    assert len(pages) > 2
    broken = {path: status for path, (status, _, _) in pages.items() if status >= 500}
    heavy = {path: size for path, (_, size, mime) in pages.items()
             if mime == "text/html" and size > MAX_PAGE_BYTES}
    assert broken == {}
    assert heavy == {}
    for path, (status, _, mime) in pages.items():
        if mime == "text/html" and status == 200:
            page = client.get(path).get_data(as_text=True)
            assert page.count("<h1") == 1, path
