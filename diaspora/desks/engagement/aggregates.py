"""A desk's figures for national workforce reporting (WHO's National Health Workforce Accounts,
the WHO Code's national reports): the counts its dashboard publishes, as data element x period
x place x category, with ISCO-08 occupation codes, for a CSV and for a FHIR MeasureReport (the
IHE mADX way of sending aggregates). docs/standards.md says which NHWA indicators each informs.

It reads `disclosed_counts` only (desks/engagement/publication.py): every count there was protected with
the dashboard's, by the differencing-safe method of docs/disclosure.md, for every period and
table of its block at once; so a count the dashboard hides is hidden here, and nothing here
can be combined with the dashboard to work one out. A hidden count has no value: it is listed
as suppressed (so that a reader tells it from 0), never with its number."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from diaspora.core.spreadsheet import safe_cell
from diaspora.core.time import today
from diaspora.desks.disclosure import SHOWN
from diaspora.desks.engagement.periods import ReportingPeriod
from diaspora.desks.engagement.publication import MEMBERS_BLOCK, OTHER, SEPARATOR
from diaspora.desks.models import DisclosedCount, DisclosureBlock
from diaspora.extensions import db
from diaspora.members.occupations import isco_code

MEMBERS = "DHN_DIASPORA_HW_SHARING"
CONTRIBUTIONS = "DHN_VERIFIED_CONTRIBUTIONS"
ELEMENTS = {
    MEMBERS: "Diaspora health workers who share their profile with the country's desk",
    CONTRIBUTIONS: "Contributions to the country's health system verified by diaspora associations",
}
# The category of each dashboard dimension ("" is the data element's total).
CATEGORIES = {
    "members": "", "cadre": "occupation", "specialty": "specialty", "host_country": "country_of_residence",
    "return_interest": "return_intention", "licence_status": "licence_status",
    "intention": "occupation_by_return_horizon", "intention_by_cadre": "occupation_intending_return",
    "intention_by_horizon": "return_horizon", "intention_total": "intending_return",
    "total": "", "kind": "contribution_kind", "region": "region", "month": "month",
}
FIELDS = ("data_element", "data_element_name", "period", "period_start", "period_end", "place", "category",
          "category_option", "isco08", "value", "status")


@dataclass(slots=True)  # thousands a country: no frozen dataclass's slower making
class Figure:
    data_element: str
    period: str          # "2026", "2026-Q2", "2026-05", or the day the members were counted
    start: date
    end: date
    place: str           # ISO 3166-1 (the desk's country), or ISO 3166-2 for a region's contributions
    category: str
    option: str          # the category's value ("" for a total; "other" for the rest)
    isco08: str
    value: int | None    # None: suppressed
    status: str          # "shown" or "suppressed"

    def row(self) -> list[str]:
        """The CSV row, its two cells that come from members' own words (the category's value, a
        region's code) made safe to open in a spreadsheet; the rest are codes, dates and numbers."""
        return [self.data_element, ELEMENTS[self.data_element], self.period, self.start.isoformat(),
                self.end.isoformat(), safe_cell(self.place), self.category, safe_cell(self.option), self.isco08,
                "" if self.value is None else str(self.value), self.status]


def _isco(dimension: str, key: str) -> str:
    if dimension in ("cadre", "intention_by_cadre"):
        return isco_code(key)
    if dimension == "intention":
        return isco_code(key.partition(SEPARATOR)[0])
    return ""


def _option(key: str) -> str:
    return "other" if key == OTHER else key.replace(SEPARATOR, "/")


def _bounds(period: str, counted_on: date) -> tuple[str, date, date]:
    if period == MEMBERS_BLOCK:
        return counted_on.isoformat(), counted_on, counted_on
    found = ReportingPeriod.from_key(period)
    last_month = found.last
    following = date(last_month.year + (last_month.month == 12), last_month.month % 12 + 1, 1)
    return period, found.first, date.fromordinal(following.toordinal() - 1)


def published_periods(country: str) -> list[str]:
    """The periods published for the country: "" (its members, as last counted) and its
    contribution periods (years, quarters, months), in order."""
    return sorted(set(db.session.scalars(sa.select(DisclosedCount.period).where(
        DisclosedCount.country == country).distinct())))


