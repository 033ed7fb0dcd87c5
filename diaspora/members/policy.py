"""Members' own records: a member sees and changes only their own. Records of another
member answer 404, never 403, so their existence is not revealed."""

import sqlalchemy as sa
from flask import abort

from diaspora.associations.models import Association, Membership


def own_or_404(user, record):
    """`record` (anything with a user_id) if it belongs to `user`; otherwise 404."""
    if record is None or getattr(record, "user_id", None) != user.id:
        abort(404)
    return record


def sole_officer_associations(user) -> sa.Select:
    """Associations where `user` is the only active officer: they may neither leave them nor
    delete their account until someone else is an officer there."""
    others = sa.orm.aliased(Membership)
    return (
        sa.select(Association)
        .join(Membership, Membership.association_id == Association.id)
        .where(
            Membership.user_id == user.id,
            Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE,
            ~sa.exists().where(
                others.association_id == Membership.association_id,
                others.user_id != user.id,
                others.role == Membership.OFFICER,
                others.status == Membership.ACTIVE,
            ),
        )
        .order_by(Association.name)
    )
