"""The officers' licence overview of one association: how the licences of the members who chose
to share them stand (active, expiring, lapsed, unknown), by regulator country, and which lapse
in the next 90 days, soonest first.

Only members who let this association's officers see their licences (`LicenceSharing.shared`)
and are active members of it count; a member who stops sharing, leaves or is suspended drops out
at once. Database triggers keep `shared_licences` (one row per licence and association, while
that holds) and `shared_licence_counts` (those rows counted by country and expiry day, and again
by expiry month) in the same transaction as every change (models.py, and the migration "shared
licences"). Two statements whatever the size of the association, each through its key: the
counts, a few hundred rows; then one page of licences lapsing soon."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from diaspora.associations.models import Association, Membership
from diaspora.auth.models import User
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.statements import kept
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure.models import (
    EXPIRING_WITHIN,
    ExpirySpan,
    Licence,
    LicenceSharing,
    LicenceStatus,
    Regulator,
    SharedLicence,
    SharedLicenceCount,
)

STATUSES = (LicenceStatus.ACTIVE, LicenceStatus.EXPIRING, LicenceStatus.LAPSED, LicenceStatus.UNKNOWN)
SOONEST_FIRST = Ordering([SortKey(SharedLicence.expires_on, lambda row: row.expires_on, kind=date),
                          SortKey(SharedLicence.licence_id, lambda row: row.licence_id, kind=int)])


@dataclass
class Counts:
    by_status: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in STATUSES})
    by_country: dict[str, dict[str, int]] = field(default_factory=dict)  # country -> status -> count

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def add(self, country: str, status: str, number: int) -> None:
        if not number:
            return
        self.by_status[status] = self.by_status.get(status, 0) + number
        per_country = self.by_country.setdefault(country, {s.value: 0 for s in STATUSES})
        per_country[status] = per_country.get(status, 0) + number

    def country_rows(self) -> list[tuple[str, dict[str, int], int]]:
        """(country, its counts by status, its total), the most licences first."""
        rows = [(country, counts, sum(counts.values())) for country, counts in self.by_country.items()]
        return sorted(rows, key=lambda row: (-row[2], row[0]))


def sharing_members(association: Association) -> sa.Select:
    """The ids of the members who share their licences with the association and are active
    there: served by ix_licence_sharing_association (association_id, shared, user_id). The
    same rule the triggers apply to `shared_licences`; a mission team's panel asks it of a
    team's members, including those with no licence (team.py)."""
    return (sa.select(LicenceSharing.user_id)
            .join(Membership, sa.and_(Membership.user_id == LicenceSharing.user_id,
                                      Membership.association_id == LicenceSharing.association_id))
            .where(LicenceSharing.association_id == association.id, LicenceSharing.shared.is_(True),
                   Membership.status == Membership.ACTIVE))


def _end_of_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _counts_parameters(association_id: int, day: date) -> dict:
    last_expiring = day + EXPIRING_WITHIN
    return {"association_id": association_id, "day": day, "last_expiring": last_expiring,
            "first_day": day.replace(day=1), "last_day": _end_of_month(last_expiring)}


def counts_statement() -> sa.Select:
    """(country, status, count) on the day bound as `day`, from the maintained counts: `models.status_on` in SQL.

    A licence is lapsed when it expired before `day`, expiring when it expires from `day` to
    `day` + 90 days, active after. Each licence is in a day row and a month row; the boundaries
    fall inside two months (this month, and the month of the 90th day), so those months are read
    day by day and every other month whole:

    * month rows before this month: lapsed;
    * day rows from the 1st of this month to the last day of the 90th day's month: each by its day;
    * month rows after the 90th day's month: active;
    * the unknown-expiry rows: unknown.

    About 150 day rows and one row per month of expiry dates, per country: not one per member.

    Its values are bound parameters (`_counts_parameters`); `counts_of` keeps it
    (core/statements.py)."""
    counts = SharedLicenceCount
    day, last_expiring = sa.bindparam("day", type_=sa.Date), sa.bindparam("last_expiring", type_=sa.Date)
    first_day, last_day = sa.bindparam("first_day", type_=sa.Date), sa.bindparam("last_day", type_=sa.Date)
    mine = counts.association_id == sa.bindparam("association_id", type_=sa.Integer)
    by_day = sa.select(counts.country, sa.case(
        (counts.starts_on < day, LicenceStatus.LAPSED.value),
        (counts.starts_on <= last_expiring, LicenceStatus.EXPIRING.value),
        else_=LicenceStatus.ACTIVE.value).label("status"), counts.count).where(
        mine, counts.span == ExpirySpan.DAY.value, counts.starts_on.between(first_day, last_day))
    months_before = sa.select(counts.country, sa.literal(LicenceStatus.LAPSED.value), counts.count).where(
        mine, counts.span == ExpirySpan.MONTH.value, counts.starts_on < first_day)
    months_after = sa.select(counts.country, sa.literal(LicenceStatus.ACTIVE.value), counts.count).where(
        mine, counts.span == ExpirySpan.MONTH.value, counts.starts_on > last_day)
    unknown = sa.select(counts.country, sa.literal(LicenceStatus.UNKNOWN.value), counts.count).where(
        mine, counts.span == ExpirySpan.UNKNOWN.value)
    rows = sa.union_all(by_day, months_before, months_after, unknown).subquery()
    return sa.select(rows.c.country, rows.c.status, sa.func.sum(rows.c.count)).group_by(rows.c.country, rows.c.status)


def counts_of(association: Association, day: date | None = None) -> Counts:
    counts = Counts()
    parameters = _counts_parameters(association.id, day or today())
    for country, status, number in db.session.execute(kept("licence_counts", counts_statement), parameters):
        counts.add(country, status, int(number))
    return counts


def lapsing_soon(association: Association, day: date | None = None) -> sa.Select:
    """The shared licences that lapse in the next 90 days (still valid today), with the columns
    the page shows; page it with `page_of(..., SOONEST_FIRST, scalars=False)`. Read through
    ix_shared_licences_association_expires_on, 25 rows at a time, each joined to its member
    and regulator by their keys."""
    day = day or today()
    shared = SharedLicence
    return (sa.select(shared.licence_id, shared.expires_on, User.name.label("member_name"),
                      Regulator.name.label("regulator_name"), Regulator.short_name.label("regulator_short_name"),
                      Regulator.country.label("regulator_country"))
            .join(User, User.id == shared.user_id).join(Regulator, Regulator.id == shared.regulator_id)
            .where(shared.association_id == association.id, shared.expires_on >= day,
                   shared.expires_on <= day + EXPIRING_WITHIN))


# ---------------------------------------------------------------------------- for tests


def live_shared() -> sa.Select:
    """What `shared_licences` should hold, worked out from the licences, sharing choices and
    memberships as they are: the rule the triggers keep, which tests compare with the table."""
    return (sa.select(Licence.id.label("licence_id"), LicenceSharing.association_id, Licence.user_id,
                      Licence.regulator_id, Regulator.country, Licence.expires_on)
            .join(Regulator, Regulator.id == Licence.regulator_id)
            .join(LicenceSharing, sa.and_(LicenceSharing.user_id == Licence.user_id, LicenceSharing.shared))
            .where(sa.exists().where(Membership.user_id == Licence.user_id,
                                     Membership.association_id == LicenceSharing.association_id,
                                     Membership.status == Membership.ACTIVE)))
