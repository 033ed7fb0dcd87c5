"""The member's memberships: what they are, when they renew, and leaving one."""

import html
from datetime import date

import pytest

from diaspora.associations.models import Membership
from diaspora.core.models import AuditEvent
from tests.factories import AssociationFactory, MembershipFactory, MembershipTypeFactory, UserFactory
from tests.helpers import audit_actions, row_count


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_memberships_are_listed_in_plain_words(client, login):
    user = UserFactory()
    kind = MembershipTypeFactory(name="Full member", association__name="Ghana Nurses UK")
    MembershipFactory(user=user, association=kind.association, membership_type=kind,
                      joined_on=date(2025, 3, 3), renews_on=date(2027, 3, 3))
    MembershipFactory(user=user, association__name="Zimbabwe Health Network", status=Membership.LAPSED,
                      renews_on=date(2025, 1, 31))
    MembershipFactory(user=user, association__name="Nigerian Doctors", role=Membership.OFFICER)
    MembershipFactory(association__name="Not mine")
    login(user)

    page = page_text(client.get("/memberships"))
    assert '<a href="/associations/' in page
    assert "Ghana Nurses UK" in page and "Full member" in page
    assert "Your membership renews on 3 March 2027." in page
    assert "Joined on" in page and "3 March 2025" in page
    assert "Your membership lapsed on 31 January 2025." in page
    assert "Officer" in page and "No expiry" in page and "Your membership has no expiry." in page
    assert "Not mine" not in page


def test_leaving_asks_first_then_leaves(client, forms, login, db):
    user = UserFactory()
    membership = MembershipFactory(user=user, association__name="Ghana Nurses UK")
    login(user)
    confirm = client.get(f"/memberships/{membership.id}/leave")
    assert confirm.status_code == 200
    assert "Leave Ghana Nurses UK?" in page_text(confirm) and "Are you sure?" in page_text(confirm)
    db.session.refresh(membership)
    assert membership.status == Membership.ACTIVE  # asking changes nothing

    response = forms.submit(f"/memberships/{membership.id}/leave", {})
    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.status == Membership.LEFT
    assert audit_actions(membership) == ["membership.left"]
    page = page_text(client.get("/memberships"))
    assert "You have left Ghana Nurses UK." in page and "You left this association." in page
    assert f"/memberships/{membership.id}/leave" not in page


def test_an_officer_can_leave_when_another_officer_remains(forms, login, db):
    association = AssociationFactory()
    officer = MembershipFactory(association=association, officer=True)
    MembershipFactory(association=association, officer=True)
    login(officer.user)
    assert forms.submit(f"/memberships/{officer.id}/leave", {}).status_code == 302
    db.session.refresh(officer)
    assert (officer.status, officer.role) == (Membership.LEFT, Membership.MEMBER)


@pytest.mark.parametrize("other_officer_status", [None, Membership.LAPSED, Membership.LEFT])
def test_the_only_active_officer_cannot_leave(client, forms, login, db, other_officer_status):
    association = AssociationFactory(name="Ghana Nurses UK")
    officer = MembershipFactory(association=association, officer=True)
    MembershipFactory(association=association)  # a plain member is not enough
    if other_officer_status:
        MembershipFactory(association=association, officer=True, status=other_officer_status)
    login(officer.user)

    warning = page_text(client.get(f"/memberships/{officer.id}/leave"))
    assert "You are the only officer of Ghana Nurses UK" in warning
    assert "Yes, leave" not in warning

    token_page = client.get("/memberships")
    response = forms.submit("/memberships", {}, action=f"/memberships/{officer.id}/leave")
    assert token_page.status_code == 200
    assert response.status_code == 409
    assert "Make another member an officer first" in page_text(response)
    db.session.refresh(officer)
    assert officer.status == Membership.ACTIVE
    assert "membership.left" not in audit_actions(officer)


def test_leaving_twice_is_refused_with_a_clear_message(forms, login, db):
    membership = MembershipFactory(status=Membership.LEFT, association__name="Ghana Nurses UK")
    login(membership.user)
    response = forms.submit("/memberships", {}, action=f"/memberships/{membership.id}/leave")
    assert response.status_code == 409
    assert "You have already left Ghana Nurses UK." in page_text(response)
    assert row_count(AuditEvent) == 0  # nothing changed


@pytest.mark.parametrize("path", ["/memberships", "/profile"])
def test_pages_run_the_same_statements_for_one_or_eight_memberships(client, login, count_queries, path):
    user = UserFactory()
    login(user)

    def add_membership():
        kind = MembershipTypeFactory()
        MembershipFactory(user=user, association=kind.association, membership_type=kind)

    add_membership()
    with count_queries() as one:
        assert client.get(path).status_code == 200
    for _ in range(7):
        add_membership()
    with count_queries() as eight:
        response = client.get(path)
    assert response.status_code == 200
    if path == "/memberships":
        assert response.get_data(as_text=True).count("/leave") == 8
    assert eight.count == one.count
