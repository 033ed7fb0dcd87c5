"""The engagement dashboard of a desk's country: who among the diaspora shares their profile
with that country's desk, what they intend, their licences there, what was verified in the
country, its missions and the desk's submissions. Every count goes through disclosure control
(desks/disclosure.py, docs/disclosure.md) before anyone sees it, on the page, in the charts and
in the CSV.

`refresh()` (`flask desks refresh`, hourly) counts the members: one statement of GROUP BYs (one
per dimension, over every country at once, so all of them see the same moment), counting only
members who have the country as a heritage country *and* share their profile with its desk
(members/consents.py), into `engagement_counts`. Then it publishes (desks/engagement/publication.py) each
desk country's member figures and its verified contributions of each year (from
`country_contribution_rollups`), every count with its state, into `disclosed_counts`: the
suppression pattern is decided there, for all the periods and tables of a block at once, by an
exact audit. The dashboard reads those rows for its country and period, never the profiles, the
contributions or the audit: a member who withdraws consent, or a contribution verified, shows at
the next refresh, and the page says when that was.

Submissions are read from counters kept in the same transaction as each change
(`submission_counts`, `submission_timings`) and protected as they are read (a small table that
shares no total with the others). Missions: the next few upcoming, and the number completed or
reported counted up to a cap, both on the index (country, starts_on, id). The page runs the same
handful of statements however many members or contributions there are."""

import csv
import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from diaspora.associations.models import Association
from diaspora.auth.models import User
from diaspora.contributions.impact.impact import kind_label, month_label, region_name
from diaspora.contributions.models import Mission, MissionStatus
from diaspora.core.countries import country_name
from diaspora.core.i18n import _, in_locale
from diaspora.core.numbers import number
from diaspora.core.spreadsheet import BOM, safe_cell, take
from diaspora.core.statements import bound, kept, one_of
from diaspora.core.time import today, utcnow
from diaspora.desks.disclosure import HIDDEN, SHOWN, SMALL, UNSEEN, Cell, primary, small_text, two_way
from diaspora.desks.engagement import publication
from diaspora.desks.engagement.periods import ReportingPeriod
from diaspora.desks.engagement.publication import LICENCE_ORDER, MEMBERS_BLOCK, NO_LICENCE, OTHER, SEPARATOR
from diaspora.desks.models import (
    SUBMISSION_STATES,
    TOPICS,
    Desk,
    DisclosedCount,
    DisclosureBlock,
    EngagementCount,
    SubmissionCount,
)
from diaspora.desks.submissions import counts
from diaspora.extensions import db
from diaspora.licensure.models import EXPIRING_WITHIN, LICENCE_STATUS_LABELS, Licence, LicenceStatus, Regulator
from diaspora.members.models import (
    CADRES,
    RETURN_HORIZONS,
    RETURN_INTERESTS,
    DeskSharingConsent,
    Profile,
    ProfileHeritageCountry,
)

MEMBERS = "members"  # one row per country: how many share with its desk (0 included), and when counted
DIMENSIONS = ("cadre", "specialty", "host_country", "return_interest", "intention", "licence_status")
UPCOMING_MISSIONS = 5
COMPLETED_CAP = 1000   # completed or reported missions are counted up to this, then "1,000 or more"


# What `refresh` reads in bulk: analysed first when their statistics are missing or stale
# (core/planner.py), or the counting statement may be planned as nested loops over millions.
TABLES = ("profile_heritage_countries", "profiles", "desk_sharing_consents", "users", "licences", "regulators",
          "country_contribution_rollups", "disclosure_blocks", "disclosed_counts", "engagement_counts")


def threshold() -> int:
    """Counts from 1 to this minus one are never shown (config DISCLOSURE_THRESHOLD)."""
    return int(current_app.config["DISCLOSURE_THRESHOLD"])


# ---------------------------------------------------------------------------- the refresh job


