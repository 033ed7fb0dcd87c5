"""Shared set-ups for the registry, joining and officers' tests (plain functions, not fixtures)."""

from types import SimpleNamespace

import sqlalchemy as sa

from diaspora.associations.models import Association, Membership
from diaspora.core.models import OutboxMessage
from diaspora.extensions import db
from tests.factories import (
    AssociationFactory,
    MembershipFactory,
    MembershipTypeFactory,
    UserFactory,
    association_with_heritage,
)
from tests.mailserver import text_body

APPLICATION = {
    "name": "Ghana Nurses Association UK",
    "host_country": "GB",
    "heritage_countries": ["GH"],
    "description": "Ghanaian nurses and midwives in the United Kingdom who give back at home.",
    "website": "https://ghana-nurses.example.org",
    "contact_email": "hello@ghana-nurses.example.org",
}


def officer_of(association: Association, **kwargs):
    return MembershipFactory(association=association, officer=True, **kwargs).user


def world() -> SimpleNamespace:
    """Two approved associations, each with an officer; in the first a member, an applicant
    and a membership type; a pending association; an admin and a user with no membership."""
    mine = association_with_heritage("GH", name="Ghana Nurses UK", slug="ghana-nurses-uk")
    theirs = association_with_heritage("NG", name="Nigerian Doctors Ireland", slug="nigerian-doctors-ie")
    membership_type = MembershipTypeFactory(association=mine, name="Full member")
    officer = MembershipFactory(association=mine, officer=True, membership_type=membership_type)
    member = MembershipFactory(association=mine, membership_type=membership_type)
    applicant = MembershipFactory(association=mine, status=Membership.APPLIED, joined_on=None,
                                  membership_type=membership_type)
    other_officer = MembershipFactory(association=theirs, officer=True)
    pending = AssociationFactory(name="Kenyan Midwives USA", slug="kenyan-midwives-usa",
                                 status=Association.PENDING)
    return SimpleNamespace(
        mine=mine, theirs=theirs, type=membership_type, officer=officer.user, officer_membership=officer,
        member=member.user, member_membership=member, applicant_membership=applicant,
        other_officer=other_officer.user, pending=pending, admin=UserFactory(admin=True),
        outsider=UserFactory(),
    )


def texts_to(smtp_server, address: str) -> list[str]:
    return [text_body(message) for message in smtp_server.to(address)]


def fresh(obj):
    """The object as the database holds it now (after a request committed)."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def outbox_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
