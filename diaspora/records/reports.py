"""Reports to hand on, as tagged PDFs in the reader's language (`core.pdf`): an association's
annual impact report (for an AGM or a funder) and a desk's quarterly report. Each reads what the
dashboards read (rollups, counters, the published engagement figures under disclosure control),
never the rows one by one."""

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from diaspora.contributions.impact import impact
from diaspora.contributions.models import Mission, MissionStatus, Partnership
from diaspora.contributions.proof.documents import bar_chart
from diaspora.core import pdf
from diaspora.core.i18n import _
from diaspora.core.time import today
from diaspora.extensions import db

FIRST_YEAR = 1980
MAX_ROWS = 200  # missions and partnerships listed in a report


def figure(svg: str, title: str) -> Markup:
    """An SVG chart as an image with its text alternative, so the tagged PDF has it as a figure
    a screen reader names (its figures are also in the table after it)."""
    data = base64.b64encode(str(svg).encode()).decode()
    return Markup('<img class="chart" src="data:image/svg+xml;base64,{}" alt="{}">').format(data, title)


def year_from(args) -> int:
    """The year a report is asked for (`?year=`); last year when it is missing or unreadable."""
    last = today().year - 1
    raw = (args.get("year") or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) == 4 and FIRST_YEAR <= int(raw) <= today().year:
        return int(raw)
    return last


# ---------------------------------------------------------------------------- an association's year


def association_year(association, year: int) -> dict:
    period = impact.Period(first=date(year, 1, 1), last=date(year, 12, 1), chosen=True)
    found = impact.impact_of(association.id, period)
    missions = db.session.scalars(
        sa.select(Mission).where(Mission.association_id == association.id, Mission.starts_on <= date(year, 12, 31),
                                 Mission.ends_on >= date(year, 1, 1), Mission.status != MissionStatus.CANCELLED)
        .order_by(Mission.starts_on, Mission.id).limit(MAX_ROWS)).all()
    partnerships = db.session.scalars(
        sa.select(Partnership).where(Partnership.association_id == association.id,
                                     sa.or_(Partnership.starts_on.is_(None),
                                            Partnership.starts_on <= date(year, 12, 31)),
                                     sa.or_(Partnership.ends_on.is_(None), Partnership.ends_on >= date(year, 1, 1)))
        .order_by(Partnership.name, Partnership.id).limit(MAX_ROWS)).all()

    def chart(rows, title):
        pairs = [(row.label, row.measures.contributions) for row in rows if row.measures.contributions]
        return figure(bar_chart(pairs, title), title) if pairs else None

    return {"impact": found, "missions": missions, "partnerships": partnerships,
            "trend_chart": chart(found.trend, _("Verified contributions by month")),
            "kind_chart": chart(found.by_kind, _("Verified contributions by kind")),
            "country_chart": chart(found.by_country, _("Verified contributions by country"))}


def association_report_html(association, year: int) -> str:
    title = _("%(name)s: impact report %(year)s", name=association.name, year=year)
    return render_template("records/association_report.pdf.html", association=association, year=year, title=title,
                           prepared_on=today(), footer=pdf.page_footer(title), **association_year(association, year))


def association_report_pdf(association, year: int) -> bytes:
    return pdf.html_to_pdf(association_report_html(association, year))


REPORT_FILENAME = "impact-report.pdf"


def is_long(association, year: int, limit: int) -> bool:
    """Whether the year's report lists more than `limit` missions and partnerships together:
    then a job lays it out, not the request (two bounded statements)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    missions = db.session.scalars(
        sa.select(Mission.id).where(Mission.association_id == association.id, Mission.starts_on <= last,
                                    Mission.ends_on >= first, Mission.status != MissionStatus.CANCELLED)
        .limit(limit + 1)).all()
    partnerships = db.session.scalars(
        sa.select(Partnership.id).where(Partnership.association_id == association.id,
                                        sa.or_(Partnership.starts_on.is_(None), Partnership.starts_on <= last),
                                        sa.or_(Partnership.ends_on.is_(None), Partnership.ends_on >= first))
        .limit(limit + 1)).all()
    return len(missions) + len(partnerships) > limit


def render_association_report_job(user_id: int, association_id: int, year: int) -> int | None:
    """The job that lays out a long annual report outside any request, in its reader's language:
    stored as the reader's file (erased with their account) and mailed to them as a link only
    they can open. Returns the file's id."""
    from diaspora.associations.models import Association
    from diaspora.auth.models import User
    from diaspora.core import links, transaction
    from diaspora.core.files import keep_document
    from diaspora.core.i18n import _l, in_locale
    from diaspora.core.outbox import queue_email

    user, association = db.session.get(User, user_id), db.session.get(Association, association_id)
    if user is None or association is None:  # erased or removed meanwhile
        return None
    with in_locale(user.locale):
        data = association_report_pdf(association, year)
    stored = keep_document(user, data, REPORT_FILENAME)
    queue_email(user.email, _l("Your report is ready"), "records_report_ready", locale=user.locale,
                user=user, association=association.name, year=year,
                url=links.absolute("records.report_file", file_id=stored.id))
    transaction.commit()
    return stored.id


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> date:
        following = date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, 3 * self.number + 1, 1)
        return following - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


