"""Missions an association organises: planned, under way, completed, then reported (or
cancelled), with a team of its active members who are invited and accept or decline.

Nothing happens before its day: a mission starts on its first day at the earliest, and is
completed and reported on its last day at the earliest (`Mission.allows`, which the pages ask).

Reporting a completed mission records its outcomes and, in the same transaction, a verified
contribution (kind "mission") for each team member who accepted and took part: it goes
through the contribution state machine (`verification.verify`), so the rollups count it and
the member is told. Nobody verifies their own contribution: the reporting officer's own part,
if they took part, is made awaiting verification, for another officer of the association to
verify from the queue (`logbook.may_decide`). The mission's reach (patients seen, people trained) stays on the mission,
counted once, and is not copied onto each member's contribution, which would count it once per
team member. A member may add their own reflection to that contribution (`add_reflection`)."""

from datetime import date, timedelta

import pycountry
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diaspora.associations.memberships import membership_for
from diaspora.associations.models import Association, Membership
from diaspora.auth import services as accounts
from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import (
    MISSION_STATES,
    TEAM_PLACE_STATES,
    Contribution,
    ContributionStatus,
    Mission,
    MissionMember,
    MissionStatus,
    Partnership,
    TeamPlaceStatus,
)
from diaspora.contributions.verification import verification
from diaspora.core import audit, emails
from diaspora.core.domain import DomainError, check_version
from diaspora.core.i18n import _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.time import today, utcnow
from diaspora.extensions import db

FIELDS = ("title", "country", "region", "facility", "starts_on", "ends_on", "partnership_id")
OUTCOME_FIELDS = ("patients_seen", "procedures", "people_trained", "supplies_value", "currency", "outcomes")
EARLIEST = date(1980, 1, 1)
LATEST_YEARS_AHEAD = 10
MAX_TEXT = 5000

# Newest first: the index (association_id, starts_on, id).
NEWEST_FIRST = Ordering([
    SortKey(Mission.starts_on, lambda m: m.starts_on, descending=True, kind=date),
    SortKey(Mission.id, lambda m: m.id, descending=True, kind=int),
])
# A member's places, newest invitation first: the index (user_id, id).
PLACES_NEWEST_FIRST = Ordering([SortKey(MissionMember.id, lambda p: p.id, descending=True, kind=int)])


# ---------------------------------------------------------------------------- reading


def missions_of(association: Association) -> sa.Select:
    return (sa.select(Mission).where(Mission.association_id == association.id)
            .options(joinedload(Mission.partnership)))


def places_of(user) -> sa.Select:
    return (sa.select(MissionMember).where(MissionMember.user_id == user.id)
            .options(joinedload(MissionMember.mission).joinedload(Mission.association)))


def team_of(mission: Mission) -> list[MissionMember]:
    return list(db.session.scalars(
        sa.select(MissionMember).where(MissionMember.mission_id == mission.id)
        .options(joinedload(MissionMember.user)).order_by(MissionMember.id)))


def reported_team(team: list[MissionMember]) -> list[MissionMember]:
    """Who gets a verified contribution when the mission is reported."""
    return [place for place in team if place.status == TeamPlaceStatus.ACCEPTED and place.took_part]


def reported_for_another_officer(officer, team: list[MissionMember]) -> list[MissionMember]:
    """Of those reported, whose contribution the reporting officer may not verify: their own."""
    return [place for place in reported_team(team) if logbook.is_own(officer, place.user_id)]


def partnership_choices(association: Association) -> list[Partnership]:
    return list(db.session.scalars(sa.select(Partnership).where(Partnership.association_id == association.id)
                                   .order_by(Partnership.name, Partnership.id).limit(500)))


