"""Everything the app holds about a person, as a download; and deleting the account."""

import html
import json
import re
from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa

from diaspora.associations.models import Membership
from diaspora.auth.models import User
from diaspora.core import audit
from diaspora.core.models import AuditEvent, StoredFile
from diaspora.core.time import today, utcnow
from diaspora.members.models import (
    Availability,
    Credential,
    DeskSharingConsent,
    Profile,
    ProfileHeritageCountry,
    ProfileLanguage,
    ProfileSkill,
)
from tests.conftest import Forms
from tests.factories import (
    DEFAULT_PASSWORD,
    AssociationFactory,
    MembershipFactory,
    MembershipTypeFactory,
    UserFactory,
)
from tests.helpers import audit_actions, row_count
from tests.mailserver import text_body

PDF = b"%PDF-1.4\n%%EOF\n"


def fill_everything(user, profile_forms, forms, db) -> Membership:
    """A member with a profile, a credential with evidence, availability, consents, a membership."""
    kind = MembershipTypeFactory(name="Full member", association__name="Ghana Nurses UK")
    membership = MembershipFactory(user=user, association=kind.association, membership_type=kind)
    assert profile_forms.submit({
        "cadre": "midwife", "specialty": "Obstetrics", "host_country": "IE", "host_city": "Cork",
        "heritage_countries": ["GH"], "languages": "English, Ewe", "skills": "neonatal resuscitation",
        "return_interest": "extended_placement", "return_horizon": "within_1_year",
    }).status_code == 302
    assert forms.submit("/profile/credentials/new", {
        "kind": "qualification", "title": "Registered Midwife", "awarding_body": "NMBI", "year": "2016",
        "evidence": (BytesIO(PDF), "registration.pdf"),
    }, content_type="multipart/form-data").status_code == 302
    assert forms.submit("/profile/availability/new", {
        "starts_on": (today() + timedelta(days=5)).isoformat(),
        "ends_on": (today() + timedelta(days=9)).isoformat(), "mode": "remote", "note": "Evenings",
    }).status_code == 302
    assert forms.submit("/profile/consents", {"directory": "y", "desk_GH": "y"}).status_code == 302
    return membership


def test_the_export_holds_everything_about_the_person_and_nothing_of_anyone_else(
        client, forms, profile_forms, login, db):
    other = UserFactory(name="Someone Else", email="someone.else@example.org")
    user = UserFactory(name="Abena Owusu", email="abena@example.org")
    login(user)
    membership = fill_everything(user, profile_forms, forms, db)
    # As an officer of the same association, the person changed someone else's membership.
    other_membership = MembershipFactory(user=other, association=membership.association)
    audit.record("membership.approved", other_membership, actor=user,
                 changes={"email": other.email, "note": "private note about someone else"})
    db.session.commit()

    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="diaspora-health-data-{today().isoformat()}.json"')
    data = json.loads(response.data)

    assert data["account"]["name"] == "Abena Owusu" and data["account"]["email"] == "abena@example.org"
    assert data["account"]["created_at"] and data["account"]["email_verified_at"]
    assert data["profile"]["cadre"] == "midwife" and data["profile"]["host_city"] == "Cork"
    assert data["profile"]["heritage_countries"] == ["GH"]
    assert data["profile"]["languages"] == ["eng", "ewe"]
    assert data["profile"]["skills"] == ["neonatal resuscitation"]
    [credential] = data["credentials"]
    assert credential["title"] == "Registered Midwife"
    assert credential["evidence"]["filename"] == "registration.pdf"
    assert credential["evidence"]["size"] == len(PDF)
    assert "data" not in credential["evidence"]  # metadata, not the bytes
    assert data["availability"][0]["mode"] == "remote" and data["availability"][0]["note"] == "Evenings"
    assert data["profile"]["directory_consent"] is True and data["profile"]["directory_consent_at"]
    assert data["desk_sharing"] == [
        {"country": "GH", "shared": True, "registration_numbers": False,
         "changed_at": data["desk_sharing"][0]["changed_at"]}]
    assert data["memberships"] == [{
        "association": "Ghana Nurses UK", "membership_type": "Full member", "role": "member",
        "status": "active", "joined_on": today().isoformat(), "renews_on": None, "decision_reason": None,
        "created_at": data["memberships"][0]["created_at"],
    }]
    actions = [event["action"] for event in data["audit_events"]]
    for action in ("profile.updated", "credential.added", "availability.added",
                   "consent.changed", "membership.approved"):
        assert action in actions

    text = response.get_data(as_text=True)
    assert "someone.else@example.org" not in text
    assert "Someone Else" not in text
    assert "private note about someone else" not in text
    assert "user.exported_data" in audit_actions(user)


