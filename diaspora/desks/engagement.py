"""The engagement dashboard of a desk's country: who among the diaspora shares their profile
with that country's desk, what they intend, their licences there, what was verified in the
country, its missions and the desk's submissions. Every count goes through disclosure control
(desks/disclosure.py) before anyone sees it, on the page, in the charts and in the CSV.

Member-derived counts (cadre, specialty, host country, return intentions, licence status) are
`engagement_counts` rows that `refresh()` (`flask desks refresh`, hourly) recomputes: one GROUP BY
per dimension over every country at once, counting only members who have the country as a
heritage country *and* share their profile with its desk (members/consents.py). The dashboard
reads those rows, never the profiles: a member who withdraws consent leaves the figures at the
next refresh, and the page says when that was.

The rest is read from counters kept in the same transaction as each change: verified
contributions from `country_contribution_rollups` (the country's own rollup), submissions from
`submission_counts` and `submission_timings`. Missions: the next few upcoming, and the number
completed or reported counted up to a cap, both on the index (country, starts_on, id). The page
runs the same handful of statements however many members or contributions there are."""

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from markupsafe import Markup, escape

from diaspora.auth.models import User
from diaspora.contributions import charts
from diaspora.contributions.impact import MONTHLY_UP_TO, Period, add_months, kind_label, month_label, region_name
from diaspora.contributions.models import KINDS, CountryRollup, Mission, MissionStatus
from diaspora.core.countries import country_name
from diaspora.core.i18n import _, _l, in_locale
from diaspora.core.numbers import number
from diaspora.core.spreadsheet import BOM, safe_cell, take
from diaspora.core.time import today, utcnow
from diaspora.desks import counts
from diaspora.desks.disclosure import HIDDEN, SMALL, Cell, OneWay, TwoWay, one_way, primary, two_way
from diaspora.desks.models import SUBMISSION_STATES, TOPICS, Desk, EngagementCount, SubmissionCount
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
NO_LICENCE = "none"
UPCOMING_MISSIONS = 5
COMPLETED_CAP = 1000   # completed or reported missions are counted up to this, then "1,000 or more"
TOP_SPECIALTIES = 20
SEPARATOR = "|"


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


def refresh(echo: Callable[[str], None] = lambda message: None, day: date | None = None) -> dict[str, int]:
    """Recompute every country's engagement counts (the caller commits). Returns the number of
    rows written per dimension. A country with a desk and no consenting member gets its
    "members" row, 0, so that its dashboard still knows when it was counted."""
    day = day or today()
    now = utcnow()
    rows: dict[tuple[str, str, str], int] = {}
    written: dict[str, int] = {}
    for dimension, query in _dimension_queries(day).items():
        found = 0
        for country, value, count in db.session.execute(query):
            key = (country, dimension, (value or "")[:120])
            rows[key] = rows.get(key, 0) + count
            found += 1
        written[dimension] = found
        echo(f"{dimension}: {found} rows")
    for country in db.session.scalars(sa.select(Desk.country).distinct()):
        rows.setdefault((country, MEMBERS, ""), 0)
    db.session.execute(sa.delete(EngagementCount))
    if rows:
        db.session.execute(sa.insert(EngagementCount), [
            {"country": country, "dimension": dimension, "value": value, "count": count, "refreshed_at": now}
            for (country, dimension, value), count in sorted(rows.items())])
    db.session.flush()
    countries = len({country for country, _, _ in rows})
    echo(f"{len(rows)} engagement counts for {countries} countries, as of {now:%Y-%m-%d %H:%M} UTC.")
    return written


