"""Memberships: joining, the officers' decisions and actions, leaving, and the rule that an
association is never left without an active officer.

Every status change goes through `MEMBERSHIP_STATES` (models.py); every change is audited;
the member is told by mail in their own language."""

import calendar
from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diaspora.associations.models import MEMBERSHIP_STATES, Association, Membership, MembershipType
from diaspora.auth.models import User
from diaspora.core import audit
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.time import long_date, today, utcnow
from diaspora.extensions import db

# Applications to join, oldest first.
APPLICATIONS_ORDER = Ordering([
    SortKey(Membership.created_at, lambda m: m.created_at, kind=datetime),
    SortKey(Membership.id, lambda m: m.id, kind=int),
])
SNAPSHOT_FIELDS = ("role", "status", "membership_type_id", "joined_on", "renews_on", "decision_reason")


def add_months(start: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 -> 28 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def renewal_date(membership_type: MembershipType | None, start: date) -> date | None:
    if membership_type is None or membership_type.period_months is None:
        return None
    return add_months(start, membership_type.period_months)


# ---------------------------------------------------------------------------- lists and lookups


def applications_of(association: Association) -> sa.Select:
    """Applications to join waiting for an officer."""
    return (
        sa.select(Membership)
        .where(Membership.association_id == association.id, Membership.status == Membership.APPLIED)
        .options(joinedload(Membership.user), joinedload(Membership.membership_type))
    )


def membership_for(user: User, association: Association) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.association_id == association.id
    ))


def active_officers(association: Association) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.association_id == association.id,
            Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE,
        ).order_by(User.name)
    ))


# ---------------------------------------------------------------------------- the last officer


def lock(association_id: int) -> None:
    """Officer changes in one association wait for each other (a row lock on PostgreSQL;
    SQLite has one writer at a time anyway), so two officers leaving, stepping down or
    deleting their accounts at the same moment cannot leave it with none."""
    db.session.execute(sa.select(Association.id).where(Association.id == association_id).with_for_update())


def keep_an_officer(membership: Membership, doing: str) -> None:
    """Refuse to take `membership` out of the active officers if it is the last one. `doing`
    is what was tried ("demote", "suspend", "end", "leave"). The one place this rule lives."""
    if not membership.is_officer:
        return
    lock(membership.association_id)
    others = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(
            Membership.association_id == membership.association_id,
            Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE,
            Membership.id != membership.id,
        )
    )
    if not others:
        raise DomainError(_only_officer_refusal(doing, person=membership.user.name,
                                                association=membership.association.name))


def _only_officer_refusal(doing: str, **names) -> str:
    """Why the only active officer cannot be demoted, suspended, ended or leave: whole sentences."""
    if doing == "demote":
        return _("%(person)s is the only active officer of %(association)s, so you cannot make them a plain "
                 "member. Make another member an officer first: an association always needs one.", **names)
    if doing == "suspend":
        return _("%(person)s is the only active officer of %(association)s, so you cannot suspend them. "
                 "Make another member an officer first: an association always needs one.", **names)
    if doing == "end":
        return _("%(person)s is the only active officer of %(association)s, so you cannot end their "
                 "membership. Make another member an officer first: an association always needs one.", **names)
    return _("%(person)s is the only active officer of %(association)s, so you cannot leave it yet. "
             "Make another member an officer first: an association always needs one.", **names)


def sole_officer_of(user: User) -> list[Association]:
    """Associations where `user` is the only active officer (advice for the page; the rule
    itself is enforced, under the lock, by `keep_an_officer`)."""
    others = sa.orm.aliased(Membership)
    return list(db.session.scalars(
        sa.select(Association)
        .join(Membership, Membership.association_id == Association.id)
        .where(
            Membership.user_id == user.id,
            Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE,
            ~sa.exists().where(
                others.association_id == Membership.association_id,
                others.user_id != user.id,
                others.role == Membership.OFFICER,
                others.status == Membership.ACTIVE,
            ),
        )
        .order_by(Association.name)
    ))


# ---------------------------------------------------------------------------- changes


def _snapshot(membership: Membership) -> dict:
    return {field: getattr(membership, field) for field in SNAPSHOT_FIELDS}


def _changes(before: dict, membership: Membership) -> dict:
    after = _snapshot(membership)
    return {field: [_plain(before[field]), _plain(after[field])]
            for field in SNAPSHOT_FIELDS if before[field] != after[field]}


