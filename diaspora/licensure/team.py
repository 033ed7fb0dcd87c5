"""A mission team's licences in the mission's country, for the association's officers: each
team member's licence there (where they let this association see their licences), and a
warning, while the mission is still to come or under way, for anyone whose licence there is
missing, of unknown expiry, or lapses before the mission ends.

Contributions knows nothing of licensure: the mission page asks for this panel through the
`mission_licence_panel` template global that licensure registers (see __init__.py)."""

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup
from sqlalchemy.orm import contains_eager

from diaspora.contributions.models import MissionStatus, TeamPlaceStatus
from diaspora.core.i18n import _l
from diaspora.extensions import db
from diaspora.licensure.models import Licence, LicenceSharing, Regulator
from diaspora.licensure.overview import sharing_members

STILL_AHEAD = (MissionStatus.PLANNED, MissionStatus.UNDER_WAY)  # a missing licence still matters then
ON_THE_TEAM = (TeamPlaceStatus.INVITED, TeamPlaceStatus.ACCEPTED)


class Standing(StrEnum):
    VALID = "valid"  # valid through the mission's last day
    LAPSES_DURING = "lapses_during"
    LAPSED = "lapsed"  # lapses before the mission starts (or has lapsed already)
    UNKNOWN_EXPIRY = "unknown_expiry"
    NONE = "none"  # no licence registered with a regulator of the country
    NOT_SHARED = "not_shared"  # the member does not let this association see their licences


STANDING_LABELS = {
    Standing.VALID: _l("Valid for the whole mission"),
    Standing.LAPSES_DURING: _l("Lapses during the mission"),
    Standing.LAPSED: _l("Lapses before the mission starts"),
    Standing.UNKNOWN_EXPIRY: _l("Expiry date unknown"),
    Standing.NONE: _l("No licence registered in this country"),
    Standing.NOT_SHARED: _l("Not shared with the association"),
}
STANDING_TONES = {Standing.VALID: "success", Standing.LAPSES_DURING: "warning", Standing.LAPSED: "danger",
                  Standing.UNKNOWN_EXPIRY: "warning", Standing.NONE: "danger", Standing.NOT_SHARED: "neutral"}
WARNED = (Standing.LAPSES_DURING, Standing.LAPSED, Standing.UNKNOWN_EXPIRY, Standing.NONE)


@dataclass(frozen=True)
class TeamLicence:
    place: object  # the team place (contributions' MissionMember)
    standing: Standing
    licence: Licence | None = None

    @property
    def warned(self) -> bool:
        return self.standing in WARNED


def standing_of(licence: Licence | None, mission) -> Standing:
    if licence is None:
        return Standing.NONE
    if licence.expires_on is None:
        return Standing.UNKNOWN_EXPIRY
    if licence.expires_on < mission.starts_on:
        return Standing.LAPSED
    if licence.expires_on < mission.ends_on:
        return Standing.LAPSES_DURING
    return Standing.VALID


def _best(licences: list[Licence]) -> Licence | None:
    """The licence that lasts longest (a known expiry before an unknown one)."""
    known = [licence for licence in licences if licence.expires_on is not None]
    if known:
        return max(known, key=lambda licence: (licence.expires_on, licence.id))
    return licences[0] if licences else None


def team_licences(mission, team: list) -> list[TeamLicence]:
    """Two statements whatever the team's size: who shares, then their licences in the country."""
    places = [place for place in team if place.status in ON_THE_TEAM]
    user_ids = {place.user_id for place in places}
    if not user_ids:
        return []
    sharing = set(db.session.scalars(
        sharing_members(mission.association).where(LicenceSharing.user_id.in_(user_ids))))
    held: dict[int, list[Licence]] = {}
    if sharing:
        rows = db.session.scalars(
            sa.select(Licence).join(Licence.regulator).options(contains_eager(Licence.regulator))
            .where(Licence.user_id.in_(sharing), Regulator.country == mission.country)
            .order_by(Licence.id))
        for licence in rows:
            held.setdefault(licence.user_id, []).append(licence)
    result = []
    for place in places:
        if place.user_id not in sharing:
            result.append(TeamLicence(place, Standing.NOT_SHARED))
            continue
        licence = _best(held.get(place.user_id, []))
        result.append(TeamLicence(place, standing_of(licence, mission), licence))
    return result


def panel(mission, team: list) -> Markup:
    """The mission page's "Licences in <country>" card, for the association's officers."""
    rows = team_licences(mission, team)
    return Markup(render_template(
        "licensure/_mission_team.html", mission=mission, rows=rows,
        STANDING_LABELS=STANDING_LABELS, STANDING_TONES=STANDING_TONES,
        warned=[row for row in rows if row.warned] if mission.status in STILL_AHEAD else []))