def figures_of(country: str, period: str | None = None) -> list[Figure]:
    """Every published figure of the country (or of one period), in a stable order."""
    blocks = {block.period: block for block in db.session.scalars(
        sa.select(DisclosureBlock).where(DisclosureBlock.country == country))}
    members_block = blocks.get(MEMBERS_BLOCK)
    counted_on = (members_block.counted_at.date() if members_block else today())
    # Plain rows, not ORM objects, and each period's bounds worked out once: a country has
    # thousands of published counts over a few dozen periods.
    query = sa.select(DisclosedCount.period, DisclosedCount.dimension, DisclosedCount.key, DisclosedCount.count,
                      DisclosedCount.state).where(DisclosedCount.country == country)
    if period is not None:
        query = query.where(DisclosedCount.period == period)
    bounds: dict[str, tuple[str, date, date]] = {}
    found = []
    rows = db.session.execute(query.order_by(DisclosedCount.period, DisclosedCount.dimension, DisclosedCount.key))
    for stored_period, dimension, key, count, state in rows:
        if stored_period not in bounds:
            bounds[stored_period] = _bounds(stored_period, counted_on)
        label, start, end = bounds[stored_period]
        shown = state == SHOWN
        region = dimension == "region" and key and key != OTHER
        found.append(Figure(MEMBERS if stored_period == MEMBERS_BLOCK else CONTRIBUTIONS, label, start, end,
                            key if region else country, CATEGORIES.get(dimension, dimension), _option(key),
                            _isco(dimension, key), count if shown else None, "shown" if shown else "suppressed"))
    return found


# ---------------------------------------------------------------------------- FHIR MeasureReport

SITE = "https://diaspora-health.network/fhir/"
MEASURE = SITE + "Measure/diaspora-desk-figures"
ELEMENT_SYSTEM = SITE + "CodeSystem/data-element"
CATEGORY_SYSTEM = SITE + "CodeSystem/category"
OPTION_SYSTEM = SITE + "CodeSystem/category-option"
COUNTRY = "urn:iso:std:iso:3166"
REGION = "urn:iso:std:iso:3166:-2"
ISCO_SYSTEM = "http://www.ilo.org/public/english/bureau/stat/isco/isco08"


def _concept(system: str, code: str, text: str | None = None) -> dict:
    concept: dict = {"coding": [{"system": system, "code": code}]}
    if text:
        concept["text"] = text
    return concept


def _stratum_value(figure: Figure) -> dict:
    if figure.category == "region" and figure.place != figure.option:
        return {"text": "other regions" if figure.option == "other" else "no region given"}
    if figure.category == "region":
        return _concept(REGION, figure.option)
    if not figure.option:
        return {"text": "not given"}
    codings = [{"system": OPTION_SYSTEM, "code": figure.option}]
    if figure.isco08:
        codings.insert(0, {"system": ISCO_SYSTEM, "code": figure.isco08})
    return {"coding": codings, "text": figure.option}


def measure_report(country: str, desk_name: str, period: str, figures: list[Figure], made_at: str) -> dict:
    """One period's figures as a FHIR R4 MeasureReport (type summary), the IHE mADX way: a
    group per data element, its total as the group's score, a stratifier per category and a
    stratum per option. A suppressed figure has no score: its stratum is left out (and a
    suppressed total leaves the group without a score)."""
    first = figures[0] if figures else None
    report: dict = {
        "resourceType": "MeasureReport", "id": f"{country}-{period or 'members'}".replace("_", "-"),
        "meta": {"lastUpdated": made_at},
        "status": "complete", "type": "summary", "measure": MEASURE,
        "subject": {"identifier": {"system": COUNTRY, "value": country}, "display": country},
        "date": made_at, "reporter": {"display": desk_name},
        "period": {"start": first.start.isoformat(), "end": first.end.isoformat()} if first else
        {"start": made_at[:10], "end": made_at[:10]},
        "group": [],
    }
    for element in ELEMENTS:
        mine = [figure for figure in figures if figure.data_element == element]
        if not mine:
            continue
        group: dict = {"code": _concept(ELEMENT_SYSTEM, element, ELEMENTS[element])}
        total = next((figure for figure in mine if figure.category == ""), None)
        if total is not None and total.value is not None:
            group["measureScore"] = {"value": total.value}
        stratifiers: dict[str, list] = {}
        for figure in mine:
            if figure.category == "" or figure.value is None:
                continue
            stratifiers.setdefault(figure.category, []).append(
                {"value": _stratum_value(figure), "measureScore": {"value": figure.value}})
        if stratifiers:
            group["stratifier"] = [{"code": [_concept(CATEGORY_SYSTEM, category)], "stratum": strata}
                                   for category, strata in stratifiers.items()]
        report["group"].append(group)
    return report
