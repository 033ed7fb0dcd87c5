"""The WHO Health Workforce Support and Safeguards List (2023), as data with its source: the
countries on it, the marker shown beside a listed country wherever countries appear, and the
admins' corrections (add a country, remove one), each audited.

The marker is text ("WHO safeguards list"), not colour alone, and links to the public page that
explains what the list means (and what it does not: it restricts nobody's own movement)."""

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape

from diaspora.core import audit, memo
from diaspora.core.countries import country_name, is_country
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.licensure.models import SafeguardCountry

LIST_YEAR = 2023


def listed_codes() -> frozenset[str]:
    """The alpha-2 codes on the list: one query per request, however many countries a page
    names (memoised; forgotten at every flush, so a change shows at once)."""
    return memo.cached(("safeguard_codes",), lambda: frozenset(
        db.session.scalars(sa.select(SafeguardCountry.country))))


def is_listed(code: str | None) -> bool:
    return bool(code) and code.upper() in listed_codes()


def countries() -> list[SafeguardCountry]:
    """The list, by country name in the reader's language."""
    rows = list(db.session.scalars(sa.select(SafeguardCountry)))
    return sorted(rows, key=lambda row: country_name(row.country))


# ---------------------------------------------------------------------------- the marker


def marker(code: str | None) -> Markup:
    """A small tag beside a country on the list; nothing for another country."""
    if not is_listed(code):
        return Markup("")
    label = _("WHO safeguards list")
    description = _("%(country)s is on the WHO Health Workforce Support and Safeguards List %(year)s: "
                    "read what it means.", country=country_name(code), year=LIST_YEAR)
    return Markup(' <a class="tag tag--safeguard" href="{href}">{label}'
                  '<span class="visually-hidden"> ({description})</span></a>').format(
        href=url_for("safeguards.explained"), description=description, label=label)


def marked_countries(codes) -> Markup:
    """Countries named and joined with commas, each listed one followed by its marker."""
    listed = listed_codes()  # asked even for no country: a page's statements do not vary
    return Markup(", ").join(
        escape(country_name(code)) + (marker(code) if code.upper() in listed else Markup(""))
        for code in codes or [])


# ---------------------------------------------------------------------------- admins' corrections


def add_country(actor, country: str, who_region: str | None = None, note: str | None = None) -> SafeguardCountry:
    code = (country or "").strip().upper()
    if not is_country(code):
        raise DomainError(_("Choose a country from the list."), field="country")
    if db.session.get(SafeguardCountry, code) is not None:
        raise DomainError(_("%(country)s is already on the list.", country=country_name(code)), field="country")
    row = SafeguardCountry(country=code, who_region=(who_region or None), list_year=LIST_YEAR,
                           note=(note or "").strip() or None, changed_at=utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("safeguard_country.added", None, actor=actor,
                 changes={"country": code, "who_region": row.who_region, "note": row.note})
    return row


def remove_country(actor, row: SafeguardCountry) -> None:
    audit.record("safeguard_country.removed", None, actor=actor,
                 changes={"country": row.country, "who_region": row.who_region, "note": row.note})
    db.session.delete(row)
    db.session.flush()
