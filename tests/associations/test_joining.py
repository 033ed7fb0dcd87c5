"""Applying to join an association, and the officers' decision on the application."""

import pytest
import sqlalchemy as sa

from diaspora.associations.memberships import add_months
from diaspora.associations.models import Membership
from diaspora.core.models import OutboxMessage
from diaspora.core.time import long_date, today
from tests.associations.support import fresh, texts_to, world
from tests.factories import AssociationFactory, MembershipFactory, MembershipTypeFactory, UserFactory
from tests.helpers import audit_actions, link_in, row_count


def _join(forms, slug, membership_type, **kwargs):
    return forms.submit(f"/associations/{slug}/join", {"membership_type": str(membership_type.id)}, **kwargs)


def test_an_application_waits_and_every_active_officer_is_told(client, forms, login, db, smtp_server):
    w = world()
    second_officer = MembershipFactory(association=w.mine, officer=True).user
    suspended_officer = MembershipFactory(association=w.mine, officer=True, status="suspended").user
    person = UserFactory(name="Yaa Asantewaa", email="yaa@example.org")
    login(person)

    response = _join(forms, "ghana-nurses-uk", w.type, follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "your application to join Ghana Nurses UK is sent" in page
    assert "Your application to join is waiting for an officer's decision" in page
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == person.id))
    assert membership.status == "applied" and membership.joined_on is None
    assert membership.membership_type_id == w.type.id
    assert audit_actions(membership) == ["membership.applied"]
    for officer in (w.officer, second_officer):
        text = texts_to(smtp_server, officer.email)[0]
        assert "Yaa Asantewaa (yaa@example.org) has applied to join Ghana Nurses UK" in text
        assert link_in(text) == "/associations/ghana-nurses-uk/applications"
    assert smtp_server.to(suspended_officer.email) == []
    assert smtp_server.to(w.other_officer.email) == []


@pytest.mark.parametrize("period", [6, None])
def test_a_type_without_approval_makes_a_member_at_once(client, forms, login, db, smtp_server, period):
    association = AssociationFactory(slug="open", name="Open Association")
    open_type = MembershipTypeFactory(association=association, name="Supporter", period_months=period,
                                      requires_approval=False)
    person = UserFactory()
    login(person)
    response = _join(forms, "open", open_type, follow_redirects=True)
    assert "you are now a member of Open Association" in response.get_data(as_text=True)
    membership = db.session.scalar(sa.select(Membership))
    assert membership.status == "active" and membership.joined_on == today()
    assert membership.renews_on == (add_months(today(), 6) if period else None)
    assert audit_actions(membership) == ["membership.joined"]
    assert smtp_server.messages == []  # no officer to bother


def test_only_open_types_are_offered_and_accepted(client, forms, login, db):
    association = AssociationFactory(slug="gn")
    open_type = MembershipTypeFactory(association=association, name="Full member")
    closed = MembershipTypeFactory(association=association, name="Founding member", active=False)
    theirs = MembershipTypeFactory(name="Another association's type")
    login(UserFactory())
    page = client.get("/associations/gn/join").get_data(as_text=True)
    assert "Full member" in page and "Founding member" not in page
    for wrong in (closed, theirs):
        response = _join(forms, "gn", wrong)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert 'id="membership_type-error"' in page and "Choose a membership type from the list." in page
    assert row_count(Membership) == 0
    assert open_type.active


def test_choosing_no_type_is_explained_beside_the_choice(forms, login, db):
    MembershipTypeFactory(association=AssociationFactory(slug="gn"))
    login(UserFactory())
    response = forms.submit("/associations/gn/join", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="membership_type-error"' in page and "Choose a membership type." in page
    assert row_count(Membership) == 0


def test_an_association_with_no_open_type_says_it_takes_no_members(client, login, db):
    AssociationFactory(slug="gn", name="Ghana Nurses UK")
    login(UserFactory())
    page = client.get("/associations/gn/join").get_data(as_text=True)
    assert "is not taking new members at the moment" in page


@pytest.mark.parametrize(("status", "message"), [
    ("active", "You are already a member of Ghana Nurses UK."),
    ("applied", "You have already applied to join Ghana Nurses UK."),
])
def test_a_member_or_applicant_cannot_apply_twice(client, forms, login, db, smtp_server, status, message):
    w = world()
    membership = w.member_membership if status == "active" else w.applicant_membership
    login(membership.user)
    assert message in client.get("/associations/ghana-nurses-uk/join").get_data(as_text=True)
    # Even a form sent from an old page is refused, with the same words.
    response = _join(forms, "ghana-nurses-uk", w.type)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert fresh(membership).status == status
    assert smtp_server.messages == []


def test_a_suspended_member_cannot_apply_again(client, forms, login, db):
    w = world()
    suspended = MembershipFactory(association=w.mine, status="suspended")
    login(suspended.user)
    response = _join(forms, "ghana-nurses-uk", w.type)
    assert response.status_code == 422
    assert "Your membership of Ghana Nurses UK is suspended" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ["left", "lapsed", "rejected"])
