"""Who may see and do what in associations. Views ask here; they never hand-roll checks.

Layers (as everywhere): an association the user may not see answers 404; one they can
see but not manage answers 403."""

import sqlalchemy as sa
from flask import abort

from diaspora.associations.models import Association, Membership, MembershipType
from diaspora.extensions import db
from diaspora.members.models import Profile

ACTIONS = {"view", "join", "manage", "directory", "decide"}


def memberships_of(user) -> sa.Select:
    """The user's own memberships, with their association, by association name."""
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


def membership_of(user, association: Association) -> Membership | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == user.id, Membership.association_id == association.id
        )
    )


def is_officer(user, association: Association) -> bool:
    membership = membership_of(user, association)
    return membership is not None and membership.is_officer


def is_active_member(user, association: Association) -> bool:
    membership = membership_of(user, association)
    return membership is not None and membership.status == Membership.ACTIVE


def can(user, action: str, association: Association) -> bool:
    assert action in ACTIONS, action
    if not user.is_authenticated:
        return False
    if action == "view":
        return (association.is_approved or user.is_admin or is_officer(user, association)
                or association.applied_by_id == user.id)
    if action == "join":
        return association.is_approved
    if action == "manage":
        return association.is_approved and is_officer(user, association)
    if action == "directory":
        return association.is_approved and is_active_member(user, association)
    if action == "decide":  # approve or reject the association itself
        return user.is_admin
    return False


def load_association(slug: str, user, action: str) -> Association:
    """The association, or 404 if the user may not even see it, or 403 if they may see it
    but not do `action`."""
    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    if association is None or not can(user, "view", association):
        abort(404)
    if not can(user, action, association):
        abort(403)
    return association


def load_membership(association: Association, membership_id: int) -> Membership:
    """A membership of this association (officers' pages); 404 for any other."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.association_id != association.id:
        abort(404)
    return membership


def load_membership_type(association: Association, type_id: int) -> MembershipType:
    """A membership type of this association (officers' pages); 404 for any other."""
    membership_type = db.session.get(MembershipType, type_id)
    if membership_type is None or membership_type.association_id != association.id:
        abort(404)
    return membership_type


def load_for_review(association_id: int, user) -> Association:
    """An association a platform admin decides on: 403 for anyone else, 404 if there is none."""
    if not user.is_authenticated or not user.is_admin:
        abort(403)
    association = db.session.get(Association, association_id)
    if association is None:
        abort(404)
    return association


def directory_scope(user, association: Association) -> sa.Select:
    """The memberships a user may see in an association's directory: officers see every
    membership; members see active fellow members who chose to appear in the directory."""
    query = (
        sa.select(Membership)
        .where(Membership.association_id == association.id)
        .join(Membership.user)
        .outerjoin(Profile, Profile.user_id == Membership.user_id)
    )
    if is_officer(user, association):
        return query
    return query.where(
        Membership.status == Membership.ACTIVE,
        sa.or_(Profile.directory_consent.is_(True), Membership.user_id == user.id),
    )


def load_import(association: Association, import_id: int):
    """A member import (CSV upload) of this association (officers' pages); 404 for any other."""
    from diaspora.associations.models import MemberImport

    member_import = db.session.get(MemberImport, import_id)
    if member_import is None or member_import.association_id != association.id:
        abort(404)
    return member_import
