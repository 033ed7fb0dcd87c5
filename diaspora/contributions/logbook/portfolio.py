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
from diaspora.core.statements import bound, kept
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
    filters = filters or Filters()
    return _narrowed(sa.select(Contribution).where(Contribution.user_id == user_id), filters,
                     filters.kind, filters.country, filters.status, filters.starts, filters.ends)


def _narrowed(query: sa.Select, filters: Filters, kind, country, status, starts, ends) -> sa.Select:
    """`query` narrowed by the filters that are set, to the values given (the filters' own, or
    bound parameters)."""
    if filters.kind:
        query = query.where(Contribution.kind == kind)
    if filters.country:
        query = query.where(Contribution.country == country)
    if filters.status:
        query = query.where(Contribution.status == status)
    if filters.starts:
        query = query.where(Contribution.starts_on >= starts)
    if filters.ends:
        query = query.where(Contribution.starts_on <= ends)
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

    def add(self, kind: str, year, country: str | None, number: int, hours, trained, reached, points) -> None:
        self.contributions += number
        self.hours += float(hours)
        self.people_trained += int(trained)
        self.patients_reached += int(reached)
        self.cpd_points += float(points)
        self.by_kind[kind] = self.by_kind.get(kind, 0) + number
        if year is not None:
            self.by_year[int(year)] = self.by_year.get(int(year), 0) + number
        if country and country not in self.countries:
            self.countries.append(country)

    def finish(self) -> "Totals":
        self.countries = sorted(self.countries, key=country_name)
        self.by_kind = dict(sorted(self.by_kind.items(), key=lambda item: -item[1]))
        self.by_year = dict(sorted(self.by_year.items()))
        return self


def totals_of(user_id: int, filters: Filters | None = None, *, verified_only: bool = False) -> Totals:
    """The filtered contributions added up (all but the withdrawn, or the verified only)."""
    every, verified = both_totals(user_id, filters)
    return verified if verified_only else every


def both_totals(user_id: int, filters: Filters | None = None) -> tuple[Totals, Totals]:
    """The filtered contributions added up, all but the withdrawn, and the verified ones: one
    query grouped by kind, year, country and whether verified, through a statement kept per set
    of filters chosen (core/statements.py; their values are bound parameters)."""
    filters = filters or Filters()
    shape = tuple(bool(value) for value in (filters.kind, filters.country, filters.status, filters.starts,
                                            filters.ends))
    values = {"user_id": user_id, "kind": filters.kind, "country": filters.country, "status": filters.status,
              "starts": filters.starts, "ends": filters.ends}
    every, verified = Totals(), Totals()
    for is_verified, *group in db.session.execute(kept(("portfolio_totals", shape), lambda: _totals(filters)),
                                                  values):
        every.add(*group)
        if is_verified:
            verified.add(*group)
    return every.finish(), verified.finish()


def _totals(filters: Filters) -> sa.Select:
    def bound_as(name: str, column) -> sa.BindParameter:
        return bound(name, column.type)

    year = sa.extract("year", Contribution.starts_on).label("year")
    verified = (Contribution.status == ContributionStatus.VERIFIED).label("verified")
    query = sa.select(
        verified, Contribution.kind, year, Contribution.country, sa.func.count(),
        sa.func.coalesce(sa.func.sum(Contribution.hours), 0),
        sa.func.coalesce(sa.func.sum(Contribution.people_trained), 0),
        sa.func.coalesce(sa.func.sum(Contribution.patients_reached), 0),
        sa.func.coalesce(sa.func.sum(Contribution.cpd_points), 0),
    ).where(Contribution.user_id == bound("user_id", sa.Integer), Contribution.status != ContributionStatus.WITHDRAWN)
    query = _narrowed(query, filters, bound_as("kind", Contribution.kind), bound_as("country", Contribution.country),
                      bound_as("status", Contribution.status), bound_as("starts", Contribution.starts_on),
                      bound_as("ends", Contribution.starts_on))
    return query.group_by(verified, Contribution.kind, year, Contribution.country)


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
