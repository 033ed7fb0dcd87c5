"""Who may see and do what at the diaspora desks.

* A desk is worked by its officers and set up by platform admins. Its working-day calendar
  (`calendar`) is kept by its officers and by platform admins, and seen by no one else.
* A submission is its submitter's (they see it and its public replies, add information,
  withdraw it) and its desk's (its officers see everything, internal notes included, and work
  it). An officer of another desk, even of the same country, sees nothing of it.
* Canned replies are their desk's. An MoU is seen by its desk's officers and its association's
  officers, and kept by the desk. A call for support is seen by its desk and by the members it
  was sent to, who answer it.
* A service token's principal (api/) is an officer of exactly the desk it acts for
  (`access.acting_for`), and of no other desk."""

import sqlalchemy as sa

from diaspora.associations.policy import is_officer
from diaspora.core import memo
from diaspora.core.access import acting_for, object_kind
from diaspora.core.access_log import Read, describe
from diaspora.core.i18n import _l
from diaspora.core.statements import bound, kept
from diaspora.desks.models import CallMatch, CannedReply, Desk, DeskOfficer, Mou, Submission, SupportCall
from diaspora.extensions import db


def desks_of(user) -> sa.Select:
    return (
        sa.select(Desk)
        .join(DeskOfficer)
        .where(DeskOfficer.user_id == user.id)
        .order_by(Desk.country, Desk.name)
    )


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False)


def works_desk(user, desk_id: int | None) -> bool:
    if not _signed_in(user) or desk_id is None:
        return False
    service = acting_for(user)
    if service is not None:
        return service.desk_id == desk_id
    statement = kept("works_desk", lambda: sa.select(sa.exists().where(
        DeskOfficer.desk_id == bound("desk_id", sa.Integer), DeskOfficer.user_id == bound("user_id", sa.Integer))))
    return memo.cached(("works_desk", user.id, desk_id), lambda: bool(db.session.scalar(
        statement, {"desk_id": desk_id, "user_id": user.id})))


def has_desk_place(user) -> bool:
    """Whether the account is an officer of any desk (whoever acts for it): they must use a
    second factor (registered with auth.two_factor.required_for)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(DeskOfficer.user_id == user.id))))


def is_desk_officer(user) -> bool:
    if not _signed_in(user):
        return False
    service = acting_for(user)
    if service is not None:
        return service.desk_id is not None
    return memo.cached(("is_desk_officer", user.id), lambda: bool(db.session.scalar(
        sa.select(sa.exists().where(DeskOfficer.user_id == user.id)))))


def can(user, action: str, desk: Desk) -> bool:
    if not _signed_in(user):
        return False
    if action == "view":  # admins too: they set desks up (view is what every other action needs first)
        return works_desk(user, desk.id) or user.is_admin
    if action == "work":
        return works_desk(user, desk.id)
    if action == "manage":
        return user.is_admin
    if action == "calendar":
        return works_desk(user, desk.id) or user.is_admin
    return False


def can_submission(user, action: str, submission: Submission) -> bool:
    if not _signed_in(user):
        return False
    own = submission.user_id == user.id
    if action == "view":
        return own or works_desk(user, submission.desk_id) or (user.is_admin and submission.desk_id is None)
    if action == "change":
        return own
    if action == "work":
        return works_desk(user, submission.desk_id)
    if action == "route":
        return user.is_admin
    return False


def can_canned(user, action: str, reply: CannedReply) -> bool:
    return works_desk(user, reply.desk_id)


def can_mou(user, action: str, mou: Mou) -> bool:
    if not _signed_in(user):
        return False
    if action == "view":
        return works_desk(user, mou.desk_id) or is_officer(user, mou.association) or user.is_admin
    if action == "manage":
        return works_desk(user, mou.desk_id)
    return False


def call_match(user, call: SupportCall) -> CallMatch | None:
    if not _signed_in(user):
        return None
    return memo.cached(("call_match", user.id, call.id), lambda: db.session.get(CallMatch, (call.id, user.id)))


def can_call(user, action: str, call: SupportCall) -> bool:
    if not _signed_in(user):
        return False
    if action == "view":
        return works_desk(user, call.desk_id) or call_match(user, call) is not None
    if action == "answer":
        return call_match(user, call) is not None and call.status == "open"
    if action == "manage":
        return works_desk(user, call.desk_id)
    return False


def _get(model):
    return lambda **params: db.session.get(model, next(iter(params.values())))


def _reads_submission(user, submission: Submission) -> Read:
    """A desk officer (or an admin, for an unrouted one) reading a submission with its sender."""
    desk = submission.desk
    if acting_for(user) is not None:
        return Read(submission.user_id, "submission", "service", desk.name if desk else None)
    if desk is not None and works_desk(user, desk.id):
        return Read(submission.user_id, "submission", "desk_officer", desk.name)
    return Read(submission.user_id, "submission", "admin")


def declare_kinds() -> None:
    describe("submission", _l("A submission you sent, with your name"))
    object_kind("desk", params=("desk_id",), find=_get(Desk), can=can,
                actions={"view", "work", "manage", "calendar"})
    object_kind("submission", params=("submission_id",), find=_get(Submission), can=can_submission,
                actions={"view", "change", "work", "route"}, parent="desk",
                parent_of=lambda submission: submission.desk, reads=_reads_submission)
    object_kind("canned_reply", params=("reply_id",), find=_get(CannedReply), can=can_canned,
                actions={"view", "manage"}, parent="desk", parent_of=lambda reply: reply.desk)
    object_kind("mou", params=("mou_id",), find=_get(Mou), can=can_mou, actions={"view", "manage"})
    object_kind("support_call", params=("call_id",), find=_get(SupportCall), can=can_call,
                actions={"view", "answer", "manage"})

