"""Who may see and do what in associations, and the object kinds their URLs name.

Views never ask here directly for the objects in their URL: they declare
`@loads(association="manage")` and the kind below finds the object and answers 404 (may not
see it) or 403 (may see it, may not do that). Templates and services ask `can(...)`.
Answers are memoised per request (`core.access.allowed`, `core.memo`).

A service token's principal (api/) is an active officer of exactly the association it acts
for (`access.acting_for`), and a member of nothing: it joins and leaves nothing."""

import sqlalchemy as sa

from diaspora.associations.models import Association, MemberImport, Membership, MembershipType
from diaspora.core import memo
from diaspora.core.access import acting_for, allowed, object_kind
from diaspora.core.access_log import Read, describe
from diaspora.core.i18n import _l
from diaspora.core.statements import bound, kept
from diaspora.extensions import db
from diaspora.members.models import Profile

ASSOCIATION_ACTIONS = {"view", "join", "manage", "directory", "decide"}


# ---------------------------------------------------------------------------- lookups


def membership_of(user, association: Association) -> Membership | None:
    """The user's membership of the association (memoised for the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    statement = kept("membership_of", lambda: sa.select(Membership).where(
        Membership.user_id == bound("user_id", sa.Integer),
        Membership.association_id == bound("association_id", sa.Integer)))
    return memo.cached(("membership_of", user.id, association.id), lambda: db.session.scalar(
        statement, {"user_id": user.id, "association_id": association.id}))


def is_officer(user, association: Association) -> bool:
    service = acting_for(user)
    if service is not None:
        return service.association_id == association.id
    membership = membership_of(user, association)
    return membership is not None and membership.is_officer


def is_active_member(user, association: Association) -> bool:
    service = acting_for(user)
    if service is not None:  # as its officers are
        return service.association_id == association.id
    membership = membership_of(user, association)
    return membership is not None and membership.status == Membership.ACTIVE


def memberships_of(user) -> sa.Select:
    """The user's own memberships, with their association, by association name."""
    return (
        sa.select(Membership)
        .join(Membership.association)
        .where(Membership.user_id == user.id)
        .options(sa.orm.contains_eager(Membership.association))
        .order_by(Association.name, Membership.id)
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


# ---------------------------------------------------------------------------- rules


def can(user, action: str, association: Association) -> bool:
    assert action in ASSOCIATION_ACTIONS, action
    authenticated = getattr(user, "is_authenticated", False)
    if action == "view":  # an approved association's page is public
        return association.is_approved or (authenticated and (
            user.is_admin or is_officer(user, association) or association.applied_by_id == user.id))
    if not authenticated:
        return False
    if action == "join":
        if acting_for(user) is not None:
            return False
        return association.is_approved
    if action == "manage":
        return association.is_approved and is_officer(user, association)
    if action == "directory":
        return association.is_approved and is_active_member(user, association)
    if action == "decide":  # approve or reject the association itself
        return user.is_admin
    return False


def can_membership(user, action: str, membership: Membership) -> bool:
    """view: the member, or an officer of the association; manage: an officer (an admin
    decides associations, not memberships); leave: the member."""
    if not getattr(user, "is_authenticated", False):
        return False
    own = membership.user_id == user.id
    if action == "leave":
        return own
    officer = is_officer(user, membership.association)
    if action == "view":
        return own or officer
    if action == "manage":
        return officer and membership.association.is_approved
    return False


def can_manage_part(user, action: str, part) -> bool:
    """Membership types and member imports are seen and changed by officers only."""
    if not getattr(user, "is_authenticated", False):
        return False
    association = db.session.get(Association, part.association_id)
    return association is not None and allowed(user, "association", "manage", association)


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


# ---------------------------------------------------------------------------- object kinds


def reader_in(user, association: Association | None) -> tuple[str, str | None]:
    """The role in which a user reads a person's data held for an association (access log)."""
    name = association.name if association is not None else None
    if acting_for(user) is not None:
        return "service", name
    if association is not None and is_officer(user, association):
        return "officer", name
    if getattr(user, "is_admin", False):
        return "admin", None
    return "officer", name


def _reads_membership(user, membership: Membership) -> Read:
    return Read(membership.user_id, "membership", *reader_in(user, membership.association))


def _by_slug(slug: str) -> Association | None:
    statement = kept("association_by_slug", lambda: sa.select(Association).where(
        Association.slug == bound("slug", sa.String)))
    return db.session.scalar(statement, {"slug": slug})


def _get(model):
    return lambda **params: db.session.get(model, next(iter(params.values())))


def declare_kinds() -> None:
    describe("membership", _l("Your membership record"))
    object_kind("association", params=("slug",), find=_by_slug, can=can, actions=ASSOCIATION_ACTIONS)
    object_kind("membership", params=("membership_id",), find=_get(Membership), can=can_membership,
                actions={"view", "manage", "leave"}, parent="association",
                parent_of=lambda membership: membership.association, reads=_reads_membership)
    object_kind("membership_type", params=("type_id",), find=_get(MembershipType), can=can_manage_part,
                actions={"view", "manage"}, parent="association",
                parent_of=lambda membership_type: membership_type.association)
    object_kind("member_import", params=("import_id",), find=_get(MemberImport), can=can_manage_part,
                actions={"view", "manage"}, parent="association",
                parent_of=lambda member_import: db.session.get(Association, member_import.association_id))
