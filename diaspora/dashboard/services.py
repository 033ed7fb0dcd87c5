"""What each role's dashboard shows, computed in SQL (counts are GROUP BYs, not loops)."""

import sqlalchemy as sa

from diaspora.associations import policy as association_policy
from diaspora.associations.models import Association, Membership
from diaspora.auth.models import User
from diaspora.core.models import OutboxMessage
from diaspora.desks import policy as desk_policy
from diaspora.extensions import db


def member_panel(user) -> list[Membership]:
    return list(db.session.scalars(association_policy.memberships_of(user)))


def officer_panel(user) -> list[dict]:
    associations = list(db.session.scalars(association_policy.officer_associations(user)))
    if not associations:
        return []
    counts = _membership_counts([a.id for a in associations])
    return [{"association": a, "counts": counts.get(a.id, {})} for a in associations]


def desk_panel(user) -> list:
    return list(db.session.scalars(desk_policy.desks_of(user)))


def admin_panel() -> dict:
    return {
        "users": db.session.scalar(sa.select(sa.func.count(User.id))),
        "associations": _grouped_count(Association.status),
        "outbox": _grouped_count(OutboxMessage.status),
    }


def _membership_counts(association_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        sa.select(Membership.association_id, Membership.status, sa.func.count())
        .where(Membership.association_id.in_(association_ids))
        .group_by(Membership.association_id, Membership.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for association_id, status, number in rows:
        counts.setdefault(association_id, {})[status] = number
    return counts


def _grouped_count(column) -> dict[str, int]:
    return dict(db.session.execute(sa.select(column, sa.func.count()).group_by(column)).all())
