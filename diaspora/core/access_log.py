"""Who looked at a person's data: a line each time someone other than the person opens it.

A kind that holds a person's data declares how a reader reads it (`object_kind(...,
reads=...)`): a function `(user, obj) -> Read | None` saying whose data it is, what it is and
in which role the user reads it. `access.loads` calls it for every object a GET route loads
and hands the reads of the request to `note`, which writes them in one INSERT (nothing when the
reader is the person). So every page, CSV or API call that loads such an object records it, by
construction; a list that shows many people (a directory, a queue) records nothing.

The rows are the person's: listed under Your account (`page_for`), exported and erased with
them (`core/__init__.py` registers them); a viewer's erasure leaves the line without their
name. They are kept `ACCESS_LOG_RETENTION_MONTHS`, then `flask access-log purge` removes them."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from diaspora.core.i18n import _, _l, in_locale
from diaspora.core.models import DataAccess
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.spreadsheet import BOM, safe_cell, take
from diaspora.core.time import utcnow
from diaspora.extensions import db

ROLES = {
    "officer": _l("Officer"),
    "desk_officer": _l("Desk officer"),
    "admin": _l("Platform admin"),
    "service": _l("Service token"),
}

# What was opened: each domain registers its codes with a label (`describe`).
WHAT: dict[str, Any] = {}

NEWEST_FIRST = Ordering([SortKey(DataAccess.at, lambda row: row.at, descending=True, kind=datetime),
                         SortKey(DataAccess.id, lambda row: row.id, descending=True, kind=int)])


@dataclass(frozen=True)
class Read:
    person_id: int | None  # whose data it is
    what: str  # a registered code
    role: str  # a key of ROLES
    place: str | None = None  # the association or desk the reader acted for


def describe(code: str, label: Any) -> None:
    """A domain names what one of its codes means, for the person reading their log."""
    WHAT[code] = label


def what_label(code: str) -> Any:
    return WHAT.get(code, code)


def role_label(code: str) -> Any:
    return ROLES.get(code, code)


def note(viewer: Any, reads: list[tuple[Read, Any]]) -> int:
    """Record the reads of one request in one INSERT: one line per person, the most specific
    object (the last loaded) for each. Nothing for the reader's own data."""
    if viewer is None or getattr(viewer, "id", None) is None:
        return 0
    by_person: dict[int, dict] = {}
    now = utcnow()
    for read, obj in reads:
        if read is None or read.person_id is None or read.person_id == viewer.id:
            continue
        by_person[read.person_id] = {
            "person_id": read.person_id, "viewer_id": viewer.id, "role": read.role,
            "place": (read.place or "")[:200] or None, "what": read.what,
            "object_type": getattr(obj, "__tablename__", None),
            "object_id": str(obj.id) if getattr(obj, "id", None) is not None else None, "at": now,
        }
    if by_person:
        if db.session.get_bind().dialect.name == "postgresql" and not _writing():
            # A read that writes only this line need not wait for the disk at commit: a crash
            # may lose the last fraction of a second of lines, never corrupt anything
            # (docs/decisions.md). SET LOCAL: this transaction only.
            db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
        db.session.execute(sa.insert(DataAccess), list(by_person.values()))
    return len(by_person)


def _writing() -> bool:
    """Has this transaction changed anything yet (then its commit keeps its full guarantee)?"""
    session = db.session()
    return bool(session.new or session.dirty or session.deleted)


def of_person(person: Any) -> sa.Select:
    """The lines about this person (a page of them goes through `page_of` with NEWEST_FIRST)."""
    return sa.select(DataAccess).where(DataAccess.person_id == person.id)


def viewers_of(rows: list) -> dict[int, str]:
    """The names of a page of lines' viewers, in one query (no N+1)."""
    ids = {row.viewer_id for row in rows if row.viewer_id is not None}
    if not ids:
        return {}
    users = db.metadata.tables["users"]
    return dict(db.session.execute(sa.select(users.c.id, users.c.name).where(users.c.id.in_(ids))).all())


def cutoff(months: int, now: datetime | None = None) -> datetime:
    """The oldest moment kept: `months` of 30.44 days before now."""
    return (now or utcnow()) - timedelta(days=round(months * 30.44))


def purge(months: int, now: datetime | None = None) -> int:
    """Remove the lines older than the retention period; how many went."""
    return db.session.execute(sa.delete(DataAccess).where(DataAccess.at < cutoff(months, now))
                              .execution_options(synchronize_session=False)).rowcount


def purge_job() -> int:
    """The daily job: purge past the configured retention, and commit."""
    from flask import current_app

    from diaspora.core import transaction

    removed = purge(current_app.config["ACCESS_LOG_RETENTION_MONTHS"])
    transaction.commit()
    return removed


def export(user: Any) -> list[dict]:
    rows = db.session.scalars(of_person(user).order_by(DataAccess.at, DataAccess.id)).all()
    viewers = viewers_of(rows)
    return [{"at": row.at.isoformat(), "by": _viewer_name(viewers, row), "role": row.role,
             "for": row.place, "what": row.what, "object_type": row.object_type, "object_id": row.object_id}
            for row in rows]


def _viewer_name(viewers: dict, row) -> str | None:
    return viewers.get(row.viewer_id)


def erase(user: Any) -> int:
    """The person's own lines go; where they were the reader, the line stays without them."""
    gone = db.session.execute(sa.delete(DataAccess).where(DataAccess.person_id == user.id)
                              .execution_options(synchronize_session=False)).rowcount
    db.session.execute(sa.update(DataAccess).where(DataAccess.viewer_id == user.id).values(viewer_id=None)
                       .execution_options(synchronize_session=False))
    return gone


def csv_rows(person_id: int, locale: str | None) -> Iterator[str]:
    """The person's lines as CSV, newest first, a chunk at a time, in their language. Takes the
    person's id and language: a streamed response is written after the request's user is gone."""
    with in_locale(locale):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("When (UTC)"), _("Who"), _("In which role"), _("For"), _("What")])
        yield BOM + take(buffer)
        query = (sa.select(DataAccess).where(DataAccess.person_id == person_id)
                 .order_by(*NEWEST_FIRST.order_by()).execution_options(yield_per=500))
        for chunk in db.session.scalars(query).partitions(500):
            viewers = viewers_of(chunk)
            for row in chunk:
                writer.writerow([row.at.replace(microsecond=0).isoformat(sep=" "),
                                 safe_cell(_viewer_name(viewers, row) or _("A deleted account")),
                                 str(role_label(row.role)), safe_cell(row.place or ""), str(what_label(row.what))])
            yield take(buffer)
