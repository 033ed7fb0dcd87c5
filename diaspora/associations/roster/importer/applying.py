"""Applying a member list: the invitations for every valid row, in bulk, once."""

from dataclasses import dataclass

import sqlalchemy as sa

from diaspora.associations.invitations import Invitee, invite_many
from diaspora.associations.models import Association, MemberImport
from diaspora.associations.roster.importer.checking import MAX_NAME, PREVIEW_ERROR_ROWS, Plan, Progress, plan
from diaspora.associations.roster.importer.reading import AlreadyImported, NothingToImport
from diaspora.auth.models import User
from diaspora.core import audit
from diaspora.core.i18n import _
from diaspora.core.time import utcnow
from diaspora.extensions import db


@dataclass
class ImportResult:
    invited: int
    already_members: int
    already_invited: int
    with_errors: int



def confirm(member_import: MemberImport, actor: User, progress: Progress | None = None) -> ImportResult:
    """Invite every valid row of the upload, in the caller's transaction (services flush only).
    Raises NothingToImport when no row can be invited, AlreadyImported the second time."""
    if member_import.imported_at is not None:
        raise AlreadyImported(_("This file has been imported already."))
    association = db.session.get(Association, member_import.association_id)
    dry_run = plan(association, member_import.content, progress)
    rows = dry_run.to_import
    if not rows:
        raise NothingToImport(_nothing_message(dry_run))
    _claim(member_import)
    invite_many(association, actor, [
        Invitee(email=row.normalized_email, name=row.name, membership_type_id=row.type_id,
                profile_hint=row.profile_hint()) for row in rows
    ], member_import_id=member_import.id)
    if progress:
        progress("invited", len(rows), len(rows))
    result = ImportResult(invited=len(rows), already_members=dry_run.already_members,
                          already_invited=dry_run.already_invited, with_errors=dry_run.with_errors)
    member_import.imported_count = len(rows)
    member_import.rejected_rows = [
        {"row": row.number, "email": row.email[:254], "name": row.name[:MAX_NAME], "errors": row.errors}
        for row in dry_run.rows if row.errors
    ][:PREVIEW_ERROR_ROWS]
    member_import.content = ""  # it held other people's details; what is left is above
    audit.record("members.imported", association, actor=actor, changes={
        "import_id": member_import.id, "filename": member_import.filename, "rows": dry_run.total,
        "invited": result.invited, "already_members": result.already_members,
        "already_invited": result.already_invited, "rows_with_errors": result.with_errors,
    })
    db.session.flush()
    return result


def _nothing_message(dry_run: Plan) -> str:
    if dry_run.with_errors:
        return _("Nothing was imported: every row either has an error or is already a member or "
                 "invited. Correct the rows in the file and upload it again.")
    return _("Nothing was imported: everyone in the file is a member already or has been invited.")


def _claim(member_import: MemberImport) -> None:
    """Mark the upload as imported first, with a conditional UPDATE: if two confirmations race,
    the second one waits for the first to commit, then finds nothing to claim."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(MemberImport)
        .where(MemberImport.id == member_import.id, MemberImport.imported_at.is_(None))
        .values(imported_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadyImported(_("This file has been imported already."))
    member_import.imported_at = now
