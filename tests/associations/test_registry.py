"""Applying to register an association, the admins' decision, the list and the public page."""

from datetime import date

import pytest
import sqlalchemy as sa

from diaspora.associations.models import Association, Membership, MembershipType
from diaspora.core.models import OutboxMessage
from tests.associations.support import APPLICATION, fresh, officer_of, texts_to, world
from tests.factories import (
    AssociationFactory,
    MembershipFactory,
    MembershipTypeFactory,
    UserFactory,
    association_with_heritage,
)
from tests.helpers import audit_actions, is_ticked, link_in, row_count
from tests.mailserver import html_body


def _apply(forms, **changes):
    return forms.submit("/associations/new", {**APPLICATION, **changes})


def test_an_application_waits_for_the_admins_who_are_emailed(client, forms, login, db, smtp_server):
    admins = [UserFactory(admin=True, email=f"{name}@example.org") for name in ("ama", "kofi")]
    applicant = UserFactory(name="Abena Owusu")
    bystander = UserFactory()
    login(applicant)

    response = _apply(forms, heritage_countries=["GH", "NG"])

    assert response.status_code == 302  # a refresh of the next page sends nothing again
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your application is sent" in page
    association = db.session.scalar(sa.select(Association))
    assert association.status == Association.PENDING
    assert association.slug == "ghana-nurses-association-uk"
    assert association.applied_by_id == applicant.id
    assert association.heritage_countries == ["GH", "NG"]
    assert audit_actions(association) == ["association.applied"]
    for admin in admins:
        mail = smtp_server.last_to(admin.email)
        assert mail["Subject"] == "An association is waiting for approval: Ghana Nurses Association UK"
        assert "Abena Owusu" in texts_to(smtp_server, admin.email)[0]
        assert link_in(texts_to(smtp_server, admin.email)[0]) == f"/admin/associations/{association.slug}"
        assert "Approve or reject the application" in html_body(mail)
    assert smtp_server.to(bystander.email) == []
    # The applicant can see its page while it waits; nobody else but an admin can.
    own_page = client.get("/associations/ghana-nurses-association-uk").get_data(as_text=True)
    assert "waiting for approval" in own_page


def test_the_admin_approves_and_the_applicant_becomes_the_first_officer(client, forms, login, db,
                                                                         smtp_server):
    applicant = UserFactory(name="Abena Owusu", email="abena@example.org")
    association = AssociationFactory(name="Ghana Nurses UK", slug="ghana-nurses-uk", status="pending",
                                     applied_by=applicant)
    login(UserFactory(admin=True))

    review = client.get(f"/admin/associations/{association.slug}").get_data(as_text=True)
    assert "Approve Ghana Nurses UK" in review
    response = forms.submit(f"/admin/associations/{association.slug}",
                            {}, action=f"/admin/associations/{association.slug}/approve")
    assert response.status_code == 302

    association = fresh(association)
    assert association.status == Association.APPROVED and association.decided_at is not None
    officer = db.session.scalar(sa.select(Membership))
    assert (officer.user_id, officer.role, officer.status) == (applicant.id, "officer", "active")
    assert officer.renews_on is None and officer.joined_on is not None
    default = db.session.scalar(sa.select(MembershipType))
    assert (default.name, default.period_months, default.requires_approval) == ("Full member", 12, True)
    assert audit_actions(association) == ["association.approved"]
    assert audit_actions(officer) == ["membership.created"]

    mail = smtp_server.last_to("abena@example.org")
    assert mail["Subject"] == "Ghana Nurses UK is approved"
    text = texts_to(smtp_server, "abena@example.org")[0]
    assert "You are its first officer" in text
    assert link_in(text) == "/associations/ghana-nurses-uk"

    client.post("/logout", data={"csrf_token": _token(client)})
    login(applicant)
    page = client.get(link_in(text)).get_data(as_text=True)
    assert "Manage Ghana Nurses UK" in page


def _token(client):
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/dashboard", follow_redirects=True).get_data(as_text=True))


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Give a reason: it is sent to the applicant."),
    ("Too short", "Give a reason of at least 10 characters"),
])
def test_rejecting_needs_a_reason(client, forms, login, db, smtp_server, reason, message):
    association = AssociationFactory(status="pending", applied_by=UserFactory())
    login(UserFactory(admin=True))
    url = f"/admin/associations/{association.slug}"
    response = forms.submit(url, {"reason": reason}, action=url + "/reject")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="reason-error"' in page and message in page
    assert f"{reason}</textarea>" in page
    assert fresh(association).status == "pending"
    assert row_count(OutboxMessage) == 0


