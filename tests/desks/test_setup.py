"""Platform admins set desks up: the country, ministry and topics each takes (a topic another
desk of the country takes is refused beside the field), target times, a version check on edit;
deactivating; officers added by email (an account at once, an unknown address by invitation)."""

import re

import pytest
import sqlalchemy as sa

from diaspora.desks.models import ANY_TOPIC, Desk, DeskOfficer
from diaspora.desks.submissions import routing
from diaspora.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import DeskFactory, UserFactory
from tests.helpers import audit_actions, link_in
from tests.mailserver import html_body, text_body

GOOD = {"country": "GH", "ministry": "Ministry of Health", "name": "Ghana Diaspora Desk",
        "contact_email": "desk@moh.gov.gh", "topics": ["barrier_report", "policy_input"],
        "acknowledgement_days": "5", "answer_days": "20"}


@pytest.fixture
def admin(db):
    user = UserFactory(admin=True, name="Ada Admin")
    db.session.commit()
    return user


def version_on(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def test_an_admin_sets_up_a_desk_then_changes_it(client, forms, login, admin):
    login(admin)
    created = forms.submit("/admin/desks/new", GOOD)
    assert created.status_code == 302, created.get_data(as_text=True)
    desk = db.session.scalars(sa.select(Desk)).one()
    assert (desk.country, desk.name, desk.acknowledgement_days, desk.answer_days) == ("GH", "Ghana Diaspora Desk",
                                                                                     5, 20)
    assert desk.topics == ["barrier_report", "policy_input"]
    assert routing.desk_for("GH", "policy_input").id == desk.id
    assert routing.desk_for("GH", "offer_of_support") is None
    assert "Ghana Diaspora Desk" in client.get("/admin/desks").get_data(as_text=True)

    edit = f"/admin/desks/{desk.id}/edit"
    shown = client.get(edit).get_data(as_text=True)
    changed = forms.submit(edit, {**GOOD, "topics": [ANY_TOPIC], "answer_days": "25",
                                  "version": version_on(shown)})
    assert changed.status_code == 302
    db.session.expire_all()
    desk = db.session.get(Desk, desk.id)
    assert desk.topics == [ANY_TOPIC] and desk.answer_days == 25
    assert routing.desk_for("GH", "offer_of_support").id == desk.id

    stale = forms.submit(edit, {**GOOD, "name": "Typed over a stale page", "version": version_on(shown)})
    assert stale.status_code == 422
    page = stale.get_data(as_text=True)
    assert "Someone saved a change first" in page and "Typed over a stale page" in page
    db.session.expire_all()
    assert db.session.get(Desk, desk.id).name == "Ghana Diaspora Desk"
    assert audit_actions(desk) == ["desk.created", "desk.changed"]


def test_a_topic_another_desk_of_the_country_takes_is_refused_beside_the_field(client, forms, login, admin):
    DeskFactory(country="GH", name="Policy Unit", topics=["policy_input"])
    DeskFactory(country="NG", name="Nigeria Desk", topics=["barrier_report"])  # another country: no clash
    db.session.commit()
    login(admin)
    refused = forms.submit("/admin/desks/new", GOOD)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="topics-error"' in page and "already goes to the desk “Policy Unit”" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Desk)) == 2
    accepted = forms.submit("/admin/desks/new", {**GOOD, "topics": ["barrier_report"]})
    assert accepted.status_code == 302


def test_only_admins_reach_the_desk_pages(client, login, db):
    desk = DeskFactory(country="GH")
    officer = DeskOfficer(desk_id=desk.id, user_id=UserFactory().id)
    db.session.add(officer)
    db.session.commit()
    login(db.session.get(DeskOfficer, officer.id).user)  # even the desk's own officer
    for url in ("/admin/desks", "/admin/desks/new", f"/admin/desks/{desk.id}", f"/admin/desks/{desk.id}/edit",
                "/admin/desks/unrouted"):
        assert client.get(url).status_code == 403, url


def test_deactivating_a_desk(client, login, admin):
    desk = DeskFactory(country="GH", name="Ghana Desk")
    db.session.commit()
    login(admin)
    page = client.get(f"/admin/desks/{desk.id}").get_data(as_text=True)
    done = client.post(f"/admin/desks/{desk.id}/deactivate", data={"csrf_token": csrf_token_from(page)},
                       follow_redirects=True)
    assert "This desk is inactive" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Desk, desk.id).active is False
    assert routing.desk_for("GH", "barrier_report") is None
    client.post(f"/admin/desks/{desk.id}/reactivate", data={"csrf_token": csrf_token_from(page)})
    db.session.expire_all()
    assert routing.desk_for("GH", "barrier_report").id == desk.id
    assert audit_actions(desk)[-2:] == ["desk.deactivated", "desk.reactivated"]


