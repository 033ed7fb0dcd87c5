"""An association's verification queue: officers verify what members send, or return it with
a reason (mailed to the member in their language), and may withdraw a verification made in
error, with a reason (the contribution goes back to the member as returned, its link and
credential end). Nobody decides on their own contribution: `logbook.move` refuses it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diaspora.associations.models import Association
from diaspora.contributions.logbook.logbook import check_decision, move, open_link, unverified
from diaspora.contributions.models import Contribution, ContributionStatus, RevocationReason
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.time import utcnow
from diaspora.extensions import db

# Oldest first: the index (association_id, status, submitted_at, id).
QUEUE_ORDER = Ordering([
    SortKey(Contribution.submitted_at, lambda c: c.submitted_at, kind=datetime),
    SortKey(Contribution.id, lambda c: c.id, kind=int),
])
MAX_BULK = 100


def queue_of(association: Association) -> sa.Select:
    return (sa.select(Contribution)
            .where(Contribution.association_id == association.id,
                   Contribution.status == ContributionStatus.SUBMITTED)
            .options(joinedload(Contribution.user)))


def verify(officer, contribution: Contribution) -> None:
    move(contribution, "verify", actor=officer)
    contribution.verified_at = utcnow()
    contribution.verified_by_id = officer.id
    open_link(contribution)
    _tell_member(contribution, _l("Your contribution has been verified"), "contributions_verified")


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what the member should change."), field="reason")
    return reason


def return_to_member(officer, contribution: Contribution, reason: str) -> None:
    reason = _reason(reason)
    move(contribution, "return", actor=officer, changes={"reason": reason})
    contribution.return_reason = reason
    db.session.flush()
    _tell_member(contribution, _l("Your contribution needs a change"), "contributions_returned", reason=reason)


def withdraw_verification(officer, contribution: Contribution, reason: str) -> None:
    """A verification made in error, undone: the contribution leaves the verified totals and
    goes back to its member as returned, with the reason, to be corrected and sent again; its
    public link stops working and its credential is revoked."""
    reason = _reason(reason)
    move(contribution, "withdraw_verification", actor=officer, changes={"reason": reason})
    unverified(contribution, RevocationReason.VERIFICATION_WITHDRAWN)
    contribution.return_reason = reason
    db.session.flush()
    _tell_member(contribution, _l("The verification of your contribution has been withdrawn"),
                 "contributions_verification_withdrawn", reason=reason)


def verify_many(officer, association: Association, ids: list[int]) -> int:
    """Verify the chosen contributions of the association's queue; ids that are not in it
    (another association's, or already decided) are left alone. Returns how many."""
    ids = list(dict.fromkeys(ids))[:MAX_BULK]
    if not ids:
        raise DomainError(_("Choose at least one contribution to verify."), field="ids")
    chosen = list(db.session.scalars(queue_of(association).where(Contribution.id.in_(ids))
                                     .order_by(Contribution.id).with_for_update(of=Contribution)))
    for contribution in chosen:  # all or nothing: one that may not be verified stops the lot
        try:
            check_decision(officer, contribution, "verify")
        except DomainError as error:
            raise DomainError(_("“%(title)s”: %(reason)s", title=contribution.title, reason=str(error)),
                              field="ids") from None
    for contribution in chosen:
        verify(officer, contribution)
    return len(chosen)


def _tell_member(contribution: Contribution, subject, template: str, **context) -> None:
    member = contribution.user
    if member is None or not member.active:
        return
    queue_email(member.email, subject, template, locale=member.locale, user=member, contribution=contribution,
                association=contribution.association,
                contribution_url=absolute("contributions.show", contribution_id=contribution.id), **context)
