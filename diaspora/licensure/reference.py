"""The reference data licensure starts from (data/SOURCE.md): the regulators of heritage
countries and the WHO Support and Safeguards List, loaded once and then kept by admins.
Loading again adds what is missing and never overwrites an admin's correction (a regulator
already there, corrected or not, is left as it is: its unit, note and conversion included)."""

import csv
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from diaspora.extensions import db
from diaspora.licensure.models import Regulator, SafeguardCountry
from diaspora.licensure.units import CpdUnit, unit_of

DATA = Path(__file__).parent / "data"
CHECKED_ON = date(2026, 11, 1)
SAFEGUARD_SOURCE = "WHO Health Workforce Support and Safeguards List 2023 (see data/SOURCE.md)"


def _blank_is_none(value: str | None):
    value = (value or "").strip()
    return value or None


def _number(value: str | None, kind=float):
    value = _blank_is_none(value)
    return kind(value) if value is not None else None


def _unit(value: str | None) -> str | None:
    value = _blank_is_none(value)
    if value is not None and unit_of(value) is None:
        raise ValueError(f"regulators.csv: {value!r} is not one of {', '.join(CpdUnit)}")
    return value


def load_regulators() -> int:
    known = {(r.country, r.short_name) for r in db.session.scalars(sa.select(Regulator))}
    added = 0
    with open(DATA / "regulators.csv", newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            if (row["country"], row["short_name"]) in known:
                continue
            db.session.add(Regulator(
                country=row["country"], name=row["name"], short_name=row["short_name"],
                cadres=_blank_is_none(row["cadres"]), renewal_cycle_months=_number(row["renewal_cycle_months"], int),
                renewal_due=_blank_is_none(row["renewal_due"]),
                cpd_required_per_cycle=_number(row["cpd_required_per_cycle"]), cpd_unit=_unit(row["cpd_unit"]),
                cpd_hours_per_unit=_number(row["cpd_hours_per_unit"]), cpd_note=_blank_is_none(row["cpd_note"]),
                lapse_consequence=_blank_is_none(row["lapse_consequence"]), website=_blank_is_none(row["website"]),
                source=_blank_is_none(row["source"]), checked_on=CHECKED_ON))
            added += 1
    db.session.flush()
    return added


def load_safeguard_list() -> int:
    if db.session.scalar(sa.select(SafeguardCountry.country).limit(1)) is not None:
        return 0  # the list is the admins' once loaded: a removed country stays removed
    added = 0
    with open(DATA / "who_ssl_2023.csv", newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            db.session.add(SafeguardCountry(country=row["alpha2"], who_region=row["who_region"], list_year=2023,
                                            note=SAFEGUARD_SOURCE))
            added += 1
    db.session.flush()
    return added


def load() -> tuple[int, int]:
    return load_regulators(), load_safeguard_list()
