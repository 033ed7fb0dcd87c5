"""What a desk's dashboard shows, decided ahead of time (docs/disclosure.md): every count a desk
can read is published by `flask desks refresh` into `disclosed_counts`, with its state, so the
page reads flat rows and never runs the audit.

A country's counts fall into blocks that share no total: its member figures (every member
table, which all add up to the members sharing with the desk), and its verified contributions
of each calendar year (the year, its quarters and its months, each by month, kind and region).
Each block is one `disclosure.Release`, protected as a whole: a count hidden on one page is
hidden on every page that shows it, and no combination of the pages gives it away. A block is
published again only when its counts (or the threshold) change: the audit is an integer
program, and a year of a busy desk takes a fraction of a second."""

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from diaspora.contributions.models import CountryRollup
from diaspora.desks import disclosure
from diaspora.desks.engagement.periods import ReportingPeriod
from diaspora.desks.models import DisclosedCount, DisclosureBlock
from diaspora.extensions import db
from diaspora.licensure.models import LicenceStatus
from diaspora.members.models import RETURN_HORIZONS, RETURN_INTERESTS

MEMBERS_BLOCK = ""          # the period of the member figures (they are as of the count, not of a period)
OTHER = "~"                 # the key of "the rest" in a table whose rows are named from the threshold up
SEPARATOR = "|"             # engagement_counts' intention values: cadre|horizon
TOP_SPECIALTIES = 20
NO_LICENCE = "none"
LICENCE_ORDER = (LicenceStatus.ACTIVE.value, LicenceStatus.EXPIRING.value, LicenceStatus.LAPSED.value,
                 LicenceStatus.UNKNOWN.value, NO_LICENCE)
NOT_INTERESTED = "none"


@dataclass
class Publication:
    """A release whose counts each have a place on the dashboard (period, dimension, key); a
    count may have several (a month's total is also a row of its quarter's and its year's
    trend)."""

    release: disclosure.Release = field(default_factory=disclosure.Release)
    places: list[tuple[int, str, str, str]] = field(default_factory=list)

    def cell(self, period: str, dimension: str, key: str, value: int) -> int:
        index = self.release.cell(value)
        self.places.append((index, period, dimension, key))
        return index

    def also(self, index: int, period: str, dimension: str, key: str) -> None:
        self.places.append((index, period, dimension, key))

    def rows(self, country: str, threshold: int) -> list[dict]:
        states = disclosure.protect(self.release, threshold)
        return [{"country": country, "period": period, "dimension": dimension, "key": key,
                 "count": self.release.values[index], "state": states[index]}
                for index, period, dimension, key in self.places]


# ---------------------------------------------------------------------------- members


def named_from_threshold(counted: dict[str, int], threshold: int, *, keep: Iterable[str] = (),
                         unnamed: Iterable[str] = (), most: int | None = None) -> list[tuple[str, int]]:
    """Rows for the values held by `threshold` members or more (the `most` largest), the values
    in `keep` as they are, and the rest (with the `unnamed` values) added up in one row, OTHER:
    typed or rare values are named only when enough members share them."""
    keep, unnamed = set(keep), {*unnamed, OTHER}
    named = [(value, count) for value, count in sorted(counted.items(), key=lambda item: (-item[1], item[0]))
             if value not in keep and value not in unnamed and count >= threshold][:most]
    names = {value for value, _ in named}
    rows = named + [(value, counted[value]) for value in sorted(keep) if counted.get(value)]
    other = sum(count for value, count in counted.items() if value not in names and value not in keep)
    return rows + ([(OTHER, other)] if other else [])


