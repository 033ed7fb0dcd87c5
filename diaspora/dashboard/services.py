"""What each role's dashboard shows: counts read from counters the database keeps, never a
GROUP BY over rows that grow."""

from types import SimpleNamespace

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape

from diaspora.associations import counts as association_counts
from diaspora.associations import policy as association_policy
from diaspora.associations.invitations import accept_token
from diaspora.associations.models import Association, Invitation, Membership, MembershipType
from diaspora.core.models import OutboxMessage, PlatformCount
from diaspora.core.statements import bound, kept
from diaspora.desks import policy as desk_policy
from diaspora.extensions import db


def member_panel(user) -> list[Membership]:
    statement = kept("member_panel", lambda: association_policy.memberships_of(
        SimpleNamespace(id=bound("user_id", sa.Integer))))
    return list(db.session.scalars(statement, {"user_id": user.id}))


def officer_panel(user) -> list[dict]:
    statement = kept("officer_panel", lambda: association_policy.officer_associations(
        SimpleNamespace(id=bound("user_id", sa.Integer))))
    associations = list(db.session.scalars(statement, {"user_id": user.id}))
    if not associations:
        return []
    ids = [a.id for a in associations]
    counts = association_counts.by_status(ids)
    types = dict(db.session.execute(sa.select(MembershipType.association_id, sa.func.count())
                                    .where(MembershipType.association_id.in_(ids))
                                    .group_by(MembershipType.association_id)).all())
    return [{"association": a, "counts": counts.get(a.id, {}), "types": types.get(a.id, 0)} for a in associations]


def desk_panel(user) -> list:
    return list(db.session.scalars(desk_policy.desks_of(user)))


def admin_panel() -> dict:
    """Counts that do not grow with the data: accounts from a maintained counter, associations
    by status (a small table, through its status index), and only the mail that waits or failed
    (the status index; sent mail, which grows for ever, is never counted)."""
    counted = dict(db.session.execute(sa.select(PlatformCount.name, PlatformCount.count)).all())
    waiting = dict(db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.status.in_((OutboxMessage.QUEUED, OutboxMessage.FAILED)))
        .group_by(OutboxMessage.status)).all())
    associations = {name.split(":", 1)[1]: number for name, number in counted.items()
                    if name.startswith("associations:")}
    from diaspora.desks.setup.setup import unrouted_count

    return {"users": counted.get("users", 0), "associations": associations, "outbox": waiting,
            "unrouted": unrouted_count()}


