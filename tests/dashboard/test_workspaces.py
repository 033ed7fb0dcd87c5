"""Each role lands in its own workspace, people with several roles switch between them from the
header, and the member's prompts ("join an association") go only to members."""

import re

import pytest

from diaspora.auth import two_factor
from diaspora.core import transaction
from tests.factories import DEFAULT_PASSWORD, DeskOfficerFactory, MembershipFactory, UserFactory

FIRST_STEPS = "Your first steps"


def _log_in(forms, user) -> str:
    """Through the login form (and the code where the role requires one): where it lands."""
    from tests.conftest import give_second_factor

    if two_factor.is_required(user) and not user.two_factor_enabled:
        two_factor.enrol_for_demo(user)
        transaction.commit()
    response = forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    response = give_second_factor(forms.client, user.email) or response
    return response.headers["Location"]


def _switch_links(page: str) -> list[str]:
    """The workspaces offered in the header's switch (the wide screen's dropdown)."""
    found = re.search(r'<details class="dropdown">\s*<summary>Workspaces</summary>(.*?)</details>', page, re.S)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


def test_a_desk_officer_lands_in_their_desk_with_what_is_overdue_and_unassigned(client, forms):
    assignment = DeskOfficerFactory(desk__country="GH", desk__name="Diaspora Affairs Desk")
    landed = _log_in(forms, assignment.user)
    assert landed == f"/desks/{assignment.desk_id}/queue"
    page = client.get(landed).get_data(as_text=True)
    assert "overdue submissions" in page and "open submissions nobody is assigned to" in page
    assert FIRST_STEPS not in page and "Diaspora Affairs Desk" in page.split("</header>")[0]


def test_an_admin_lands_in_the_admin_home(client, forms):
    landed = _log_in(forms, UserFactory(admin=True))
    assert landed == "/admin"
    page = client.get(landed).get_data(as_text=True)
    for words in ("associations waiting for approval", "submissions without a desk", "emails that could not be sent",
                  "Regulators"):
        assert words in page
    assert FIRST_STEPS not in page


def test_an_officer_lands_in_their_association_and_switches_to_their_dashboard(client, forms):
    membership = MembershipFactory(officer=True, association__name="Ghana Nurses UK")
    landed = _log_in(forms, membership.user)
    assert landed == f"/associations/{membership.association.slug}/manage"
    page = client.get(landed).get_data(as_text=True)
    assert _switch_links(page) == [landed, "/dashboard"]
    assert client.get("/dashboard").status_code == 200


def test_a_member_lands_in_their_dashboard_with_their_first_steps(client, forms):
    landed = _log_in(forms, UserFactory())
    assert landed == "/dashboard"
    page = client.get(landed).get_data(as_text=True)
    assert FIRST_STEPS in page and _switch_links(page) == []


@pytest.mark.parametrize("role", ["admin", "desk"])
def test_member_prompts_go_only_to_members(client, login, role):
    user = UserFactory(admin=role == "admin")
    if role == "desk":
        DeskOfficerFactory(user=user)
    login(user)
    landing = client.get("/dashboard").headers["Location"]
    assert FIRST_STEPS not in client.get(landing).get_data(as_text=True)


def test_an_admin_who_is_also_a_member_switches_between_both(client, login):
    membership = MembershipFactory(user=UserFactory(admin=True))
    login(membership.user)
    page = client.get("/admin").get_data(as_text=True)
    assert _switch_links(page) == ["/admin", "/dashboard"]
    assert client.get("/dashboard").status_code == 200


def test_the_members_dashboard_says_what_waits_for_them(client, forms, app):
    from diaspora import demo

    logins = dict(demo.load())
    transaction.commit()
    response = forms.submit("/login", {"email": logins["member"], "password": demo.DEMO_PASSWORD})
    assert response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    waiting = page.split('id="needs-you"')[1].split("</section>")[0] if 'id="needs-you"' in page else ""
    assert "licence" in waiting.lower(), "the demo member's lapsing licence is not surfaced"


# -- the header and footer, rendered once per what they show and kept (core/layout.py) ---------


def _header(page: str) -> str:
    return page.split("<header", 1)[1].split("</header>", 1)[0]


def test_the_kept_header_marks_the_page_one_is_on_and_is_each_person_s_own(app, client, login):
    first = MembershipFactory(officer=True, association__name="Ghana Nurses UK")
    second = MembershipFactory(officer=True, association__name="Kenya Midwives IE")
    login(first.user)
    manage = f"/associations/{first.association.slug}/manage"
    on_manage = _header(client.get(manage).get_data(as_text=True))
    assert f'<a href="{manage}" aria-current="page">' in on_manage
    on_dashboard = _header(client.get("/dashboard").get_data(as_text=True))
    assert f'<a href="{manage}">' in on_dashboard and f'<a href="{manage}" aria-current' not in on_dashboard
    assert '<a href="/dashboard" aria-current="page">' in on_dashboard

    other = app.test_client()
    log_in_session_of(other, second.user)
    theirs = _header(other.get(f"/associations/{second.association.slug}/manage").get_data(as_text=True))
    assert "Kenya Midwives IE" in theirs and "Ghana Nurses UK" not in theirs
    assert "Kenya Midwives IE" not in _header(client.get(manage).get_data(as_text=True))


def test_the_kept_header_s_logout_form_carries_the_reader_s_own_token(app, client, login):
    from tests.conftest import csrf_token_from

    login(MembershipFactory(officer=True).user)
    page = client.get("/dashboard").get_data(as_text=True)
    token = csrf_token_from(_header(page))
    assert "\ue000" not in page  # no placeholder left
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard").status_code == 302  # logged out: sent to the login page


def test_the_kept_footer_returns_each_reader_to_their_own_page(client):
    page = client.get("/login?next=%2Fdashboard%3Fa%3D1%26b%3D%3Cx%3E").get_data(as_text=True)
    footer = page.split('<footer class="site-footer">', 1)[1]
    assert 'name="next" value="/login?next=%2Fdashboard%3Fa%3D1%26b%3D%3Cx%3E"' in footer
    assert 'name="next" value="/register?"' in client.get("/register").get_data(as_text=True)


def log_in_session_of(client, user) -> None:
    from tests.conftest import log_in_session

    log_in_session(client, user)