def test_a_rejection_is_emailed_with_its_reason(client, forms, login, db, smtp_server):
    applicant = UserFactory(email="kwame@example.org")
    association = AssociationFactory(name="Accra Doctors", status="pending", applied_by=applicant)
    login(UserFactory(admin=True))
    url = f"/admin/associations/{association.slug}"
    reason = "We could not find any trace of the association; please send its constitution."
    assert forms.submit(url, {"reason": reason}, action=url + "/reject").status_code == 302

    association = fresh(association)
    assert association.status == "rejected" and association.decision_reason == reason
    assert audit_actions(association) == ["association.rejected"]
    assert row_count(Membership) == 0
    text = texts_to(smtp_server, "kwame@example.org")[0]
    assert "was not approved" in text and reason in text


def test_an_application_is_decided_once(client, forms, login, db):
    association = AssociationFactory(name="Accra Doctors", status="approved", applied_by=UserFactory())
    login(UserFactory(admin=True))
    url = f"/admin/associations/{association.slug}"
    response = forms.submit(url, {}, action=url + "/approve", follow_redirects=True)
    assert "This application has already been decided." in response.get_data(as_text=True)
    assert row_count(MembershipType) == 0 and row_count(Membership) == 0


def test_the_review_list_puts_waiting_applications_first(client, login, db):
    AssociationFactory(name="Old Approved", status="approved")
    AssociationFactory(name="Waiting One", status="pending", applied_by=UserFactory(name="Esi Mensah"))
    AssociationFactory(name="Rejected One", status="rejected")
    login(UserFactory(admin=True))
    page = client.get("/admin/associations").get_data(as_text=True)
    assert page.index("Waiting One") < page.index("Old Approved")
    assert page.index("Waiting One") < page.index("Rejected One")
    assert "Esi Mensah" in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "Enter the name of the association."),
    ({"name": "n" * 201}, "name", "The name can be at most 200 characters."),
    ({"host_country": ""}, "host_country", "Choose the country where the association is based."),
    ({"host_country": "XX"}, "host_country", "Choose a country from the list."),
    ({"heritage_countries": []}, "heritage_countries", "Choose at least one heritage country."),
    ({"heritage_countries": ["GH", "ZZ"]}, "heritage_countries", "Choose countries from the list."),
    ({"description": ""}, "description", "Say in a few words what the association does."),
    ({"website": "ghana-nurses"}, "website", "Enter the full address of the website"),
    ({"website": "ftp://ghana-nurses.example.org"}, "website", "Enter the full address of the website"),
    ({"contact_email": ""}, "contact_email", "Enter an email address people can write to."),
    ({"contact_email": "hello-at-example"}, "contact_email", "Enter an email address in the right format"),
])
def test_bad_input_is_explained_beside_the_field_and_kept(forms, login, db, smtp_server, changes, field,
                                                          message):
    UserFactory(admin=True)
    login(UserFactory())
    response = _apply(forms, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert f'id="{field}-error"' in page and message in page
    if field != "name":
        assert 'value="Ghana Nurses Association UK"' in page
    if field != "description":
        assert APPLICATION["description"] in page
    if field != "heritage_countries":
        assert is_ticked(page, "heritage_countries", "GH")
    assert row_count(Association) == 0 and row_count(OutboxMessage) == 0
    assert smtp_server.messages == []


def test_a_name_in_use_is_refused_whatever_its_case(forms, login, db):
    AssociationFactory(name="Ghana Nurses Association UK", status="pending")
    login(UserFactory())
    response = _apply(forms, name="  GHANA nurses association uk ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error"' in page and "already registered or waiting for approval" in page
    assert row_count(Association) == 1


def test_the_name_of_a_rejected_association_can_be_used_again_with_a_new_slug(forms, login, db):
    AssociationFactory(name="Ghana Nurses Association UK", slug="ghana-nurses-association-uk",
                       status="rejected")
    login(UserFactory())
    assert _apply(forms).status_code == 302
    newest = db.session.scalar(sa.select(Association).order_by(Association.id.desc()))
    assert newest.slug == "ghana-nurses-association-uk-2"


def test_slugs_never_take_a_reserved_path(client, forms, login, db):
    login(UserFactory())
    assert _apply(forms, name="New").status_code == 302
    association = db.session.scalar(sa.select(Association))
    assert association.slug == "new-2"
    assert "Register an association" in client.get("/associations/new").get_data(as_text=True)
    assert client.get("/associations/new-2").status_code == 200


@pytest.mark.parametrize(("who", "status"), [("applicant", 200), ("admin", 200), ("other", 404)])
def test_a_pending_association_is_seen_only_by_its_applicant_and_admins(client, login, db, who, status):
    applicant = UserFactory()
    AssociationFactory(slug="waiting", status="pending", applied_by=applicant)
    user = {"applicant": applicant, "admin": UserFactory(admin=True), "other": UserFactory()}[who]
    login(user)
    assert client.get("/associations/waiting").status_code == status
    assert client.get("/associations/waiting/join").status_code in {403, 404}


def test_the_list_shows_approved_associations_searched_and_filtered(client, login, db):
    association_with_heritage("GH", name="Ghana Nurses UK", slug="gn", host_country="GB")
    association_with_heritage("NG", "GH", name="West African Doctors Ireland", slug="wad", host_country="IE")
    association_with_heritage("ZW", name="Zimbabwe Health Workers UK", slug="zhw", host_country="GB")
    AssociationFactory(name="Ghana Pending Pharmacists", status="pending")
    login(UserFactory())

    def names(query=""):
        page = client.get("/associations" + query).get_data(as_text=True)
        return [n for n in ("Ghana Nurses UK", "West African Doctors Ireland", "Zimbabwe Health Workers UK",
                            "Ghana Pending Pharmacists") if n in page]

    assert names() == ["Ghana Nurses UK", "West African Doctors Ireland", "Zimbabwe Health Workers UK"]
    assert names("?q=ghana") == ["Ghana Nurses UK"]
    assert names("?host=GB") == ["Ghana Nurses UK", "Zimbabwe Health Workers UK"]
    assert names("?heritage=GH") == ["Ghana Nurses UK", "West African Doctors Ireland"]
    assert names("?heritage=GH&host=IE") == ["West African Doctors Ireland"]
    page = client.get("/associations?q=nothing-like-this").get_data(as_text=True)
    assert "No association matches your search" in page
    listed = client.get("/associations?heritage=ZW").get_data(as_text=True)
    assert 'href="/associations/zhw"' in listed and "Zimbabwe" in listed and "United Kingdom" in listed


def test_the_list_is_paginated_and_keeps_its_filters(client, login, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    for number in range(5):
        association_with_heritage("GH", name=f"Ghana Association {number}", slug=f"ga-{number}")
    login(UserFactory())
    first = client.get("/associations?heritage=GH").get_data(as_text=True)
    assert "Ghana Association 0" in first and "Ghana Association 2" not in first
    assert 'rel="prev"' not in first
    second_link = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "heritage=GH" in second_link
    second = client.get(second_link).get_data(as_text=True)
    assert "Ghana Association 2" in second and "Ghana Association 0" not in second
    third = client.get(second.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&"))
    third = third.get_data(as_text=True)
    assert "Ghana Association 4" in third and 'rel="next"' not in third
    back = client.get(third.split('rel="prev" href="')[1].split('"')[0].replace("&amp;", "&"))
    assert "Ghana Association 2" in back.get_data(as_text=True)


def test_the_list_runs_the_same_statements_for_2_or_12_associations(client, login, db, count_queries):
    login(UserFactory())

    def statements(rows):
        for number in range(rows):
            association_with_heritage("GH", "NG", name=f"Association {rows}-{number:02}",
                                      slug=f"a-{rows}-{number}")
        with count_queries() as counter:
            page = client.get("/associations")
        assert page.status_code == 200 and f"Association {rows}-{rows - 1:02}" in page.get_data(as_text=True)
        return counter.count

    assert statements(2) == statements(10)


def test_the_public_page_shows_details_types_and_active_members(client, login, db):
    association = association_with_heritage("GH", "TG", name="Ghana Nurses UK", slug="gn",
                                            description="Nurses who give back.",
                                            website="https://gn.example.org",
                                            contact_email="hi@gn.example.org")
    MembershipTypeFactory(association=association, name="Full member", period_months=12)
    MembershipTypeFactory(association=association, name="Life member", period_months=None,
                          requires_approval=False)
    MembershipTypeFactory(association=association, name="Closed type", active=False)
    MembershipFactory.create_batch(3, association=association)
    MembershipFactory(association=association, status="lapsed")
    MembershipFactory(association=association, status="applied")
    login(UserFactory())
    page = client.get("/associations/gn").get_data(as_text=True)
    for words in ("Ghana Nurses UK", "Nurses who give back.", "United Kingdom", "Ghana", "Togo",
                  "https://gn.example.org", "hi@gn.example.org", "Full member", "12 months", "Life member",
                  "No expiry", "An officer approves each application", "You join at once", "Apply to join"):
        assert words in page, words
    assert "<dt>Active members</dt><dd>3</dd>" in page
    assert "Closed type" not in page
    assert "Manage" not in page


def test_the_public_page_shows_my_own_membership(client, login, db):
    membership = MembershipFactory(association__slug="gn", association__name="Ghana Nurses UK",
                                   renews_on=date(2027, 3, 3))
    login(membership.user)
    page = client.get("/associations/gn").get_data(as_text=True)
    assert "You are a member of Ghana Nurses UK" in page
    assert "Your membership renews on 3 March 2027." in page
    assert "Apply to join" not in page


def test_an_officer_sees_the_manage_link_and_another_associations_officer_does_not(client, login, db):
    mine = AssociationFactory(slug="mine", name="Mine")
    AssociationFactory(slug="theirs", name="Theirs")
    login(officer_of(mine))
    assert "Manage Mine" in client.get("/associations/mine").get_data(as_text=True)
    theirs = client.get("/associations/theirs")
    assert theirs.status_code == 200 and "Manage Theirs" not in theirs.get_data(as_text=True)
    assert client.get("/associations/theirs/manage").status_code == 403
    assert client.get("/associations/no-such-association").status_code == 404


def test_an_officer_edits_the_details(client, forms, login, db):
    w = world()
    login(w.officer)
    response = forms.submit("/associations/ghana-nurses-uk/edit", {
        **APPLICATION, "name": "Ghana Nurses and Midwives UK", "heritage_countries": ["GH", "TG"],
        "version": str(w.mine.version),
    })
    assert response.status_code == 302
    association = fresh(w.mine)
    assert association.name == "Ghana Nurses and Midwives UK"
    assert association.heritage_countries == ["GH", "TG"]
    assert association.slug == "ghana-nurses-uk"  # links keep working
    assert audit_actions(association) == ["association.updated"]


def test_an_edit_after_someone_elses_keeps_what_was_typed_and_says_so(client, forms, login, db):
    w = world()
    login(w.officer)
    form_page = client.get("/associations/ghana-nurses-uk/edit").get_data(as_text=True)
    shown_version = str(w.mine.version)
    assert f'name="version" type="hidden" value="{shown_version}"' in form_page

    w.mine.description = "Changed by another officer meanwhile."  # another officer saves first
    db.session.commit()

    typed = {**APPLICATION, "name": "My New Name", "version": shown_version}
    response = forms.submit("/associations/ghana-nurses-uk/edit", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Someone saved a change first" in page
    assert 'value="My New Name"' in page
    assert "Changed by another officer meanwhile." in page  # what is saved now
    assert fresh(w.mine).name == "Ghana Nurses UK"

    # Having seen it, they save again (the form now carries the current version).
    new_version = str(fresh(w.mine).version)
    assert f'value="{new_version}"' in page
    again = forms.submit("/associations/ghana-nurses-uk/edit", {**typed, "version": new_version})
    assert again.status_code == 302
    assert fresh(w.mine).name == "My New Name"


def test_an_edit_may_not_take_another_associations_name(forms, login, db):
    w = world()
    login(w.officer)
    response = forms.submit("/associations/ghana-nurses-uk/edit", {
        **APPLICATION, "name": "nigerian doctors ireland", "version": str(w.mine.version)})
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
