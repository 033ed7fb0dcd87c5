"""The daily run (`flask memberships update`): active memberships past their renewal date
lapse, and members are reminded 30 days before. Set-based (one UPDATE per chunk of rows, mail
rendered in bulk per member's language) and idempotent: a second run the same day changes and
sends nothing, whatever happens to the cron schedule."""

from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diaspora.associations.models import Membership
from diaspora.core import audit
from diaspora.core.i18n import Later, _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.time import long_date, today
from diaspora.extensions import db

REMINDER_DAYS = 30
UPDATE_CHUNK = 500

Progress = Callable[[int, int], None] | None


def _due(where: list) -> list[Membership]:
    query = (
        sa.select(Membership)
        .where(*where)
        .options(joinedload(Membership.user), joinedload(Membership.association))
        .order_by(Membership.id)
        .with_for_update(of=Membership)
    )
    return list(db.session.scalars(query).unique())


def _bulk_update(memberships: list[Membership], where: list, values: dict) -> None:
    """One UPDATE per chunk of rows; the version moves as if each row had been saved."""
    for start in range(0, len(memberships), UPDATE_CHUNK):
        ids = [m.id for m in memberships[start:start + UPDATE_CHUNK]]
        db.session.execute(
            sa.update(Membership)
            .where(Membership.id.in_(ids), *where)
            .values(**values, version=Membership.version + 1)
            .execution_options(synchronize_session="evaluate")
        )


def _tell(membership: Membership, subject, template: str, **context) -> None:
    user = membership.user
    if user.active:
        queue_email(user.email, subject, template, locale=user.locale, user=user,
                    association=membership.association, membership=membership,
                    memberships_url=absolute("associations.my_memberships"), **context)


def lapse_due(on: date | None = None, progress: Progress = None) -> int:
    """Active memberships whose renewal date has passed become lapsed; each member is told."""
    on = on or today()
    where = [Membership.status == Membership.ACTIVE, Membership.renews_on < on]
    memberships = _due(where)
    _bulk_update(memberships, where, {"status": Membership.LAPSED})
    for number, membership in enumerate(memberships, 1):
        audit.record("membership.lapsed", membership, actor=None, changes={
            "status": [Membership.ACTIVE.value, Membership.LAPSED.value],
            "renews_on": str(membership.renews_on)})
        _tell(membership, _l("Your membership of %(name)s has lapsed", name=membership.association.name),
              "associations_membership_lapsed", lapsed_on=membership.renews_on)
        if progress:
            progress(number, len(memberships))
    return len(memberships)


def send_reminders(on: date | None = None, progress: Progress = None) -> int:
    """Active memberships renewing within 30 days get one reminder per renewal date."""
    on = on or today()
    where = [
        Membership.status == Membership.ACTIVE,
        Membership.renews_on >= on,
        Membership.renews_on <= on + timedelta(days=REMINDER_DAYS),
        sa.or_(Membership.reminder_sent_for.is_(None), Membership.reminder_sent_for != Membership.renews_on),
    ]
    memberships = _due(where)
    _bulk_update(memberships, where, {"reminder_sent_for": Membership.renews_on})
    for number, membership in enumerate(memberships, 1):
        audit.record("membership.reminder_sent", membership, actor=None,
                     changes={"reminder_sent_for": str(membership.renews_on)})
        subject = Later(lambda m=membership: _("Your membership of %(name)s renews on %(date)s",
                                               name=m.association.name, date=long_date(m.renews_on)))
        _tell(membership, subject, "associations_renewal_reminder", renews_on=membership.renews_on)
        if progress:
            progress(number, len(memberships))
    return len(memberships)