def _consenting(*columns) -> sa.Select:
    """`columns` for every (country, member) where the member has the country as a heritage
    country and shares with its desk, from an active account, with their profile."""
    heritage = ProfileHeritageCountry
    return (sa.select(*columns).select_from(heritage)
            .join(Profile, Profile.user_id == heritage.user_id)
            .join(DeskSharingConsent, sa.and_(DeskSharingConsent.user_id == heritage.user_id,
                                              DeskSharingConsent.country == heritage.country,
                                              DeskSharingConsent.shared.is_(True)))
            .join(User, sa.and_(User.id == heritage.user_id, User.active.is_(True), User.deleted_at.is_(None))))


def _grouped(value=None) -> sa.Select:
    """(country, value, members) grouped by country and value (by country alone without one)."""
    country = ProfileHeritageCountry.country
    if value is None:
        return _consenting(country, sa.literal_column("''").label("value"), sa.func.count()).group_by(country)
    return _consenting(country, value.label("value"), sa.func.count()).group_by(country, value)


def _dimension_queries(day: date) -> dict[str, sa.Select]:
    blank = lambda column: sa.func.coalesce(column, "")  # noqa: E731
    specialty = sa.func.lower(sa.func.trim(sa.func.coalesce(Profile.specialty, "")))
    intention = blank(Profile.cadre) + SEPARATOR + blank(Profile.return_horizon)
    licences = (
        _consenting(ProfileHeritageCountry.country, ProfileHeritageCountry.user_id,
                    sa.func.max(Licence.expires_on).label("latest"), sa.func.count(Licence.id).label("held"))
        .outerjoin(Regulator, Regulator.country == ProfileHeritageCountry.country)
        .outerjoin(Licence, sa.and_(Licence.regulator_id == Regulator.id,
                                    Licence.user_id == ProfileHeritageCountry.user_id))
        .group_by(ProfileHeritageCountry.country, ProfileHeritageCountry.user_id)
        .subquery())
    # The member's latest expiry date among their licences from the country's regulators, read
    # as licensure.models.status_on reads one (valid through it, expiring within 90 days).
    status = sa.case((licences.c.held == 0, NO_LICENCE),
                     (licences.c.latest.is_(None), LicenceStatus.UNKNOWN.value),
                     (licences.c.latest < day, LicenceStatus.LAPSED.value),
                     (licences.c.latest <= day + EXPIRING_WITHIN, LicenceStatus.EXPIRING.value),
                     else_=LicenceStatus.ACTIVE.value)
    return {
        MEMBERS: _grouped(),
        "cadre": _grouped(blank(Profile.cadre)),
        "specialty": _grouped(specialty),
        "host_country": _grouped(blank(Profile.host_country)),
        "return_interest": _grouped(sa.func.coalesce(Profile.return_interest, "none")),
        "intention": _grouped(intention).where(sa.func.coalesce(Profile.return_interest, "none") != "none"),
        "licence_status": sa.select(licences.c.country, status.label("value"), sa.func.count())
                            .group_by(licences.c.country, status),
    }


def _all_counts(day: date) -> sa.Select:
    """Every dimension's GROUP BY in one statement, so that all of them count the same members
    (a statement sees one snapshot): the member tables share their total, and one that counted a
    member the others missed would give away what changed."""
    parts = []
    for dimension, query in _dimension_queries(day).items():
        grouped = query.subquery()
        country, value, count = grouped.c
        parts.append(sa.select(sa.literal(dimension).label("dimension"), country.label("country"),
                               value.label("value"), count.label("count")))
    return sa.union_all(*parts)


def refresh(echo: Callable[[str], None] = lambda message: None, day: date | None = None) -> dict[str, int]:
    """Recompute every country's engagement counts and publish what each desk's dashboard shows
    (the caller commits). Returns the number of rows written per dimension. A country with a
    desk and no consenting member gets its "members" row, 0, so that its dashboard still knows
    when it was counted."""
    day = day or today()
    now = utcnow()
    rows: dict[tuple[str, str, str], int] = {}
    written: dict[str, int] = dict.fromkeys(_dimension_queries(day), 0)
    echo("Counting the members who share with each desk's country ...")
    started = time.monotonic()
    for dimension, country, value, count in db.session.execute(_all_counts(day)):
        key = (country, dimension, (value or "")[:120])
        rows[key] = rows.get(key, 0) + count
        written[dimension] += 1
    echo(f"  counted in {time.monotonic() - started:.1f} s")
    for dimension, found in written.items():
        echo(f"{dimension}: {found} rows")
    desk_countries = set(db.session.scalars(sa.select(Desk.country).distinct()))
    for country in desk_countries:
        rows.setdefault((country, MEMBERS, ""), 0)
    db.session.execute(sa.delete(EngagementCount))
    if rows:
        db.session.execute(sa.insert(EngagementCount), [
            {"country": country, "dimension": dimension, "value": value, "count": count, "refreshed_at": now}
            for (country, dimension, value), count in sorted(rows.items())])
    db.session.flush()
    countries = len({country for country, _, _ in rows})
    echo(f"{len(rows)} engagement counts for {countries} countries, as of {now:%Y-%m-%d %H:%M} UTC.")
    publication.publish(rows, desk_countries, threshold(), now, day, echo)
    return written


