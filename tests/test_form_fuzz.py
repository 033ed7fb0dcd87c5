"""Every integer a person can send, sent out of range: each role of the demo walks every page
it can reach; on each of them, every form's integer fields (a number box, an id in a select, a
hidden field or a checkbox, a version) and every link's numeric query parameters are sent as
2^31, 2^63, -1 and 0 in turn, the rest of the form as the page left it. Nothing may answer 5xx:
on PostgreSQL an integer column refuses 2^31, so a value that reaches the database unchecked
fails here.

Nothing lists the forms by hand: a new form is covered once a role can reach its page."""

import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from diaspora import demo
from diaspora.core import transaction
from tests.conftest import give_second_factor
from tests.html_forms import Field, Form, forms_on

OUT_OF_RANGE = ("2147483648", "9223372036854775808", "-1", "0")
MAX_PAGES = 150
LINK = re.compile(r'href="([^"]+)"')
DIGITS = re.compile(r"^[0-9]+$")
# Forms that end the session (or the account) would stop the walk; none holds an integer.
ENDS_THE_WALK = ("/logout", "/account/delete")


@pytest.fixture
def demo_logins(app, db):
    logins = dict(demo.load())
    transaction.commit()
    return logins


def is_integer_field(field: Field) -> bool:
    if field.name == "csrf_token" or field.type in ("submit", "button", "file"):
        return False
    if field.type == "number" or field.name.endswith(("_id", "ids")) or field.name == "version":
        return True
    values = [value for value in (field.options if field.tag == "select" else [field.value]) if value]
    return bool(values) and all(DIGITS.match(value) for value in values)


def _local(href: str) -> str | None:
    href = urldefrag(href.replace("&amp;", "&"))[0]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith("/static/"):
        return None
    return href


def walk(client) -> dict[str, str]:
    """Every HTML page reachable from the dashboard by links: path -> page."""
    pages: dict[str, str] = {}
    queue = ["/dashboard"]
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if path in pages:
            continue
        response = client.get(path)
        pages[path] = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        for href in LINK.findall(pages[path]):
            local = _local(href)
            if local and local not in pages and local not in queue:
                queue.append(local)
    return pages


def _shape(form: Form) -> tuple:
    """Forms repeated down a list (one per row) are the same form: try one."""
    action = re.sub(r"\d+", "N", urlsplit(form.action).path)
    return form.method, action, tuple(sorted(f.name for f in form.fields))


def fuzzed_requests(pages: dict[str, str]):
    """(method, url, data) for every integer of every form and numeric query parameter."""
    seen_forms, seen_links = set(), set()
    for path, page in pages.items():
        for form in forms_on(page, path):
            if _shape(form) in seen_forms or form.action.startswith(ENDS_THE_WALK):
                continue
            seen_forms.add(_shape(form))
            for target in (f for f in form.fields if is_integer_field(f)):
                for value in OUT_OF_RANGE:
                    data = [(name, value if name == target.name else sent) for name, sent in form.data()]
                    if not target.sent:  # an unticked box: tick it with the value
                        data.append((target.name, value))
                    yield form.method, form.action, data
        parts = urlsplit(path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        shape = (re.sub(r"\d+", "N", parts.path), tuple(sorted(name for name, _ in query)))
        numeric = [name for name, value in query if DIGITS.match(value)]
        if not numeric or shape in seen_links:
            continue
        seen_links.add(shape)
        for name in numeric:
            for value in OUT_OF_RANGE:
                changed = [(key, value if key == name else old) for key, old in query]
                yield "get", f"{parts.path}?{urlencode(changed)}", None


@pytest.mark.parametrize("role", ["platform admin", "association officer", "member", "desk officer"])
def test_no_integer_out_of_range_gets_a_server_error(client, forms, demo_logins, role):
    forms.submit("/login", {"email": demo_logins[role], "password": demo.DEMO_PASSWORD})
    give_second_factor(client, demo_logins[role])
    requests = list(fuzzed_requests(walk(client)))
    assert len(requests) > 20, "the walk found too few integer fields to mean anything"
    failures = []
    for method, url, data in requests:
        if method == "post":
            response = client.post(url, data=MultiDict(data))
        elif data is None:  # a link's query string, already in the URL
            response = client.get(url)
        else:  # a GET form: its fields make the query string
            response = client.get(urlsplit(url).path, query_string=MultiDict(data))
        if response.status_code >= 500:
            sent = {name: value for name, value in data or [] if name != "csrf_token"}
            failures.append(f"{method.upper()} {url} {sent}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_walk_finds_the_fields_that_failed_before(client, forms, demo_logins):
    """The officer's walk reaches the integer fields that once answered 500 on PostgreSQL: the
    bulk verification ids and a mission's partnership."""
    forms.submit("/login", {"email": demo_logins["association officer"], "password": demo.DEMO_PASSWORD})
    names = {field.name for path, page in walk(client).items() for form in forms_on(page, path)
             for field in form.fields if is_integer_field(field)}
    assert {"ids", "partnership_id", "version"} <= names
