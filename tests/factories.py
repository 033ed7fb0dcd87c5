"""factory_boy factories. Objects are committed, as the app would have left them."""

import factory
import pycountry
from factory.alchemy import SQLAlchemyModelFactory

from diaspora.associations.models import (
    Association,
    AssociationHeritageCountry,
    Invitation,
    Membership,
    MembershipType,
)
from diaspora.auth.models import User
from diaspora.auth.passwords import HASHERS
from diaspora.core.time import today, utcnow
from diaspora.desks.models import Desk, DeskOfficer
from diaspora.extensions import db
from diaspora.members.models import Profile, ProfileHeritageCountry

DEFAULT_PASSWORD = "correct horse battery staple 42"
_DEFAULT_HASH = HASHERS["fast"].hash(DEFAULT_PASSWORD)  # the tests' hashing profile


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


class MembershipTypeFactory(BaseFactory):
    class Meta:
        model = MembershipType

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"Full member {n}")
    period_months = 12
    requires_approval = True


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

    @factory.post_generation
    def topics(desk, create, extracted, **kwargs):
        """The topics the desk takes in its country (default: all of them)."""
        from diaspora.desks.models import ANY_TOPIC
        from diaspora.desks.submissions import routing

        if create:
            routing.set_routes(desk, extracted if extracted is not None else [ANY_TOPIC])


class DeskOfficerFactory(BaseFactory):
    class Meta:
        model = DeskOfficer

    desk = factory.SubFactory(DeskFactory)
    user = factory.SubFactory(UserFactory)


class InvitationFactory(BaseFactory):
    class Meta:
        model = Invitation

    association = factory.SubFactory(AssociationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    name = factory.Faker("name")


class ProfileFactory(BaseFactory):
    """A profile; `heritage=["GH", "NG"]` adds heritage countries."""

    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    cadre = "nurse"
    specialty = "Critical care"
    host_country = "GB"
    host_city = "Manchester"
    directory_consent = False

    @factory.post_generation
    def heritage(self, create, countries, **kwargs):
        for country in countries or []:
            self.heritage.append(ProfileHeritageCountry(country=country))
        if create and countries:
            db.session.commit()


def association_with_heritage(*countries, **kwargs) -> Association:
    association = AssociationFactory(**kwargs)
    for country in countries:
        association.heritage.append(AssociationHeritageCountry(country=country))
    db.session.commit()
    return association