def test_a_former_member_applies_again_on_the_same_row(client, forms, login, db, status):
    w = world()
    former = MembershipFactory(association=w.mine, status=status, role="officer",
                               decision_reason="Old reason" if status == "rejected" else None)
    login(former.user)
    page = client.get("/associations/ghana-nurses-uk").get_data(as_text=True)
    assert "Apply to join" in page
    assert _join(forms, "ghana-nurses-uk", w.type).status_code == 302
    again = fresh(former)
    assert (again.status, again.role, again.decision_reason) == ("applied", "member", None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)
                             .where(Membership.user_id == former.user_id)) == 1


def test_an_officer_approves_an_application(client, forms, login, db, smtp_server):
    w = world()
    applicant = w.applicant_membership
    login(w.officer)
    listing = client.get("/associations/ghana-nurses-uk/applications").get_data(as_text=True)
    assert applicant.user.name in listing and applicant.user.email in listing and "Full member" in listing
    response = forms.submit("/associations/ghana-nurses-uk/applications",
                            {}, action=f"/associations/ghana-nurses-uk/applications/{applicant.id}/approve",
                            follow_redirects=True)
    assert f"{applicant.user.name} is now a member" in response.get_data(as_text=True)
    approved = fresh(applicant)
    assert approved.status == "active" and approved.joined_on == today()
    assert approved.renews_on == add_months(today(), 12)
    assert audit_actions(approved) == ["membership.approved"]
    mail = smtp_server.last_to(applicant.user.email)
    assert mail["Subject"] == "Welcome to Ghana Nurses UK"
    text = texts_to(smtp_server, applicant.user.email)[0]
    assert f"Your membership renews on {long_date(add_months(today(), 12))}." in text


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Give a reason: it is sent to the applicant."),
    ("No.", "Give a reason of at least 10 characters"),
])
def test_rejecting_an_application_needs_a_reason(client, forms, login, db, smtp_server, reason, message):
    w = world()
    applicant = w.applicant_membership
    login(w.officer)
    page_url = f"/associations/ghana-nurses-uk/members/{applicant.id}"
    response = forms.submit(page_url, {"reason": reason},
                            action=f"/associations/ghana-nurses-uk/applications/{applicant.id}/reject")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="reason-error"' in page and message in page and f"{reason}</textarea>" in page
    assert fresh(applicant).status == "applied"
    assert smtp_server.messages == [] and row_count(OutboxMessage) == 0


def test_a_rejected_applicant_is_emailed_the_reason(client, forms, login, db, smtp_server):
    w = world()
    applicant = w.applicant_membership
    login(w.officer)
    reason = "Membership is for nurses registered with the NMC."
    response = forms.submit(f"/associations/ghana-nurses-uk/members/{applicant.id}", {"reason": reason},
                            action=f"/associations/ghana-nurses-uk/applications/{applicant.id}/reject")
    assert response.status_code == 302
    rejected = fresh(applicant)
    assert rejected.status == "rejected" and rejected.decision_reason == reason
    assert audit_actions(rejected) == ["membership.rejected"]
    text = texts_to(smtp_server, applicant.user.email)[0]
    assert "was not approved" in text and reason in text


def test_an_application_is_decided_once(client, forms, login, db, smtp_server):
    w = world()
    login(w.officer)
    response = forms.submit("/associations/ghana-nurses-uk/applications", {},
                            action=f"/associations/ghana-nurses-uk/applications/{w.member_membership.id}/approve",
                            follow_redirects=True)
    assert "This application has already been decided." in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_applications_are_listed_oldest_first_and_paginated(client, login, db, app, monkeypatch):
    from datetime import timedelta

    from diaspora.core.time import utcnow

    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    association = AssociationFactory(slug="gn")
    officer = MembershipFactory(association=association, officer=True).user
    for days, name in ((1, "Newest Applicant"), (5, "Oldest Applicant"), (3, "Middle Applicant")):
        MembershipFactory(association=association, status="applied", user__name=name,
                          created_at=utcnow() - timedelta(days=days))
    login(officer)
    first = client.get("/associations/gn/applications").get_data(as_text=True)
    assert first.index("Oldest Applicant") < first.index("Middle Applicant")
    assert "Newest Applicant" not in first
    second = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "Newest Applicant" in client.get(second).get_data(as_text=True)


def test_the_applications_page_runs_the_same_statements_for_2_or_12(client, login, db, count_queries):
    association = AssociationFactory(slug="gn")
    officer = MembershipFactory(association=association, officer=True).user
    login(officer)

    def statements(new_applications):
        for _ in range(new_applications):
            MembershipFactory(association=association, status="applied",
                              membership_type=MembershipTypeFactory(association=association))
        with count_queries() as counter:
            page = client.get("/associations/gn/applications")
        assert page.status_code == 200
        return counter.count, page.get_data(as_text=True).count("<tr>") - 1

    two, rows_two = statements(2)
    twelve, rows_twelve = statements(10)
    assert (rows_two, rows_twelve) == (2, 12)
    assert two == twelve
