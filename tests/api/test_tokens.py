"""Access tokens, as their owners, officers and admins meet them: made on a page and shown once,
kept only as a hash, with a recognisable prefix, their last use and its address, revoked in one
click; stopped by expiry, by deleting the account and by losing a role; a service token acts
for its association or desk only, and the audit trail names it."""

import hashlib
import html
import re
from datetime import timedelta

import sqlalchemy as sa

from diaspora.api.models import ApiToken
from diaspora.associations import memberships
from diaspora.associations.models import Membership
from diaspora.auth import two_factor
from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution
from diaspora.core.models import AuditEvent
from diaspora.core.time import today
from diaspora.desks.setup import setup
from diaspora.desks.submissions import submissions
from diaspora.extensions import db
from tests.api.support import READ_SCOPES, bearer, personal_token, service_token
from tests.contributions.samples import values
from tests.factories import DEFAULT_PASSWORD, DeskFactory, DeskOfficerFactory, MembershipFactory, UserFactory

SECRET = re.compile(r"dhn_[A-Za-z0-9_-]{43}")


def _text(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def _sent(member, association, title="Neonatal training") -> Contribution:
    made = logbook.log(member, values(title))
    logbook.submit(member, made, association)
    db.session.commit()
    return made


def test_a_token_is_shown_once_with_its_prefix_and_kept_only_as_its_hash(client, forms, login):
    member = UserFactory()
    login(member)
    response = forms.submit("/account/tokens", {"name": "My CRM", "scopes": ["contributions:read"],
                                                "expires_on": (today() + timedelta(days=30)).isoformat()})
    assert response.status_code == 200
    secret = SECRET.search(response.get_data(as_text=True)).group(0)
    assert "it will not be shown again" in _text(response)
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = db.session.execute(sa.select(ApiToken.__table__)).one()
    assert secret not in " ".join(str(value) for value in row)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in page and stored.prefix in page and secret.startswith(stored.prefix)
    assert client.get("/api/v1/contributions", headers=bearer(secret)).status_code == 200


def test_the_page_says_when_and_from_where_a_token_was_last_used(app, client, login):
    member = UserFactory()
    secret = personal_token(member)
    app.test_client().get("/api/v1/me", headers=bearer(secret), environ_base={"REMOTE_ADDR": "198.51.100.23"})
    login(member)
    page = _text(client.get("/account/tokens"))
    assert "from 198.51.100.23" in page and "Never used" not in page


def test_its_owner_revokes_it_in_one_click(app, client, login):
    member = UserFactory()
    secret = personal_token(member, name="Old script")
    login(member)
    token = db.session.scalar(sa.select(ApiToken))
    page = client.get("/account/tokens").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    response = client.post(f"/tokens/{token.id}/revoke", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    answer = app.test_client().get("/api/v1/me", headers=bearer(secret))
    assert answer.status_code == 401 and 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert "Revoked" in _text(client.get("/account/tokens"))


def test_an_expired_token_stops_working(app):
    member = UserFactory()
    secret = personal_token(member)
    db.session.execute(sa.update(ApiToken).values(expires_on=today() - timedelta(days=1)))
    db.session.commit()
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_role_that_requires_two_factor_sign_in_needs_it_to_make_a_token(forms, login):
    desk_officer = DeskOfficerFactory().user
    login(desk_officer)
    response = forms.submit("/account/tokens", {"name": "Case export", "scopes": ["desks:read"],
                                                "expires_on": (today() + timedelta(days=5)).isoformat()})
    assert response.status_code == 422
    assert "Your role requires two-factor sign-in: turn it on before you make a token." in _text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_a_token_stops_working_while_its_owners_role_needs_a_second_factor_they_turned_off(app):
    admin = UserFactory(admin=True)
    secret = personal_token(admin, READ_SCOPES)
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    two_factor.reset_by_admin(UserFactory(admin=True), admin, "Lost phone")
    db.session.commit()
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_deleting_the_account_kills_its_tokens(app, forms, login):
    member = UserFactory()
    secret = personal_token(member)
    login(member)
    response = forms.submit("/account/delete", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_an_officer_who_steps_down_loses_their_tokens(app):
    """Made as an officer, a token stops working once its owner is no longer one, even for what
    a member may do: the role is checked again on every call."""
    officer_membership = MembershipFactory(officer=True)
    association = officer_membership.association
    MembershipFactory(association=association, officer=True)  # another officer, so one may step down
    member = MembershipFactory(association=association).user
    secret = personal_token(officer_membership.user)
    contribution = _sent(member, association)
    client = app.test_client()
    assert client.get(f"/api/v1/associations/{association.slug}/verification",
                      headers=bearer(secret)).status_code == 200
    memberships.demote(db.session.get(Membership, officer_membership.id), officer_membership.user)
    db.session.commit()
    for path in (f"/api/v1/associations/{association.slug}/verification", "/api/v1/me",
                 f"/api/v1/contributions/{contribution.id}"):
        assert client.get(path, headers=bearer(secret)).status_code == 401, path


def test_a_desk_officer_removed_from_the_desk_loses_their_tokens(app):
    desk = DeskFactory(country="NG")
    officer = DeskOfficerFactory(desk=desk).user
    secret = personal_token(officer)
    client = app.test_client()
    assert client.get(f"/api/v1/desks/{desk.id}/queue", headers=bearer(secret)).status_code == 200
    setup.remove_officer(UserFactory(admin=True), desk, officer.id)
    db.session.commit()
    assert client.get(f"/api/v1/desks/{desk.id}/queue", headers=bearer(secret)).status_code == 401


def test_a_read_only_token_cannot_write(app):
    member = MembershipFactory().user
    secret = personal_token(member, READ_SCOPES)
    response = app.test_client().post("/api/v1/contributions", headers=bearer(secret), json=dict(
        kind="training", title="Refused", starts_on=today().isoformat()))
    assert response.status_code == 403
    assert 'error="insufficient_scope", scope="contributions:write"' in response.headers["WWW-Authenticate"]
    assert response.get_json()["type"].endswith("#problem-insufficient-scope")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 0


def test_neither_the_session_cookie_nor_a_key_in_the_query_string_authenticates_the_api(app, client, login):
    member = UserFactory()
    secret = personal_token(member)
    login(member)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get(f"/api/v1/me?access_token={secret}").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Token {secret}"}).status_code == 401


def test_a_service_token_acts_for_its_association_and_nothing_else(app):
    association = MembershipFactory(officer=True).association
    officer = db.session.scalar(sa.select(Membership).where(Membership.association_id == association.id)).user
    member = MembershipFactory(association=association).user
    other = MembershipFactory(officer=True).association
    elsewhere = _sent(MembershipFactory(association=other).user, other)
    mine = _sent(member, association)
    secret = service_token(officer, association=association, name="CRM sync")
    client = app.test_client()
    queue = client.get(f"/api/v1/associations/{association.slug}/verification", headers=bearer(secret))
    assert queue.status_code == 200 and [item["id"] for item in queue.get_json()["items"]] == [mine.id]
    assert client.get(f"/api/v1/associations/{other.slug}/verification", headers=bearer(secret)).status_code == 403
    assert client.post(f"/api/v1/contributions/{elsewhere.id}/verify", headers=bearer(secret)).status_code == 404
    # a person's own things are no service's
    assert client.get("/api/v1/contributions", headers=bearer(secret)).status_code == 403
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 403
    verified = client.post(f"/api/v1/contributions/{mine.id}/verify", headers=bearer(secret))
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    db.session.expire_all()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "contribution.verify"))
    token = db.session.scalar(sa.select(ApiToken))
    assert event.actor_id == token.principal_id and token.principal.name == "CRM sync"
    assert db.session.get(Contribution, mine.id).verified_by.name == "CRM sync"


def test_every_officer_of_the_association_sees_and_revokes_its_tokens_and_a_member_does_not(app, forms, login):
    first = MembershipFactory(officer=True)
    association = first.association
    second = MembershipFactory(association=association, officer=True).user
    member = MembershipFactory(association=association).user
    secret = service_token(first.user, association=association, name="Membership database")
    login(member)
    assert forms.client.get(f"/associations/{association.slug}/tokens").status_code == 403
    login(second)
    page = _text(forms.client.get(f"/associations/{association.slug}/tokens"))
    assert "Membership database" in page and first.user.name in page
    token = db.session.scalar(sa.select(ApiToken))
    response = forms.submit(f"/associations/{association.slug}/tokens", {}, action=f"/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert app.test_client().get(f"/api/v1/associations/{association.slug}/verification",
                                 headers=bearer(secret)).status_code == 401


def test_a_desk_service_token_replies_in_its_own_name(app):
    desk = DeskFactory(country="NG", topics=["barrier_report"])
    officer = DeskOfficerFactory(desk=desk).user
    two_factor.enrol_for_demo(officer)
    submitter = UserFactory()
    sent = submissions.send(submitter, country="NG", topic="barrier_report", title="Renewal", show_identity=False,
                            answers={"barrier": "licensure", "what_happened": "x", "what_would_help": "y"})
    db.session.commit()
    secret = service_token(officer, desk=desk, name="Ministry case system")
    client = app.test_client()
    read = client.get(f"/api/v1/desks/{desk.id}/submissions/{sent.id}", headers=bearer(secret))
    assert read.status_code == 200 and read.get_json()["submitter"] == "Identity withheld"
    replied = client.post(f"/api/v1/desks/{desk.id}/submissions/{sent.id}/reply", json={"body": "We are on it."},
                          headers={**bearer(secret), "If-Match": read.headers["ETag"]})
    assert replied.status_code == 200
    reply = [event for event in replied.get_json()["timeline"] if event["kind"] == "reply"]
    assert reply[0]["author"] == "Ministry case system"
    other = DeskFactory(country="GH")
    assert client.get(f"/api/v1/desks/{other.id}/queue", headers=bearer(secret)).status_code == 404


def test_admins_see_every_token_but_never_its_secret_and_revoke_any(app, forms, login):
    member = UserFactory(name="Ama Mensah")
    secret = personal_token(member, name="Ama's script")
    admin = UserFactory(admin=True)
    login(admin)
    page = forms.client.get("/admin/tokens").get_data(as_text=True)
    token = db.session.scalar(sa.select(ApiToken))
    assert "Ama&#39;s script" in page and token.prefix in page and secret not in page
    assert forms.submit("/admin/tokens", {}, action=f"/tokens/{token.id}/revoke").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_persons_tokens_are_in_their_exported_data(client, login):
    member = UserFactory()
    personal_token(member, name="Export script")
    login(member)
    exported = client.get("/account/export").get_json()
    assert exported["api_tokens"][0]["name"] == "Export script"
    assert "secret" not in str(exported["api_tokens"]) and "dhn_" in exported["api_tokens"][0]["prefix"]