# ---------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A table as a reader sees it, on the page and in its CSV: a heading, its columns, its rows
    (a label, then cells: a disclosure Cell, or text) and a total row. `withheld` is the
    sentence shown instead of the rows when the total is too small to be broken down."""

    slug: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list]] = field(default_factory=list)
    total: list | None = None
    chart: bool = False
    withheld: str = ""

    @property
    def empty(self) -> bool:
        """Nothing to show: no rows and no withheld total, or a total shown as 0."""
        if self.withheld:
            return False
        if not self.rows:
            return True
        last = self.total[-1] if self.total else None
        return isinstance(last, Cell) and last.state == SHOWN and last.value == 0

    def bars(self) -> list[tuple[str, Cell]]:
        return [(label, cells[0]) for label, cells in self.rows]


def _withheld(total: Cell) -> str:
    """Why a table shows no rows, or "" when it shows them."""
    if total.state == SMALL:
        return str(_("Fewer than %(threshold)s: not broken down, so that no one can be recognised.",
                     threshold=total.threshold))
    if total.state == UNSEEN:
        return str(_("Not shown: these figures are part of a total under %(threshold)s, which is not broken "
                     "down.", threshold=total.threshold))
    return ""


def _ordered(items: list[tuple[str, Cell]], label: Callable[[str], str]) -> list[tuple[str, Cell]]:
    """The shown counts largest first, then the others by name (in order of size, they would say
    which is larger); "the rest" (OTHER) last."""
    shown = sorted(((key, cell) for key, cell in items if not cell.suppressed and key != OTHER),
                   key=lambda item: (-item[1].value, label(item[0])))
    hidden = sorted(((key, cell) for key, cell in items if cell.suppressed and key != OTHER),
                    key=lambda item: label(item[0]))
    return shown + hidden + [(key, cell) for key, cell in items if key == OTHER]


def _one_way(slug: str, title: str, first: str, measure: str, rows: list[tuple[str, Cell]], total: Cell,
             label: Callable[[str], str], chart: bool = False) -> Table:
    withheld = _withheld(total)
    return Table(slug, title, [first, measure], [] if withheld else [(label(key), [cell]) for key, cell in rows],
                 total=[total], chart=chart, withheld=withheld)


def _cadre(code: str) -> str:
    return str(CADRES.get(code, code)) if code else str(_("Not given"))


def _horizon(code: str) -> str:
    return str(RETURN_HORIZONS.get(code, code)) if code else str(_("Not given"))


def _country(code: str) -> str:
    if code == OTHER:
        return str(_("Other countries"))
    return country_name(code) if code else str(_("Not given"))


def _specialty(value: str) -> str:
    return str(_("Other specialties")) if value == OTHER else value[:1].upper() + value[1:]


def _licence(code: str) -> str:
    if code == NO_LICENCE:
        return str(_("No licence recorded"))
    if code == LicenceStatus.UNKNOWN:
        return str(_("No expiry date recorded"))
    return str(LICENCE_STATUS_LABELS.get(code, code))


def _region(code: str) -> str:
    return region_name(code) if code else str(_("No region given"))


# ---------------------------------------------------------------------------- the dashboard


@dataclass
class Missions:
    upcoming: list  # rows: title, association_name, starts_on, ends_on
    completed: Cell
    capped: bool


@dataclass
class Dashboard:
    desk: Desk
    period: ReportingPeriod
    years: list[int]
    threshold: int
    refreshed_at: datetime | None
    members: Cell
    member_tables: list[Table]
    contributions_counted_at: datetime | None
    contribution_tables: list[Table]
    contributions_total: Cell
    missions: Missions
    submissions: Table
    median_acknowledge: float | None
    median_answer: float | None

    def tables(self) -> dict[str, Table]:
        return {table.slug: table for table in [*self.member_tables, *self.contribution_tables, self.submissions,
                                                 mission_table(self.missions)]}


TABLES = ("cadre", "specialty", "host-country", "return-interest", "intention", "licence-status",
          "contributions-by-month", "contributions-by-kind", "contributions-by-region", "submissions",
          "upcoming-missions")


class _Published:
    """The published counts of one page: `cells(period, dimension)` is {key: Cell}. `rows`:
    (period, dimension, key, count, state) of `disclosed_counts`, as plain rows."""

    def __init__(self, rows, thresholds: dict[str, int], fallback: int):
        self.found: dict[tuple[str, str], dict[str, Cell]] = defaultdict(dict)
        for period, dimension, key, count, state in rows:
            block = MEMBERS_BLOCK if period == MEMBERS_BLOCK else period[:4]
            limit = thresholds.get(block, fallback)
            self.found[(period, dimension)][key] = Cell(count, state, limit)
        self.fallback = fallback

    def cells(self, period: str, dimension: str) -> dict[str, Cell]:
        return self.found.get((period, dimension), {})

    def one(self, period: str, dimension: str, key: str = "") -> Cell:
        return self.cells(period, dimension).get(key) or Cell(0, SHOWN, self.fallback)


def _member_tables(published: _Published) -> tuple[Cell, list[Table]]:
    members_label = str(_("Members"))
    period = MEMBERS_BLOCK
    total = published.one(period, "members")

    def listed(dimension: str, label: Callable[[str], str], fixed: tuple = ()) -> list[tuple[str, Cell]]:
        cells = published.cells(period, dimension)
        if fixed:
            return [(code, cells[code]) for code in fixed if code in cells]
        return _ordered([(key, cell) for key, cell in cells.items() if cell.suppressed or cell.value], label)

    tables = [
        _one_way("cadre", str(_("By cadre")), str(_("Cadre")), members_label, listed("cadre", _cadre), total, _cadre),
        _one_way("specialty", str(_("By specialty")), str(_("Specialty")), members_label,
                 listed("specialty", _specialty), total, _specialty),
        _one_way("host-country", str(_("By country of residence")), str(_("Country of residence")),
                 members_label, listed("host_country", _country), total, _country),
        _one_way("return-interest", str(_("Return and placement intentions")), str(_("Intention")), members_label,
                 listed("return_interest", str, tuple(RETURN_INTERESTS)), total,
                 lambda code: str(RETURN_INTERESTS.get(code, code))),
        _intention_table(published),
        _one_way("licence-status", str(_("Licences with this country’s regulators")), str(_("Licence")),
                 members_label, listed("licence_status", str, LICENCE_ORDER), total, _licence),
    ]
    return total, tables


def _intention_table(published: _Published) -> Table:
    period = MEMBERS_BLOCK
    by_cadre = published.cells(period, "intention_by_cadre")
    by_horizon = published.cells(period, "intention_by_horizon")
    grid = published.cells(period, "intention")
    total = published.one(period, "intention_total")
    cadres = sorted(by_cadre, key=lambda code: (code == "", _cadre(code)))
    horizons = [code for code in [*RETURN_HORIZONS, ""] if code in by_horizon]
    made = Table("intention", str(_("Members interested in returning or a placement, by cadre and horizon")),
                 [str(_("Cadre")), *[_horizon(code) for code in horizons], str(_("Total"))],
                 withheld=_withheld(total))
    if not made.withheld:
        for cadre in cadres:
            made.rows.append((_cadre(cadre), [*[grid[f"{cadre}{SEPARATOR}{horizon}"] for horizon in horizons],
                                               by_cadre[cadre]]))
    made.total = [*[by_horizon[horizon] for horizon in horizons], total]
    return made


def _contribution_tables(published: _Published, period: ReportingPeriod, this_month: date) -> tuple[list[Table], Cell]:
    """The period's counts by month (a quarter's or a year's months, up to this month), by kind
    and by region, as published for its year."""
    key = period.key
    total = published.one(key, "total")
    measure = str(_("Verified contributions"))

    def listed(dimension: str, label: Callable[[str], str]) -> list[tuple[str, Cell]]:
        return _ordered([(code, cell) for code, cell in published.cells(key, dimension).items()
                         if cell.suppressed or cell.value], label)

    tables = []
    if period.kind != "month":
        trend = published.cells(key, "month")
        months = [ReportingPeriod(period.year, month=month.month) for month in period.months if month <= this_month]
        tables.append(_one_way("contributions-by-month", str(_("Month by month")), str(_("Month")), measure,
                               [(month.key, trend.get(month.key) or Cell(0, SHOWN, total.threshold))
                                for month in months], total,
                               lambda month_key: month_label(ReportingPeriod.from_key(month_key).first), chart=True))
    tables.append(_one_way("contributions-by-kind", str(_("By kind")), str(_("Kind")), measure,
                           listed("kind", kind_label), total, kind_label, chart=True))
    tables.append(_one_way("contributions-by-region", str(_("By region")), str(_("Region")), measure,
                           listed("region", _region), total, _region, chart=True))
    return tables, total


def _missions(country: str, limit: int) -> Missions:
    parameters = {"country": country, "day": today()}
    upcoming = db.session.execute(kept("upcoming_missions", _upcoming), parameters).all()
    completed = db.session.scalar(kept("completed_missions", _completed), parameters) or 0
    return Missions(upcoming=upcoming, completed=primary(completed, limit), capped=completed >= COMPLETED_CAP)


def _upcoming() -> sa.Select:
    """The planned missions in a country from a day, soonest first (bound parameters; kept)."""
    return (sa.select(Mission.title, Association.name.label("association_name"), Mission.starts_on, Mission.ends_on)
            .join(Association, Association.id == Mission.association_id)
            .where(Mission.country == bound("country", sa.String), Mission.starts_on >= bound("day", sa.Date),
                   Mission.status == MissionStatus.PLANNED)
            .order_by(Mission.starts_on, Mission.id).limit(UPCOMING_MISSIONS))


def _completed() -> sa.Select:
    """The completed missions in a country up to a day, counted up to a cap (bound parameters; kept)."""
    done = (sa.select(Mission.id).where(Mission.country == bound("country", sa.String),
                                        Mission.starts_on <= bound("day", sa.Date),
                                        Mission.status.in_([MissionStatus.COMPLETED, MissionStatus.REPORTED]))
            .limit(COMPLETED_CAP).subquery())
    return sa.select(sa.func.count()).select_from(done)


def mission_table(missions: Missions) -> Table:
    from diaspora.core.time import long_date

    return Table("upcoming-missions", str(_("Upcoming missions")),
                 [str(_("Mission")), str(_("Association")), str(_("Starts")), str(_("Ends"))],
                 [(mission.title, [mission.association_name, long_date(mission.starts_on), long_date(mission.ends_on)])
                  for mission in missions.upcoming])


def _submissions(desk: Desk, limit: int) -> Table:
    """The desk's submissions by topic and status: a table alone (it shares no total with the
    others), protected as it is read."""
    statement = kept("desk_submission_counts", lambda: sa.select(
        SubmissionCount.topic, SubmissionCount.status, SubmissionCount.count)
        .where(SubmissionCount.country == bound("country", sa.String),
               SubmissionCount.desk_id == bound("desk_id", sa.Integer), SubmissionCount.count > 0))
    counted = {(topic, status): count for topic, status, count in db.session.execute(
        statement, {"country": desk.country, "desk_id": desk.id})}
    topics = [topic for topic in TOPICS if any(key[0] == topic for key in counted)]
    statuses = list(SUBMISSION_STATES.labels)
    table = two_way(topics, statuses, counted, limit)
    made = Table("submissions", str(_("Submissions by topic and status")),
                 [str(_("Topic")), *[str(SUBMISSION_STATES.label(status)) for status in statuses], str(_("Total"))],
                 withheld=_withheld(table.total))
    if not made.withheld:
        for topic, cells, total in zip(topics, table.cells, table.row_totals, strict=True):
            made.rows.append((str(TOPICS.get(topic, topic)), [*cells, total]))
    made.total = [*table.column_totals, table.total]
    return made


def _blocks_statement() -> sa.Select:
    return (sa.select(DisclosureBlock.period, DisclosureBlock.threshold, DisclosureBlock.counted_at)
            .where(DisclosureBlock.country == bound("country", sa.String)))


def _counts_statement() -> sa.Select:
    return (sa.select(DisclosedCount.period, DisclosedCount.dimension, DisclosedCount.key, DisclosedCount.count,
                      DisclosedCount.state)
            .where(DisclosedCount.country == bound("country", sa.String), one_of(DisclosedCount.period, "periods")))


def dashboard_of(desk: Desk, period: ReportingPeriod) -> Dashboard:
    limit = threshold()
    # Plain rows, not ORM objects: the page reads a few columns of up to a few hundred counts.
    blocks = {block.period: block for block in db.session.execute(
        kept("disclosure_blocks", _blocks_statement), {"country": desk.country})}
    rows = db.session.execute(kept("disclosed_counts", _counts_statement), {
        "country": desk.country, "periods": [MEMBERS_BLOCK, period.key, str(period.year)]}).all()
    published = _Published(rows, {key: block.threshold for key, block in blocks.items()}, limit)
    members_block = blocks.get(MEMBERS_BLOCK)
    year_block = blocks.get(str(period.year))
    members, member_tables = _member_tables(published)
    this_month = today().replace(day=1)
    contribution_tables, contributions_total = _contribution_tables(published, period, this_month)
    counted_at = (year_block or members_block).counted_at if (year_block or members_block) else None
    years = [int(key) for key in blocks if key != MEMBERS_BLOCK]
    medians = counts.medians(desk.country, ("acknowledge", "answer"))
    return Dashboard(desk=desk, period=period, years=years, threshold=limit,
                     refreshed_at=members_block.counted_at if members_block else None,
                     members=members, member_tables=member_tables, contributions_counted_at=counted_at,
                     contribution_tables=contribution_tables, contributions_total=contributions_total,
                     missions=_missions(desk.country, limit), submissions=_submissions(desk, limit),
                     median_acknowledge=medians["acknowledge"], median_answer=medians["answer"])


# ---------------------------------------------------------------------------- showing a cell


def disclosed(cell, format_number=number) -> str:
    """A cell as a reader sees it on the page: the number in their language, <10, * or –
    (`format_number`: `number`, or `numbers.number_format()` for many cells)."""
    if isinstance(cell, Cell):
        return cell.text if cell.suppressed else format_number(cell.value)
    return "" if cell is None else str(cell)


# ---------------------------------------------------------------------------- CSV


def csv_of(table: Table, locale: str | None = None) -> Iterator[str]:
    """The table as the page shows it (counts not shown as <10, * or –), with its total row; a
    table too small to break down has its total row only."""
    with in_locale(locale):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([safe_cell(column) for column in table.columns])
        for label, cells in table.rows:
            writer.writerow([safe_cell(label), *[_csv_cell(cell) for cell in cells]])
        if table.total is not None:
            writer.writerow([safe_cell(str(_("Total"))), *[_csv_cell(cell) for cell in table.total]])
        yield BOM + take(buffer)


def _csv_cell(cell) -> str:
    return cell.text if isinstance(cell, Cell) else safe_cell(str(cell))


def suppression_note(limit: int) -> str:
    """How the page's counts are protected, for the threshold in force."""
    return str(_("A count from 1 to %(highest)s shows as %(small)s. A count shown as * (%(threshold)s or more) is "
                 "hidden so that a small count cannot be worked out from the totals, on this page or on any other "
                 "period’s. – means not shown: the count is part of a total under %(threshold)s, which is never "
                 "broken down. Hatched bars are counts not shown.",
                 highest=limit - 1, small=small_text(limit), threshold=limit))


__all__ = ["HIDDEN", "SMALL", "UNSEEN", "TABLES", "Dashboard", "Table", "csv_of", "dashboard_of",
           "disclosed", "refresh", "suppression_note", "threshold"]
