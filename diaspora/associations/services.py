"""The rules of the association registry, joining and the officers' work.

One function per action. Services flush and never commit; a rule that stops an action raises
`AssociationError`, whose `field` (if any) names the form field the message belongs beside.
Every change writes an AuditEvent in the same transaction; emails go to the outbox."""

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from diaspora.associations.models import (
    Association,
    AssociationHeritageCountry,
    Invitation,
    Membership,
    MembershipType,
)
from diaspora.auth import passwords, tokens
from diaspora.auth import services as accounts
from diaspora.auth.models import User
from diaspora.core import audit
from diaspora.core.outbox import queue_email
from diaspora.core.time import long_date, today, utcnow
from diaspora.extensions import db

INVITATION_DAYS = 14
REMINDER_DAYS = 30
DEFAULT_TYPE_NAME = "Full member"
DEFAULT_TYPE_MONTHS = 12
# Paths under /associations/ that a slug must never take.
RESERVED_SLUGS = {"new"}
UPDATE_CHUNK = 500


class AssociationError(Exception):
    """A rule stopped the change; the message is for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class InvalidInvitation(Exception):
    """The invitation link is broken, or the invitation was used, revoked or has expired."""


# ---------------------------------------------------------------------------- plain words


def add_months(start: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 -> 28 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def renewal_date(membership_type: MembershipType | None, start: date) -> date | None:
    if membership_type is None or membership_type.period_months is None:
        return None
    return add_months(start, membership_type.period_months)


def period_words(months: int | None) -> str:
    if months is None:
        return "No expiry"
    return "1 month" if months == 1 else f"{months} months"


# ---------------------------------------------------------------------------- lists (selects)


def approved_associations(name: str | None = None, host: str | None = None,
                          heritage: str | None = None) -> sa.Select:
    query = (
        sa.select(Association)
        .where(Association.status == Association.APPROVED)
        .options(selectinload(Association.heritage))
        .order_by(Association.name, Association.id)
    )
    if name:
        query = query.where(sa.func.lower(Association.name).contains(name.strip().lower(), autoescape=True))
    if host:
        query = query.where(Association.host_country == host)
    if heritage:
        query = query.where(Association.heritage.any(AssociationHeritageCountry.country == heritage))
    return query


def review_queue() -> sa.Select:
    """Every association, the applications waiting for a decision first (oldest first)."""
    waiting_first = sa.case((Association.status == Association.PENDING, 0), else_=1)
    return (
        sa.select(Association)
        .options(joinedload(Association.applied_by), selectinload(Association.heritage))
        .order_by(waiting_first, Association.created_at, Association.id)
    )


def applications_of(association: Association) -> sa.Select:
    """Applications to join waiting for an officer, oldest first."""
    return (
        sa.select(Membership)
        .where(Membership.association_id == association.id, Membership.status == Membership.APPLIED)
        .options(joinedload(Membership.user), joinedload(Membership.membership_type))
        .order_by(Membership.created_at, Membership.id)
    )


def membership_counts(association: Association) -> dict[str, int]:
    """Memberships of the association by status (one GROUP BY)."""
    rows = db.session.execute(
        sa.select(Membership.status, sa.func.count())
        .where(Membership.association_id == association.id)
        .group_by(Membership.status)
    )
    return dict(rows.all())


def active_member_count(association: Association) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(
            Membership.association_id == association.id, Membership.status == Membership.ACTIVE
        )
    )


def types_of(association: Association, *, only_active: bool = False) -> list[MembershipType]:
    query = (sa.select(MembershipType).where(MembershipType.association_id == association.id)
             .order_by(MembershipType.name))
    if only_active:
        query = query.where(MembershipType.active.is_(True))
    return list(db.session.scalars(query))


def active_officers(association: Association) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.association_id == association.id,
            Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE,
        ).order_by(User.name)
    ))


def membership_for(user: User, association: Association) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.association_id == association.id
    ))


# ---------------------------------------------------------------------------- the registry


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70].strip("-")
    return slug or "association"


def unique_slug(name: str) -> str:
    """The name's slug; with -2, -3 ... when it is taken (rejected associations keep theirs)."""
    base = slugify(name)
    same_base = sa.or_(Association.slug == base, Association.slug.like(f"{base}-%"))
    taken = set(db.session.scalars(sa.select(Association.slug).where(same_base))) | RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _clean_name(name: str) -> str:
    return " ".join(name.split())


