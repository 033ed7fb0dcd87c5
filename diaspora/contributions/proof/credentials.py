"""The credentials issued for verified contributions, and their revocation status.

Each public link a verified contribution is given has one credential (`issue`, made with the
link: at verification and at each new link); when the link ends (revoked, renewed, the
contribution reopened or its verification withdrawn, the member erased) the credential is
revoked (`revoke`), for good. Its status is one bit of a W3C Bitstring Status List: list
`status_list`, place `status_index`, drawn at random among the free places of the list being
filled, so that neighbouring places say nothing about when, or to whom, credentials were issued.
A list holds `LIST_SIZE` places (the specification's minimum, 16 KB, for herd privacy) and is
filled to `FILL_LIMIT`, after which the next list opens (a random free place stays cheap to find).

`badges.py` turns these rows into the signed documents; nothing here reads the request."""

import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from diaspora.contributions.models import Contribution, CredentialSubject, IssuedCredential, RevocationReason
from diaspora.core.time import utcnow
from diaspora.extensions import db

LIST_SIZE = 131_072  # bits: W3C Bitstring Status List 1.0, §2.1's minimum (16 KB)
FILL_LIMIT = LIST_SIZE // 2
ATTEMPTS = 64  # random draws before a full list is given up for the next one


def _insert(model):
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


# ---------------------------------------------------------------------------- issuing and revoking


def live_credential(contribution: Contribution) -> IssuedCredential | None:
    """The credential of the contribution's current public link, unless it is revoked."""
    return db.session.scalar(sa.select(IssuedCredential).where(
        IssuedCredential.contribution_id == contribution.id, IssuedCredential.revoked_at.is_(None)))


def issue(contribution: Contribution) -> IssuedCredential:
    """A credential for the contribution's new public link, at a random free place."""
    db.session.flush()
    if contribution.user is not None:
        subject_of(contribution.user)
    number = _list_being_filled()
    for _attempt in range(ATTEMPTS):
        index = secrets.randbelow(LIST_SIZE)
        made = db.session.execute(
            _insert(IssuedCredential).values(status_list=number, status_index=index, contribution_id=contribution.id,
                                             user_id=contribution.user_id, issued_at=utcnow())
            .on_conflict_do_nothing(index_elements=["status_list", "status_index"])
            .returning(IssuedCredential.id)).scalar()
        if made is not None:
            return db.session.get(IssuedCredential, made)
        number = _list_being_filled()  # taken meanwhile, or the list is full: look again
    raise RuntimeError("no free place in the credential status lists")  # pragma: no cover


def _list_being_filled() -> int:
    last = db.session.scalar(sa.select(sa.func.max(IssuedCredential.status_list))) or 1
    used = db.session.scalar(sa.select(sa.func.count()).select_from(IssuedCredential)
                             .where(IssuedCredential.status_list == last))
    return last + 1 if used >= FILL_LIMIT else last


def revoke(contribution: Contribution, reason: RevocationReason) -> None:
    """Revoke the contribution's live credential, if it has one. Revoked stays revoked."""
    db.session.execute(sa.update(IssuedCredential).where(
        IssuedCredential.contribution_id == contribution.id, IssuedCredential.revoked_at.is_(None))
        .values(revoked_at=utcnow(), reason=reason).execution_options(synchronize_session=False))


def detach(contribution: Contribution) -> None:
    """Before a contribution is deleted (a draft, so its credentials are all revoked): they
    stay, naming no contribution (SQLite does not apply the foreign key's SET NULL)."""
    db.session.execute(sa.update(IssuedCredential).where(IssuedCredential.contribution_id == contribution.id)
                       .values(contribution_id=None).execution_options(synchronize_session=False))


# ---------------------------------------------------------------------------- the member's identifier


def subject_of(user) -> CredentialSubject:
    """The member's credential identifier, made the first time it is needed (with their first
    credential; two made at once keep the first)."""
    subject = db.session.get(CredentialSubject, user.id)
    if subject is None:
        db.session.execute(_insert(CredentialSubject).values(user_id=user.id, subject_uuid=str(uuid.uuid4()),
                                                             created_at=utcnow())
                           .on_conflict_do_nothing(index_elements=["user_id"]))
        subject = db.session.get(CredentialSubject, user.id)
    return subject


# ---------------------------------------------------------------------------- the status lists


@dataclass(frozen=True)
class StatusList:
    """One Bitstring Status List, public: its number is its URL's."""

    id: int


def status_list(number: int) -> StatusList | None:
    """List `number`, if any credential names it (the first list exists from the start)."""
    exists = number == 1 or db.session.scalar(
        sa.select(IssuedCredential.id).where(IssuedCredential.status_list == number).limit(1)) is not None
    return StatusList(number) if exists else None


def is_revoked(number: int, index: int) -> bool | None:
    """Whether the credential at this place is revoked; None when no credential holds it."""
    revoked_at = db.session.execute(sa.select(IssuedCredential.revoked_at).where(
        IssuedCredential.status_list == number, IssuedCredential.status_index == index)).first()
    return None if revoked_at is None else revoked_at[0] is not None


def revoked_places(number: int) -> list[int]:
    return list(db.session.scalars(sa.select(IssuedCredential.status_index).where(
        IssuedCredential.status_list == number, IssuedCredential.revoked_at.is_not(None))))


# ---------------------------------------------------------------------------- erasure


def export_of(user) -> dict:
    subject = db.session.get(CredentialSubject, user.id)
    rows = db.session.scalars(sa.select(IssuedCredential).where(IssuedCredential.user_id == user.id)
                              .order_by(IssuedCredential.id))
    return {"subject_id": subject.urn if subject else None,
            "credentials": [{"contribution_id": row.contribution_id, "issued_at": row.issued_at.isoformat(),
                             "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
                             "reason": row.reason} for row in rows]}


def erase(user) -> int:
    """Every credential of the member is revoked and kept, without the member or the
    contribution (so its status still answers); their identifier goes."""
    db.session.flush()
    mine = IssuedCredential.user_id == user.id
    db.session.execute(sa.update(IssuedCredential).where(mine, IssuedCredential.revoked_at.is_(None))
                       .values(revoked_at=utcnow(), reason=RevocationReason.ERASED)
                       .execution_options(synchronize_session=False))
    count = db.session.execute(sa.update(IssuedCredential).where(mine).values(user_id=None, contribution_id=None)
                               .execution_options(synchronize_session=False)).rowcount
    db.session.execute(sa.delete(CredentialSubject).where(CredentialSubject.user_id == user.id)
                       .execution_options(synchronize_session=False))
    return count
