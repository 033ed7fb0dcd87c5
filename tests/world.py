"""Two tenants and everyone around them, for the suite-wide access matrix.

Tenant A and tenant B are each an association with an officer, a member (full profile, in the
directory), a fellow member and an applicant (the desks' samples add an officer of the tenant's
desk). Around them: a user who belongs to nothing, a platform admin, and
a desk officer of a country neither tenant's members come from. Every domain adds an object of
each of its kinds to each tenant (tests/<domain>/samples.py)."""

from dataclasses import dataclass

from diaspora.associations.models import Membership
from diaspora.extensions import db
from tests import samples
from tests.factories import (
    DeskOfficerFactory,
    MembershipFactory,
    MembershipTypeFactory,
    ProfileFactory,
    UserFactory,
    association_with_heritage,
)
from tests.samples import APPLICANT, MEMBER, OFFICER, OWN_OFFICER, OWNER, Tenant


@dataclass
class World:
    a: Tenant
    b: Tenant
    outsider: object
    admin: object
    desk_officer: object

    def roles(self) -> dict:
        """Everyone who is not one of tenant A's own people."""
        return {
            "anonymous": None,
            "member of no association": self.outsider,
            "officer of tenant B": self.b.officer,
            "member of tenant B": self.b.member,
            "platform admin": self.admin,
            "desk officer": self.desk_officer,
        }


def build_tenant(label: str, heritage: str) -> Tenant:
    association = association_with_heritage(heritage, name=f"Tenant {label} Association",
                                            slug=f"tenant-{label.lower()}")
    membership_type = MembershipTypeFactory(association=association, name="Full member")
    officer = MembershipFactory(association=association, officer=True, membership_type=membership_type,
                                user=UserFactory(name=f"Officer {label}")).user
    tenant = Tenant(label=label, association=association, officer=officer, member=None, applicant=None,
                    membership_type=membership_type, heritage=heritage)
    member = UserFactory(name=tenant.secret("name"), email=f"{tenant.secret('email')}@example.org")
    ProfileFactory(user=member, specialty=tenant.secret("specialty"), host_city=tenant.secret("city"),
                   directory_consent=True, heritage=[heritage])
    tenant.member = member
    MembershipFactory(association=association, user=member, membership_type=membership_type)
    tenant.applicant = MembershipFactory(
        association=association, status=Membership.APPLIED, joined_on=None, membership_type=membership_type,
        user=UserFactory(name=tenant.secret("applicant"), email=f"{tenant.secret('applicant')}@example.org"))
    fellow = MembershipFactory(association=association, membership_type=membership_type,
                               user=UserFactory(name=f"Fellow member {label}")).user
    ProfileFactory(user=fellow, directory_consent=True, heritage=[heritage])
    tenant.people.update({OWNER: member, MEMBER: fellow, APPLICANT: tenant.applicant.user, OFFICER: officer,
                          OWN_OFFICER: officer})
    db.session.commit()
    return tenant


def build_world() -> World:
    samples.load()
    a, b = build_tenant("A", "GH"), build_tenant("B", "NG")
    for tenant in (a, b):
        for kind, make in samples.KIND_SAMPLES.items():
            tenant.params[kind] = make(tenant)
        for kind, make in samples.OWN_SAMPLES.items():
            tenant.own_params[kind] = make(tenant)
    db.session.commit()
    desk_officer = DeskOfficerFactory(desk__country="ZA").user
    return World(a=a, b=b, outsider=UserFactory(), admin=UserFactory(admin=True), desk_officer=desk_officer)