def _check_name_free(name: str, exclude: Association | None = None) -> None:
    query = sa.select(Association.id).where(
        sa.func.lower(Association.name) == name.lower(), Association.status != Association.REJECTED
    )
    if exclude is not None:
        query = query.where(Association.id != exclude.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise AssociationError(
            "An association with this name is already registered or waiting for approval. "
            "Choose another name.", field="name")


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(code for code in codes if code))


def apply(user: User, *, name: str, host_country: str, heritage_countries: list[str], description: str,
          website: str | None, contact_email: str) -> Association:
    """Apply to register an association: it waits for a platform admin."""
    name = _clean_name(name)
    _check_name_free(name)
    association = Association(
        name=name, slug=unique_slug(name), host_country=host_country, description=description.strip(),
        website=(website or "").strip() or None, contact_email=accounts.normalise_email(contact_email),
        status=Association.PENDING, applied_by_id=user.id,
    )
    association.heritage = [AssociationHeritageCountry(country=code) for code in _unique(heritage_countries)]
    db.session.add(association)
    db.session.flush()
    audit.record("association.applied", association, actor=user, changes={
        "name": name, "host_country": host_country, "heritage_countries": association.heritage_countries,
    })
    review_url = url_for("associations.review", association_id=association.id, _external=True)
    admins = db.session.scalars(sa.select(User).where(User.is_admin.is_(True), User.active.is_(True)))
    for admin in admins:
        queue_email(admin.email, f"An association is waiting for approval: {name}",
                    "associations_application_received", admin=admin, association=association,
                    applicant=user, review_url=review_url)
    return association


def _check_pending(association: Association) -> None:
    if association.status != Association.PENDING:
        raise AssociationError("This application has already been decided.")


def approve(association: Association, admin: User) -> Membership | None:
    """Approve an application: its applicant becomes the first officer, with a default type."""
    _check_pending(association)
    association.status = Association.APPROVED
    association.decided_by_id = admin.id
    association.decided_at = utcnow()
    association.decision_reason = None
    db.session.add(MembershipType(association=association, name=DEFAULT_TYPE_NAME,
                                  period_months=DEFAULT_TYPE_MONTHS, requires_approval=True, active=True))
    applicant = association.applied_by
    officer = None
    if applicant is not None:
        officer = membership_for(applicant, association)
        if officer is None:
            officer = Membership(user=applicant, association=association)
            db.session.add(officer)
        officer.role, officer.status = Membership.OFFICER, Membership.ACTIVE
        officer.joined_on, officer.renews_on = today(), None
    db.session.flush()
    audit.record("association.approved", association, actor=admin,
                 changes={"status": [Association.PENDING, Association.APPROVED]})
    if officer is not None:
        audit.record("membership.created", officer, actor=admin,
                     changes={"role": Membership.OFFICER, "status": Membership.ACTIVE,
                              "reason": "first officer of a newly approved association"})
        queue_email(applicant.email, f"{association.name} is approved", "associations_approved",
                    user=applicant, association=association,
                    association_url=url_for("associations.show", slug=association.slug, _external=True),
                    manage_url=url_for("associations.manage", slug=association.slug, _external=True))
    return officer


def reject(association: Association, admin: User, reason: str) -> None:
    _check_pending(association)
    reason = reason.strip()
    association.status = Association.REJECTED
    association.decided_by_id = admin.id
    association.decided_at = utcnow()
    association.decision_reason = reason
    db.session.flush()
    audit.record("association.rejected", association, actor=admin,
                 changes={"status": [Association.PENDING, Association.REJECTED], "reason": reason})
    applicant = association.applied_by
    if applicant is not None:
        queue_email(applicant.email, f"Your application to register {association.name}",
                    "associations_rejected", user=applicant, association=association, reason=reason)


def update_details(association: Association, user: User, *, version: str | int | None, name: str,
                   host_country: str, heritage_countries: list[str], description: str,
                   website: str | None, contact_email: str) -> bool:
    """An officer edits the association's details. `version` is the one their form showed:
    if someone saved a change since, nothing is saved. Returns whether anything changed."""
    if str(version) != str(association.version):
        raise AssociationError(
            "Someone else changed these details while you were editing them, so your changes "
            "were not saved. Your version is below; check it against the saved details and save again.",
            field="version")
    name = _clean_name(name)
    if name.lower() != association.name.lower():
        _check_name_free(name, exclude=association)
    values = {
        "name": name, "host_country": host_country, "description": description.strip(),
        "website": (website or "").strip() or None, "contact_email": accounts.normalise_email(contact_email),
    }
    changes = audit.diff(association, values)
    wanted = _unique(heritage_countries)
    if wanted != association.heritage_countries:
        changes["heritage_countries"] = [association.heritage_countries, wanted]
    if not changes:
        return False
    for field, value in values.items():
        setattr(association, field, value)
    current = {row.country: row for row in association.heritage}
    association.heritage = [current.get(code) or AssociationHeritageCountry(country=code) for code in wanted]
    flag_modified(association, "name")  # the version moves even when only the countries changed
    db.session.flush()
    audit.record("association.updated", association, actor=user, changes=changes)
    return True


