"""The officers' licence overview of one association: how the licences of the members who chose
to share them stand (active, expiring, lapsed, unknown), by regulator country, and which lapse
in the next 90 days, soonest first.

Only members who let this association's officers see their licences (`LicenceSharing.shared`)
and are active members of it count; a member who stops sharing, leaves or is suspended drops out
at once (nothing is copied). Two statements whatever the size of the association: the counts,
then one page of licences lapsing soon."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diaspora.associations.models import Association, Membership
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure.models import EXPIRING_WITHIN, Licence, LicenceSharing, LicenceStatus, Regulator

STATUSES = (LicenceStatus.ACTIVE, LicenceStatus.EXPIRING, LicenceStatus.LAPSED, LicenceStatus.UNKNOWN)
SOONEST_FIRST = Ordering([SortKey(Licence.expires_on, lambda licence: licence.expires_on, kind=date),
                          SortKey(Licence.id, lambda licence: licence.id, kind=int)])


def sharing_members(association: Association) -> sa.Select:
    """The ids of the members who share their licences with the association and are active
    there: served by ix_licence_sharing_association (association_id, shared, user_id)."""
    return (sa.select(LicenceSharing.user_id)
            .join(Membership, sa.and_(Membership.user_id == LicenceSharing.user_id,
                                      Membership.association_id == LicenceSharing.association_id))
            .where(LicenceSharing.association_id == association.id, LicenceSharing.shared.is_(True),
                   Membership.status == Membership.ACTIVE))


def status_expression(day: date) -> sa.Case:
    """`models.status_on` in SQL, so the database groups by it (keep the two in step)."""
    return sa.case((Licence.expires_on.is_(None), LicenceStatus.UNKNOWN.value),
                   (Licence.expires_on < day, LicenceStatus.LAPSED.value),
                   (Licence.expires_on <= day + EXPIRING_WITHIN, LicenceStatus.EXPIRING.value),
                   else_=LicenceStatus.ACTIVE.value)


@dataclass
class Counts:
    by_status: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in STATUSES})
    by_country: dict[str, dict[str, int]] = field(default_factory=dict)  # country -> status -> count

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def country_rows(self) -> list[tuple[str, dict[str, int], int]]:
        """(country, its counts by status, its total), the most licences first."""
        rows = [(country, counts, sum(counts.values())) for country, counts in self.by_country.items()]
        return sorted(rows, key=lambda row: (-row[2], row[0]))


def counts_of(association: Association, day: date | None = None) -> Counts:
    """One GROUP BY over the licences of the members who share with this association.

    Why a GROUP BY here, where dashboards read counters: the rows it reads are bounded by the
    members who chose to share with this association (off unless a member ticks it), each with
    a handful of licences, found through the sharing index then ix_licences_user_expires_on; it
    never walks the association's members who did not share, nor anyone's licences elsewhere.
    And a status is derived from today's date (a licence turns "expiring" without any write), so
    a counter kept by triggers would be wrong by the next morning: it would need a daily job
    rewriting every association's counts, for a page officers open now and then."""
    day = day or today()
    status = status_expression(day).label("status")
    rows = (sa.select(Regulator.country, status, sa.func.count(Licence.id))
            .select_from(Licence).join(Regulator, Regulator.id == Licence.regulator_id)
            .where(Licence.user_id.in_(sharing_members(association)))
            .group_by(Regulator.country, status))
    counts = Counts()
    for country, state, number in db.session.execute(rows):
        counts.by_status[state] = counts.by_status.get(state, 0) + number
        per_country = counts.by_country.setdefault(country, {s.value: 0 for s in STATUSES})
        per_country[state] = per_country.get(state, 0) + number
    return counts


def lapsing_soon(association: Association, day: date | None = None) -> sa.Select:
    """The shared licences that lapse in the next 90 days (still valid today), with their member
    and regulator; page it with `page_of(..., SOONEST_FIRST)`."""
    day = day or today()
    return (sa.select(Licence).options(joinedload(Licence.user), joinedload(Licence.regulator))
            .where(Licence.user_id.in_(sharing_members(association)),
                   Licence.expires_on >= day, Licence.expires_on <= day + EXPIRING_WITHIN))
