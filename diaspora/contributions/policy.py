"""Who may see and do what with contributions, missions and partnerships.

* A contribution is its member's. An officer of the association it was sent to sees it once
  sent (awaiting verification, returned or verified), never a draft, and decides on it.
* Evidence goes with its contribution: seen by whoever sees the contribution, changed by the
  member.
* The public link (a random token) opens a verified contribution's verification page to anyone
  who holds it, showing only what the member chose to share.
* A credential status list is public: one bit per credential, the same for every verifier.
* A mission is seen by its association's officers and by the people invited onto its team; it
  is run by the officers. A team place is answered by the person it is for.
* A partnership is seen by its association's active members and run by its officers."""

import sqlalchemy as sa

from diaspora.associations.policy import is_active_member, is_officer, reader_in
from diaspora.contributions.models import (
    Contribution,
    ContributionEvidence,
    ContributionStatus,
    Mission,
    MissionMember,
    Partnership,
)
from diaspora.contributions.proof.credentials import status_list
from diaspora.core import memo
from diaspora.core.access import allowed, object_kind
from diaspora.core.access_log import Read, describe
from diaspora.core.files import only_its_owner, owned_document
from diaspora.core.i18n import _l
from diaspora.extensions import db

SEEN_BY_OFFICERS = {ContributionStatus.SUBMITTED, ContributionStatus.RETURNED, ContributionStatus.VERIFIED}


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False)


def officer_of_contribution(user, contribution: Contribution) -> bool:
    return (contribution.association is not None and contribution.status in SEEN_BY_OFFICERS
            and is_officer(user, contribution.association))


def can_contribution(user, action: str, contribution: Contribution) -> bool:
    if not _signed_in(user):
        return False
    own = contribution.user_id == user.id
    if action == "view":
        return own or officer_of_contribution(user, contribution)
    if action == "change":
        return own
    if action == "verify":
        return officer_of_contribution(user, contribution) and not own
    return False


def can_evidence(user, action: str, evidence: ContributionEvidence) -> bool:
    contribution = evidence.contribution
    return allowed(user, "contribution", "view" if action == "view" else "change", contribution)


def place_of(user, mission: Mission) -> MissionMember | None:
    if not _signed_in(user):
        return None
    return memo.cached(("mission_place", user.id, mission.id), lambda: db.session.scalar(
        sa.select(MissionMember).where(MissionMember.mission_id == mission.id, MissionMember.user_id == user.id)))


def can_mission(user, action: str, mission: Mission) -> bool:
    if not _signed_in(user):
        return False
    officer = is_officer(user, mission.association)
    if action == "view":
        return officer or place_of(user, mission) is not None
    if action == "manage":
        return officer and mission.association.is_approved
    return False


def can_team_place(user, action: str, place: MissionMember) -> bool:
    if not _signed_in(user):
        return False
    if action == "answer":
        return place.user_id == user.id
    officer = is_officer(user, place.mission.association)
    if action == "view":
        return place.user_id == user.id or officer
    if action == "manage":
        return officer
    return False


def can_partnership(user, action: str, partnership: Partnership) -> bool:
    if not _signed_in(user):
        return False
    if action == "view":
        return is_officer(user, partnership.association) or is_active_member(user, partnership.association)
    if action == "manage":
        return is_officer(user, partnership.association) and partnership.association.is_approved
    return False


def _by_token(token: str) -> Contribution | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(Contribution).where(Contribution.public_token == token))


def _get(model):
    return lambda **params: db.session.get(model, next(iter(params.values())))


def _reads_contribution(user, contribution: Contribution) -> Read:
    return Read(contribution.user_id, "contribution", *reader_in(user, contribution.association))


def _reads_evidence(user, evidence: ContributionEvidence) -> Read:
    contribution = evidence.contribution
    return Read(contribution.user_id, "evidence", *reader_in(user, contribution.association))


def declare_kinds() -> None:
    describe("contribution", _l("A contribution of yours"))
    describe("evidence", _l("Evidence for a contribution of yours"))
    object_kind("portfolio_file", params=("file_id",), find=owned_document("portfolio.pdf"), actions={"view"},
                can=only_its_owner)
    object_kind("contribution", params=("contribution_id",), find=_get(Contribution), can=can_contribution,
                actions={"view", "change", "verify"}, reads=_reads_contribution)
    object_kind("contribution_evidence", params=("evidence_id",), find=_get(ContributionEvidence),
                can=can_evidence, actions={"view", "change"}, parent="contribution",
                parent_of=lambda evidence: evidence.contribution, reads=_reads_evidence)
    object_kind("contribution_link", params=("token",), find=_by_token,
                can=lambda user, action, contribution: action == "view", actions={"view"})
    object_kind("status_list", params=("number",), find=lambda number: status_list(number),
                can=lambda user, action, listed: action == "view", actions={"view"})
    object_kind("mission", params=("mission_id",), find=_get(Mission), can=can_mission,
                actions={"view", "manage"}, parent="association", parent_of=lambda mission: mission.association)
    object_kind("team_place", params=("place_id",), find=_get(MissionMember), can=can_team_place,
                actions={"view", "answer", "manage"}, parent="mission", parent_of=lambda place: place.mission)
    object_kind("partnership", params=("partnership_id",), find=_get(Partnership), can=can_partnership,
                actions={"view", "manage"}, parent="association",
                parent_of=lambda partnership: partnership.association)
