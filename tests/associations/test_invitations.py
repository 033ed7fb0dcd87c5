"""Officers invite people by email; the link makes an account or attaches an existing one."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.associations.memberships import add_months
from diaspora.associations.models import Invitation, Membership
from diaspora.auth.models import User
from diaspora.core.time import today, utcnow
from tests.associations.support import fresh, texts_to, world
from tests.conftest import csrf_token_from
from tests.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.helpers import audit_actions, link_in, row_count

INVITE = "/associations/ghana-nurses-uk/invite"


def _invite(forms, w, email, name="", **kwargs):
    return forms.submit(INVITE, {"email": email, "name": name, "membership_type": str(w.type.id)}, **kwargs)


def _log_out(client):
    token = csrf_token_from(client.get("/dashboard").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})


def _invitation_link(smtp_server, email):
    return link_in(texts_to(smtp_server, email)[-1])


def test_a_new_person_creates_their_account_from_the_invitation(client, forms, login, db, smtp_server):
    w = world()
    login(w.officer)
    response = _invite(forms, w, "Kofi.Boateng@Example.org", "Kofi Boateng", follow_redirects=True)
    assert "We have emailed an invitation to Kofi.Boateng@Example.org" in response.get_data(as_text=True)
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.email == "kofi.boateng@example.org" and invitation.invited_by_id == w.officer.id
    assert audit_actions(invitation) == ["invitation.sent"]
    mail = smtp_server.last_to("kofi.boateng@example.org")
    assert mail["Subject"] == "You are invited to join Ghana Nurses UK"
    text = texts_to(smtp_server, "kofi.boateng@example.org")[0]
    assert "Hello Kofi Boateng" in text and "The link works for 14 days" in text
    assert "choose a password to create one" in text

    _log_out(client)
    link = _invitation_link(smtp_server, "kofi.boateng@example.org")
    page = client.get(link).get_data(as_text=True)
    assert 'value="Kofi Boateng"' in page and "kofi.boateng@example.org" in page

    users_before = row_count(User)
    weak = forms.submit(link, {"name": "Kofi Boateng", "password": "kofi boateng 1"})
    assert weak.status_code == 422
    assert 'id="password-error"' in weak.get_data(as_text=True)
    assert 'value="Kofi Boateng"' in weak.get_data(as_text=True)
    assert "too easy to guess" in weak.get_data(as_text=True)
    assert row_count(User) == users_before  # nobody new yet

    response = forms.submit(link, {"name": "Kofi A. Boateng", "password": "plantain harmattan kettle 9"})
    assert response.status_code == 302 and response.headers["Location"] == "/associations/ghana-nurses-uk"
    user = db.session.scalar(sa.select(User).where(User.email == "kofi.boateng@example.org"))
    assert user.name == "Kofi A. Boateng" and user.is_verified
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert (membership.status, membership.role) == ("active", "member")
    assert membership.membership_type_id == w.type.id
    assert membership.joined_on == today() and membership.renews_on == add_months(today(), 12)
    assert fresh(invitation).accepted_by_id == user.id
    assert audit_actions(user) == ["user.registered"]
    assert audit_actions(membership) == ["membership.joined"]
    assert audit_actions(invitation) == ["invitation.sent", "invitation.accepted"]
    # They are logged in, and the link does not work twice.
    welcome = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are a member of Ghana Nurses UK" in welcome
    _log_out(client)
    used = client.get(link)
    assert used.status_code == 400 and "This invitation does not work" in used.get_data(as_text=True)


def test_someone_with_an_account_logs_in_then_accepts(client, forms, login, db, smtp_server):
    w = world()
    existing = UserFactory(email="esi@example.org", name="Esi Mensah")
    MembershipFactory(association=w.mine, user=existing, status="lapsed", role="officer")
    login(w.officer)
    _invite(forms, w, "esi@example.org")
    text = texts_to(smtp_server, "esi@example.org")[0]
    assert "If you already have an account with this address, you will log in" in text
    _log_out(client)

    link = link_in(text)
    response = client.get(link)
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url == f"/login?email=esi@example.org&next={link}"
    assert 'value="esi@example.org"' in client.get(login_url).get_data(as_text=True)
    logged_in = forms.submit(login_url, {"email": "esi@example.org",
                                         "password": "correct horse battery staple 42"})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == link  # back to the invitation

    page = client.get(link).get_data(as_text=True)
    assert "Accept the invitation" in page and "(Full member, 12 months)" in page
    accepted = forms.submit(link, {})
    assert accepted.status_code == 302
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == existing.id))
    assert (membership.status, membership.role) == ("active", "member")  # the same row, reused
    assert membership.renews_on == add_months(today(), 12)
    assert row_count(Membership) == 5
    assert audit_actions(membership) == ["membership.joined"]


def test_logged_in_as_someone_else_you_are_told_to_log_out(client, forms, login, db, smtp_server):
    w = world()
    UserFactory(email="esi@example.org")
    users_before = row_count(User)
    login(w.officer)
    _invite(forms, w, "esi@example.org")
    _invite(forms, w, "new.person@example.org")
    for email in ("esi@example.org", "new.person@example.org"):
        response = client.get(_invitation_link(smtp_server, email))
        page = response.get_data(as_text=True)
        assert response.status_code == 403
        assert f"This invitation is for <strong>{email}</strong>" in page and "Log out" in page
        refused = client.post(_invitation_link(smtp_server, email), data={
            "csrf_token": csrf_token_from(page), "name": "X", "password": "plantain harmattan kettle 9"})
        assert refused.status_code == 403
    accepted = sa.select(sa.func.count()).select_from(Invitation).where(Invitation.accepted_at.is_not(None))
    assert row_count(User) == users_before and db.session.scalar(accepted) == 0


def test_an_active_member_cannot_be_invited(forms, login, db, smtp_server):
    w = world()
    login(w.officer)
    response = _invite(forms, w, w.member.email.upper(), "Their Name")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and "is already an active member of Ghana Nurses UK" in page
    assert f'value="{w.member.email.upper()}"' in page and 'value="Their Name"' in page
    assert row_count(Invitation) == 0 and smtp_server.messages == []


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": ""}, "email", "Enter the email address of the person to invite."),
    ({"email": "not-an-address"}, "email", "Enter an email address in the right format"),
    ({"membership_type": ""}, "membership_type", "Choose a membership type."),
    ({"name": "n" * 121}, "name", "The name can be at most 120 characters."),
])
def test_a_wrong_invitation_is_explained_beside_the_field(forms, login, db, smtp_server, data, field,
                                                          message):
    w = world()
    login(w.officer)
    typed = {"email": "kofi@example.org", "name": "Kofi", "membership_type": str(w.type.id), **data}
    response = forms.submit(INVITE, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    if field != "email" and typed["email"]:
        assert 'value="kofi@example.org"' in page
    assert row_count(Invitation) == 0 and smtp_server.messages == []


def test_a_new_invitation_replaces_the_earlier_one(client, forms, login, db, smtp_server):
    w = world()
    login(w.officer)
    _invite(forms, w, "kofi@example.org")
    first = _invitation_link(smtp_server, "kofi@example.org")
    _invite(forms, w, "kofi@example.org")
    second = _invitation_link(smtp_server, "kofi@example.org")
    _log_out(client)
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200


@pytest.mark.parametrize("state", ["expired", "revoked", "accepted", "garbage", "association suspended"])
def test_an_invitation_that_cannot_be_used_says_so(client, db, state):
    w = world()
    invitation = InvitationFactory(association=w.mine, membership_type=w.type)
    if state == "expired":
        invitation.created_at = utcnow() - timedelta(days=15)
    elif state == "revoked":
        invitation.revoked_at = utcnow()
    elif state == "accepted":
        invitation.accepted_at = utcnow()
    elif state == "association suspended":
        w.mine.status = "suspended"
    db.session.commit()
    from diaspora.auth import tokens

    with client.application.test_request_context():
        token = tokens.make("invite", {"iid": invitation.id}) if state != "garbage" else "not-a-token"
    users_before = row_count(User)
    csrf = csrf_token_from(client.get("/login").get_data(as_text=True))
    for response in (client.get(f"/invitations/{token}"),
                     client.post(f"/invitations/{token}", data={
                         "csrf_token": csrf, "name": "Kofi", "password": "plantain harmattan kettle 9"})):
        assert response.status_code == 400
        assert "This invitation does not work" in response.get_data(as_text=True)
    assert row_count(User) == users_before and fresh(invitation).accepted_by_id is None


def test_a_suspended_member_cannot_use_an_invitation_to_come_back(client, forms, login, db):
    w = world()
    suspended = MembershipFactory(association=w.mine, status="suspended")
    invitation = InvitationFactory(association=w.mine, email=suspended.user.email, membership_type=w.type)
    from diaspora.auth import tokens

    with client.application.test_request_context():
        link = f"/invitations/{tokens.make('invite', {'iid': invitation.id})}"
    login(suspended.user)
    response = forms.submit(link, {})
    assert response.status_code == 422
    assert "cannot be restarted by an invitation" in response.get_data(as_text=True)
    assert fresh(suspended).status == "suspended" and fresh(invitation).accepted_at is None


def test_of_two_acceptances_at_the_same_moment_only_one_counts(app, db):
    from diaspora.associations import invitations
    from diaspora.auth import tokens

    w = world()
    user = UserFactory(email="esi@example.org")
    invitation = InvitationFactory(association=w.mine, email="esi@example.org", membership_type=w.type)
    with app.test_request_context():
        loaded = invitations.load_invitation(tokens.make("invite", {"iid": invitation.id}))
        # The other tab accepts between this request's check and its change.
        db.session.execute(sa.update(Invitation).where(Invitation.id == invitation.id)
                           .values(accepted_at=utcnow()).execution_options(synchronize_session=False))
        with pytest.raises(invitations.InvalidInvitation):
            invitations.accept(loaded, user)
    db.session.rollback()
    assert row_count(Membership) == 4  # the world's own, none added
