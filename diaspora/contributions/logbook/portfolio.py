"""A member's portfolio: their contributions, filtered, with totals, and as CSV.

A member's own rows are few (hundreds at most), so the totals are one aggregate query over
their rows (the index starts with user_id); the list is a keyset page, newest first."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diaspora.contributions.models import CONTRIBUTION_STATES, KINDS, MODES, Contribution, ContributionStatus
from diaspora.core.countries import country_name, region_name
from diaspora.core.i18n import _, in_locale
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.spreadsheet import BOM, iso, safe_cell, take
from diaspora.extensions import db

NEWEST_FIRST = Ordering([
    SortKey(Contribution.starts_on, lambda c: c.starts_on, descending=True, kind=date),
    SortKey(Contribution.id, lambda c: c.id, descending=True, kind=int),
])


@dataclass
class Filters:
    kind: str | None = None
    country: str | None = None
    status: str | None = None
    starts: date | None = None
    ends: date | None = None

    @classmethod
    def from_args(cls, args) -> "Filters":
        def day(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        kind = args.get("kind") if args.get("kind") in KINDS else None
        status = args.get("status") if args.get("status") in CONTRIBUTION_STATES.values else None
        country = (args.get("country") or "").upper()[:2] or None
        return cls(kind=kind, country=country, status=status, starts=day("from"), ends=day("to"))

    def as_args(self) -> dict:
        values = {"kind": self.kind, "country": self.country, "status": self.status,
                  "from": self.starts.isoformat() if self.starts else None,
                  "to": self.ends.isoformat() if self.ends else None}
        return {key: value for key, value in values.items() if value}


def contributions_of(user_id: int, filters: Filters | None = None) -> sa.Select:
    query = sa.select(Contribution).where(Contribution.user_id == user_id)
    filters = filters or Filters()
    if filters.kind:
        query = query.where(Contribution.kind == filters.kind)
    if filters.country:
        query = query.where(Contribution.country == filters.country)
    if filters.status:
        query = query.where(Contribution.status == filters.status)
    if filters.starts:
        query = query.where(Contribution.starts_on >= filters.starts)
    if filters.ends:
        query = query.where(Contribution.starts_on <= filters.ends)
    return query


@dataclass
class Totals:
    contributions: int = 0
    hours: float = 0
    people_trained: int = 0
    patients_reached: int = 0
    cpd_points: float = 0
    countries: list[str] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_year: dict[int, int] = field(default_factory=dict)


def totals_of(user_id: int, filters: Filters | None = None, *, verified_only: bool = False) -> Totals:
    """The filtered contributions added up: one query, grouped by kind, year and country."""
    query = contributions_of(user_id, filters)
    if verified_only:
        query = query.where(Contribution.status == ContributionStatus.VERIFIED)
    else:
        query = query.where(Contribution.status != ContributionStatus.WITHDRAWN)
    rows = query.subquery()
    year = sa.extract("year", rows.c.starts_on).label("year")
    grouped = db.session.execute(sa.select(
        rows.c.kind, year, rows.c.country, sa.func.count(), sa.func.coalesce(sa.func.sum(rows.c.hours), 0),
        sa.func.coalesce(sa.func.sum(rows.c.people_trained), 0),
        sa.func.coalesce(sa.func.sum(rows.c.patients_reached), 0),
        sa.func.coalesce(sa.func.sum(rows.c.cpd_points), 0),
    ).group_by(rows.c.kind, year, rows.c.country))
    totals = Totals()
    countries = set()
    for kind, in_year, country, number, hours, trained, reached, points in grouped:
        totals.contributions += number
        totals.hours += float(hours)
        totals.people_trained += int(trained)
        totals.patients_reached += int(reached)
        totals.cpd_points += float(points)
        totals.by_kind[kind] = totals.by_kind.get(kind, 0) + number
        if in_year is not None:
            totals.by_year[int(in_year)] = totals.by_year.get(int(in_year), 0) + number
        if country:
            countries.add(country)
    totals.countries = sorted(countries, key=country_name)
    totals.by_kind = dict(sorted(totals.by_kind.items(), key=lambda item: -item[1]))
    totals.by_year = dict(sorted(totals.by_year.items()))
    return totals


def for_listing(query: sa.Select) -> sa.Select:
    return query.options(joinedload(Contribution.association))


# ---------------------------------------------------------------------------- CSV


def csv_rows(user_id: int, filters: Filters | None = None, locale: str | None = None) -> Iterator[str]:
    """The portfolio as CSV, a row at a time (streamed), in the reader's language. Takes the
    member's id and language: a streamed response is written after the request's user is gone."""
    with in_locale(locale):
        yield from _csv_rows(user_id, filters)


def _csv_rows(user_id: int, filters: Filters | None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Title"), _("Kind"), _("Status"), _("Country"), _("Region"), _("Partner"), _("First day"),
                     _("Last day"), _("Hours"), _("Participatory hours"), _("Mode"), _("People trained"),
                     _("Patients reached"), _("Value of supplies"), _("Currency"), _("CPD points"),
                     _("Verified by"), _("Verified on")])
    yield BOM + take(buffer)
    query = (contributions_of(user_id, filters).options(joinedload(Contribution.association))
             .order_by(*NEWEST_FIRST.order_by()).execution_options(yield_per=500))
    for c in db.session.scalars(query):
        writer.writerow([safe_cell(c.title), c.kind_label, CONTRIBUTION_STATES.label(c.status), country_name(c.country),
                         region_name(c.region), safe_cell(c.partner or ""), iso(c.starts_on), iso(c.ends_on),
                         _number(c.hours), _number(c.participatory_hours), str(MODES.get(c.mode or "", "")),
                         _number(c.people_trained), _number(c.patients_reached), _number(c.supplies_value),
                         c.currency or "", _number(c.cpd_points),
                         c.association.name if c.is_verified and c.association else "",
                         iso(c.verified_at.date()) if c.verified_at else ""])
        yield take(buffer)


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)
