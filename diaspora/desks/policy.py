"""Who may work which desk."""

import sqlalchemy as sa

from diaspora.desks.models import Desk, DeskOfficer
from diaspora.extensions import db


def desks_of(user) -> sa.Select:
    return (
        sa.select(Desk)
        .join(DeskOfficer)
        .where(DeskOfficer.user_id == user.id)
        .order_by(Desk.country)
    )


def can(user, action: str, desk: Desk) -> bool:
    if not user.is_authenticated:
        return False
    if action in {"view", "work"}:
        return db.session.scalar(
            sa.select(sa.exists().where(DeskOfficer.desk_id == desk.id, DeskOfficer.user_id == user.id))
        )
    return False