def _plain(value):
    return value if value is None or isinstance(value, str | int) else str(value)


def _record(action: str, membership: Membership, actor: User | None, before: dict, **extra) -> None:
    db.session.flush()
    audit.record(action, membership, actor=actor, changes={**_changes(before, membership), **extra})


def _tell_member(membership: Membership, subject, template: str, **context) -> None:
    user = membership.user
    if not user.active:
        return
    queue_email(user.email, subject, template, locale=user.locale, user=user,
                association=membership.association, membership=membership, **context)


def _start(membership: Membership, membership_type: MembershipType | None) -> None:
    membership.role = Membership.MEMBER
    membership.membership_type_id = membership_type.id if membership_type else None
    membership.membership_type = membership_type
    membership.joined_on = today()
    membership.renews_on = renewal_date(membership_type, today())
    membership.decision_reason = None
    membership.reminder_sent_for = None


def join(user: User, association: Association, membership_type: MembershipType) -> Membership:
    """Apply to join (or join at once, when the type needs no approval). Someone whose earlier
    membership ended, lapsed or was refused may apply again: their row is reused."""
    if not association.is_approved:
        raise DomainError(_("This association is not open for members yet."))
    if membership_type.association_id != association.id or not membership_type.active:
        raise DomainError(_("Choose a membership type from the list."), field="membership_type")
    membership = membership_for(user, association)
    action = "apply" if membership_type.requires_approval else "join"
    if membership is None:
        target = MEMBERSHIP_STATES.action(action).target
        membership = Membership(user=user, association=association, status=target)
        db.session.add(membership)
        before = dict.fromkeys(SNAPSHOT_FIELDS)
    elif not membership.allows(action):
        raise DomainError(_join_refusal(membership, association))
    else:
        before = _snapshot(membership)
        MEMBERSHIP_STATES.apply(membership, action)
    _start(membership, membership_type)
    membership.created_at = utcnow()  # when it (re)started: the application date, or "newest members"
    if action == "apply":
        membership.joined_on = membership.renews_on = None
    db.session.flush()
    if action == "join":
        _record("membership.joined", membership, user, before)
        return membership
    _record("membership.applied", membership, user, before)
    applications_url = absolute("associations.applications", slug=association.slug)
    for officer in active_officers(association):
        queue_email(officer.email, _l("New application to join %(name)s", name=association.name),
                    "associations_join_application", locale=officer.locale, officer=officer,
                    applicant=user, association=association, membership_type=membership_type,
                    applications_url=applications_url)
    return membership


def _join_refusal(membership: Membership, association: Association) -> str:
    if membership.status == Membership.ACTIVE:
        return _("You are already a member of %(name)s.", name=association.name)
    if membership.status == Membership.APPLIED:
        return _("You have already applied to join %(name)s. Its officers will email you when they "
                 "have decided.", name=association.name)
    return _("Your membership of %(name)s is suspended. Please contact its officers.", name=association.name)


def approve_application(membership: Membership, officer: User) -> str:
    before = _snapshot(membership)
    MEMBERSHIP_STATES.apply(membership, "approve")
    _start(membership, membership.membership_type)
    _record("membership.approved", membership, officer, before)
    association = membership.association
    _tell_member(membership, _l("Welcome to %(name)s", name=association.name),
                 "associations_application_approved", renews_on=membership.renews_on,
                 association_url=absolute("associations.show", slug=association.slug))
    return _("%(name)s is now a member. We have emailed them.", name=membership.user.name)


def reject_application(membership: Membership, officer: User, reason: str) -> None:
    before = _snapshot(membership)
    MEMBERSHIP_STATES.apply(membership, "reject")
    membership.decision_reason = reason.strip()
    _record("membership.rejected", membership, officer, before)
    _tell_member(membership, _l("Your application to join %(name)s", name=membership.association.name),
                 "associations_application_rejected", reason=membership.decision_reason)


def promote(membership: Membership, actor: User) -> str:
    _check(membership, "promote", _("%(name)s is already an officer.", name=membership.user.name))
    before = _snapshot(membership)
    membership.role = Membership.OFFICER
    _record("membership.promoted", membership, actor, before)
    return _("%(name)s is now an officer.", name=membership.user.name)