def delete_account(forms, password=DEFAULT_PASSWORD):
    return forms.submit("/account/delete", {"password": password})


def test_a_wrong_password_is_explained_and_deletes_nothing(forms, login, db):
    user = UserFactory(name="Abena Owusu")
    login(user)
    response = delete_account(forms, "not my password")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="password-error">.*Your password is not right\.', page, re.S)
    db.session.refresh(user)
    assert user.name == "Abena Owusu" and user.active and user.deleted_at is None
    assert "user.deleted" not in audit_actions(user)


def test_deleting_the_account_erases_the_identity(client, app, forms, profile_forms, login, db, smtp_server):
    user = UserFactory(name="Abena Owusu", email="abena@example.org")
    other_device = app.test_client()
    assert Forms(other_device).submit("/login", {"email": user.email,
                                                 "password": DEFAULT_PASSWORD}).status_code == 302
    login(user)
    membership = fill_everything(user, profile_forms, forms, db)
    applied = MembershipFactory(user=user, status=Membership.APPLIED)
    user_id = user.id

    page = html.unescape(client.get("/account/delete").get_data(as_text=True))
    assert "Your name, email address and password: you can no longer log in." in page
    assert "Your past memberships stay, with no name, so each association’s member counts stay true." in page

    response = delete_account(forms)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Your account has been deleted." in home
    assert client.get("/profile").status_code == 302  # logged out here
    assert other_device.get("/profile").status_code == 302  # and everywhere else

    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.name == "Deleted member"
    assert user.email == f"deleted-{user_id}@deleted.invalid"
    assert user.password_hash.startswith("!unusable:")
    assert user.active is False and user.deleted_at is not None and user.totp_secret is None
    for model in (Profile, ProfileHeritageCountry, ProfileLanguage, ProfileSkill, Credential, StoredFile,
                  Availability, DeskSharingConsent):
        assert row_count(model) == 0, model
    assert db.session.get(Membership, membership.id).status == Membership.LEFT
    assert db.session.get(Membership, applied.id).status == Membership.LEFT

    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.deleted")).one()
    assert event.object_id == str(user_id)
    recorded = json.dumps(event.changes)
    assert "abena" not in recorded.lower() and "Owusu" not in recorded
    trail = db.session.scalars(sa.select(AuditEvent).where(
        sa.or_(AuditEvent.actor_id == user_id, AuditEvent.object_id == str(user_id)))).all()
    assert len(trail) > 3  # what happened is kept ...
    everything = json.dumps([(e.changes, e.ip_address) for e in trail])
    assert "abena" not in everything.lower() and "owusu" not in everything.lower()  # ... not who
    assert all(e.ip_address is None for e in trail if e.action != "user.deleted")

    mail = smtp_server.last_to("abena@example.org")
    assert mail["Subject"] == "Your account has been deleted"
    assert "Hello Abena Owusu" in text_body(mail)

    # Neither the old address nor the erased one logs in.
    for email in ("abena@example.org", f"deleted-{user_id}@deleted.invalid"):
        attempt = Forms(app.test_client()).submit("/login", {"email": email, "password": DEFAULT_PASSWORD})
        assert attempt.status_code == 422


def test_the_only_officer_of_an_association_cannot_delete_the_account(client, forms, login, db):
    association = AssociationFactory(name="Ghana Nurses UK")
    officer = MembershipFactory(association=association, officer=True)
    user = officer.user
    login(user)
    page = html.unescape(client.get("/account/delete").get_data(as_text=True))
    assert "You are the only officer of" in page and "Ghana Nurses UK" in page
    assert 'type="password"' not in page

    # The form is not offered; a crafted POST is refused all the same.
    response = forms.submit("/account/delete", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 409
    assert "Make another member an officer there first" in html.unescape(response.get_data(as_text=True))
    db.session.refresh(user)
    assert user.active and user.deleted_at is None
    assert db.session.get(Membership, officer.id).status == Membership.ACTIVE


def test_an_officer_with_a_fellow_officer_can_delete_the_account(forms, login, db):
    association = AssociationFactory()
    officer = MembershipFactory(association=association, officer=True)
    MembershipFactory(association=association, officer=True)
    login(officer.user)
    assert delete_account(forms).status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, officer.id).status == Membership.LEFT
    assert db.session.get(User, officer.user_id).deleted_at <= utcnow()