def member_publication(stored: dict[str, dict[str, int]], members: int, threshold: int) -> Publication:
    """Every member table of a country, all adding up to the members who share with its desk;
    the members interested in returning (by cadre and horizon) add up to the return intentions
    other than "not at the moment", and a cadre's row among them counts no more than the cadre."""
    made = Publication()
    period = MEMBERS_BLOCK
    total = made.cell(period, "members", "", members)

    def table(dimension: str, items: list[tuple[str, int]]) -> dict[str, int]:
        cells = {key: made.cell(period, dimension, key, count) for key, count in items}
        made.release.line(cells.values(), total)
        return cells

    cadres = table("cadre", [(key, count) for key, count in sorted(stored.get("cadre", {}).items()) if count])
    table("specialty", named_from_threshold(stored.get("specialty", {}), threshold, unnamed=("",),
                                            most=TOP_SPECIALTIES))
    table("host_country", named_from_threshold(stored.get("host_country", {}), threshold, keep=("",)))
    interests = stored.get("return_interest", {})
    interested = table("return_interest", [(code, interests.get(code, 0)) for code in RETURN_INTERESTS])
    licences = stored.get("licence_status", {})
    table("licence_status", [(code, licences.get(code, 0)) for code in LICENCE_ORDER])

    grid: dict[tuple[str, str], int] = defaultdict(int)
    for value, count in stored.get("intention", {}).items():
        cadre, _sep, horizon = value.partition(SEPARATOR)
        grid[(cadre, horizon)] += count
    rows = sorted({cadre for cadre, _ in grid})
    columns = [*RETURN_HORIZONS, *([""] if any(horizon == "" for _, horizon in grid) else [])]
    index = disclosure.add_two_way(made.release, rows, columns, grid)
    for row, cells in zip(rows, index.cells, strict=True):
        for column, cell in zip(columns, cells, strict=True):
            made.places.append((cell, period, "intention", f"{row}{SEPARATOR}{column}"))
    made.places += [(cell, period, "intention_by_cadre", row) for row, cell in zip(rows, index.row_totals,
                                                                                   strict=True)]
    made.places += [(cell, period, "intention_by_horizon", column)
                    for column, cell in zip(columns, index.column_totals, strict=True)]
    made.places.append((index.total, period, "intention_total", ""))
    made.release.line([cell for code, cell in interested.items() if code != NOT_INTERESTED], index.total)
    for row, row_total in zip(rows, index.row_totals, strict=True):
        if row in cadres:
            made.release.subset(row_total, cadres[row])
    return made


# ---------------------------------------------------------------------------- contributions


def contribution_publication(year: int, counted: dict[tuple[date, str, str], int], begun: int = 12) -> Publication:
    """A year of verified contributions (`counted[(month, kind, region)]`): for the year, each
    quarter and each month, the total and the counts by kind and by region; for the year and
    each quarter, its months. The kinds and regions are those of the year, on every page. The
    months after the first `begun` have not begun: everyone knows they count nothing (a
    contribution cannot start in the future)."""
    made = Publication()
    kinds = sorted({kind for (_, kind, _), count in counted.items() if count})
    regions = sorted({region for (_, _, region), count in counted.items() if count})
    by_kind: dict[tuple[date, str], int] = defaultdict(int)
    by_region: dict[tuple[date, str], int] = defaultdict(int)
    for (month, kind, region), count in counted.items():
        by_kind[(month, kind)] += count
        by_region[(month, region)] += count
    totals: dict[ReportingPeriod, int] = {}
    kind_cells: dict[tuple[ReportingPeriod, str], int] = {}
    region_cells: dict[tuple[ReportingPeriod, str], int] = {}
    for period in ReportingPeriod.of_year(year):
        months = period.months
        totals[period] = made.cell(period.key, "total", "", sum(by_kind[(m, k)] for m in months for k in kinds))
        for kind in kinds:
            kind_cells[(period, kind)] = made.cell(period.key, "kind", kind, sum(by_kind[(m, kind)] for m in months))
        for region in regions:
            region_cells[(period, region)] = made.cell(period.key, "region", region,
                                                       sum(by_region[(m, region)] for m in months))
        made.release.line([kind_cells[(period, kind)] for kind in kinds], totals[period])
        made.release.line([region_cells[(period, region)] for region in regions], totals[period])
        if period.kind == "month" and period.month > begun and not made.release.values[totals[period]]:
            for index in (totals[period], *(kind_cells[(period, kind)] for kind in kinds),
                          *(region_cells[(period, region)] for region in regions)):
                made.release.know(index)
    for period in ReportingPeriod.of_year(year):
        children = period.children()
        if not children:
            continue
        made.release.line([totals[child] for child in children], totals[period])
        for kind in kinds:
            made.release.line([kind_cells[(child, kind)] for child in children], kind_cells[(period, kind)])
        for region in regions:
            made.release.line([region_cells[(child, region)] for child in children], region_cells[(period, region)])
        months = [ReportingPeriod(year, month=month.month) for month in period.months]
        if period.kind == "year":  # the year's trend: its twelve months add up to it too
            made.release.line([totals[month] for month in months], totals[period])
        for month in months:
            made.also(totals[month], period.key, "month", month.key)
    return made


