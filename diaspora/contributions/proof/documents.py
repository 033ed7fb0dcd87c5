"""A member's portfolio as a PDF for an appraiser, an employer, a regulator or a ministry: a
cover with their verified totals and a chart, then each verified contribution with who verified
it, when, and its verification link (with a QR code) when the link is live.

A bounded number of statements whatever the number of contributions: the profile, the totals
(one aggregate), the entries with their association (one query). The document is laid out by
WeasyPrint from `templates/contributions/portfolio.pdf.html` through `core.pdf` (a tagged PDF),
with every image inlined (the chart and the QR codes are SVG made here) and no fetching of
anything but those `data:` images."""

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from diaspora.contributions.logbook import portfolio
from diaspora.contributions.models import CONTRIBUTION_STATES, KINDS, Contribution, ContributionStatus
from diaspora.contributions.proof.public_proof_views import link_of
from diaspora.core import pdf
from diaspora.core.countries import country_name, region_name  # in the reader's language
from diaspora.core.i18n import _
from diaspora.core.numbers import number
from diaspora.core.time import long_date, today
from diaspora.extensions import db
from diaspora.members.models import Profile

# ---------------------------------------------------------------------------- what it shows


@dataclass
class Entry:
    contribution: Contribution
    place: str
    period: str
    link: str | None
    qr_code: Markup | None


def verified_entries(user_id: int, filters: portfolio.Filters) -> list[Contribution]:
    """The member's verified contributions matching the filters, newest first, each with its
    association: one query."""
    query = (portfolio.contributions_of(user_id, filters)
             .where(Contribution.status == ContributionStatus.VERIFIED)
             .options(joinedload(Contribution.association))
             .order_by(*portfolio.NEWEST_FIRST.order_by()))
    return list(db.session.scalars(query))


def _period(contribution: Contribution) -> str:
    start = long_date(contribution.starts_on)
    if contribution.ends_on and contribution.ends_on != contribution.starts_on:
        return _("%(start)s to %(end)s", start=start, end=long_date(contribution.ends_on))
    return start


def _entry(contribution: Contribution) -> Entry:
    place = ", ".join(part for part in (region_name(contribution.region), country_name(contribution.country))
                      if part)
    link = link_of(contribution) if contribution.is_public else None
    qr_code = pdf.qr_code(link, _("QR code of the verification link")) if link else None
    return Entry(contribution, place, _period(contribution), link, qr_code)


def applied_filters(filters: portfolio.Filters) -> list[tuple[str, str]]:
    """The filters, as a reader reads them."""
    shown = []
    if filters.kind:
        shown.append((_("Kind"), str(KINDS[filters.kind])))
    if filters.country:
        shown.append((_("Country"), country_name(filters.country) or filters.country))
    if filters.status:
        shown.append((_("Status"), CONTRIBUTION_STATES.label(filters.status)))
    if filters.starts:
        shown.append((_("From"), long_date(filters.starts)))
    if filters.ends:
        shown.append((_("Until"), long_date(filters.ends)))
    return shown


def profession_of(profile: Profile | None) -> str:
    if profile is None:
        return ""
    return " · ".join(part for part in (profile.cadre_label, profile.specialty) if part)


# ---------------------------------------------------------------------------- the chart


BAR_HEIGHT = 18
GAP = 8
LABEL_WIDTH = 170
BAR_WIDTH = 300
VALUE_WIDTH = 60


def bar_chart(rows: list[tuple[str, int]], title: str) -> Markup:
    """A horizontal bar chart as inline SVG, readable in black and white: each bar has its
    label before it and its number after it."""
    largest = max((value for _label, value in rows), default=0) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    font = 'font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="11" fill="#1b2330"'
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    for index, (label, value) in enumerate(rows):
        top = GAP + index * (BAR_HEIGHT + GAP)
        middle = top + BAR_HEIGHT / 2 + 4
        length = max(2.0, BAR_WIDTH * value / largest)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" {font}>{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{top}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="#0b5d4b" '
            f'stroke="#084536" stroke-width="0.5"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{middle}" font-weight="bold" {font}>'
            f'{escape(number(value))}</text>')
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" stroke="#8a948e"/></svg>')
    return Markup("".join(parts))


# ---------------------------------------------------------------------------- the PDF


def portfolio_html(user, filters: portfolio.Filters) -> str:
    profile = db.session.get(Profile, user.id)
    totals = portfolio.totals_of(user.id, filters, verified_only=True)
    entries = [_entry(contribution) for contribution in verified_entries(user.id, filters)]
    by_kind = [(str(KINDS.get(kind, kind)), count) for kind, count in totals.by_kind.items()]
    by_year = [(str(year), count) for year, count in totals.by_year.items()]
    return render_template(
        "contributions/portfolio.pdf.html", user=user, profession=profession_of(profile), prepared_on=today(),
        filters=applied_filters(filters), totals=totals, entries=entries, by_kind=by_kind, by_year=by_year,
        kind_chart=bar_chart(by_kind, _("Verified contributions by kind")) if by_kind else None,
        year_chart=bar_chart(by_year, _("Verified contributions by year")) if len(by_year) > 1 else None,
        countries=[country_name(code) for code in totals.countries],
        footer=pdf.page_footer(_("Portfolio of %(name)s", name=user.name)))


def portfolio_pdf(user, filters: portfolio.Filters | None = None) -> bytes:
    """The member's verified contributions, filtered as on their portfolio page, as PDF bytes
    (tagged, titled and in the reader's language: `core.pdf`)."""
    return pdf.html_to_pdf(portfolio_html(user, filters or portfolio.Filters()))


def is_large(user_id: int, filters: portfolio.Filters, limit: int) -> bool:
    """Whether the portfolio has more than `limit` verified entries (reads at most limit + 1 ids)."""
    query = (portfolio.contributions_of(user_id, filters).with_only_columns(Contribution.id)
             .where(Contribution.status == ContributionStatus.VERIFIED).limit(limit + 1))
    return len(db.session.scalars(query).all()) > limit


def render_portfolio_job(user_id: int, args: dict) -> int | None:
    """The job that renders a large portfolio's PDF outside any request: stored as the member's
    file (erased with their account) and mailed to them as a link. Returns the file's id."""
    from werkzeug.datastructures import MultiDict

    from diaspora.auth.models import User
    from diaspora.core import links, transaction
    from diaspora.core.files import keep_document
    from diaspora.core.i18n import _l, in_locale
    from diaspora.core.outbox import queue_email

    user = db.session.get(User, user_id)
    if user is None:  # erased meanwhile
        return None
    with in_locale(user.locale):
        data = portfolio_pdf(user, portfolio.Filters.from_args(MultiDict(args)))
    stored = keep_document(user, data, "portfolio.pdf")
    queue_email(user.email, _l("Your portfolio is ready"), "contributions_portfolio_ready", locale=user.locale,
                user=user, url=links.absolute("proof_files.portfolio_file", file_id=stored.id))
    transaction.commit()
    return stored.id
