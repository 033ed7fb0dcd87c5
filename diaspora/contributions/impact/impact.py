"""An association's impact dashboard: its verified contributions added up, over a range of
months, by month, kind, country and region, and as CSV.

It reads only `contribution_rollups` (kept in step by contributions/impact/rollups.py in the same
transaction as every change into or out of "verified"), never the contributions themselves:
three small aggregates over the rollup rows of one association and its months, which the
primary key (association_id, ...) serves, however many contributions there are."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from babel.dates import format_skeleton

from diaspora.contributions.logbook.logbook import EARLIEST
from diaspora.contributions.models import KINDS, ContributionRollup
from diaspora.core.countries import country_name
from diaspora.core.i18n import _, current_locale, in_locale
from diaspora.core.pagination import Ordering, SortKey, paginate
from diaspora.core.spreadsheet import BOM, safe_cell, take
from diaspora.core.time import DATE_LOCALES, today
from diaspora.extensions import db

DEFAULT_MONTHS = 12
# A trend over more months than this is drawn by year: 40 bars is as many as a page can show.
MONTHLY_UP_TO = 36


# ---------------------------------------------------------------------------- months


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> date | None:
    """'2026-03' → 1 March 2026; anything else → None."""
    text = (text or "").strip()
    parts = text.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or not (1 <= len(parts[1]) <= 2):
        return None
    if not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    try:
        return date(int(parts[0]), int(parts[1]), 1)
    except ValueError:
        return None


@dataclass
class Period:
    """From the first day of `first` to the end of the month `last` (both first days)."""

    first: date
    last: date
    chosen: bool = False  # False: the default range (the last 12 months)

    @classmethod
    def default(cls) -> "Period":
        this_month = today().replace(day=1)
        return cls(first=add_months(this_month, 1 - DEFAULT_MONTHS), last=this_month)

    @classmethod
    def from_args(cls, args) -> tuple["Period", list[str]]:
        """The period the GET parameters `from` and `to` ask for ('YYYY-MM'), and a sentence for
        each value left out (unreadable, out of range): never an error."""
        period, problems = cls.default(), []
        this_month = today().replace(day=1)
        chosen = {}
        for name in ("from", "to"):
            raw = (args.get(name) or "").strip()
            if not raw:
                continue
            month = parse_month(raw)
            shown = raw[:20]
            if month is None:
                problems.append(_("We could not read the month “%(value)s”, so we left it out. "
                                  "Write a month as year and month, like 2026-03.", value=shown))
            elif not EARLIEST.replace(day=1) <= month <= this_month:
                problems.append(_("The month “%(value)s” is outside the months we can show (from January 1980 "
                                  "to this month), so we left it out.", value=shown))
            else:
                chosen[name] = month
        first = chosen.get("from")
        last = chosen.get("to")
        if first and last and first > last:
            problems.append(_("The first month you chose is after the last one, so we show the last 12 months "
                              "instead."))
            return period, problems
        if first or last:
            last = last or this_month
            first = first or add_months(last, 1 - DEFAULT_MONTHS)
            period = cls(first=max(first, EARLIEST.replace(day=1)), last=last, chosen=True)
        return period, problems

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    def as_args(self) -> dict:
        return {"from": self.first.strftime("%Y-%m"), "to": self.last.strftime("%Y-%m")} if self.chosen else {}


# ---------------------------------------------------------------------------- names


def region_name(code: str | None) -> str:
    from diaspora.core.countries import region_name as named

    return named(code)


def month_label(month: date) -> str:
    """March 2026, mars 2026, março de 2026."""
    return _month_label(month, DATE_LOCALES.get(current_locale(), "en_GB"))


@lru_cache(maxsize=4096)
def _month_label(month: date, locale: str) -> str:
    """Babel's formatting, once per month and language: dashboards label a dozen months a page."""
    return format_skeleton("yMMMM", month, locale=locale)


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))


# ---------------------------------------------------------------------------- the dashboard


@dataclass
class Measures:
    contributions: int = 0
    hours: float = 0
    people_trained: int = 0
    patients_reached: int = 0

    def add(self, other: "Measures") -> None:
        self.contributions += other.contributions
        self.hours += other.hours
        self.people_trained += other.people_trained
        self.patients_reached += other.patients_reached


@dataclass
class Row:
    """One line of a breakdown: what it is (a key), how it is named, and its measures."""

    key: object
    label: str
    measures: Measures


@dataclass
class Impact:
    period: Period
    totals: Measures = field(default_factory=Measures)
    trend: list[Row] = field(default_factory=list)  # every month (or year) of the period, zeros included
    trend_by_year: bool = False
    by_kind: list[Row] = field(default_factory=list)
    by_country: list[Row] = field(default_factory=list)
    by_region: list[Row] = field(default_factory=list)
    anything_verified: bool = False  # at any time, not only in the period


_R = ContributionRollup
_SUMS = (sa.func.sum(_R.contributions), sa.func.sum(_R.hours), sa.func.sum(_R.people_trained),
         sa.func.sum(_R.patients_reached))


def _grouped(association_id: int, period: Period, *columns) -> list[tuple]:
    """(columns..., Measures) for the association's rollups in the period, grouped by columns."""
    query = (sa.select(*columns, *_SUMS)
             .where(_R.association_id == association_id, _R.month >= period.first, _R.month <= period.last)
             .group_by(*columns))
    rows = []
    for row in db.session.execute(query):
        keys, sums = tuple(row[:len(columns)]), row[len(columns):]
        measures = Measures(int(sums[0] or 0), float(sums[1] or 0), int(sums[2] or 0), int(sums[3] or 0))
        if measures.contributions:
            rows.append((*keys, measures))
    return rows


