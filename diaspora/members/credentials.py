"""Qualifications and responsibilities gained abroad, with evidence files, and the periods
a member is available for missions."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, undefer
from werkzeug.datastructures import FileStorage

from diaspora.core import audit
from diaspora.core.domain import DomainError
from diaspora.core.files import UploadError, store_upload
from diaspora.core.i18n import _
from diaspora.core.models import StoredFile
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.members.models import AVAILABILITY_MODES, CREDENTIAL_KINDS, Availability, Credential

FIRST_CREDENTIAL_YEAR = 1950


def credential_year_problem(year: int | None) -> str | None:
    if year is None or not FIRST_CREDENTIAL_YEAR <= year <= today().year:
        return _("Enter a year from %(first)d to %(last)d.", first=FIRST_CREDENTIAL_YEAR, last=today().year)
    return None


def availability_problem(starts_on: date | None, ends_on: date | None) -> tuple[str, str] | None:
    """(field, message) when the period cannot be kept, else None."""
    if starts_on is None:
        return "starts_on", _("Enter the first day you are available.")
    if ends_on is None:
        return "ends_on", _("Enter the last day you are available.")
    if ends_on < starts_on:
        return "ends_on", _("The last day must be the same as or after the first day.")
    if ends_on < today():
        return "ends_on", _("This period is already over: the last day must be today or later.")
    return None


def credentials_of(user) -> list[Credential]:
    return list(db.session.scalars(
        sa.select(Credential)
        .where(Credential.user_id == user.id)
        .options(joinedload(Credential.evidence))  # its bytes are deferred: metadata only
        .order_by(Credential.year.desc(), Credential.id.desc())
    ))


def add_credential(user, *, kind: str, title: str, awarding_body: str, year: int | None,
                   evidence: FileStorage | None = None) -> Credential:
    if kind not in CREDENTIAL_KINDS:
        raise DomainError(_("Choose a qualification or a responsibility."), field="kind")
    problem = credential_year_problem(year)
    if problem:
        raise DomainError(problem, field="year")
    stored = None
    if evidence is not None and evidence.filename:
        try:
            stored = store_upload(evidence, user)
        except UploadError as error:
            raise DomainError(str(error), field="evidence") from error
    credential = Credential(user_id=user.id, kind=kind, title=title.strip(),
                            awarding_body=awarding_body.strip(), year=year, evidence=stored)
    db.session.add(credential)
    db.session.flush()
    changes = {"kind": kind, "title": credential.title, "awarding_body": credential.awarding_body, "year": year}
    if stored is not None:
        changes["evidence"] = {"filename": stored.filename, "content_type": stored.content_type,
                               "size": stored.size}
    audit.record("credential.added", credential, actor=user, changes=changes)
    return credential


def delete_credential(user, credential: Credential) -> None:
    audit.record("credential.deleted", credential, actor=user,
                 changes={"title": credential.title, "year": credential.year,
                          "evidence_deleted": credential.evidence_id is not None})
    evidence_id = credential.evidence_id
    db.session.delete(credential)
    db.session.flush()
    if evidence_id is not None:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id == evidence_id))


def evidence_of(credential: Credential) -> StoredFile | None:
    """The evidence file of a credential, its bytes loaded; None when there is none."""
    if credential.evidence_id is None:
        return None
    return db.session.scalar(
        sa.select(StoredFile)
        .where(StoredFile.id == credential.evidence_id, StoredFile.owner_id == credential.user_id)
        .options(undefer(StoredFile.data))
    )


def availability_of(user) -> list[Availability]:
    return list(db.session.scalars(
        sa.select(Availability).where(Availability.user_id == user.id)
        .order_by(Availability.starts_on, Availability.id)
    ))


def add_availability(user, *, starts_on: date | None, ends_on: date | None, mode: str,
                     note: str | None = None) -> Availability:
    problem = availability_problem(starts_on, ends_on)
    if problem:
        raise DomainError(problem[1], field=problem[0])
    if mode not in AVAILABILITY_MODES:
        raise DomainError(_("Choose how you can take part."), field="mode")
    period = Availability(user_id=user.id, starts_on=starts_on, ends_on=ends_on, mode=mode,
                          note=(note or "").strip() or None)
    db.session.add(period)
    db.session.flush()
    audit.record("availability.added", period, actor=user, changes={
        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "mode": mode, "note": period.note,
    })
    return period


def delete_availability(user, period: Availability) -> None:
    audit.record("availability.deleted", period, actor=user, changes={
        "starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(), "mode": period.mode,
    })
    db.session.delete(period)
    db.session.flush()
