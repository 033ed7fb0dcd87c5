"""The maintained counts (association_counts, kept by triggers) always equal the real counts,
after every kind of change: services, the daily bulk update, invitations, account deletion,
a deleted association, and a random walk through the officers' actions."""

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.associations import counts, invitations, memberships, registry, renewals
from diaspora.associations.models import Association, Membership, MembershipType
from diaspora.associations.roster import importer
from diaspora.auth import services as accounts
from diaspora.core import transaction
from diaspora.core.domain import DomainError
from diaspora.core.models import PlatformCount
from diaspora.core.time import today
from diaspora.extensions import db
from tests.factories import (
    DEFAULT_PASSWORD,
    AssociationFactory,
    MembershipFactory,
    MembershipTypeFactory,
    UserFactory,
)


def assert_counts_true() -> None:
    transaction.commit()
    db.session.expire_all()
    assert counts.by_status([a for a in counts.recount()]) == counts.recount()
    kept = dict(db.session.execute(sa.select(PlatformCount.name, PlatformCount.count)).all())
    assert kept.get("users", 0) == db.session.scalar(sa.select(sa.func.count()).select_from(accounts.User))
    by_status = dict(db.session.execute(
        sa.select(Association.status, sa.func.count()).group_by(Association.status)).all())
    assert {name.split(":")[1]: n for name, n in kept.items() if name.startswith("associations:") and n} == by_status


def test_every_kind_of_change_keeps_the_counts_true(app, db):
    association = AssociationFactory()
    kind = MembershipTypeFactory(association=association, requires_approval=True, period_months=12)
    free = MembershipTypeFactory(association=association, requires_approval=False, period_months=1)
    officer = MembershipFactory(association=association, officer=True).user
    assert_counts_true()

    applicant, joiner, leaver = UserFactory(), UserFactory(), UserFactory()
    application = memberships.join(applicant, association, kind)
    assert_counts_true()
    memberships.approve_application(application, officer)
    memberships.join(joiner, association, free)
    assert_counts_true()
    refused = memberships.join(UserFactory(), association, kind)
    memberships.reject_application(refused, officer, "Not this time, sorry.")
    assert_counts_true()

    joined = db.session.scalar(sa.select(Membership).where(Membership.user_id == joiner.id))
    memberships.suspend(joined, officer)
    assert_counts_true()
    memberships.reinstate(joined, officer)
    joined.renews_on = today() - timedelta(days=1)
    assert_counts_true()
    assert renewals.lapse_due() == 1  # the daily bulk UPDATE
    assert_counts_true()
    memberships.renew(joined, officer)
    memberships.end(joined, officer)
    assert_counts_true()

    leaving = memberships.join(leaver, association, free)
    memberships.leave(leaving, leaver)
    assert_counts_true()

    with app.test_request_context():
        upload = importer.upload(association, officer, "m.csv", b"email,name\nnew@example.org,New Person\n")
        importer.confirm(upload, officer)
    assert_counts_true()
    invitation = db.session.scalar(sa.select(invitations.Invitation))
    invitations.accept_with_new_account(invitation, name="New Person", password="plantain harmattan kettle 9")
    assert_counts_true()

    accounts.delete_account(applicant, DEFAULT_PASSWORD)
    assert_counts_true()

    pending = registry.apply(UserFactory(), name="Soon Gone", host_country="GB", heritage_countries=["GH"],
                             description="x", website=None, contact_email="a@example.org")
    registry.approve(pending, UserFactory(admin=True))
    assert_counts_true()
    db.session.execute(sa.delete(Membership).where(Membership.association_id == pending.id))
    db.session.execute(sa.delete(MembershipType).where(MembershipType.association_id == pending.id))
    db.session.execute(sa.delete(Association).where(Association.id == pending.id))
    assert_counts_true()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_walk_of_officers_actions_keeps_the_counts_true(db, seed):
    rng = random.Random(seed)
    association = AssociationFactory()
    kind = MembershipTypeFactory(association=association, period_months=12)
    officer = MembershipFactory(association=association, officer=True).user
    people = [MembershipFactory(association=association, membership_type=kind,
                                status=rng.choice(list(Membership.STATES.values))) for _ in range(12)]
    for _ in range(60):
        membership = rng.choice(people)
        action = rng.choice(list(memberships.OFFICER_CHANGES) + ["approve", "leave"])
        try:
            if action == "approve":
                memberships.approve_application(membership, officer)
            elif action == "leave":
                memberships.leave(membership, membership.user)
            else:
                memberships.OFFICER_CHANGES[action](membership, officer)
        except DomainError:
            transaction.rollback()
            continue
        transaction.commit()
    assert_counts_true()
