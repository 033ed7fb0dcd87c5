"""The regulator catalogue, kept by platform admins: add and correct a regulator's rules, each
with its source and the date it was checked, and load the reference data (data/SOURCE.md).

A blank rule is unknown: it is stored as NULL and shown as "Unknown", never guessed."""

from datetime import date
from itertools import groupby
from urllib.parse import urlsplit

import sqlalchemy as sa

from diaspora.core import audit
from diaspora.core.countries import country_name, is_country
from diaspora.core.domain import DomainError, check_version
from diaspora.core.i18n import _, _l
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import reference
from diaspora.licensure.models import Regulator
from diaspora.licensure.units import CpdUnit, unit_of

REGULATOR_FIELDS = ("country", "name", "short_name", "cadres", "renewal_cycle_months", "renewal_due",
                    "cpd_required_per_cycle", "cpd_unit", "cpd_hours_per_unit", "cpd_note", "special_rules",
                    "lapse_consequence", "website", "source", "checked_on")
TEXT_FIELDS = ("name", "short_name", "cadres", "renewal_due", "cpd_unit", "cpd_note", "special_rules",
               "lapse_consequence", "website", "source")
WHO_REGIONS = {"AFR": _l("Africa"), "AMR": _l("The Americas"), "SEAR": _l("South-East Asia"),
               "EUR": _l("Europe"), "EMR": _l("Eastern Mediterranean"), "WPR": _l("Western Pacific")}


# ---------------------------------------------------------------------------- reading


def regulators_by_country() -> list[tuple[str, list[Regulator]]]:
    """Every regulator, grouped by country (by the country's name in the reader's language): one
    query. The catalogue is small (a few per heritage country) and kept whole on one page."""
    rows = list(db.session.scalars(sa.select(Regulator).order_by(Regulator.country, Regulator.name,
                                                                 Regulator.id)))
    grouped = [(code, list(regulators)) for code, regulators in groupby(rows, key=lambda r: r.country)]
    return sorted(grouped, key=lambda pair: country_name(pair[0]))


# ---------------------------------------------------------------------------- changing


def _clean(values: dict, regulator: Regulator | None) -> dict:
    cleaned = {name: values.get(name) for name in REGULATOR_FIELDS}
    for name in TEXT_FIELDS:
        cleaned[name] = (cleaned[name] or "").strip() or None
    cleaned["country"] = (cleaned["country"] or "").strip().upper()
    if not is_country(cleaned["country"]):
        raise DomainError(_("Choose the regulator's country."), field="country")
    if not cleaned["name"]:
        raise DomainError(_("Enter the regulator's name."), field="name")
    if not cleaned["short_name"]:
        raise DomainError(_("Enter the short name people know it by, like NMC."), field="short_name")
    months = cleaned["renewal_cycle_months"]
    if months is not None and not 1 <= months <= 120:
        raise DomainError(_("Enter a number of months from 1 to 120."), field="renewal_cycle_months")
    required = cleaned["cpd_required_per_cycle"]
    if required is not None and not 0 <= required <= 10000:
        raise DomainError(_("Enter a number from 0 to 10,000."), field="cpd_required_per_cycle")
    _check_unit(cleaned)
    website = cleaned["website"]
    if website is not None:
        parts = urlsplit(website)
        if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in website:
            raise DomainError(_("Enter the full address of the website, like https://example.org"), field="website")
    checked = cleaned["checked_on"]
    if checked is not None and not date(1990, 1, 1) <= checked <= today():
        raise DomainError(_("The date checked must be today or earlier."), field="checked_on")
    taken = db.session.scalar(sa.select(Regulator.id).where(
        Regulator.country == cleaned["country"], Regulator.short_name == cleaned["short_name"],
        Regulator.id != (regulator.id if regulator else 0)))
    if taken is not None:
        raise DomainError(_("%(country)s already has a regulator called %(short_name)s.",
                            country=country_name(cleaned["country"]), short_name=cleaned["short_name"]),
                          field="short_name")
    return cleaned


def _check_unit(cleaned: dict) -> None:
    """The unit is one of the four, or unknown; a conversion from hours only for a unit that is
    not hours, and only what the source gives."""
    if cleaned["cpd_unit"] is not None and unit_of(cleaned["cpd_unit"]) is None:
        raise DomainError(_("Choose points, hours, units or credits, or unknown."), field="cpd_unit")
    per_unit = cleaned["cpd_hours_per_unit"]
    if per_unit is None:
        return
    if not 0 < per_unit <= 100:
        raise DomainError(_("Enter a number of hours above 0 and up to 100."), field="cpd_hours_per_unit")
    if unit_of(cleaned["cpd_unit"]) in (None, CpdUnit.HOURS):
        raise DomainError(_("A conversion from hours is for a regulator counting points, units or credits: "
                            "leave it empty."), field="cpd_hours_per_unit")


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def add_regulator(actor, values: dict) -> Regulator:
    cleaned = _clean(values, None)
    regulator = Regulator(**cleaned)
    db.session.add(regulator)
    db.session.flush()
    audit.record("regulator.added", regulator, actor=actor,
                 changes={name: _jsonable(value) for name, value in cleaned.items() if value is not None})
    return regulator


def update_regulator(actor, regulator: Regulator, values: dict, version) -> bool:
    """Save an admin's correction; False when nothing changed (no version bump, no event)."""
    check_version(regulator, version)
    cleaned = _clean(values, regulator)
    changes = audit.diff(regulator, cleaned)
    if not changes:
        return False
    for name, value in cleaned.items():
        setattr(regulator, name, value)
    db.session.flush()
    audit.record("regulator.changed", regulator, actor=actor, changes=changes)
    return True


def load_reference(actor) -> tuple[int, int]:
    """Add the reference data that is missing: (regulators added, countries added to the
    safeguards list). An admin's correction is never overwritten (`reference.load`)."""
    regulators, countries = reference.load()
    if regulators or countries:
        audit.record("licensure.reference_loaded", None, actor=actor,
                     changes={"regulators": regulators, "safeguard_countries": countries})
    return regulators, countries