def _grouped_at_once(association_id: int, period: Period) -> tuple[list, list, list]:
    """The three groupings (month; kind; country and region) in one pass over the rollups, with
    GROUPING SETS (PostgreSQL): a third of the reading of three GROUP BYs."""
    flags = (sa.func.grouping(_R.month), sa.func.grouping(_R.kind), sa.func.grouping(_R.country))
    query = (sa.select(_R.month, _R.kind, _R.country, _R.region, *flags, *_SUMS)
             .where(_R.association_id == association_id, _R.month >= period.first, _R.month <= period.last)
             .group_by(sa.func.grouping_sets(sa.tuple_(_R.month), sa.tuple_(_R.kind),
                                             sa.tuple_(_R.country, _R.region))))
    by_month, by_kind, by_place = [], [], []
    for month, kind, country, region, no_month, no_kind, no_country, *sums in db.session.execute(query):
        measures = Measures(int(sums[0] or 0), float(sums[1] or 0), int(sums[2] or 0), int(sums[3] or 0))
        if not measures.contributions:
            continue
        if not no_month:
            by_month.append((month, measures))
        elif not no_kind:
            by_kind.append((kind, measures))
        elif not no_country:
            by_place.append((country, region, measures))
    return by_month, by_kind, by_place


def _groupings(association_id: int, period: Period) -> tuple[list, list, list]:
    if db.session.get_bind().dialect.name == "postgresql":
        return _grouped_at_once(association_id, period)
    return (_grouped(association_id, period, _R.month), _grouped(association_id, period, _R.kind),
            _grouped(association_id, period, _R.country, _R.region))


def _largest_first(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (-row.measures.contributions, -row.measures.hours, row.label))


def impact_of(association_id: int, period: Period) -> Impact:
    impact = Impact(period=period)
    months, kinds, places = _groupings(association_id, period)
    by_month = dict(months)
    for kind, measures in kinds:
        impact.by_kind.append(Row(kind, kind_label(kind), measures))
        impact.totals.add(measures)
    countries: dict[str, Measures] = {}
    for country, region, measures in places:
        countries.setdefault(country, Measures()).add(measures)
        if region:
            impact.by_region.append(Row((country, region), _("%(region)s (%(country)s)",
                                                             region=region_name(region),
                                                             country=country_name(country)), measures))
    impact.by_country = [Row(code, country_name(code) if code else _("No country given"), measures)
                         for code, measures in countries.items()]
    impact.by_kind = _largest_first(impact.by_kind)
    impact.by_country = _largest_first(impact.by_country)
    impact.by_region = _largest_first(impact.by_region)
    impact.trend_by_year = period.months > MONTHLY_UP_TO
    impact.trend = _trend(period, by_month, impact.trend_by_year)
    impact.anything_verified = impact.totals.contributions > 0 or db.session.scalar(
        sa.select(sa.literal(1)).where(_R.association_id == association_id, _R.contributions != 0).limit(1)) == 1
    return impact


def _trend(period: Period, by_month: dict[date, Measures], by_year: bool) -> list[Row]:
    rows: dict[object, Row] = {}
    month = period.first
    while month <= period.last:
        key = month.year if by_year else month
        label = str(month.year) if by_year else month_label(month)
        row = rows.setdefault(key, Row(key, label, Measures()))
        if month in by_month:
            row.measures.add(by_month[month])
        month = add_months(month, 1)
    return list(rows.values())


# ---------------------------------------------------------------------------- CSV


def csv_rows(association_id: int, period: Period, locale: str | None = None) -> Iterator[str]:
    """The rollups of the period, one row per month, country, region and kind, in the reader's
    language (a streamed response is written after the request's user is gone)."""
    with in_locale(locale):
        yield from _csv_rows(association_id, period)


CSV_CHUNK = 2000
# A rollup row is one CSV row (its key is the CSV's: month, country, region, kind), read in that
# order from ix_contribution_rollups_association_month, a batch at a time: constant memory.
CSV_ORDER = Ordering([SortKey(_R.month, lambda row: row.month, kind=date),
                      SortKey(_R.country, lambda row: row.country), SortKey(_R.region, lambda row: row.region),
                      SortKey(_R.kind, lambda row: row.kind)])


def _csv_rows(association_id: int, period: Period) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Month"), _("Country code"), _("Country"), _("Region code"), _("Region"), _("Kind"),
                     _("Verified contributions"), _("Hours"), _("People trained"), _("Patients reached")])
    yield BOM + take(buffer)
    query = (sa.select(_R.month, _R.country, _R.region, _R.kind, _R.contributions, _R.hours, _R.people_trained,
                       _R.patients_reached)
             .where(_R.association_id == association_id, _R.month >= period.first, _R.month <= period.last,
                    _R.contributions > 0))
    after = None
    while True:
        page = paginate(query, CSV_ORDER, after=after, per_page=CSV_CHUNK, scalars=False)
        writer.writerows([row.month.strftime("%Y-%m"), row.country, safe_cell(country_name(row.country)),
                          row.region, safe_cell(region_name(row.region)), safe_cell(kind_label(row.kind)),
                          row.contributions, _plain(row.hours), row.people_trained, row.patients_reached]
                         for row in page.items)
        yield take(buffer)
        db.session.rollback()  # no snapshot held between batches
        if not page.has_next:
            return
        after = page.next_cursor


def _plain(value: float) -> str:
    value = round(value, 2)
    return str(int(value)) if float(value).is_integer() else str(value)
