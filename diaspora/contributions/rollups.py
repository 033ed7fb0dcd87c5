"""The impact dashboard's totals: verified contributions added up by association, country,
region, kind and month. `count_in` and `count_out` are called, in the same transaction, by
every change that makes a contribution verified or takes it out of that status (the state
machine's `verify` and `reopen`, and nothing else moves a contribution into or out of it), so
a dashboard reads a few rows however many contributions there are. `recount` gives the same
numbers from the contributions themselves, for tests and repairs."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from diaspora.contributions.models import Contribution, ContributionRollup
from diaspora.core.time import today
from diaspora.extensions import db

MEASURES = ("contributions", "hours", "people_trained", "patients_reached")


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
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(ContributionRollup).values(**_key(contribution), **values)
    table = ContributionRollup.__table__
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[table.c.association_id, table.c.country, table.c.region, table.c.kind, table.c.month],
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
