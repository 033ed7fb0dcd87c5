"""Who may see and do what in associations. Views ask here; they never hand-roll checks."""

import sqlalchemy as sa

from diaspora.associations.models import Association, Membership
from diaspora.extensions import db


def memberships_of(user) -> sa.Select:
    """The user's own memberships, with their association, newest first."""
    return (
        sa.select(Membership)
        .join(Membership.association)
        .where(Membership.user_id == user.id)
        .options(sa.orm.contains_eager(Membership.association))
        .order_by(Association.name)
    )


def officer_associations(user) -> sa.Select:
    """Associations this user runs as an active officer."""
    return (
        sa.select(Association)
        .join(Membership)
        .where(
            Membership.user_id == user.id,
            Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE,
        )
        .order_by(Association.name)
    )


def is_officer(user, association: Association) -> bool:
    if not user.is_authenticated:
        return False
    return db.session.scalar(
        sa.select(sa.exists().where(
            Membership.user_id == user.id,
            Membership.association_id == association.id,
            Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE,
        ))
    )


def can(user, action: str, association: Association) -> bool:
    if action == "view":
        return association.status == Association.APPROVED or user.is_admin or is_officer(user, association)
    if action == "manage":
        return is_officer(user, association)
    return False