# ---------------------------------------------------------------------------- publishing


def fingerprint(threshold: int, counted) -> str:
    text = json.dumps([threshold, sorted([str(key), count] for key, count in counted.items())])
    return hashlib.sha256(text.encode()).hexdigest()


def publish(member_rows: dict[tuple[str, str, str], int], countries: Iterable[str], threshold: int,
            now: datetime, day: date, echo: Callable[[str], None] = lambda message: None) -> dict[str, int]:
    """Publish every block of each country that has changed since it was last published (its
    counts, the threshold, or for this year the months begun); drop the blocks that are gone (a
    year whose contributions were all reopened). Returns how many blocks were published and how
    many were left as they were."""
    countries = sorted(set(countries))
    stored = {(block.country, block.period): block for block in db.session.scalars(sa.select(DisclosureBlock))}
    wanted: dict[tuple[str, str], tuple[dict, Callable[[], Publication]]] = {}
    by_country: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for (country, dimension, value), count in member_rows.items():
        by_country[country][dimension][value] = count
    for country in countries:
        figures = by_country[country]
        members = figures.pop("members", {}).get("", 0)
        inputs = {(dimension, value): count for dimension, values in figures.items() for value, count in values.items()}
        inputs[("members", "")] = members
        wanted[(country, MEMBERS_BLOCK)] = (inputs, lambda f=figures, m=members: member_publication(f, m, threshold))
    for (country, year), counted in _contributions(countries).items():
        begun = 12 if year < day.year else day.month
        wanted[(country, str(year))] = ({**counted, "begun": begun},
                                        lambda y=year, c=counted, b=begun: contribution_publication(y, c, b))
    done = {"published": 0, "unchanged": 0}
    total, step = len(wanted), max(1, len(wanted) // 10)
    for position, ((country, period), (inputs, build)) in enumerate(sorted(wanted.items()), start=1):
        if total >= 20 and position % step == 0:
            echo(f"disclosure: {position} of {total} blocks ({100 * position // total}%)")
        digest = fingerprint(threshold, inputs)
        block = stored.get((country, period))
        if block is not None and block.fingerprint == digest:
            block.counted_at = now
            done["unchanged"] += 1
            continue
        _replace(country, period, build().rows(country, threshold))
        if block is None:
            db.session.add(DisclosureBlock(country=country, period=period, fingerprint=digest, threshold=threshold,
                                           published_at=now, counted_at=now))
        else:
            block.fingerprint, block.threshold, block.published_at, block.counted_at = digest, threshold, now, now
        done["published"] += 1
    for key, block in stored.items():
        if key not in wanted:
            _replace(*key, [])
            db.session.delete(block)
    db.session.flush()
    echo(f"disclosure: {done['published']} blocks published, {done['unchanged']} unchanged")
    return done


def _contributions(countries: list[str]) -> dict[tuple[str, int], dict[tuple[date, str, str], int]]:
    """Verified contributions by country and year, then month, kind and region."""
    found: dict[tuple[str, int], dict[tuple[date, str, str], int]] = defaultdict(dict)
    if not countries:
        return found
    rollup = CountryRollup
    query = (sa.select(rollup.country, rollup.month, rollup.kind, rollup.region, rollup.contributions)
             .where(rollup.country.in_(countries), rollup.contributions != 0))
    for country, month, kind, region, count in db.session.execute(query):
        found[(country, month.year)][(month, kind, region or "")] = int(count)
    return found


def _periods_of(period: str) -> list[str]:
    if period == MEMBERS_BLOCK:
        return [MEMBERS_BLOCK]
    return [each.key for each in ReportingPeriod.of_year(int(period))]


def _replace(country: str, period: str, rows: list[dict]) -> None:
    db.session.execute(sa.delete(DisclosedCount).where(DisclosedCount.country == country,
                                                       DisclosedCount.period.in_(_periods_of(period))))
    if rows:
        db.session.execute(sa.insert(DisclosedCount), rows)
