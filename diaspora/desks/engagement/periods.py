"""The reporting periods a desk's dashboard shows contributions for: a calendar year, one of its
quarters or one of its months, and nothing else. Two freely chosen ranges that overlap (June to
August, June to July) differ by a month, whose count could then be worked out however each
range's tables were protected; fixed periods nest (a month in its quarter, a quarter in its
year), so every count of a year can be protected together (docs/disclosure.md)."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel.dates import format_skeleton, get_month_names

from diaspora.contributions.impact.impact import add_months, month_label, parse_month
from diaspora.contributions.logbook.logbook import EARLIEST
from diaspora.core.i18n import _, current_locale
from diaspora.core.time import DATE_LOCALES

YEAR = "year"
QUARTERS = ("q1", "q2", "q3", "q4")
MONTHS = tuple(f"{number:02d}" for number in range(1, 13))
FIRST_YEAR = EARLIEST.year


@dataclass(frozen=True)
class ReportingPeriod:
    """A calendar year, one of its quarters (1-4) or one of its months (1-12)."""

    year: int
    quarter: int = 0
    month: int = 0

    @property
    def kind(self) -> str:
        return "month" if self.month else "quarter" if self.quarter else YEAR

    @property
    def key(self) -> str:
        """How the period is stored: 2026, 2026-Q2, 2026-05."""
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.quarter:
            return f"{self.year}-Q{self.quarter}"
        return str(self.year)

    @property
    def part(self) -> str:
        """The part of its year, as the filter writes it: year, q2, 05."""
        if self.month:
            return f"{self.month:02d}"
        if self.quarter:
            return f"q{self.quarter}"
        return YEAR

    @property
    def first(self) -> date:
        if self.month:
            return date(self.year, self.month, 1)
        return date(self.year, 3 * self.quarter - 2 if self.quarter else 1, 1)

    @property
    def last(self) -> date:
        """The first day of the period's last month."""
        return add_months(self.first, len(self.months) - 1)

    @property
    def months(self) -> list[date]:
        count = 1 if self.month else 3 if self.quarter else 12
        return [add_months(self.first, offset) for offset in range(count)]

    def children(self) -> list["ReportingPeriod"]:
        """The periods it is made of: a year's quarters, a quarter's months; a month has none."""
        if self.month:
            return []
        if self.quarter:
            return [ReportingPeriod(self.year, month=month.month) for month in self.months]
        return [ReportingPeriod(self.year, quarter=quarter) for quarter in range(1, 5)]

    def started(self, this_month: date) -> bool:
        return self.first <= this_month

    def label(self) -> str:
        """2026, 2nd quarter 2026 (2e trimestre 2026), March 2026 (mars 2026)."""
        if self.month:
            return month_label(self.first)
        if self.quarter:
            return format_skeleton("yQQQQ", self.first, locale=DATE_LOCALES.get(current_locale(), "en_GB"))
        return str(self.year)

    def as_args(self) -> dict[str, str]:
        return {"year": str(self.year)} | ({} if self.kind == YEAR else {"part": self.part})

    @classmethod
    def of_year(cls, year: int) -> list["ReportingPeriod"]:
        """The year, its quarters and its months: the periods protected together."""
        return ([cls(year)] + [cls(year, quarter=quarter) for quarter in range(1, 5)]
                + [cls(year, month=month) for month in range(1, 13)])

    @classmethod
    def from_key(cls, key: str) -> "ReportingPeriod":
        year, _sep, rest = key.partition("-")
        if not rest:
            return cls(int(year))
        if rest.startswith("Q"):
            return cls(int(year), quarter=int(rest[1:]))
        return cls(int(year), month=int(rest))

    @classmethod
    def from_args(cls, args, this_month: date) -> tuple["ReportingPeriod", list[str]]:
        """The period the GET parameters ask for (`year`, and `part`: year, q1-q4 or 01-12),
        and a sentence for each thing left out: never an error. The old `from` and `to` months
        are read when they make up exactly one period; any other range gets a sentence saying
        why it is no longer shown, and its last month's year."""
        default = cls(this_month.year)
        if "year" not in args and ("from" in args or "to" in args):
            return cls._from_range(args, this_month)
        problems: list[str] = []
        raw_year = (args.get("year") or "").strip()
        if not raw_year:
            return default, problems
        if not (raw_year.isascii() and raw_year.isdigit()) or not FIRST_YEAR <= int(raw_year) <= this_month.year:
            problems.append(_("We can show the years from %(first)s to %(last)s, so we left out “%(value)s”.",
                              first=FIRST_YEAR, last=this_month.year, value=raw_year[:20]))
            return default, problems
        year = int(raw_year)
        period = cls._part_of(year, (args.get("part") or YEAR).strip().lower())
        if period is None:
            problems.append(_("We could not read the part of the year “%(value)s”, so we show the whole year.",
                              value=(args.get("part") or "")[:20]))
            return cls(year), problems
        if not period.started(this_month):
            problems.append(_("%(period)s has not begun yet, so we show the whole year.", period=period.label()))
            return cls(year), problems
        return period, problems

    @classmethod
    def _part_of(cls, year: int, part: str) -> "ReportingPeriod | None":
        if part in ("", YEAR):
            return cls(year)
        if part in QUARTERS:
            return cls(year, quarter=QUARTERS.index(part) + 1)
        if part.isascii() and part.isdigit() and 1 <= int(part) <= 12:
            return cls(year, month=int(part))
        return None

    @classmethod
    def _from_range(cls, args, this_month: date) -> tuple["ReportingPeriod", list[str]]:
        first, last = parse_month(args.get("from") or ""), parse_month(args.get("to") or "")
        if first and last:
            for period in cls.of_year(first.year):
                if period.first == first and period.last == last and period.started(this_month):
                    return period, []
        year = (last or first or this_month).year
        year = year if FIRST_YEAR <= year <= this_month.year else this_month.year
        return cls(year), [_("The dashboard no longer shows a range of months chosen freely: comparing two ranges "
                             "that overlap could give away a small count. It shows a calendar month, a quarter or "
                             "a year; here is %(year)s.", year=year)]


def options(this_month: date, first_year: int) -> tuple[list[int], list[tuple[str, str]]]:
    """The years a desk can choose (newest first) and the parts of a year, as (value, label)."""
    years = list(range(this_month.year, min(first_year, this_month.year) - 1, -1))
    return years, _parts(current_locale())


@lru_cache(maxsize=16)
def _parts(locale: str) -> list[tuple[str, str]]:
    """The parts of a year in a language, worked out once (the list is shared: read it only)."""
    parts = [(YEAR, _("The whole year"))]
    parts += [(quarter, _("Quarter %(number)s (%(first)s to %(last)s)", number=number,
                          first=_month_name(3 * number - 2), last=_month_name(3 * number)))
              for number, quarter in enumerate(QUARTERS, start=1)]
    parts += [(month, _month_name(int(month))) for month in MONTHS]
    return parts


def _month_name(month: int) -> str:
    return get_month_names("wide", context="stand-alone", locale=DATE_LOCALES.get(current_locale(), "en_GB"))[month]
