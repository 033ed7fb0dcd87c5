"""Health Partnerships: a host-country institution linked with a heritage-country one, run by
an association's officers, seen by its active members; and what has been given through each
(its missions and the verified contributions attached to it), added up in one statement."""

from dataclasses import dataclass
from datetime import date

import pycountry
import sqlalchemy as sa

from diaspora.associations.models import Association
from diaspora.contributions.models import Contribution, ContributionStatus, Mission, MissionStatus, Partnership
from diaspora.core import audit
from diaspora.core.domain import DomainError, check_version
from diaspora.core.i18n import _
from diaspora.core.pagination import Ordering, SortKey
from diaspora.extensions import db

FIELDS = ("name", "host_institution", "heritage_institution", "country", "aims", "focal_people", "starts_on",
          "ends_on")
MAX_TEXT = 5000
EARLIEST = date(1950, 1, 1)

# By name: the index (association_id, name, id).
BY_NAME = Ordering([
    SortKey(Partnership.name, lambda p: p.name),
    SortKey(Partnership.id, lambda p: p.id, kind=int),
])
MISSIONS_NEWEST_FIRST = Ordering([
    SortKey(Mission.starts_on, lambda m: m.starts_on, descending=True, kind=date),
    SortKey(Mission.id, lambda m: m.id, descending=True, kind=int),
])


def partnerships_of(association: Association) -> sa.Select:
    return sa.select(Partnership).where(Partnership.association_id == association.id)


def missions_in(partnership: Partnership) -> sa.Select:
    return sa.select(Mission).where(Mission.partnership_id == partnership.id)


# ---------------------------------------------------------------------------- rules


def _clean(values: dict) -> dict:
    cleaned = {name: values.get(name) for name in FIELDS}
    for name in ("name", "host_institution", "heritage_institution"):
        cleaned[name] = " ".join((cleaned[name] or "").split()) or None
    for name in ("aims", "focal_people"):
        cleaned[name] = (cleaned[name] or "").strip() or None
    cleaned["country"] = (cleaned["country"] or "").strip().upper() or None
    problem = _problem(cleaned)
    if problem:
        raise DomainError(problem[1], field=problem[0])
    return cleaned


def _problem(values: dict) -> tuple[str, str] | None:
    if not values["name"]:
        return "name", _("Enter the partnership's name.")
    if not values["host_institution"]:
        return "host_institution", _("Enter the host-country institution.")
    if not values["heritage_institution"]:
        return "heritage_institution", _("Enter the heritage-country institution.")
    if not values["country"] or pycountry.countries.get(alpha_2=values["country"]) is None:
        return "country", _("Choose a country from the list.")
    for name in ("aims", "focal_people"):
        if values[name] and len(values[name]) > MAX_TEXT:
            return name, _("Keep this to 5,000 characters.")
    starts_on, ends_on = values["starts_on"], values["ends_on"]
    if starts_on is not None and starts_on < EARLIEST:
        return "starts_on", _("Enter a first day from 1950 on.")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        return "ends_on", _("The last day must be the same as or after the first day.")
    return None


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


# ---------------------------------------------------------------------------- changes


def create(officer, association: Association, values: dict) -> Partnership:
    cleaned = _clean(values)
    partnership = Partnership(association_id=association.id, **cleaned)
    db.session.add(partnership)
    db.session.flush()
    audit.record("partnership.created", partnership, actor=officer,
                 changes={name: _plain(value) for name, value in cleaned.items() if value is not None})
    return partnership


def update(officer, partnership: Partnership, values: dict, version) -> Partnership:
    db.session.refresh(partnership, with_for_update=True)
    check_version(partnership, version)
    cleaned = _clean(values)
    changes = {name: {"from": _plain(getattr(partnership, name)), "to": _plain(value)}
               for name, value in cleaned.items() if getattr(partnership, name) != value}
    for name, value in cleaned.items():
        setattr(partnership, name, value)
    db.session.flush()
    audit.record("partnership.changed", partnership, actor=officer, changes=changes)
    return partnership


# ---------------------------------------------------------------------------- totals


@dataclass(frozen=True)
class Totals:
    missions: int
    reported_missions: int
    patients_seen: int
    procedures: int
    mission_people_trained: int
    contributions: int
    hours: float
    contribution_people_trained: int
    contribution_patients_reached: int

    @property
    def people_trained(self) -> int:
        return self.mission_people_trained + self.contribution_people_trained

    @property
    def patients_reached(self) -> int:
        return self.patients_seen + self.contribution_patients_reached


def totals_of(partnership: Partnership) -> Totals:
    """Everything attached to the partnership, in one statement: its missions (cancelled
    ones left out; outcomes from the reported ones) and its verified contributions. A mission's
    reach is on the mission, not on its team members' contributions, so nothing counts twice."""
    zero = sa.literal(0)
    missions = (sa.select(
        sa.func.count(Mission.id).label("missions"),
        sa.func.coalesce(sa.func.sum(sa.case((Mission.status == MissionStatus.REPORTED, 1), else_=0)),
                         zero).label("reported_missions"),
        sa.func.coalesce(sa.func.sum(Mission.patients_seen), zero).label("patients_seen"),
        sa.func.coalesce(sa.func.sum(Mission.procedures), zero).label("procedures"),
        sa.func.coalesce(sa.func.sum(Mission.people_trained), zero).label("mission_people_trained"))
        .where(Mission.partnership_id == partnership.id, Mission.status != MissionStatus.CANCELLED)
        .subquery())
    contributions = (sa.select(
        sa.func.count(Contribution.id).label("contributions"),
        sa.func.coalesce(sa.func.sum(Contribution.hours), zero).label("hours"),
        sa.func.coalesce(sa.func.sum(Contribution.people_trained), zero).label("contribution_people_trained"),
        sa.func.coalesce(sa.func.sum(Contribution.patients_reached), zero).label("contribution_patients_reached"))
        .where(Contribution.partnership_id == partnership.id, Contribution.status == ContributionStatus.VERIFIED)
        .subquery())
    row = db.session.execute(sa.select(missions, contributions)
                             .select_from(missions.join(contributions, sa.true()))).one()
    return Totals(missions=int(row.missions), reported_missions=int(row.reported_missions),
                  patients_seen=int(row.patients_seen), procedures=int(row.procedures),
                  mission_people_trained=int(row.mission_people_trained), contributions=int(row.contributions),
                  hours=float(row.hours), contribution_people_trained=int(row.contribution_people_trained),
                  contribution_patients_reached=int(row.contribution_patients_reached))
