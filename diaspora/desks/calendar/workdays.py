"""Working days at a desk: not a weekend day, and not a day off in the desk's calendar.

A desk's calendar starts from its country's public holidays as the `holidays` package lists
them, with the observance rules the package knows for the country (Nigeria, Zimbabwe and Kenya
move a holiday falling on a weekend to a weekday themselves; `observed=True`, the public
category). Ghana's class applies no weekend rule: it lists, year by year, the days the
government declared, up to the package's release. For it we apply the rule of Ghana's Public
Holidays Act, 2001 (Act 601), with the package's own `ObservedRule` (WEEKEND_RULES): a holiday
on a Saturday or Sunday is observed on the next working day, unless a declared day the package
lists is that day already. Then the desk's corrections (desks/calendar/calendars.py): the days it adds
(a holiday declared by executive instrument) and the listed holidays it removes (not observed,
or moved to a Friday), each with its source.

The country's part is computed once per process, per country and year. A desk's corrections
are cached per process too, under the desk's `calendar_token`, which every correction
replaces in its own transaction: a process reads the token with the desk row it loads anyway,
so it sees another process's change at its next request without asking the database whether
anything changed; a token made by a transaction that was rolled back is never read again.
(Why a token, and what it saves: docs/architecture.md, "Desk calendars".)"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache

import holidays
import sqlalchemy as sa
from holidays.observed_holiday_base import SAT_SUN_TO_NEXT_WORKDAY, ObservedHolidayBase, ObservedRule

from diaspora.extensions import db

PACKAGE_VERSION = holidays.__version__
# Countries whose holidays the package lists without the country's weekend rule.
WEEKEND_RULES: dict[str, ObservedRule] = {"GH": SAT_SUN_TO_NEXT_WORKDAY}
SATURDAY_AND_SUNDAY = frozenset({5, 6})


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str
    source: str  # "package" (listed), "observed" (by WEEKEND_RULES), "added" or "removed" (by the desk)
    note: str | None = None


@dataclass(frozen=True)
class CountryYear:
    """A country's holidays in one year, and what its weekend is."""

    holidays: tuple[Holiday, ...]
    weekend: frozenset[int]
    working_weekend_days: frozenset[date]  # a Saturday declared a working day, where the package knows one

    @cached_property
    def days(self) -> frozenset[date]:
        return frozenset(holiday.day for holiday in self.holidays)


@lru_cache(maxsize=512)
def country_year(country: str, year: int) -> CountryYear:
    try:
        listed = holidays.country_holidays(country, years=year, observed=True)
    except NotImplementedError:  # a country the package does not know: weekends only
        return CountryYear((), SATURDAY_AND_SUNDAY, frozenset())
    found = [Holiday(day, name, "package") for day, name in listed.items()]
    if country in WEEKEND_RULES and not isinstance(listed, ObservedHolidayBase):  # once it has its own, use it
        found += _observed(listed, year, WEEKEND_RULES[country])
    return CountryYear(tuple(sorted(found, key=lambda holiday: holiday.day)), frozenset(listed.weekend),
                       frozenset(listed.weekend_workdays))


def _declared_days(listed, year: int) -> set[date]:
    """The days the package lists because the government declared them, one by one (its
    special holidays), rather than by the country's rules."""
    entries = getattr(listed, "special_public_holidays", {}).get(year, ())
    if entries and not isinstance(entries[0], tuple):
        entries = (entries,)
    return {date(year, entry[0], entry[1]) for entry in entries}


def _observed(listed, year: int, rule: ObservedRule) -> list[Holiday]:
    """The days `rule` moves the year's holidays to that the package does not list. A moved
    holiday takes the next day no other holiday holds (Christmas on a Saturday: Monday; Boxing
    Day on the Sunday: Tuesday); a day the government declared is the observance it declared."""
    declared = _declared_days(listed, year)
    regular = {day for day in listed if day not in declared}
    taken: set[date] = set()
    found = []
    for day in sorted(regular):
        shift = rule.get(day.weekday(), 0)
        if not shift:
            continue
        if abs(shift) == 7:  # the package's "next (or previous) workday"
            step = timedelta(days=shift // 7)
            observed = day + step
            while observed.weekday() in listed.weekend or observed in regular or observed in taken:
                observed += step
        else:
            observed = day + timedelta(days=shift)
        taken.add(observed)
        if observed not in listed:
            found.append(Holiday(observed, listed[day], "observed"))
    return found


# ---------------------------------------------------------------------------- a desk's corrections


def _read_corrections(desk_id: int, year: int) -> tuple[frozenset[date], frozenset[date]]:
    from diaspora.desks.models import DeskCalendarDay

    rows = db.session.execute(sa.select(DeskCalendarDay.day, DeskCalendarDay.change).where(
        DeskCalendarDay.desk_id == desk_id, DeskCalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    added, removed = set(), set()
    for day, change in rows:
        (added if change == "added" else removed).add(day)
    return frozenset(added), frozenset(removed)


@lru_cache(maxsize=2048)
def _cached_corrections(desk_id: int, token: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    return _read_corrections(desk_id, year)


class Calendar:
    """The working days of a desk (or, with no desk, of a country)."""

    def __init__(self, country: str, desk_id: int | None = None, token: str | None = None):
        self.country, self.desk_id, self.token = country, desk_id, token
        self._years: dict[int, tuple[CountryYear, frozenset[date]]] = {}

    def _year(self, year: int) -> tuple[CountryYear, frozenset[date]]:
        if year not in self._years:
            country = country_year(self.country, year)
            days = country.days
            if self.desk_id is not None:
                added, removed = (_read_corrections(self.desk_id, year) if self.token is None else
                                  _cached_corrections(self.desk_id, self.token, year))
                days = (days - removed) | added
            self._years[year] = (country, days)
        return self._years[year]

    def days_off(self, year: int) -> frozenset[date]:
        return self._year(year)[1]

    def is_weekend(self, day: date) -> bool:
        country = self._year(day.year)[0]
        return day.weekday() in country.weekend and day not in country.working_weekend_days

    def is_working_day(self, day: date) -> bool:
        return not self.is_weekend(day) and day not in self._year(day.year)[1]

    def add_working_days(self, start: date, days: int) -> date:
        """The day `days` working days after `start` (start itself not counted)."""
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def of_desk(desk, *, fresh: bool = False) -> Calendar:
    """The desk's calendar; `fresh` reads its corrections from the database, not the cache
    (for a check made inside the transaction that changes them)."""
    return Calendar(desk.country, desk.id, None if fresh else desk.calendar_token)


def of_country(country: str) -> Calendar:
    return Calendar(country)
