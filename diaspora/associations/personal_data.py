"""What associations hold about a person, for export and erasure (core/personal_data.py).

* memberships: exported; on erasure each current one ends (under the last-officer rule, so
  the only officer of an association must hand over first) and loses the reasons officers
  wrote about it. The rows stay, anonymous, for the association's counts; their search words
  are made again from the anonymous name.
* invitations to the person's address: exported; removed on erasure.
* associations the person applied to register: exported; one never approved is withdrawn (it
  goes, with the audit trail's details of it); an approved one belongs to its members and stays.
* member imports: a file waiting to be imported loses the lines with the person's address;
  an imported one loses the person's rejected rows."""

import csv
import io

import sqlalchemy as sa

from diaspora.associations import memberships
from diaspora.associations.models import Association, Invitation, MemberImport, Membership
from diaspora.core import personal_data
from diaspora.core.i18n import _, _l
from diaspora.extensions import db


def _iso(value):
    return value.isoformat() if value is not None else None


def _memberships_of(user) -> list[Membership]:
    return list(db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id)
                                   .order_by(Membership.id)))


def export_memberships(user) -> list[dict]:
    return [{
        "association": m.association.name,
        "membership_type": m.membership_type.name if m.membership_type else None,
        "role": m.role, "status": m.status, "joined_on": _iso(m.joined_on), "renews_on": _iso(m.renews_on),
        "decision_reason": m.decision_reason, "created_at": _iso(m.created_at),
    } for m in _memberships_of(user)]


def erase_memberships(user) -> int:
    ended = 0
    for membership in _memberships_of(user):
        if membership.status not in (Membership.LEFT, Membership.REJECTED):
            memberships.leave(membership, user, reason="account deleted")
            ended += 1
        membership.decision_reason = None
    return ended


def membership_blockers(user) -> list[str]:
    return [_("You are the only officer of %(name)s. Make another member an officer there first, so that "
              "the association is not left without one.", name=association.name)
            for association in memberships.sole_officer_of(user)]


def _invitations_to(user):
    return sa.select(Invitation).where(sa.or_(Invitation.email == user.email, Invitation.accepted_by_id == user.id))


def export_invitations(user) -> list[dict]:
    return [{"association": i.association.name, "sent_at": _iso(i.created_at), "name": i.name,
             "accepted_at": _iso(i.accepted_at), "declined_at": _iso(i.declined_at),
             "profile_hint": i.profile_hint}
            for i in db.session.scalars(_invitations_to(user).order_by(Invitation.id))]


def erase_invitations(user) -> int:
    ids = list(db.session.scalars(_invitations_to(user).with_only_columns(Invitation.id)))
    if not ids:
        return 0
    return db.session.execute(sa.delete(Invitation).where(Invitation.id.in_(ids))
                              .execution_options(synchronize_session=False)).rowcount


def export_applications(user) -> list[dict]:
    return [{"association": a.name, "status": a.status, "applied_at": _iso(a.created_at),
             "decision_reason": a.decision_reason}
            for a in db.session.scalars(_applications_of(user))]


def _applications_of(user):
    return sa.select(Association).where(Association.applied_by_id == user.id)


def _never_approved(user):
    return _applications_of(user).where(Association.status.in_((Association.PENDING, Association.REJECTED)))


def erase_applications(user) -> int:
    """An application that was never approved is the person's alone: it goes. An approved
    association belongs to its members and stays (it points to the anonymous account)."""
    withdrawn = 0
    for association in db.session.scalars(_never_approved(user)):
        db.session.delete(association)
        withdrawn += 1
    return withdrawn


def erase_from_imports(user) -> int:
    """Imports are few and small: the ones naming the address are found with LIKE, then edited."""
    address = user.email
    changed = 0
    pattern = f"%{address}%"
    for member_import in db.session.scalars(sa.select(MemberImport).where(
            sa.or_(MemberImport.content.ilike(pattern), sa.cast(MemberImport.rejected_rows, sa.Text).ilike(pattern)))):
        if member_import.content:
            member_import.content = _without_lines_naming(member_import.content, address)
        if member_import.rejected_rows:
            member_import.rejected_rows = [row for row in member_import.rejected_rows
                                           if address not in (row.get("email") or "").lower()]
        changed += 1
    return changed


def _without_lines_naming(text: str, address: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    kept = [row for row in rows if not any(address in cell.lower() for cell in row)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(kept)
    return buffer.getvalue()


def register() -> None:
    personal_data.register(
        # The search words follow the search text (roster/words.py): on erasure the person's
        # name leaves them, and a word only they had leaves the vocabulary.
        "memberships", tables=("memberships", "membership_words", "search_words"), export=export_memberships,
        erase=erase_memberships,
        audit_refs=lambda user: {"memberships": [m.id for m in _memberships_of(user)]},
        blockers=membership_blockers, order=10,
        erased=_l("You leave every association you belong to, and what officers wrote about your membership "
                  "is erased."),
        kept=_l("Your past memberships stay, with no name, so each association’s member counts stay true."))
    personal_data.register(
        "invitations", tables=("invitations",), export=export_invitations, erase=erase_invitations,
        audit_refs=lambda user: {"invitations": list(db.session.scalars(
            _invitations_to(user).with_only_columns(Invitation.id)))}, order=20,
        erased=_l("Invitations sent to your email address."))
    personal_data.register(
        "association_applications", tables=("associations",), export=export_applications,
        erase=erase_applications, order=20,
        erased=_l("An association you applied to register that was never approved."),
        kept=_l("An association you registered that was approved stays: it belongs to its members."),
        audit_refs=lambda user: {"associations": list(db.session.scalars(
            _never_approved(user).with_only_columns(Association.id)))})
    personal_data.register("member_imports", tables=("member_imports",), export=lambda user: [],
                           erase=erase_from_imports, order=20,
                           erased=_l("Your line in the member lists officers imported."))
    personal_data.not_personal("membership_types", "an association's kinds of membership")
    personal_data.not_personal("association_heritage_countries", "the countries an association serves")
    personal_data.not_personal("association_counts", "anonymous counts per association")