def contribution_of(user, mission: Mission) -> Contribution | None:
    """The member's own contribution from this mission (made when it was reported)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(sa.select(Contribution).where(
        Contribution.mission_id == mission.id, Contribution.user_id == user.id, Contribution.kind == "mission")
        .order_by(Contribution.id).limit(1))


# ---------------------------------------------------------------------------- rules


def _problem(association: Association, values: dict) -> tuple[str, str] | None:
    if not values.get("title"):
        return "title", _("Enter a title.")
    country, region = values.get("country"), values.get("region")
    if not country or pycountry.countries.get(alpha_2=country) is None:
        return "country", _("Choose a country from the list.")
    if region:
        subdivision = pycountry.subdivisions.get(code=region)
        if subdivision is None or subdivision.country_code != country:
            return "region", _("Choose a region of the country you chose.")
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    latest = today() + timedelta(days=365 * LATEST_YEARS_AHEAD)
    if starts_on is None:
        return "starts_on", _("Enter the first day of the mission.")
    if not EARLIEST <= starts_on <= latest:
        return "starts_on", _("Enter a first day between 1980 and ten years from now.")
    if ends_on is None:
        return "ends_on", _("Enter the last day of the mission.")
    if ends_on < starts_on:
        return "ends_on", _("The last day must be the same as or after the first day.")
    if ends_on > latest:
        return "ends_on", _("Enter a last day no more than ten years from now.")
    partnership_id = values.get("partnership_id")
    if partnership_id is not None:
        partnership = db.session.get(Partnership, partnership_id)
        if partnership is None or partnership.association_id != association.id:
            return "partnership_id", _("Choose one of your association's partnerships.")
    return None


def _clean(association: Association, values: dict) -> dict:
    cleaned = {name: values.get(name) for name in FIELDS}
    for name in ("title", "facility"):
        cleaned[name] = " ".join((cleaned[name] or "").split()) or None
    for name in ("country", "region"):
        cleaned[name] = (cleaned[name] or "").strip().upper() or None
    problem = _problem(association, cleaned)
    if problem:
        raise DomainError(problem[1], field=problem[0])
    return cleaned


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _locked(mission: Mission) -> Mission:
    """The mission, read again under a row lock (PostgreSQL): two officers acting at once
    take turns, and the second sees what the first did."""
    db.session.flush()
    db.session.refresh(mission, with_for_update=True)
    return mission


# ---------------------------------------------------------------------------- the mission


def create(officer, association: Association, values: dict) -> Mission:
    cleaned = _clean(association, values)
    mission = Mission(association_id=association.id, **cleaned)
    db.session.add(mission)
    db.session.flush()
    audit.record("mission.created", mission, actor=officer,
                 changes={name: _plain(value) for name, value in cleaned.items() if value is not None})
    return mission


def update(officer, mission: Mission, values: dict, version) -> Mission:
    _locked(mission)
    MISSION_STATES.check("edit", mission.status)
    check_version(mission, version)
    cleaned = _clean(mission.association, values)
    _keep_what_happened(mission, cleaned)
    changes = {name: {"from": _plain(getattr(mission, name)), "to": _plain(value)}
               for name, value in cleaned.items() if getattr(mission, name) != value}
    for name, value in cleaned.items():
        setattr(mission, name, value)
    db.session.flush()
    audit.record("mission.changed", mission, actor=officer, changes=changes)
    return mission


def _keep_what_happened(mission: Mission, cleaned: dict) -> None:
    """A mission that has begun (or ended) cannot be moved to begin (or end) in the future."""
    if mission.status in (MissionStatus.UNDER_WAY, MissionStatus.COMPLETED) and cleaned["starts_on"] > today():
        raise DomainError(_("The mission has begun: its first day must be today or earlier."), field="starts_on")
    if mission.status == MissionStatus.COMPLETED and cleaned["ends_on"] > today():
        raise DomainError(_("The mission is completed: its last day must be today or earlier."), field="ends_on")


def move(officer, mission: Mission, action: str) -> None:
    """Start, complete or cancel (reporting has its own form: `report`)."""
    if action not in ("start", "complete", "cancel"):
        raise DomainError(_("This can't be done to a mission."))
    _locked(mission)
    mission.check(action)
    old, new = MISSION_STATES.apply(mission, action)
    db.session.flush()
    audit.record(f"mission.{action}", mission, actor=officer, changes={"status": {"from": old, "to": new}})


# ---------------------------------------------------------------------------- the team


def invite(officer, mission: Mission, email: str, role: str | None) -> MissionMember:
    """A place on the team for an active member of the mission's association, mailed to them
    in their language with a link to the mission's page."""
    MISSION_STATES.check("edit", mission.status)
    association = mission.association
    try:
        address = emails.normalise(email)
    except emails.AddressError as error:
        raise DomainError(str(error), field="email") from error
    user = accounts.find_by_email(address)
    membership = membership_for(user, association) if user is not None else None
    if membership is None or membership.status != Membership.ACTIVE:
        raise DomainError(_("Nobody with the address %(email)s is an active member of %(association)s.",
                            email=address, association=association.name), field="email")
    existing = db.session.scalar(sa.select(MissionMember).where(
        MissionMember.mission_id == mission.id, MissionMember.user_id == user.id))
    if existing is not None:
        raise DomainError(_("%(name)s already has a place on this team (%(status)s).", name=user.name,
                            status=existing.status_label.lower()), field="email")
    role = " ".join((role or "").split()) or None
    place = MissionMember(mission_id=mission.id, user_id=user.id, role=role, status=TeamPlaceStatus.INVITED)
    db.session.add(place)
    db.session.flush()
    audit.record("mission_member.invited", place, actor=officer, changes={"mission_id": mission.id, "role": role})
    queue_email(user.email, _l("You are invited onto the team of %(mission)s", mission=mission.title),
                "contributions_mission_invitation", locale=user.locale, user=user, mission=mission,
                association=association, inviter=officer, role=role,
                mission_url=absolute("missions.show", slug=association.slug, mission_id=mission.id))
    return place


