"""Demo data for `make run`. Idempotent: each record is looked up before it is made."""

from datetime import timedelta

import sqlalchemy as sa

from diaspora.associations.models import Association, Membership
from diaspora.auth import services as accounts
from diaspora.auth.models import User
from diaspora.core.time import today
from diaspora.desks.models import Desk, DeskOfficer
from diaspora.extensions import db

DEMO_PASSWORD = "demo-password-kente-baobab"

PEOPLE = [
    ("platform admin", "admin@demo.diaspora-health.org", "Ama Mensah", {"is_admin": True}),
    ("association officer", "officer@demo.diaspora-health.org", "Kwame Asante", {}),
    ("member", "member@demo.diaspora-health.org", "Efua Boateng", {}),
    ("desk officer", "desk@demo.diaspora-health.org", "Nana Owusu", {}),
]


def load() -> list[tuple[str, str]]:
    users = {role: _user(email, name, **flags) for role, email, name, flags in PEOPLE}
    association = _association("Ghana Nurses and Midwives Association UK", "gnma-uk", "GB")
    _membership(users["association officer"], association, Membership.OFFICER)
    _membership(users["member"], association, Membership.MEMBER)
    desk = _desk("GH", "Ministry of Health, Ghana", "Diaspora Health Desk")
    _desk_officer(desk, users["desk officer"])
    db.session.flush()
    return [(role, email) for role, email, _, _ in PEOPLE]


def _user(email: str, name: str, is_admin: bool = False) -> User:
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.create_user(name, email, DEMO_PASSWORD, verified=True, is_admin=is_admin)
    return user


def _association(name: str, slug: str, host_country: str) -> Association:
    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    if association is None:
        association = Association(name=name, slug=slug, host_country=host_country,
                                  status=Association.APPROVED)
        db.session.add(association)
        db.session.flush()
    return association


def _membership(user: User, association: Association, role: str) -> Membership:
    membership = db.session.scalar(sa.select(Membership).filter_by(user_id=user.id,
                                                                    association_id=association.id))
    if membership is None:
        membership = Membership(user_id=user.id, association_id=association.id, role=role,
                                status=Membership.ACTIVE, joined_on=today(),
                                renews_on=today() + timedelta(days=365))
        db.session.add(membership)
    return membership


def _desk(country: str, ministry: str, name: str) -> Desk:
    desk = db.session.scalar(sa.select(Desk).where(Desk.country == country))
    if desk is None:
        desk = Desk(country=country, ministry=ministry, name=name)
        db.session.add(desk)
        db.session.flush()
    return desk


def _desk_officer(desk: Desk, user: User) -> None:
    exists = db.session.scalar(sa.select(DeskOfficer).filter_by(desk_id=desk.id, user_id=user.id))
    if exists is None:
        db.session.add(DeskOfficer(desk_id=desk.id, user_id=user.id))