# ---------------------------------------------------------------------------- membership types


def save_type(association: Association, membership_type: MembershipType | None, actor: User, *,
              name: str, period_months: int | None, requires_approval: bool, active: bool) -> MembershipType:
    """Create a membership type (`membership_type` None) or change one."""
    name = _clean_name(name)
    clash = sa.select(MembershipType.id).where(
        MembershipType.association_id == association.id, sa.func.lower(MembershipType.name) == name.lower()
    )
    if membership_type is not None:
        clash = clash.where(MembershipType.id != membership_type.id)
    if db.session.scalar(clash.limit(1)) is not None:
        raise AssociationError("This association already has a membership type with this name.", field="name")
    if period_months is not None and not 1 <= period_months <= 120:
        raise AssociationError("Enter a period from 1 to 120 months.", field="period_months")
    values = {"name": name, "period_months": period_months, "requires_approval": requires_approval,
              "active": active}
    if membership_type is None:
        membership_type = MembershipType(association_id=association.id, **values)
        db.session.add(membership_type)
        db.session.flush()
        audit.record("membership_type.created", membership_type, actor=actor, changes=values)
        return membership_type
    changes = audit.diff(membership_type, values)
    if changes:
        for field, value in values.items():
            setattr(membership_type, field, value)
        db.session.flush()
        audit.record("membership_type.updated", membership_type, actor=actor, changes=changes)
    return membership_type


# ---------------------------------------------------------------------------- joining


def _snapshot(membership: Membership) -> dict:
    return {field: getattr(membership, field) for field in
            ("role", "status", "membership_type_id", "joined_on", "renews_on", "decision_reason")}


def _changes(before: dict, membership: Membership) -> dict:
    return audit.diff(_Before(before), _snapshot(membership))


class _Before:
    def __init__(self, values: dict):
        self.__dict__.update(values)


def join(user: User, association: Association, membership_type: MembershipType) -> Membership:
    """Apply to join (or join at once, when the type needs no approval). Someone whose earlier
    membership ended, lapsed or was refused may apply again: their row is reused."""
    if not association.is_approved:
        raise AssociationError("This association is not open for members yet.")
    if membership_type.association_id != association.id or not membership_type.active:
        raise AssociationError("Choose a membership type from the list.", field="membership_type")
    membership = membership_for(user, association)
    if membership is not None:
        if membership.status == Membership.ACTIVE:
            raise AssociationError(f"You are already a member of {association.name}.")
        if membership.status == Membership.APPLIED:
            raise AssociationError(f"You have already applied to join {association.name}. "
                                   "Its officers will email you when they have decided.")
        if membership.status == Membership.SUSPENDED:
            raise AssociationError(f"Your membership of {association.name} is suspended. "
                                   "Please contact its officers.")
    else:
        membership = Membership(user=user, association=association)
        db.session.add(membership)
    before = _snapshot(membership)
    membership.membership_type = membership_type
    membership.role = Membership.MEMBER
    membership.decision_reason = None
    membership.reminder_sent_for = None
    if membership_type.requires_approval:
        membership.status = Membership.APPLIED
        membership.joined_on = None
        membership.renews_on = None
        membership.created_at = utcnow()  # the date of this application, shown to the officers
    else:
        membership.status = Membership.ACTIVE
        membership.joined_on = today()
        membership.renews_on = renewal_date(membership_type, today())
    db.session.flush()
    if membership.status == Membership.APPLIED:
        audit.record("membership.applied", membership, actor=user, changes=_changes(before, membership))
        applications_url = url_for("associations.applications", slug=association.slug, _external=True)
        for officer in active_officers(association):
            queue_email(officer.email, f"New application to join {association.name}",
                        "associations_join_application", officer=officer, applicant=user,
                        association=association, membership_type=membership_type,
                        applications_url=applications_url)
    else:
        audit.record("membership.joined", membership, actor=user, changes=_changes(before, membership))
    return membership