def answer(user, place: MissionMember, action: str) -> None:
    """The invited person accepts or declines (and may change their mind while the mission
    has not been reported or cancelled)."""
    if action not in ("accept", "decline"):
        raise DomainError(_("Accept or decline the invitation."))
    if place.user_id != user.id:
        raise DomainError(_("Only the person invited can answer this invitation."))
    if not place.mission.allows("edit"):
        raise DomainError(_("This mission is over: its team can no longer change."))
    old, new = TEAM_PLACE_STATES.apply(place, action)
    db.session.flush()
    audit.record(f"mission_member.{action}", place, actor=user, changes={"status": {"from": old, "to": new}})


def mark_took_part(officer, place: MissionMember, took_part: bool) -> None:
    if not place.mission.allows("record_attendance"):
        raise DomainError(str(MISSION_STATES.action("record_attendance").refusal))
    if place.took_part == took_part:
        return
    place.took_part = took_part
    db.session.flush()
    audit.record("mission_member.took_part", place, actor=officer,
                 changes={"took_part": {"from": not took_part, "to": took_part}})


# ---------------------------------------------------------------------------- reporting


def _clean_outcomes(values: dict) -> dict:
    cleaned = {name: values.get(name) for name in OUTCOME_FIELDS}
    for name in ("patients_seen", "procedures", "people_trained", "supplies_value"):
        if cleaned[name] is not None and not 0 <= cleaned[name] <= 10_000_000:
            raise DomainError(_("Enter a number from 0 to 10,000,000."), field=name)
    cleaned["currency"] = (cleaned["currency"] or "").strip().upper() or None
    cleaned["outcomes"] = (cleaned["outcomes"] or "").strip() or None
    if cleaned["supplies_value"] and not cleaned["currency"]:
        raise DomainError(_("Choose the currency of the value of the supplies."), field="currency")
    if cleaned["currency"] and pycountry.currencies.get(alpha_3=cleaned["currency"]) is None:
        raise DomainError(_("Choose a currency from the list."), field="currency")
    if cleaned["outcomes"] and len(cleaned["outcomes"]) > MAX_TEXT:
        raise DomainError(_("Keep the outcomes to 5,000 characters."), field="outcomes")
    return cleaned


def report(officer, mission: Mission, values: dict, version) -> list[Contribution]:
    """Record a completed mission's outcomes and give each team member who accepted and took
    part a contribution, verified unless it is the reporting officer's own (left awaiting
    another officer). Returns those contributions."""
    _locked(mission)
    mission.check("report")
    check_version(mission, version)
    cleaned = _clean_outcomes(values)
    old, new = MISSION_STATES.apply(mission, "report")
    for name, value in cleaned.items():
        setattr(mission, name, value)
    mission.reported_at = utcnow()
    db.session.flush()
    audit.record("mission.report", mission, actor=officer,
                 changes={"status": {"from": old, "to": new},
                          **{name: value for name, value in cleaned.items() if value is not None}})
    made = []
    for place in reported_team(team_of(mission)):
        contribution = Contribution(
            user_id=place.user_id, association_id=mission.association_id, mission_id=mission.id,
            partnership_id=mission.partnership_id, kind="mission", title=mission.title, country=mission.country,
            region=mission.region, partner=mission.facility, starts_on=mission.starts_on, ends_on=mission.ends_on,
            status=ContributionStatus.SUBMITTED, submitted_at=utcnow())
        db.session.add(contribution)
        db.session.flush()
        audit.record("contribution.logged", contribution, actor=officer,
                     changes={"mission_id": mission.id, "title": mission.title, "role": place.role,
                              "status": contribution.status})
        if logbook.may_decide(officer, contribution):
            verification.verify(officer, contribution)
        made.append(contribution)
    return made


def add_reflection(user, contribution: Contribution, text: str) -> None:
    """A member's own reflection on the verified contribution a mission gave them: only the
    reflection changes, so it stays verified (and in the totals, which it does not touch)."""
    if contribution.user_id != user.id:
        raise DomainError(_("Only the member whose contribution it is can add a reflection."))
    if contribution.kind != "mission" or contribution.mission_id is None or not contribution.is_verified:
        raise DomainError(_("A reflection can be added here only to a verified contribution from a mission."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your reflection."), field="reflection")
    if len(text) > MAX_TEXT:
        raise DomainError(_("Keep the reflection to 5,000 characters."), field="reflection")
    before = contribution.reflection
    contribution.reflection = text
    db.session.flush()
    audit.record("contribution.reflection_added", contribution, actor=user,
                 changes={"reflection": {"from": before, "to": text}})
