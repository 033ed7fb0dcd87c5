"""What associations contribute to the suite-wide tests (see tests/samples.py)."""

import sqlalchemy as sa

from diaspora.associations import invitations, memberships
from diaspora.associations.models import MemberImport, Membership
from diaspora.associations.roster import importer
from diaspora.extensions import db
from tests.factories import MembershipFactory, MembershipTypeFactory
from tests.samples import (
    MEMBER,
    OFFICER,
    OWN_OFFICER,
    OWNER,
    Person,
    Tenant,
    admins,
    anyone,
    insiders,
    kind_sample,
    logged_in,
    open_to_outsiders,
    own_sample,
    person_sample,
)

# An approved association's page is public; anyone logged in may apply to join; admins decide.
open_to_outsiders("association", "view", anyone)
open_to_outsiders("association", "join", logged_in)
open_to_outsiders("association", "decide", admins)

# Inside: officers run the association (their own membership too: they may step down, renew it,
# or leave, within the last-officer rule); its active members read the directory; a member leaves.
insiders("association", "view")  # open to anyone
insiders("association", "join")  # open to anyone logged in
insiders("association", "decide")  # admins only
insiders("association", "manage", OFFICER)
insiders("association", "directory", OWNER, MEMBER, OFFICER)
insiders("membership", "manage", OFFICER, OWN_OFFICER)
insiders("membership", "leave", OWNER, OWN_OFFICER)
insiders("membership_type", "manage", OFFICER)
insiders("member_import", "manage", OFFICER)


@kind_sample("association")
def association(tenant: Tenant) -> dict:
    return {"slug": tenant.association.slug}


@kind_sample("membership")
def membership(tenant: Tenant) -> dict:
    own = db.session.scalar(sa.select(Membership).where(Membership.user_id == tenant.member.id))
    return {"membership_id": own.id}


@own_sample("membership")
def officers_own_membership(tenant: Tenant) -> dict:
    own = db.session.scalar(sa.select(Membership).where(Membership.user_id == tenant.officer.id,
                                                        Membership.association_id == tenant.association.id))
    return {"membership_id": own.id}


@kind_sample("membership_type")
def membership_type(tenant: Tenant) -> dict:
    return {"type_id": tenant.membership_type.id}


@kind_sample("member_import")
def member_import(tenant: Tenant) -> dict:
    secret = tenant.secret("imported")
    upload = MemberImport(association_id=tenant.association.id, uploaded_by_id=tenant.officer.id,
                          filename="members.csv", content=f"email,name\r\n{secret}@example.org,{secret}\r\n")
    db.session.add(upload)
    db.session.flush()
    return {"import_id": upload.id}


@person_sample
def a_membership_refused_then_current(person: Person) -> None:
    """They applied to another association and were refused with a reason; they are a member
    of the main one, and an officer of a third with another officer (so they can leave it)."""
    refused = MembershipFactory(user=person.user, status=Membership.APPLIED, joined_on=None)
    memberships.reject_application(refused, person.officer, f"Refused because {person.mark('reason')}")
    MembershipFactory(user=person.user, association=person.association)
    co_run = MembershipFactory(user=person.user, officer=True)
    MembershipFactory(association=co_run.association, officer=True)


@person_sample
def invitations_and_imports_naming_them(person: Person) -> None:
    elsewhere = MembershipTypeFactory()
    invitations.invite(elsewhere.association, person.officer, email=person.user.email,
                       name=person.mark("invited"), membership_type=elsewhere)
    text = f"email,name,specialty\r\n{person.user.email},{person.mark('csvname')},{person.mark('csvspec')}\r\n"
    importer.upload(person.association, person.officer, "members.csv", text.encode())
    bad = f"email,name,cadre\r\n{person.user.email},{person.mark('badrow')},astronaut\r\nok@example.org,Ok,nurse\r\n"
    done = importer.upload(person.association, person.officer, "more.csv", bad.encode())
    importer.confirm(done, person.officer)


@person_sample
def an_association_they_applied_to_register(person: Person) -> None:
    from diaspora.associations import registry
    from tests.factories import UserFactory

    applied = registry.apply(person.user, name=f"Association of {person.mark('assoc')}", host_country="GB",
                             heritage_countries=["GH"], description="A description.", website=None,
                             contact_email="contact@example.org")
    registry.reject(applied, UserFactory(admin=True), f"Not yet: {person.mark('assocreason')}")
