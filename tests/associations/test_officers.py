"""Officers' pages: who may reach them, membership types, and what officers do to memberships."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.associations.memberships import add_months
from diaspora.associations.models import MembershipType
from diaspora.core import access
from diaspora.core.models import AuditEvent, OutboxMessage
from diaspora.core.time import long_date, today
from tests.associations.support import fresh, texts_to, world
from tests.conftest import csrf_token_from
from tests.factories import MembershipFactory, MembershipTypeFactory
from tests.helpers import audit_actions, row_count, stats_on

MANAGING = {"association": "manage", "membership": "manage", "membership_type": "manage", "member_import": "manage"}


def officer_routes(app) -> list:
    """Every page that manages an association, found from what each view loads (the API's routes,
    which take a token and not the session, are tried with tokens by the access matrix)."""
    found = []
    for rule in app.url_map.iter_rules():
        if access.declared_rule(app.view_functions[rule.endpoint]) == "token":
            continue
        loads = getattr(app.view_functions[rule.endpoint], "loads", {})
        if loads and all(MANAGING.get(kind) == action for kind, action in loads.items()):
            found.extend((rule, method) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return found


def _path(app, rule, w) -> str:
    values = {"slug": w.mine.slug, "membership_id": w.member_membership.id, "type_id": w.type.id,
              "import_id": 999999, "action": "suspend"}
    return app.url_map.bind("localhost").build(rule.endpoint, {k: values[k] for k in rule.arguments},
                                               method=next(iter(rule.methods - {"HEAD", "OPTIONS"})))


def test_the_officer_routes_are_found(app):
    assert len(officer_routes(app)) > 20


@pytest.mark.parametrize("who", ["member", "applicant"])
def test_an_associations_own_members_cannot_manage_it(app, client, login, db, who):
    """The suite-wide matrix covers everyone outside an association; here, its own members."""
    w = world()
    login(w.member if who == "member" else w.applicant_membership.user)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    audit_before = row_count(AuditEvent)
    for rule, method in officer_routes(app):
        response = client.open(_path(app, rule, w), method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, rule.rule)
    assert row_count(AuditEvent) == audit_before and row_count(OutboxMessage) == 0
    assert fresh(w.member_membership).status == "active"


def test_the_officer_opens_every_page_of_their_association(app, client, login, db):
    w = world()
    login(w.officer)
    for rule, method in officer_routes(app):
        if method == "GET" and "import_id" not in rule.arguments:
            assert client.get(_path(app, rule, w)).status_code == 200, rule.rule


def test_a_pending_or_unknown_association_has_no_officer_pages(client, login, db):
    w = world()
    MembershipFactory(association=w.pending, officer=True, user=w.officer)
    login(w.officer)
    assert client.get(f"/associations/{w.pending.slug}/manage").status_code == 403
    assert client.get("/associations/no-such-association/manage").status_code == 404


def test_another_associations_records_are_not_found_through_your_own(client, login, db):
    w = world()
    login(w.other_officer)
    for path in (f"/associations/{w.theirs.slug}/members/{w.member_membership.id}",
                 f"/associations/{w.theirs.slug}/types/{w.type.id}/edit"):
        assert client.get(path).status_code == 404


def test_the_overview_counts_memberships_by_status(client, login, db, count_queries):
    w = world()
    MembershipFactory.create_batch(2, association=w.mine, status="lapsed")
    MembershipFactory(association=w.mine, status="suspended")
    MembershipFactory.create_batch(4, association=w.theirs)
    login(w.officer)
    page = client.get("/associations/ghana-nurses-uk/manage").get_data(as_text=True)
    tiles = stats_on(page)
    assert tiles["active"] == "2"  # the officer and the member
    assert tiles["applications to review"] == "1"
    assert tiles["lapsed"] == "2" and tiles["suspended"] == "1"


# ---------------------------------------------------------------------------- membership types


def test_an_officer_adds_and_changes_membership_types(client, forms, login, db):
    w = world()
    login(w.officer)
    new = "/associations/ghana-nurses-uk/types/new"
    assert forms.submit(new, {"name": "Student", "period_months": "6", "active": "y"}).status_code == 302
    assert forms.submit(new, {"name": "Life", "no_expiry": "y", "requires_approval": "y",
                              "active": "y"}).status_code == 302
    page = client.get("/associations/ghana-nurses-uk/types").get_data(as_text=True)
    assert "Student" in page and "6 months" in page and "Life" in page and "No expiry" in page

    student = db.session.scalar(sa.select(MembershipType).where(MembershipType.name == "Student"))
    assert (student.period_months, student.requires_approval, student.active) == (6, False, True)
    assert audit_actions(student) == ["membership_type.created"]

    edit = f"/associations/ghana-nurses-uk/types/{student.id}/edit"
    assert 'value="6"' in client.get(edit).get_data(as_text=True)
    assert forms.submit(edit, {"name": "Student member", "no_expiry": "y"}).status_code == 302
    student = fresh(student)
    assert (student.name, student.period_months, student.active) == ("Student member", None, False)
    assert audit_actions(student) == ["membership_type.created", "membership_type.updated"]
    assert 'checked id="no_expiry"' in client.get(edit).get_data(as_text=True)
    # A closed type is no longer offered to people applying.
    client.post("/logout", data={"csrf_token": _token(client)})
    login(w.outsider)
    assert "Student member" not in client.get("/associations/ghana-nurses-uk/join").get_data(as_text=True)


def _token(client):
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/dashboard").get_data(as_text=True))


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": ""}, "name", "Enter a name for the membership type."),
    ({"name": "full MEMBER"}, "name", "already has a membership type with this name"),
    ({"period_months": ""}, "period_months", "Enter the period in months, or tick “No expiry”."),
    ({"period_months": "0"}, "period_months", "Enter a period from 1 to 120 months."),
    ({"period_months": "121"}, "period_months", "Enter a period from 1 to 120 months."),
    ({"period_months": "twelve"}, "period_months", "Enter the period as a whole number of months, like 12."),
    ({"no_expiry": "y"}, "period_months", "Leave the period empty for a membership that does not expire."),
])
def test_a_wrong_type_is_explained_beside_the_field_and_kept(forms, login, db, data, field, message):
    w = world()
    login(w.officer)
    typed = {"name": "Associate", "period_months": "24", "active": "y", **data}
    response = forms.submit("/associations/ghana-nurses-uk/types/new", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    if typed["name"]:
        assert f'value="{typed["name"]}"' in page
    if typed["period_months"] and field != "period_months":
        assert f'value="{typed["period_months"]}"' in page
    assert row_count(MembershipType) == 1  # only the world's own


def test_a_type_keeps_its_own_name_when_edited(forms, login, db):
    w = world()
    login(w.officer)
    edit = f"/associations/ghana-nurses-uk/types/{w.type.id}/edit"
    response = forms.submit(edit, {"name": "Full Member", "period_months": "24", "active": "y"})
    assert response.status_code == 302
    assert fresh(w.type).period_months == 24 and fresh(w.type).name == "Full Member"


# ---------------------------------------------------------------------------- membership actions


def _act(forms, w, membership, action, **kwargs):
    page = f"/associations/{membership.association.slug}/members/{membership.id}"
    return forms.submit(page, {}, action=f"{page}/{action}", follow_redirects=True, **kwargs)


def test_the_membership_page_shows_the_person_and_their_dates(client, login, db):
    w = world()
    member = w.member_membership
    member.renews_on = today() + timedelta(days=40)
    db.session.commit()
    login(w.officer)
    page = client.get(f"/associations/ghana-nurses-uk/members/{member.id}").get_data(as_text=True)
    for words in (member.user.name, member.user.email, "Full member (12 months)", "Active", "Member",
                  long_date(member.joined_on), long_date(member.renews_on), "Make an officer", "Suspend",
                  "End the membership", "Renew for 12 months"):
        assert words in page, words


def test_promote_and_demote(client, forms, login, db):
    w = world()
    login(w.officer)
    page = _act(forms, w, w.member_membership, "promote").get_data(as_text=True)
    assert f"{w.member.name} is now an officer." in page
    assert fresh(w.member_membership).role == "officer"
    page = _act(forms, w, w.member_membership, "demote").get_data(as_text=True)
    assert "is now a member, no longer an officer" in page
    assert fresh(w.member_membership).role == "member"
    assert audit_actions(w.member_membership) == ["membership.promoted", "membership.demoted"]


@pytest.mark.parametrize("action", ["demote", "suspend", "end"])
def test_the_last_active_officer_cannot_be_removed(client, forms, login, db, smtp_server, action):
    w = world()
    MembershipFactory(association=w.mine, officer=True, status="suspended")  # not an active officer
    login(w.officer)
    page = _act(forms, w, w.officer_membership, action).get_data(as_text=True)
    assert f"{w.officer.name} is the only active officer of Ghana Nurses UK" in page
    assert "an association always needs one" in page
    kept = fresh(w.officer_membership)
    assert (kept.role, kept.status) == ("officer", "active")
    assert audit_actions(kept) == [] and smtp_server.messages == []


@pytest.mark.parametrize("action", ["demote", "suspend", "end"])
def test_an_officer_can_step_down_when_another_remains(client, forms, login, db, action):
    w = world()
    MembershipFactory(association=w.mine, officer=True)
    login(w.officer)
    response = _act(forms, w, w.officer_membership, action)
    assert response.status_code == 200
    assert response.request.path == "/associations/ghana-nurses-uk"  # no longer an officer's page
    assert not fresh(w.officer_membership).is_officer
    assert client.get("/associations/ghana-nurses-uk/manage").status_code == 403


def test_suspend_reinstate_and_end_tell_the_member(client, forms, login, db, smtp_server):
    w = world()
    member = w.member_membership
    login(w.officer)
    assert "membership is suspended" in _act(forms, w, member, "suspend").get_data(as_text=True)
    assert fresh(member).status == "suspended"
    told = texts_to(smtp_server, w.member.email)
    assert "Your membership of Ghana Nurses UK has been suspended" in told[-1]
    assert "is active again" in _act(forms, w, member, "reinstate").get_data(as_text=True)
    assert fresh(member).status == "active"
    assert "membership has ended" in _act(forms, w, member, "end").get_data(as_text=True)
    assert fresh(member).status == "left"
    assert "Your membership of Ghana Nurses UK has ended" in texts_to(smtp_server, w.member.email)[-1]
    assert len(smtp_server.to(w.member.email)) == 2
    assert audit_actions(member) == ["membership.suspended", "membership.reinstated", "membership.ended"]


@pytest.mark.parametrize(("status", "renews_in_days", "expected_from"), [
    ("active", 10, "renews_on"),   # early renewal: a full period after the current date
    ("active", None, "today"),
    ("lapsed", -20, "today"),      # a lapsed membership restarts from today
])
def test_renew_moves_the_date_on_by_one_period(client, forms, login, db, smtp_server, status, renews_in_days,
                                               expected_from):
    w = world()
    member = w.member_membership
    member.status = status
    member.renews_on = today() + timedelta(days=renews_in_days) if renews_in_days is not None else None
    member.reminder_sent_for = member.renews_on
    db.session.commit()
    start = member.renews_on if expected_from == "renews_on" else today()
    login(w.officer)
    page = _act(forms, w, member, "renew").get_data(as_text=True)
    expected = add_months(start, 12)
    assert f"now renews on {long_date(expected)}" in page
    renewed = fresh(member)
    assert (renewed.status, renewed.renews_on, renewed.reminder_sent_for) == ("active", expected, None)
    assert f"It now renews on {long_date(expected)}." in texts_to(smtp_server, w.member.email)[-1]
    assert audit_actions(renewed) == ["membership.renewed"]


@pytest.mark.parametrize(("setup", "action", "message"), [
    ({"status": "lapsed"}, "suspend", "Only an active membership can be suspended."),
    ({"status": "active"}, "reinstate", "Only a suspended membership can be reinstated."),
    ({"status": "left"}, "end", "Only an active, lapsed or suspended membership can be ended."),
    ({"status": "suspended"}, "renew", "Only an active or lapsed membership can be renewed."),
    ({"status": "lapsed"}, "promote", "Only an active member can be made an officer."),
    ({"role": "officer"}, "promote", "is already an officer."),
    ({}, "demote", "is not an officer."),
    ({"membership_type": "no expiry"}, "renew", "This membership does not expire, so it needs no renewal."),
])
def test_an_action_that_does_not_fit_is_refused_with_a_reason(client, forms, login, db, smtp_server, setup,
                                                             action, message):
    w = world()
    member = w.member_membership
    if setup.pop("membership_type", None):
        member.membership_type = MembershipTypeFactory(association=w.mine, period_months=None)
    for field, value in setup.items():
        setattr(member, field, value)
    db.session.commit()
    before = (member.status, member.role, member.renews_on)
    login(w.officer)
    assert message in _act(forms, w, member, action).get_data(as_text=True)
    after = fresh(member)
    assert (after.status, after.role, after.renews_on) == before
    assert audit_actions(after) == [] and smtp_server.messages == []


def test_an_officer_of_two_associations_acts_only_through_the_right_one(client, forms, login, db):
    w = world()
    MembershipFactory(association=w.theirs, officer=True, user=w.officer)
    login(w.officer)
    # The member of "mine" cannot be reached through "theirs", even by an officer of both.
    wrong = f"/associations/{w.theirs.slug}/members/{w.member_membership.id}"
    assert client.get(wrong).status_code == 404
    assert client.get(f"/associations/{w.mine.slug}/members/{w.member_membership.id}").status_code == 200


def test_a_plain_member_of_an_approved_association_sees_no_officer_link(client, login, db):
    w = world()
    login(w.member)
    assert "Manage" not in client.get("/associations/ghana-nurses-uk").get_data(as_text=True)
