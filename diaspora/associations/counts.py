"""How many memberships an association has, by status: read from `association_counts`, which
database triggers keep in step with every change to memberships. A page reads a few rows,
however many members the association has."""

import sqlalchemy as sa

from diaspora.associations.models import Association, AssociationCount, Membership
from diaspora.core.statements import kept, one_of
from diaspora.extensions import db


def by_status(association_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    if not association_ids:
        return counts
    statement = kept("association_counts", lambda: sa.select(
        AssociationCount.association_id, AssociationCount.status, AssociationCount.count)
        .where(one_of(AssociationCount.association_id, "association_ids")))
    rows = db.session.execute(statement, {"association_ids": list(association_ids)})
    for association_id, status, number in rows:
        if number:
            counts.setdefault(association_id, {})[status] = number
    return counts


def of(association: Association) -> dict[str, int]:
    return by_status([association.id]).get(association.id, {})


def active_members(association: Association) -> int:
    return of(association).get(Membership.ACTIVE, 0)


def recount(association_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """The same numbers counted from the memberships themselves (for tests and repairs)."""
    query = sa.select(Membership.association_id, Membership.status, sa.func.count()).group_by(
        Membership.association_id, Membership.status)
    if association_ids is not None:
        query = query.where(Membership.association_id.in_(association_ids))
    counts: dict[int, dict[str, int]] = {}
    for association_id, status, number in db.session.execute(query):
        counts.setdefault(association_id, {})[status] = number
    return counts
