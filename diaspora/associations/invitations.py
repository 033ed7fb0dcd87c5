"""Invitations: an officer (or an import) invites a person by email; the person accepts, with
their existing account or a new one, or declines. Nobody becomes a member without saying yes.

An invitation from an import may carry a profile hint (cadre, specialty, heritage countries):
it starts the profile of someone who has none, and never overwrites one."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from diaspora.associations.memberships import SNAPSHOT_FIELDS, _snapshot, membership_for, renewal_date
from diaspora.associations.models import (
    MEMBERSHIP_STATES,
    Association,
    Invitation,
    Membership,
    MembershipType,
)
from diaspora.auth import passwords, tokens
from diaspora.auth import services as accounts
from diaspora.auth.models import User
from diaspora.core import audit, emails, outbox
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.time import today, utcnow
from diaspora.extensions import db

INVITATION_DAYS = 14
INSERT_CHUNK = 1000


class InvalidInvitation(Exception):
    """The invitation link is broken, or the invitation was used, revoked, declined or has expired."""


def accept_token(invitation: Invitation | int) -> str:
    """What the invitation's link carries (the email's, and the invited member's dashboard's)."""
    return tokens.make("invite", {"iid": invitation if isinstance(invitation, int) else invitation.id})


def accept_link(invitation: Invitation) -> str:
    return absolute("associations.accept_invitation", token=accept_token(invitation))


def answerable() -> tuple:
    """The conditions of an invitation that can still be answered: not accepted, declined or
    revoked, and not past its INVITATION_DAYS."""
    return (Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.declined_at.is_(None),
            Invitation.created_at >= utcnow() - timedelta(days=INVITATION_DAYS))


def pending_to(association: Association, email: str) -> sa.Select:
    return sa.select(Invitation).where(Invitation.association_id == association.id, Invitation.email == email,
                                       *answerable())


def invite(association: Association, officer: User, *, email: str, name: str | None,
           membership_type: MembershipType) -> Invitation:
    """Invite someone by email. An earlier invitation to the same address stops working."""
    try:
        email = emails.normalise(email)
    except emails.AddressError as error:
        raise DomainError(str(error), field="email") from error
    if membership_type.association_id != association.id or not membership_type.active:
        raise DomainError(_("Choose a membership type from the list."), field="membership_type")
    existing = accounts.find_by_email(email)
    if existing is not None:
        membership = membership_for(existing, association)
        if membership is not None and membership.status == Membership.ACTIVE:
            raise DomainError(_("%(email)s is already an active member of %(name)s.",
                                email=email, name=association.name), field="email")
    now = utcnow()
    for old in db.session.scalars(pending_to(association, email)):
        old.revoked_at = now
        audit.record("invitation.revoked", old, actor=officer, changes={"reason": "a new invitation was sent"})
    invitation = Invitation(association_id=association.id, email=email, name=(name or "").strip() or None,
                            membership_type_id=membership_type.id, invited_by_id=officer.id, created_at=now)
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.sent", invitation, actor=officer,
                 changes={"email": email, "membership_type": membership_type.name})
    queue_email(email, _l("You are invited to join %(name)s", name=association.name), "associations_invitation",
                locale=existing.locale if existing else None, invitation=invitation, association=association,
                inviter=officer, membership_type=membership_type, days=INVITATION_DAYS,
                accept_url=accept_link(invitation))
    return invitation


@dataclass
class Invitee:
    email: str
    name: str
    membership_type_id: int | None
    profile_hint: dict | None


def invite_many(association: Association, officer: User, invitees: list[Invitee],
                member_import_id: int | None = None) -> list[int]:
    """Invitations in bulk (an import): inserted a chunk at a time, mailed through the outbox
    in bulk. The caller has already left out people who are members or invited."""
    now = utcnow()
    table = Invitation.__table__
    ids: list[int] = []
    rows = [{"association_id": association.id, "email": person.email, "name": person.name or None,
             "membership_type_id": person.membership_type_id, "invited_by_id": officer.id,
             "created_at": now, "profile_hint": person.profile_hint, "member_import_id": member_import_id}
            for person in invitees]
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start:start + INSERT_CHUNK]
        ids.extend(db.session.scalars(sa.insert(table).returning(table.c.id), chunk).all())
    subject = _l("You are invited to join %(name)s", name=association.name)

    def mails() -> Iterable[tuple]:
        for invitation_id, person in zip(ids, invitees, strict=True):
            link = absolute("associations.accept_invitation", token=accept_token(invitation_id))
            yield (person.email, subject, "associations_invitation",
                   {"invitation": person, "association": association, "inviter": officer,
                    "days": INVITATION_DAYS, "accept_url": link})

    outbox.queue_emails(mails())
    return ids


def load_invitation(token: str) -> Invitation:
    """The invitation a link is for, while it can still be used."""
    try:
        data = tokens.read("invite", token, INVITATION_DAYS * 24 * 3600)
    except tokens.InvalidToken as error:
        raise InvalidInvitation(str(error)) from error
    invitation_id = data.get("iid")
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.declined_at is not None
        or invitation.created_at < utcnow() - timedelta(days=INVITATION_DAYS)
        or not invitation.association.is_approved
    ):
        raise InvalidInvitation("used, revoked, declined or expired")
    return invitation


def invited_account(invitation: Invitation) -> User | None:
    return accounts.find_by_email(invitation.email)


def accept(invitation: Invitation, user: User) -> Membership:
    """The invited person, logged in, accepts: their membership is active at once."""
    if user.email != invitation.email:
        raise DomainError(_("This invitation was sent to another email address."))
    association = invitation.association
    membership = membership_for(user, association)
    if membership is not None:
        MEMBERSHIP_STATES.check("accept_invitation", membership.status)
    _claim(invitation, user, "accepted")
    if membership is None:
        membership = Membership(user=user, association=association, status=Membership.ACTIVE)
        db.session.add(membership)
        before = dict.fromkeys(SNAPSHOT_FIELDS)
    else:
        before = _snapshot(membership)
    if membership.status != Membership.ACTIVE or before["status"] is None:
        MEMBERSHIP_STATES.apply(membership, "accept_invitation")
        membership.role = Membership.MEMBER
        membership.membership_type_id = invitation.membership_type_id
        membership.joined_on = today()
        membership.renews_on = renewal_date(invitation.membership_type, today())
        membership.decision_reason = None
        membership.reminder_sent_for = None
        membership.created_at = utcnow()
    db.session.flush()
    _start_profile(user, invitation.profile_hint)
    audit.record("invitation.accepted", invitation, actor=user)
    after = _snapshot(membership)
    changes = {f: [_plain(before[f]), _plain(after[f])] for f in SNAPSHOT_FIELDS if before[f] != after[f]}
    if changes:
        audit.record("membership.joined", membership, actor=user, changes={**changes, "via": "invitation"})
    return membership


def _plain(value):
    return value if value is None or isinstance(value, str | int) else str(value)


def _start_profile(user: User, hint: dict | None) -> None:
    if not hint:
        return
    from diaspora.members.profiles import start_profile

    start_profile(user, cadre=hint.get("cadre"), specialty=hint.get("specialty"),
                  heritage_countries=hint.get("heritage_countries") or [])


def decline(invitation: Invitation, user: User | None) -> None:
    _claim(invitation, user, "declined")
    audit.record("invitation.declined", invitation, actor=user)


def _claim(invitation: Invitation, user: User | None, outcome: str) -> None:
    """Mark the invitation used with a conditional UPDATE: of two answers at the same moment
    (two tabs, a double click), exactly one wins; the other finds it used."""
    now = utcnow()
    values = {"accepted_at": now, "accepted_by_id": user.id} if outcome == "accepted" else {"declined_at": now}
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None), Invitation.declined_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvalidInvitation("used, revoked or declined meanwhile")
    for key, value in values.items():
        set_committed_value(invitation, key, value)


def accept_with_new_account(invitation: Invitation, *, name: str, password: str) -> User:
    """Someone without an account accepts: the link proved their address, so the account
    is verified at once."""
    if invited_account(invitation) is not None:
        raise DomainError(_("An account with this email address exists now. Log in to accept the invitation."))
    problem = passwords.password_problem(password, [name, invitation.email])
    if problem:
        raise DomainError(problem, field="password")
    user = accounts.create_user(name, invitation.email, password, verified=True)
    audit.record("user.registered", user, actor=user,
                 changes={"email": user.email, "name": user.name, "via": "invitation"})
    accept(invitation, user)
    return user
