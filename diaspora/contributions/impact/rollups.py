"""The impact dashboard's totals: verified contributions added up by association, country,
region, kind and month. `count_in` and `count_out` are called, in the same transaction, by
every change that makes a contribution verified or takes it out of that status (the state
machine's `verify` and `reopen`, and nothing else moves a contribution into or out of it), so
a dashboard reads a few rows however many contributions there are. `recount` gives the same
numbers from the contributions themselves, for tests and repairs. `CountryRollup` holds the
same sums by country alone (a desk's dashboard), changed by the same calls."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from diaspora.contributions.models import Contribution, ContributionRollup, CountryRollup
from diaspora.core.time import today
from diaspora.extensions import db

MEASURES = ("contributions", "hours", "people_trained", "patients_reached")
COUNTRY_KEY = ("country", "month", "kind", "region")


def month_of(contribution: Contribution) -> date:
    day = contribution.starts_on or (contribution.verified_at.date() if contribution.verified_at else today())
    return day.replace(day=1)


def _key(contribution: Contribution) -> dict:
    return {"association_id": contribution.association_id, "country": contribution.country or "",
            "region": contribution.region or "", "kind": contribution.kind, "month": month_of(contribution)}


def _add(contribution: Contribution, sign: int) -> None:
    if contribution.association_id is None:
        return
    values = {"contributions": sign, "hours": sign * (contribution.hours or 0),
              "people_trained": sign * (contribution.people_trained or 0),
              "patients_reached": sign * (contribution.patients_reached or 0)}
    key = _key(contribution)
    _upsert(ContributionRollup, key, values)
    _upsert(CountryRollup, {name: key[name] for name in COUNTRY_KEY}, values)


def _upsert(model, key: dict, values: dict) -> None:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(model).values(**key, **values)
    table = model.__table__
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: table.c[name] + insert.excluded[name] for name in MEASURES}))


def count_in(contribution: Contribution) -> None:
    _add(contribution, +1)


def count_out(contribution: Contribution) -> None:
    _add(contribution, -1)


def recount(association_ids: list[int] | None = None) -> dict[tuple, tuple]:
    """{(association, country, region, kind, month): (contributions, hours, trained, reached)}
    counted from the verified contributions themselves."""
    query = sa.select(Contribution).where(Contribution.status == "verified",
                                          Contribution.association_id.is_not(None))
    if association_ids is not None:
        query = query.where(Contribution.association_id.in_(association_ids))
    totals: dict[tuple, list] = {}
    for contribution in db.session.scalars(query):
        key = tuple(_key(contribution).values())
        row = totals.setdefault(key, [0, 0.0, 0, 0])
        row[0] += 1
        row[1] += contribution.hours or 0
        row[2] += contribution.people_trained or 0
        row[3] += contribution.patients_reached or 0
    return {key: tuple(row) for key, row in totals.items()}


def stored(association_ids: list[int] | None = None) -> dict[tuple, tuple]:
    query = sa.select(ContributionRollup).where(ContributionRollup.contributions != 0)
    if association_ids is not None:
        query = query.where(ContributionRollup.association_id.in_(association_ids))
    return {(r.association_id, r.country, r.region, r.kind, r.month):
            (r.contributions, r.hours, r.people_trained, r.patients_reached) for r in db.session.scalars(query)}


def by_country(rows: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """{(country, month, kind, region): measures} summed over the associations of `rows` (as
    `recount` or `stored` give them)."""
    totals: dict[tuple, list] = {}
    for (_association, country, region, kind, month), measures in rows.items():
        row = totals.setdefault((country, month, kind, region), [0, 0.0, 0, 0])
        for index, value in enumerate(measures):
            row[index] += value
    return {key: tuple(row) for key, row in totals.items() if row[0]}


def stored_by_country() -> dict[tuple, tuple]:
    return {(r.country, r.month, r.kind, r.region): (r.contributions, r.hours, r.people_trained, r.patients_reached)
            for r in db.session.scalars(sa.select(CountryRollup).where(CountryRollup.contributions != 0))}