# ---------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A table as a reader sees it, on the page and in its CSV: a heading, its columns, its rows
    (a label, then cells: a disclosure Cell, or text) and a total row."""

    slug: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list]] = field(default_factory=list)
    total: list | None = None
    chart: bool = False
    note: str = ""

    @property
    def empty(self) -> bool:
        """Nothing to show: no rows, or only zeros."""
        if not self.rows:
            return True
        return self.total is not None and isinstance(self.total[-1], Cell) and self.total[-1].value == 0

    def bars(self) -> list[tuple[str, Cell]]:
        return [(label, cells[0]) for label, cells in self.rows]


def _from_one_way(slug: str, title: str, first: str, measure: str, table: OneWay,
                  label: Callable[[object], str], chart: bool = False) -> Table:
    return Table(slug, title, [first, measure], [(label(key), [cell]) for key, cell in table.rows],
                 total=[table.total], chart=chart)


def _from_two_way(slug: str, title: str, first: str, table: TwoWay, row_label, column_label) -> Table:
    made = Table(slug, title, [first, *[column_label(key) for key in table.column_keys], str(_("Total"))])
    for key, cells, total in zip(table.row_keys, table.cells, table.row_totals, strict=True):
        made.rows.append((row_label(key), [*cells, total]))
    made.total = [*table.column_totals, table.total]
    return made


def _cadre(code: str) -> str:
    return str(CADRES.get(code, code)) if code else str(_("Not given"))


def _horizon(code: str) -> str:
    return str(RETURN_HORIZONS.get(code, code)) if code else str(_("Not given"))


def _country(code: str) -> str:
    return country_name(code) if code else str(_("Not given"))


def _licence(code: str) -> str:
    if code == NO_LICENCE:
        return str(_("No licence recorded"))
    if code == LicenceStatus.UNKNOWN:
        return str(_("No expiry date recorded"))
    return str(LICENCE_STATUS_LABELS.get(code, code))


def _largest_first(counted: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


def _specialties(counted: dict[str, int]) -> list[tuple[str, int]]:
    """The most common specialties, each held by at least 5 members; the rest (typed freely,
    so a rare one could name a person) are added up in one row without their names."""
    named, other = [], 0
    for value, count in _largest_first(counted):
        if value and count >= 5 and len(named) < TOP_SPECIALTIES:
            named.append((value, count))
        else:
            other += count
    if other:
        named.append(("", other))
    return named


# ---------------------------------------------------------------------------- the dashboard


@dataclass
class Missions:
    upcoming: list[Mission]
    completed: Cell
    capped: bool


@dataclass
class Dashboard:
    desk: Desk
    period: Period
    refreshed_at: datetime | None
    members: Cell
    member_tables: list[Table]
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


def _member_tables(stored: dict[str, dict[str, int]]) -> list[Table]:
    members_label = str(_("Members"))
    interests = stored.get("return_interest", {})
    intentions: dict[tuple[str, str], int] = {}
    for value, count in stored.get("intention", {}).items():
        cadre, _sep, horizon = value.partition(SEPARATOR)
        intentions[(cadre, horizon)] = intentions.get((cadre, horizon), 0) + count
    cadres = sorted({cadre for cadre, _h in intentions}, key=lambda code: (code == "", _cadre(code)))
    horizons = [*RETURN_HORIZONS, *([""] if any(h == "" for _c, h in intentions) else [])]
    licence_order = [LicenceStatus.ACTIVE.value, LicenceStatus.EXPIRING.value, LicenceStatus.LAPSED.value,
                     LicenceStatus.UNKNOWN.value, NO_LICENCE]
    licences = stored.get("licence_status", {})
    return [
        _from_one_way("cadre", str(_("By cadre")), str(_("Cadre")), members_label,
                      one_way(_largest_first(stored.get("cadre", {}))), _cadre),
        _from_one_way("specialty", str(_("By specialty")), str(_("Specialty")), members_label,
                      one_way(_specialties(stored.get("specialty", {}))),
                      lambda value: value[:1].upper() + value[1:] if value else str(_("Other specialties"))),
        _from_one_way("host-country", str(_("By country of residence")), str(_("Country of residence")),
                      members_label, one_way(_largest_first(stored.get("host_country", {}))), _country),
        _from_one_way("return-interest", str(_("Return and placement intentions")), str(_("Intention")),
                      members_label, one_way([(code, interests.get(code, 0)) for code in RETURN_INTERESTS]),
                      lambda code: str(RETURN_INTERESTS.get(code, code))),
        _from_two_way("intention", str(_("Members interested in returning or a placement, by cadre and horizon")),
                      str(_("Cadre")), two_way(cadres, horizons, intentions), _cadre, _horizon),
        _from_one_way("licence-status", str(_("Licences with this country’s regulators")), str(_("Licence")),
                      members_label, one_way([(code, licences.get(code, 0)) for code in licence_order]), _licence),
    ]


_R = CountryRollup


def _contribution_tables(country: str, period: Period) -> tuple[list[Table], Cell]:
    """From the country's rollup: a row per kind, region and month of the period, however many
    associations and contributions there are (primary key: country, month, kind, region)."""
    rows = db.session.execute(
        sa.select(_R.kind, _R.region, _R.month, _R.contributions)
        .where(_R.country == country, _R.month >= period.first, _R.month <= period.last,
               _R.contributions != 0)).all()
    by_kind: dict[str, int] = defaultdict(int)
    by_region: dict[str, int] = defaultdict(int)
    by_month: dict[date, int] = defaultdict(int)
    for kind, region, month, count in rows:
        by_kind[kind] += int(count or 0)
        by_region[region or ""] += int(count or 0)
        by_month[month] += int(count or 0)
    by_year = period.months > MONTHLY_UP_TO
    trend: dict[object, int] = {}
    month = period.first
    while month <= period.last:
        key = month.year if by_year else month
        trend[key] = trend.get(key, 0) + by_month.get(month, 0)
        month = add_months(month, 1)
    measure = str(_("Verified contributions"))
    kinds = [(kind, by_kind.get(kind, 0)) for kind in KINDS if by_kind.get(kind)]
    kinds += [(kind, count) for kind, count in by_kind.items() if kind not in KINDS and count]
    trend_table = one_way(list(trend.items()))
    tables = [
        _from_one_way("contributions-by-month", str(_("Year by year") if by_year else _("Month by month")),
                      str(_("Year") if by_year else _("Month")), measure, trend_table,
                      lambda key: str(key) if by_year else month_label(key), chart=True),
        _from_one_way("contributions-by-kind", str(_("By kind")), str(_("Kind")), measure,
                      one_way(sorted(kinds, key=lambda item: -item[1])), kind_label, chart=True),
        _from_one_way("contributions-by-region", str(_("By region")), str(_("Region")), measure,
                      one_way(_largest_first({key: value for key, value in by_region.items() if value})),
                      lambda code: region_name(code) if code else str(_("No region given")), chart=True),
    ]
    return tables, trend_table.total


def _missions(country: str) -> Missions:
    day = today()
    upcoming = list(db.session.scalars(
        sa.select(Mission).where(Mission.country == country, Mission.starts_on >= day,
                                 Mission.status == MissionStatus.PLANNED)
        .order_by(Mission.starts_on, Mission.id).limit(UPCOMING_MISSIONS)
        .options(sa.orm.joinedload(Mission.association))))
    done = (sa.select(Mission.id).where(Mission.country == country, Mission.starts_on <= day,
                                        Mission.status.in_([MissionStatus.COMPLETED, MissionStatus.REPORTED]))
            .limit(COMPLETED_CAP).subquery())
    completed = db.session.scalar(sa.select(sa.func.count()).select_from(done)) or 0
    return Missions(upcoming=upcoming, completed=primary(completed), capped=completed >= COMPLETED_CAP)


def mission_table(missions: Missions) -> Table:
    from diaspora.core.time import long_date

    return Table("upcoming-missions", str(_("Upcoming missions")),
                 [str(_("Mission")), str(_("Association")), str(_("Starts")), str(_("Ends"))],
                 [(mission.title, [mission.association.name, long_date(mission.starts_on), long_date(mission.ends_on)])
                  for mission in missions.upcoming])


def _submissions(desk: Desk) -> Table:
    counted = {(row.topic, row.status): row.count for row in db.session.scalars(
        sa.select(SubmissionCount).where(SubmissionCount.country == desk.country, SubmissionCount.desk_id == desk.id,
                                         SubmissionCount.count > 0))}
    topics = [topic for topic in TOPICS if any(key[0] == topic for key in counted)]
    statuses = list(SUBMISSION_STATES.labels)
    return _from_two_way("submissions", str(_("Submissions by topic and status")), str(_("Topic")),
                         two_way(topics, statuses, counted), lambda topic: str(TOPICS.get(topic, topic)),
                         SUBMISSION_STATES.label)


def dashboard_of(desk: Desk, period: Period) -> Dashboard:
    stored: dict[str, dict[str, int]] = defaultdict(dict)
    refreshed_at = None
    members = 0
    for row in db.session.scalars(sa.select(EngagementCount).where(EngagementCount.country == desk.country)):
        if row.dimension == MEMBERS:
            members, refreshed_at = row.count, row.refreshed_at
        else:
            stored[row.dimension][row.value] = row.count
    contribution_tables, contributions_total = _contribution_tables(desk.country, period)
    return Dashboard(desk=desk, period=period, refreshed_at=refreshed_at, members=primary(members),
                     member_tables=_member_tables(stored), contribution_tables=contribution_tables,
                     contributions_total=contributions_total, missions=_missions(desk.country),
                     submissions=_submissions(desk),
                     median_acknowledge=counts.median_working_days(desk.country, "acknowledge"),
                     median_answer=counts.median_working_days(desk.country, "answer"))


# ---------------------------------------------------------------------------- showing a cell


def disclosed(cell) -> str:
    """A cell as a reader sees it on the page: the number in their language, <5 or *."""
    if isinstance(cell, Cell):
        return cell.text if cell.suppressed else number(cell.value)
    return "" if cell is None else str(cell)


def chart(table: Table, chart_id: str) -> Markup:
    """The table's bars (contributions/charts.py's drawing): a hidden count draws no bar and
    writes <5 or * where its number would be, so the chart discloses no more than the table."""
    items = table.bars()
    largest = max((cell.value for _, cell in items if not cell.suppressed), default=0) or 1
    height = charts.ROW * len(items) + 8
    label = _("%(breakdown)s: verified contributions", breakdown=table.title)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {charts.WIDTH} {height}" width="{charts.WIDTH}" '
             f'height="{height}" role="img" aria-labelledby="{escape(chart_id)}-title" '
             f'font-family="system-ui, sans-serif">', f'<title id="{escape(chart_id)}-title">{escape(label)}</title>']
    room = charts.WIDTH - charts.VALUE_ROOM
    for index, (text, cell) in enumerate(items):
        top = index * charts.ROW + 4
        length = 0 if cell.suppressed or not cell.value else max(2.0, room * cell.value / largest)
        parts.append(f'<g><text x="0" y="{top + charts.LABEL_SIZE}" font-size="{charts.LABEL_SIZE}" '
                     f'fill="{charts.INK}">{escape(charts._short(text))}</text>'
                     f'<rect x="0" y="{top + 18}" width="{room}" height="{charts.BAR_HEIGHT}" fill="none" '
                     f'stroke="{charts.TRACK}" stroke-width="1"/>'
                     f'<rect x="0" y="{top + 18}" width="{length:.1f}" height="{charts.BAR_HEIGHT}" '
                     f'fill="{charts.BAR}"/>'
                     f'<text x="{room + 6}" y="{top + 18 + charts.BAR_HEIGHT - 2}" font-size="{charts.LABEL_SIZE}" '
                     f'font-weight="700" fill="{charts.INK}">{escape(disclosed(cell))}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


# ---------------------------------------------------------------------------- CSV


def csv_of(table: Table, locale: str | None = None) -> Iterator[str]:
    """The table as the page shows it (hidden counts as <5 or *), with its total row."""
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


SUPPRESSION_NOTE = _l("A count from 1 to 4 shows as <5. A count shown as * is hidden so that a small count "
                      "cannot be worked out from its row’s or column’s total.")
__all__ = ["HIDDEN", "SMALL", "TABLES", "Dashboard", "Table", "chart", "csv_of", "dashboard_of", "disclosed",
           "refresh"]