def approve_application(membership: Membership, officer: User) -> None:
    if membership.status != Membership.APPLIED:
        raise AssociationError("This application has already been decided.")
    before = _snapshot(membership)
    membership.status = Membership.ACTIVE
    membership.joined_on = today()
    membership.renews_on = renewal_date(membership.membership_type, today())
    membership.decision_reason = None
    membership.reminder_sent_for = None
    db.session.flush()
    audit.record("membership.approved", membership, actor=officer, changes=_changes(before, membership))
    association = membership.association
    queue_email(membership.user.email, f"Welcome to {association.name}", "associations_application_approved",
                user=membership.user, association=association, membership=membership,
                renews_on=long_date(membership.renews_on),
                association_url=url_for("associations.show", slug=association.slug, _external=True))


def reject_application(membership: Membership, officer: User, reason: str) -> None:
    if membership.status != Membership.APPLIED:
        raise AssociationError("This application has already been decided.")
    before = _snapshot(membership)
    membership.status = Membership.REJECTED
    membership.decision_reason = reason.strip()
    db.session.flush()
    audit.record("membership.rejected", membership, actor=officer, changes=_changes(before, membership))
    association = membership.association
    queue_email(membership.user.email, f"Your application to join {association.name}",
                "associations_application_rejected", user=membership.user, association=association,
                reason=membership.decision_reason)


# ---------------------------------------------------------------------------- invitations


def invite(association: Association, officer: User, *, email: str, name: str | None,
           membership_type: MembershipType) -> Invitation:
    """Invite someone by email. An earlier invitation to the same address stops working."""
    email = accounts.normalise_email(email)
    if membership_type.association_id != association.id:
        raise AssociationError("Choose a membership type from the list.", field="membership_type")
    existing = accounts.find_by_email(email)
    if existing is not None:
        membership = membership_for(existing, association)
        if membership is not None and membership.status == Membership.ACTIVE:
            raise AssociationError(f"{email} is already an active member of {association.name}.",
                                   field="email")
    now = utcnow()
    earlier = db.session.scalars(sa.select(Invitation).where(
        Invitation.association_id == association.id, Invitation.email == email,
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
    ))
    for old in earlier:
        old.revoked_at = now
        audit.record("invitation.revoked", old, actor=officer,
                     changes={"reason": "a new invitation was sent"})
    invitation = Invitation(association_id=association.id, email=email, name=(name or "").strip() or None,
                            membership_type_id=membership_type.id, invited_by_id=officer.id, created_at=now)
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.sent", invitation, actor=officer,
                 changes={"email": email, "membership_type": membership_type.name})
    token = tokens.make("invite", {"iid": invitation.id})
    queue_email(email, f"You are invited to join {association.name}", "associations_invitation",
                invitation=invitation, association=association, inviter=officer,
                membership_type=membership_type, has_account=existing is not None, days=INVITATION_DAYS,
                accept_url=url_for("associations.accept_invitation", token=token, _external=True))
    return invitation


def load_invitation(token: str) -> Invitation:
    """The invitation a link is for, while it can still be used."""
    try:
        data = tokens.read("invite", token, INVITATION_DAYS * 24 * 3600)
    except tokens.InvalidToken as error:
        raise InvalidInvitation(str(error)) from error
    invitation = db.session.get(Invitation, data.get("iid")) if isinstance(data.get("iid"), int) else None
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.created_at < utcnow() - timedelta(days=INVITATION_DAYS)
        or not invitation.association.is_approved
    ):
        raise InvalidInvitation("used, revoked or expired")
    return invitation


def invited_account(invitation: Invitation) -> User | None:
    return accounts.find_by_email(invitation.email)


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """The invited person, logged in, accepts: their membership is active at once."""
    if accounts.normalise_email(user.email) != invitation.email:
        raise AssociationError("This invitation was sent to another email address.")
    association = invitation.association
    membership = membership_for(user, association)
    if membership is not None and membership.status == Membership.SUSPENDED:
        raise AssociationError(f"Your membership of {association.name} is suspended, so this invitation "
                               "cannot be used. Please contact its officers.")
    _claim(invitation, user)
    if membership is None:
        membership = Membership(user=user, association=association)
        db.session.add(membership)
    before = _snapshot(membership)
    if membership.status != Membership.ACTIVE:
        membership.role = Membership.MEMBER
        membership.status = Membership.ACTIVE
        membership.membership_type_id = invitation.membership_type_id
        membership.joined_on = today()
        membership.renews_on = renewal_date(invitation.membership_type, today())
        membership.decision_reason = None
        membership.reminder_sent_for = None
    db.session.flush()
    audit.record("invitation.accepted", invitation, actor=user)
    changes = _changes(before, membership)
    if changes:
        audit.record("membership.joined", membership, actor=user, changes={**changes, "via": "invitation"})
    return membership