def needs_you(user, limit: int = 5) -> list[tuple[str, Markup, str]]:
    """What waits for the member: (kind, sentence, link). A contribution returned to them, a
    licence lapsing or lapsed, a mission they are invited onto, an invitation to join an
    association. Four bounded statements, each read through an index on the member
    (contributions and licences by user, team places by user, invitations by email). A title or
    name someone typed is isolated in the sentence (<bdi>), so it cannot reverse the words around it."""
    from diaspora.contributions.models import Contribution, ContributionStatus, Mission, MissionMember, TeamPlaceStatus
    from diaspora.core.i18n import _
    from diaspora.core.text import sentence_with
    from diaspora.core.time import long_date, today
    from diaspora.licensure.models import EXPIRING_WITHIN, Licence

    items: list[tuple[str, Markup, str]] = []
    # Statements kept per process (core/statements.py), their values bound.
    values = {"user_id": user.id, "limit": limit, "horizon": today() + EXPIRING_WITHIN}
    returned = db.session.scalars(kept("returned_contributions", lambda: sa.select(Contribution).where(
        Contribution.user_id == bound("user_id", sa.Integer), Contribution.status == ContributionStatus.RETURNED)
        .order_by(Contribution.starts_on.desc(), Contribution.id.desc()).limit(bound("limit", sa.Integer))), values)
    for contribution in returned:
        items.append(("returned", sentence_with(_("“%(title)s” came back to you: read why, change it and send it "
                                                  "again."), title=contribution.title),
                      url_for("contributions.show", contribution_id=contribution.id)))
    day = today()
    lapsing = db.session.scalars(kept("lapsing_licences", lambda: sa.select(Licence).where(
        Licence.user_id == bound("user_id", sa.Integer), Licence.expires_on.is_not(None),
        Licence.expires_on <= bound("horizon", sa.Date))
        .order_by(Licence.expires_on, Licence.id).limit(bound("limit", sa.Integer))), values)
    for licence in lapsing:
        sentence = (_("A licence lapsed on %(date)s: renew it.", date=long_date(licence.expires_on))
                    if licence.expires_on < day else
                    _("A licence expires on %(date)s: plan its renewal.", date=long_date(licence.expires_on)))
        items.append(("licence", escape(sentence), url_for("licences.show", licence_id=licence.id)))
    invited = db.session.execute(kept("mission_invitations", lambda: sa.select(MissionMember, Mission)
        .join(Mission, Mission.id == MissionMember.mission_id)
        .where(MissionMember.user_id == bound("user_id", sa.Integer), MissionMember.status == TeamPlaceStatus.INVITED)
        .order_by(MissionMember.id.desc()).limit(bound("limit", sa.Integer))), values).all()
    for _place, mission in invited:
        items.append(("invitation", sentence_with(_("You are invited onto the mission “%(title)s”: answer the "
                                                    "invitation."), title=mission.title),
                      url_for("missions.mine")))
    for invitation, association in pending_invitations(user, limit):
        items.append(("invitation", sentence_with(_("%(association)s invites you to join: accept or decline the "
                                                    "invitation."), association=association.name),
                      url_for("associations.accept_invitation", token=accept_token(invitation))))
    return items


def pending_invitations(user, limit: int) -> list[tuple[Invitation, Association]]:
    """The invitations to join an approved association sent to the member's (verified) address
    that can still be answered, newest first: one statement, read along ix_invitations_email."""
    from diaspora.associations.invitations import answerable

    return db.session.execute(
        sa.select(Invitation, Association).join(Association, Association.id == Invitation.association_id)
        .where(Invitation.email == user.email, *answerable(), Association.status == Association.APPROVED)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(limit)).all()  # `answerable`: now


def first_steps(user, memberships: list[Membership]) -> list[tuple]:
    """A new member's checklist: (title, text, link endpoint, done)."""
    from diaspora.core.i18n import _
    from diaspora.members.models import DeskSharingConsent, Profile

    profile = db.session.get(Profile, user.id)
    profiled = profile is not None and bool(profile.cadre) and bool(profile.heritage)
    chosen = profile is not None and profile.directory_consent_at is not None or db.session.scalar(
        sa.select(sa.exists().where(DeskSharingConsent.user_id == user.id)))
    joined = any(m.status in (Membership.ACTIVE, Membership.APPLIED) for m in memberships)
    return [
        (_("Complete your profile"), _("Your profession, specialty, heritage countries, languages and skills."),
         "members.edit_profile", profiled),
        (_("Choose who may see your profile"),
         _("Your association's directory, and the diaspora desk of each heritage country."),
         "members.consents", bool(chosen)),
        (_("Join an association"), _("Find yours among the registered associations and apply to join."),
         "associations.index", joined),
    ]


def officer_next_steps(item: dict) -> list[tuple] | None:
    """An officer's next steps while their association is new: (title, text, endpoint, done)."""
    from diaspora.core.i18n import _

    counts = item["counts"]
    members = sum(counts.values())
    if members > 1:
        return None
    return [
        (_("Check the membership types"), _("How long memberships last, and whether you approve each application."),
         "associations.types", item["types"] > 1),
        (_("Invite or import your members"), _("Invite people one by one, or upload a spreadsheet of them."),
         "directory.import_form", members > 1),
        (_("Describe your association"), _("What it does, its website and contact address, for its public page."),
         "associations.edit", bool(item["association"].description)),
    ]
