"""factory_boy factories. Objects are committed, as the app would have left them."""

import factory
import pycountry
from factory.alchemy import SQLAlchemyModelFactory

from diaspora.associations.models import Association, Membership
from diaspora.auth.models import User
from diaspora.auth.passwords import hash_password
from diaspora.core.time import today, utcnow
from diaspora.desks.models import Desk, DeskOfficer
from diaspora.extensions import db

DEFAULT_PASSWORD = "correct horse battery staple 42"
_DEFAULT_HASH = hash_password(DEFAULT_PASSWORD)  # argon2 is slow on purpose; hash once


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password_hash = _DEFAULT_HASH
    email_verified_at = factory.LazyFunction(utcnow)
    is_admin = False

    class Params:
        unverified = factory.Trait(email_verified_at=None)
        admin = factory.Trait(is_admin=True)


class AssociationFactory(BaseFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"Diaspora Health Association {n}")
    slug = factory.Sequence(lambda n: f"association-{n}")
    host_country = "GB"
    status = Association.APPROVED


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    association = factory.SubFactory(AssociationFactory)
    role = Membership.MEMBER
    status = Membership.ACTIVE
    joined_on = factory.LazyFunction(today)

    class Params:
        officer = factory.Trait(role=Membership.OFFICER)


class DeskFactory(BaseFactory):
    class Meta:
        model = Desk

    country = factory.Iterator(sorted(c.alpha_2 for c in pycountry.countries))
    ministry = factory.LazyAttribute(lambda desk: f"Ministry of Health ({desk.country})")
    name = "Diaspora Desk"


class DeskOfficerFactory(BaseFactory):
    class Meta:
        model = DeskOfficer

    desk = factory.SubFactory(DeskFactory)
    user = factory.SubFactory(UserFactory)