def demote(membership: Membership, actor: User) -> str:
    _check(membership, "demote", _("%(name)s is not an officer.", name=membership.user.name))
    keep_an_officer(membership, "demote")
    before = _snapshot(membership)
    membership.role = Membership.MEMBER
    _record("membership.demoted", membership, actor, before)
    return _("%(name)s is now a member, no longer an officer.", name=membership.user.name)


def suspend(membership: Membership, actor: User) -> str:
    MEMBERSHIP_STATES.check("suspend", membership.status)
    keep_an_officer(membership, "suspend")
    before = _snapshot(membership)
    MEMBERSHIP_STATES.apply(membership, "suspend")
    _record("membership.suspended", membership, actor, before)
    _tell_member(membership, _l("Your membership of %(name)s is suspended", name=membership.association.name),
                 "associations_membership_suspended")
    return _("%(name)s's membership is suspended.", name=membership.user.name)


def reinstate(membership: Membership, actor: User) -> str:
    before = _snapshot(membership)
    MEMBERSHIP_STATES.apply(membership, "reinstate")
    _record("membership.reinstated", membership, actor, before)
    return _("%(name)s's membership is active again.", name=membership.user.name)


def end(membership: Membership, actor: User) -> str:
    MEMBERSHIP_STATES.check("end", membership.status)
    keep_an_officer(membership, "end")
    before = _snapshot(membership)
    MEMBERSHIP_STATES.apply(membership, "end")
    membership.role = Membership.MEMBER  # an ended officer is no longer one
    _record("membership.ended", membership, actor, before)
    _tell_member(membership, _l("Your membership of %(name)s has ended", name=membership.association.name),
                 "associations_membership_ended")
    return _("%(name)s's membership has ended.", name=membership.user.name)


def renew(membership: Membership, actor: User) -> str:
    """Move the renewal date on by one period, from today or from the current renewal date,
    whichever is later; a lapsed membership becomes active again."""
    _check(membership, "renew", _("This membership does not expire, so it needs no renewal."))
    before = _snapshot(membership)
    start = max(today(), membership.renews_on or today())
    MEMBERSHIP_STATES.apply(membership, "renew")
    membership.renews_on = add_months(start, membership.membership_type.period_months)
    membership.reminder_sent_for = None
    _record("membership.renewed", membership, actor, before)
    _tell_member(membership, _l("Your membership of %(name)s is renewed", name=membership.association.name),
                 "associations_membership_renewed", renews_on=membership.renews_on)
    return _("%(name)s's membership now renews on %(date)s.", name=membership.user.name,
             date=long_date(membership.renews_on))


def _check(membership: Membership, action: str, otherwise: str) -> None:
    """The status allows the action (else its refusal) and so do role and type (else `otherwise`)."""
    MEMBERSHIP_STATES.check(action, membership.status)
    if not membership.allows(action):
        raise DomainError(otherwise)


OFFICER_CHANGES: dict[str, Callable[[Membership, User], str]] = {
    "promote": promote, "demote": demote, "suspend": suspend,
    "reinstate": reinstate, "end": end, "renew": renew,
}


def leave(membership: Membership, actor: User, reason: str | None = None) -> None:
    """The member leaves (or their account is erased). An officer may leave only if another
    active officer remains."""
    if membership.status in (Membership.LEFT, Membership.REJECTED):
        raise DomainError(_("You have already left %(name)s.", name=membership.association.name)
                          if membership.status == Membership.LEFT else
                          _("Your application to %(name)s was not accepted, so there is nothing to leave.",
                            name=membership.association.name))
    keep_an_officer(membership, "leave")
    before = _snapshot(membership)
    MEMBERSHIP_STATES.apply(membership, "leave")
    membership.role = Membership.MEMBER
    extra = {"reason": reason} if reason else {}
    _record("membership.left", membership, actor, before, **extra)


def leave_problem(user: User, membership: Membership) -> str | None:
    """Why the member cannot leave, said before they try (the rule is checked again, under
    the lock, when they do)."""
    name = membership.association.name
    if membership.status == Membership.LEFT:
        return _("You have already left %(name)s.", name=name)
    if membership.status == Membership.REJECTED:
        return _("Your application to %(name)s was not accepted, so there is nothing to leave.", name=name)
    if membership.is_officer and membership.association in sole_officer_of(user):
        return _("You are the only officer of %(name)s, so you cannot leave it yet. Make another member "
                 "an officer first; then you can leave.", name=name)
    return None