def test_an_existing_account_is_added_and_told_and_may_work_several_desks(client, forms, login, smtp_server,
                                                                           admin):
    ghana, nigeria = DeskFactory(country="GH", name="Ghana Desk"), DeskFactory(country="NG", name="Nigeria Desk")
    person = UserFactory(name="Kwame Mensah", email="kwame@moh.gov.gh", locale="fr")
    db.session.commit()
    login(admin)
    for desk in (ghana, nigeria):
        added = forms.submit(f"/admin/desks/{desk.id}", {"email": "Kwame@MOH.gov.gh"},
                             action=f"/admin/desks/{desk.id}/officers")
        assert added.status_code == 302, added.get_data(as_text=True)
    mails = smtp_server.to("kwame@moh.gov.gh")
    assert len(mails) == 2 and "Ghana Desk" in text_body(mails[0])
    assert 'lang="fr"' in html_body(mails[0])  # in the officer's language
    desks = db.session.scalars(sa.select(DeskOfficer.desk_id).where(DeskOfficer.user_id == person.id)).all()
    assert sorted(desks) == sorted([ghana.id, nigeria.id])
    assert "Kwame Mensah" in client.get(f"/admin/desks/{ghana.id}").get_data(as_text=True)

    twice = forms.submit(f"/admin/desks/{ghana.id}", {"email": "kwame@moh.gov.gh"},
                         action=f"/admin/desks/{ghana.id}/officers")
    assert twice.status_code == 422 and "already an officer" in twice.get_data(as_text=True)

    removed = forms.submit(f"/admin/desks/{ghana.id}", {"user_id": str(person.id)},
                           action=f"/admin/desks/{ghana.id}/officers/remove")
    assert removed.status_code == 302
    desks = db.session.scalars(sa.select(DeskOfficer.desk_id).where(DeskOfficer.user_id == person.id)).all()
    assert desks == [nigeria.id]
    assert "Kwame Mensah" not in client.get(f"/admin/desks/{ghana.id}").get_data(as_text=True)


def test_an_unknown_address_is_invited_and_joins_once_registered(app, client, forms, login, smtp_server, admin):
    desk = DeskFactory(country="GH", name="Ghana Desk")
    db.session.commit()
    login(admin)
    invited = forms.submit(f"/admin/desks/{desk.id}", {"email": "new.officer@moh.gov.gh"},
                           action=f"/admin/desks/{desk.id}/officers", follow_redirects=True)
    assert "we have emailed an invitation" in invited.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeskOfficer)) == 0
    body = text_body(smtp_server.last_to("new.officer@moh.gov.gh"))
    assert "http://localhost/register" in body
    join_link = link_in(body[body.index("3."):])
    assert join_link.startswith("/desks/join/")

    someone_else = UserFactory(email="someone@example.org")
    db.session.commit()
    other = app.test_client()
    from tests.conftest import log_in_session

    log_in_session(other, someone_else)
    page = other.get(join_link)
    assert page.status_code == 400 and "for another email address" in page.get_data(as_text=True)

    registered = UserFactory(email="new.officer@moh.gov.gh", name="New Officer")
    db.session.commit()
    mine = app.test_client()
    log_in_session(mine, registered)
    page = mine.get(join_link).get_data(as_text=True)
    assert "Ghana Desk" in page
    joined = mine.post(join_link, data={"csrf_token": csrf_token_from(page)})
    assert joined.status_code == 302
    assert db.session.scalar(sa.select(DeskOfficer.user_id).where(DeskOfficer.desk_id == desk.id)) == registered.id
    assert mine.get("/desks/join/not-a-real-token").status_code == 400
