"""Memoranda of understanding between a desk and an association: recorded and kept by the
desk's officers (its scope, dates, status and the signed document), seen by the association's
officers, who can download the document."""

from datetime import date

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from diaspora.associations.models import Association
from diaspora.core import audit
from diaspora.core.domain import DomainError, check_version
from diaspora.core.files import UploadError, store_upload
from diaspora.core.i18n import _
from diaspora.core.pagination import Ordering, SortKey
from diaspora.desks.models import MOU_STATUS_LABELS, Desk, Mou, MouStatus
from diaspora.extensions import db

FIELDS = ("association_id", "scope", "signed_on", "review_on", "status")
MAX_SCOPE = 5000
EARLIEST = date(1950, 1, 1)

# Newest first: the indexes (desk_id, signed_on, id) and (association_id, id) serve the filter.
NEWEST_FIRST = Ordering([SortKey(Mou.id, lambda m: m.id, descending=True, kind=int)])


def status_label(status: str) -> str:
    return str(MOU_STATUS_LABELS.get(status, status))


def status_choices() -> list[tuple[str, str]]:
    return [(str(key), str(label)) for key, label in MOU_STATUS_LABELS.items()]


def association_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(Association.id, Association.name)
                              .where(Association.status == Association.APPROVED)
                              .order_by(sa.func.lower(Association.name), Association.id))
    return [(str(row.id), row.name) for row in rows]


def mous_of_desk(desk: Desk) -> sa.Select:
    return sa.select(Mou).where(Mou.desk_id == desk.id)


def mous_of_association(association: Association) -> sa.Select:
    return sa.select(Mou).where(Mou.association_id == association.id)


def _clean(values: dict) -> dict:
    cleaned = {name: values.get(name) for name in FIELDS}
    association = db.session.get(Association, cleaned["association_id"]) if cleaned["association_id"] else None
    if association is None or association.status != Association.APPROVED:
        raise DomainError(_("Choose an association from the list."), field="association_id")
    cleaned["scope"] = (cleaned["scope"] or "").strip()
    if not cleaned["scope"]:
        raise DomainError(_("Describe what the MoU covers."), field="scope")
    if len(cleaned["scope"]) > MAX_SCOPE:
        raise DomainError(_("Keep this to 5,000 characters."), field="scope")
    if cleaned["status"] not in set(MouStatus):
        raise DomainError(_("Choose one of the options."), field="status")
    signed_on, review_on = cleaned["signed_on"], cleaned["review_on"]
    if signed_on is not None and signed_on < EARLIEST:
        raise DomainError(_("Enter a date from 1950 on."), field="signed_on")
    if cleaned["status"] != MouStatus.DRAFT and signed_on is None:
        raise DomainError(_("Enter the date it was signed."), field="signed_on")
    if signed_on is not None and review_on is not None and review_on < signed_on:
        raise DomainError(_("The review date must be on or after the date it was signed."), field="review_on")
    return cleaned


def _store(officer, mou: Mou, document: FileStorage | None) -> None:
    if document is None or not document.filename:
        return
    try:
        stored = store_upload(document, officer)
    except UploadError as error:
        raise DomainError(str(error), field="document") from error
    old = mou.document
    mou.document_id = stored.id
    mou.document = stored
    if old is not None:
        db.session.delete(old)
    db.session.flush()


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def create(officer, desk: Desk, values: dict, document: FileStorage | None = None) -> Mou:
    cleaned = _clean(values)
    mou = Mou(desk_id=desk.id, **cleaned)
    db.session.add(mou)
    db.session.flush()
    _store(officer, mou, document)
    audit.record("mou.created", mou, actor=officer,
                 changes={name: _plain(value) for name, value in cleaned.items() if name != "scope"})
    return mou


def update(officer, mou: Mou, values: dict, version, document: FileStorage | None = None) -> Mou:
    db.session.refresh(mou, with_for_update=True)
    check_version(mou, version)
    cleaned = _clean(values)
    changes = {name: {"from": _plain(getattr(mou, name)), "to": _plain(value)}
               for name, value in cleaned.items() if getattr(mou, name) != value and name != "scope"}
    if cleaned["scope"] != mou.scope:
        changes["scope"] = "changed"
    for name, value in cleaned.items():
        setattr(mou, name, value)
    db.session.flush()
    if document is not None and document.filename:
        changes["document"] = "replaced" if mou.document_id else "added"
    _store(officer, mou, document)
    audit.record("mou.changed", mou, actor=officer, changes=changes)
    return mou