def _claim(invitation: Invitation, user: User) -> None:
    """Mark the invitation used with a conditional UPDATE: of two acceptances at the same
    moment (two tabs, a double click), exactly one wins; the other finds it used."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None))
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvalidInvitation("used or revoked meanwhile")
    set_committed_value(invitation, "accepted_at", now)
    set_committed_value(invitation, "accepted_by_id", user.id)


def accept_invitation_with_new_account(invitation: Invitation, *, name: str, password: str) -> User:
    """Someone without an account accepts: the link proved their address, so the account
    is verified at once."""
    if invited_account(invitation) is not None:
        raise AssociationError("An account with this email address exists now. "
                               "Log in to accept the invitation.")
    problem = passwords.password_problem(password, [name, invitation.email])
    if problem:
        raise AssociationError(problem, field="password")
    user = accounts.create_user(name, invitation.email, password, verified=True)
    audit.record("user.registered", user, actor=user,
                 changes={"email": user.email, "name": user.name, "via": "invitation"})
    accept_invitation(invitation, user)
    return user


# ---------------------------------------------------------------------------- officers' actions


def _lock_association(association: Association) -> None:
    """On PostgreSQL, officer changes in one association wait for each other, so two officers
    demoting each other at the same moment cannot leave it with none."""
    db.session.execute(
        sa.select(Association.id).where(Association.id == association.id).with_for_update()
    )


def _keep_an_officer(membership: Membership, doing: str) -> None:
    if not membership.is_officer:
        return
    _lock_association(membership.association)
    others = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(
            Membership.association_id == membership.association_id,
            Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE,
            Membership.id != membership.id,
        )
    )
    if not others:
        raise AssociationError(
            f"{membership.user.name} is the only active officer of {membership.association.name}, "
            f"so you cannot {doing}. Make another member an officer first: an association always "
            "needs one.")


def _record(action: str, membership: Membership, actor: User, before: dict) -> None:
    db.session.flush()
    audit.record(action, membership, actor=actor, changes=_changes(before, membership))


def _tell_member(membership: Membership, subject: str, template: str, **context) -> None:
    queue_email(membership.user.email, subject, template, user=membership.user,
                association=membership.association, membership=membership, **context)


def promote(membership: Membership, actor: User) -> str:
    if membership.status != Membership.ACTIVE:
        raise AssociationError("Only an active member can be made an officer.")
    if membership.role == Membership.OFFICER:
        raise AssociationError(f"{membership.user.name} is already an officer.")
    before = _snapshot(membership)
    membership.role = Membership.OFFICER
    _record("membership.promoted", membership, actor, before)
    return f"{membership.user.name} is now an officer."


def demote(membership: Membership, actor: User) -> str:
    if membership.role != Membership.OFFICER:
        raise AssociationError(f"{membership.user.name} is not an officer.")
    _keep_an_officer(membership, "make them a plain member")
    before = _snapshot(membership)
    membership.role = Membership.MEMBER
    _record("membership.demoted", membership, actor, before)
    return f"{membership.user.name} is now a member, no longer an officer."


def suspend(membership: Membership, actor: User) -> str:
    if membership.status != Membership.ACTIVE:
        raise AssociationError("Only an active membership can be suspended.")
    _keep_an_officer(membership, "suspend them")
    before = _snapshot(membership)
    membership.status = Membership.SUSPENDED
    _record("membership.suspended", membership, actor, before)
    _tell_member(membership, f"Your membership of {membership.association.name} is suspended",
                 "associations_membership_suspended")
    return f"{membership.user.name}'s membership is suspended."


def reinstate(membership: Membership, actor: User) -> str:
    if membership.status != Membership.SUSPENDED:
        raise AssociationError("Only a suspended membership can be reinstated.")
    before = _snapshot(membership)
    membership.status = Membership.ACTIVE
    _record("membership.reinstated", membership, actor, before)
    return f"{membership.user.name}'s membership is active again."


def end(membership: Membership, actor: User) -> str:
    if membership.status not in (Membership.ACTIVE, Membership.LAPSED, Membership.SUSPENDED):
        raise AssociationError("Only an active, lapsed or suspended membership can be ended.")
    _keep_an_officer(membership, "end their membership")
    before = _snapshot(membership)
    membership.status = Membership.LEFT
    membership.role = Membership.MEMBER  # an ended officer is no longer one
    _record("membership.ended", membership, actor, before)
    _tell_member(membership, f"Your membership of {membership.association.name} has ended",
                 "associations_membership_ended")
    return f"{membership.user.name}'s membership has ended."


def renew(membership: Membership, actor: User) -> str:
    """Move the renewal date on by one period, from today or from the current renewal date,
    whichever is later; a lapsed membership becomes active again."""
    if membership.status not in (Membership.ACTIVE, Membership.LAPSED):
        raise AssociationError("Only an active or lapsed membership can be renewed.")
    period = membership.membership_type.period_months if membership.membership_type else None
    if period is None:
        raise AssociationError("This membership does not expire, so it needs no renewal.")
    before = _snapshot(membership)
    start = max(today(), membership.renews_on or today())
    membership.renews_on = add_months(start, period)
    membership.status = Membership.ACTIVE
    membership.reminder_sent_for = None
    _record("membership.renewed", membership, actor, before)
    renews_on = long_date(membership.renews_on)
    _tell_member(membership, f"Your membership of {membership.association.name} is renewed",
                 "associations_membership_renewed", renews_on=renews_on)
    return f"{membership.user.name}'s membership now renews on {renews_on}."


MEMBERSHIP_ACTIONS: dict[str, Callable[[Membership, User], str]] = {
    "promote": promote, "demote": demote, "suspend": suspend,
    "reinstate": reinstate, "end": end, "renew": renew,
}


# ---------------------------------------------------------------------------- the daily update


Progress = Callable[[int, int], None] | None


def _due(where: list) -> list[Membership]:
    query = (
        sa.select(Membership)
        .where(*where)
        .options(joinedload(Membership.user), joinedload(Membership.association))
        .order_by(Membership.id)
        .with_for_update(of=Membership)
    )
    return list(db.session.scalars(query).unique())


def _bulk_update(memberships: list[Membership], where: list, values: dict) -> None:
    """One UPDATE per chunk of rows; the version moves as if each row had been saved."""
    for start in range(0, len(memberships), UPDATE_CHUNK):
        ids = [m.id for m in memberships[start:start + UPDATE_CHUNK]]
        db.session.execute(
            sa.update(Membership)
            .where(Membership.id.in_(ids), *where)
            .values(**values, version=Membership.version + 1)
            .execution_options(synchronize_session="evaluate")
        )


def lapse_due(on: date | None = None, progress: Progress = None) -> int:
    """Active memberships whose renewal date has passed become lapsed; each member is told."""
    on = on or today()
    where = [Membership.status == Membership.ACTIVE, Membership.renews_on < on]
    memberships = _due(where)
    _bulk_update(memberships, where, {"status": Membership.LAPSED})
    for number, membership in enumerate(memberships, 1):
        audit.record("membership.lapsed", membership, changes={
            "status": [Membership.ACTIVE, Membership.LAPSED], "renews_on": str(membership.renews_on)})
        _tell_member(membership, f"Your membership of {membership.association.name} has lapsed",
                     "associations_membership_lapsed", lapsed_on=long_date(membership.renews_on))
        if progress:
            progress(number, len(memberships))
    return len(memberships)


def send_renewal_reminders(on: date | None = None, progress: Progress = None) -> int:
    """Active memberships renewing within 30 days get one reminder per renewal date."""
    on = on or today()
    where = [
        Membership.status == Membership.ACTIVE,
        Membership.renews_on >= on,
        Membership.renews_on <= on + timedelta(days=REMINDER_DAYS),
        sa.or_(Membership.reminder_sent_for.is_(None), Membership.reminder_sent_for != Membership.renews_on),
    ]
    memberships = _due(where)
    _bulk_update(memberships, where, {"reminder_sent_for": Membership.renews_on})
    for number, membership in enumerate(memberships, 1):
        audit.record("membership.reminder_sent", membership,
                     changes={"reminder_sent_for": str(membership.renews_on)})
        renews_on = long_date(membership.renews_on)
        _tell_member(membership, f"Your membership of {membership.association.name} renews on {renews_on}",
                     "associations_renewal_reminder", renews_on=renews_on)
        if progress:
            progress(number, len(memberships))
    return len(memberships)
