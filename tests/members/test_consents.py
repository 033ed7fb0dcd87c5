"""The member's consents: each choice has its own timestamp, and withdrawing works at once."""

import html
from datetime import datetime

import sqlalchemy as sa

from diaspora.associations import policy as association_policy
from diaspora.core.models import AuditEvent
from diaspora.extensions import db as _db
from diaspora.members.models import DeskSharingConsent, Profile
from tests.factories import AssociationFactory, MembershipFactory, ProfileFactory, UserFactory
from tests.helpers import row_count

LONG_AGO = datetime(2020, 1, 2, 3, 4, 5)


def directory_members_seen_by(viewer, association) -> set[int]:
    _db.session.expire_all()
    return {m.user_id for m in _db.session.scalars(association_policy.directory_scope(viewer, association))}


def test_the_page_offers_each_heritage_desk_and_says_nothing_was_chosen_yet(client, login):
    user = UserFactory()
    ProfileFactory(user=user, heritage=["GH", "NG"])
    login(user)
    page = html.unescape(client.get("/profile/consents").get_data(as_text=True))
    assert "Show me in my associations' member directories" in page
    assert "Share my profile with the diaspora desk of Ghana" in page
    assert "Share my profile with the diaspora desk of Nigeria" in page
    assert "You do not appear in your associations' member directories (you have not changed this)" in page


def test_without_heritage_countries_the_member_is_sent_to_the_profile(client, forms, login, db):
    user = UserFactory()
    login(user)
    page = html.unescape(client.get("/profile/consents").get_data(as_text=True))
    assert "You have no heritage countries in your profile yet" in page
    assert 'href="/profile/edit"' in page
    assert "diaspora desk of" not in page

    # The directory choice can be made before the profile is filled in.
    assert forms.submit("/profile/consents", {"directory": "y"}).status_code == 302
    profile = db.session.get(Profile, user.id)
    assert profile.directory_consent is True and profile.directory_consent_at is not None


def test_timestamps_change_only_when_the_choice_changes(client, forms, login, db):
    user = UserFactory()
    ProfileFactory(user=user, heritage=["GH", "NG"], directory_consent=True, directory_consent_at=LONG_AGO)
    db.session.add(DeskSharingConsent(user_id=user.id, country="GH", shared=True, changed_at=LONG_AGO))
    db.session.commit()
    login(user)

    response = forms.submit("/profile/consents", {"directory": "y", "desk_GH": "y", "desk_NG": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    profile = db.session.get(Profile, user.id)
    assert profile.directory_consent_at == LONG_AGO  # unchanged choice, unchanged time
    assert db.session.get(DeskSharingConsent, (user.id, "GH")).changed_at == LONG_AGO
    nigeria = db.session.get(DeskSharingConsent, (user.id, "NG"))
    assert nigeria.shared and nigeria.changed_at > LONG_AGO

    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "consent.changed")).one()
    assert event.changes == {"desk:NG": [False, True]}

    page = html.unescape(client.get("/profile/consents").get_data(as_text=True))
    assert "You appear in your associations' member directories (since 2 January 2020)" in page
    assert "You share your profile with the diaspora desk of Ghana (since 2 January 2020)" in page
    assert '<input checked id="desk_NG"' in page

    # Sending the same choices again changes nothing.
    forms.submit("/profile/consents", {"directory": "y", "desk_GH": "y", "desk_NG": "y"})
    assert row_count(AuditEvent) == 1  # the one change


def test_withdrawing_directory_consent_hides_the_member_from_fellow_members_at_once(forms, login, db):
    association = AssociationFactory()
    member = UserFactory()
    fellow = UserFactory()
    officer = UserFactory()
    MembershipFactory(user=member, association=association)
    MembershipFactory(user=fellow, association=association)
    MembershipFactory(user=officer, association=association, officer=True)
    ProfileFactory(user=member, heritage=["GH"])
    login(member)

    assert member.id not in directory_members_seen_by(fellow, association)
    forms.submit("/profile/consents", {"directory": "y"})
    assert member.id in directory_members_seen_by(fellow, association)

    response = forms.submit("/profile/consents", {})  # the box unticked
    assert response.status_code == 302
    assert member.id not in directory_members_seen_by(fellow, association)
    assert member.id in directory_members_seen_by(officer, association)  # officers see every member
    profile = db.session.get(Profile, member.id)
    assert profile.directory_consent is False and profile.directory_consent_at is not None


def test_withdrawing_desk_sharing_is_recorded_at_once(forms, login, db):
    user = UserFactory()
    ProfileFactory(user=user, heritage=["GH"])
    db.session.add(DeskSharingConsent(user_id=user.id, country="GH", shared=True, changed_at=LONG_AGO))
    db.session.commit()
    login(user)
    forms.submit("/profile/consents", {})
    db.session.expire_all()
    row = db.session.get(DeskSharingConsent, (user.id, "GH"))
    assert row.shared is False and row.changed_at > LONG_AGO
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(DeskSharingConsent)
        .where(DeskSharingConsent.country == "GH", DeskSharingConsent.shared.is_(True))
    ) == 0


def test_a_desk_still_shared_with_after_the_country_left_the_profile_can_be_withdrawn(client, forms, login,
                                                                                      db):
    user = UserFactory()
    ProfileFactory(user=user, heritage=["GH"])
    db.session.add(DeskSharingConsent(user_id=user.id, country="KE", shared=True, changed_at=LONG_AGO))
    db.session.commit()
    login(user)
    page = html.unescape(client.get("/profile/consents").get_data(as_text=True))
    assert "Kenya is no longer one of your heritage countries." in page
    forms.submit("/profile/consents", {"desk_GH": "y"})
    db.session.expire_all()
    assert db.session.get(DeskSharingConsent, (user.id, "KE")).shared is False
    assert db.session.get(DeskSharingConsent, (user.id, "GH")).shared is True


def test_registration_numbers_go_to_a_desk_only_when_chosen_and_only_while_sharing(client, forms, login, db):
    user = UserFactory()
    ProfileFactory(user=user, heritage=["GH"])
    login(user)
    assert forms.submit("/profile/consents", {"desk_GH": "y", "registration_GH": "y"}).status_code == 302
    db.session.expire_all()
    row = db.session.get(DeskSharingConsent, (user.id, "GH"))
    assert row.shared and row.share_registration
    page = html.unescape(client.get("/profile/consents").get_data(as_text=True))
    assert "It can also read your licences’ registration numbers." in page

    # Ticking the numbers without the profile shares neither; stopping sharing stops both.
    forms.submit("/profile/consents", {"registration_GH": "y"})
    db.session.expire_all()
    row = db.session.get(DeskSharingConsent, (user.id, "GH"))
    assert not row.shared and not row.share_registration
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "consent.changed")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.changes == {"desk:GH": [True, False], "registration:GH": [True, False]}