def quarter_from(args) -> Quarter:
    """`?quarter=2026-Q3`; the last whole quarter when missing or unreadable."""
    raw = (args.get("quarter") or "").strip().upper()
    now = today()
    if len(raw) == 7 and raw.isascii() and raw[4:6] == "-Q" and raw[:4].isdigit() and raw[6] in "1234":
        chosen = Quarter(int(raw[:4]), int(raw[6]))
        if chosen.year >= FIRST_YEAR and chosen.first <= now:
            return chosen
    current = (now.month - 1) // 3 + 1
    return Quarter(now.year, current - 1) if current > 1 else Quarter(now.year - 1, 4)


# ---------------------------------------------------------------------------- a desk's quarter


@dataclass
class Throughput:
    received: int = 0
    answered: int = 0
    on_time: int = 0  # answered by the date the submitter was given

    @property
    def share_on_time(self) -> float | None:
        return self.on_time / self.answered if self.answered else None


def desk_quarter(desk, quarter: Quarter) -> dict:
    """The desk's own work in the quarter (its queue: exact, as on its queue page) and the
    country's engagement for the quarter as the dashboard publishes it (disclosure-controlled)."""
    from diaspora.desks.engagement import engagement
    from diaspora.desks.engagement.periods import ReportingPeriod
    from diaspora.desks.models import SUBMISSION_STATES, TOPICS, Submission

    start = datetime.combine(quarter.first, time.min)
    end = datetime.combine(quarter.last + timedelta(days=1), time.min)
    answered = sa.and_(Submission.answered_at >= start, Submission.answered_at < end)
    in_time = sa.and_(answered, Submission.answer_by.is_not(None),
                      sa.func.date(Submission.answered_at) <= Submission.answer_by)

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    received_in = sa.and_(Submission.created_at >= start, Submission.created_at < end)
    rows = db.session.execute(
        sa.select(Submission.topic, Submission.status, count(received_in), count(answered), count(in_time))
        .where(Submission.desk_id == desk.id, sa.or_(received_in, answered))
        .group_by(Submission.topic, Submission.status)).all()
    totals = Throughput()
    by_topic: dict[str, dict] = {}
    for topic, status, received, answered_count, on_time in rows:
        totals.received += int(received)
        totals.answered += int(answered_count)
        totals.on_time += int(on_time)
        line = by_topic.setdefault(topic, {"label": str(TOPICS.get(topic, topic)), "received": 0, "outcomes": {}})
        line["received"] += int(received)
        if answered_count:
            line["outcomes"][status] = line["outcomes"].get(status, 0) + int(answered_count)
    outcomes = [status for status in SUBMISSION_STATES.values if any(status in line["outcomes"]
                                                                     for line in by_topic.values())]
    board = engagement.dashboard_of(desk, ReportingPeriod(quarter.year, quarter=quarter.number))
    return {"throughput": totals, "topics": sorted(by_topic.values(), key=lambda line: line["label"]),
            "outcomes": outcomes, "outcome_label": SUBMISSION_STATES.label, "board": board,
            "disclosed": engagement.disclosed}


def desk_report_html(desk, quarter: Quarter) -> str:
    title = _("%(desk)s: quarterly report %(quarter)s", desk=desk.name, quarter=str(quarter))
    return render_template("records/desk_report.pdf.html", desk=desk, quarter=quarter, title=title,
                           prepared_on=today(), footer=pdf.page_footer(title), **desk_quarter(desk, quarter))


def desk_report_pdf(desk, quarter: Quarter) -> bytes:
    return pdf.html_to_pdf(desk_report_html(desk, quarter))
