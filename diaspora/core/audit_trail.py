"""The audit trail, as people read it: who did what to which record and when.

An association's officers read the events of their association (`audit_events.association_id`),
a desk's officers their desk's (`desk_id`), platform admins every event; `audit.record` sets
both from the object. Filtered by a person (who did it, or whom it was about), an action and
dates; newest first, a keyset page on (scope, created_at, id); as CSV too. Each domain names its
actions in plain words (`describe`); what erasure redacted stays redacted (the trail shows no
values, only who, what, which record and when, and an erased person's account has no name).
The views take the scope from their route's policy; nothing here reads the request."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from diaspora.core.i18n import _, in_locale
from diaspora.core.models import AuditEvent
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.spreadsheet import BOM, safe_cell, take
from diaspora.extensions import db

LABELS: dict[str, Any] = {}  # action -> its plain words (a lazy string)
RECORDS: dict[str, Any] = {}  # object_type -> what a record of it is called

NEWEST_FIRST = Ordering([SortKey(AuditEvent.created_at, lambda e: e.created_at, descending=True, kind=datetime),
                         SortKey(AuditEvent.id, lambda e: e.id, descending=True, kind=int)])


def describe(actions: dict[str, Any], records: dict[str, Any] | None = None) -> None:
    """A domain names its actions (and its records' kinds) for the people reading the trail."""
    LABELS.update(actions)
    RECORDS.update(records or {})


def action_label(action: str) -> str:
    label = LABELS.get(action)
    return str(label) if label is not None else action


def record_label(object_type: str | None, object_id: str | None) -> str:
    if object_type is None:
        return ""
    kind = RECORDS.get(object_type)
    name = str(kind) if kind is not None else object_type
    return _("%(record)s %(id)s", record=name, id=object_id) if object_id else name


def action_choices() -> list[tuple[str, str]]:
    return sorted(((action, str(label)) for action, label in LABELS.items()), key=lambda pair: pair[1].lower())


@dataclass(frozen=True)
class Scope:
    """Whose events a reader sees, and whose names: `named` (a SELECT of user ids) limits the
    names shown to those people; `numbers_only` shows an account number instead of any name."""

    association_id: int | None = None
    desk_id: int | None = None  # neither: every event (platform admins)
    named: Any = None
    numbers_only: bool = False


@dataclass(frozen=True)
class Filters:
    person_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None


def events(scope: Scope, filters: Filters) -> sa.Select:
    query = sa.select(AuditEvent)
    if scope.association_id is not None:
        query = query.where(AuditEvent.association_id == scope.association_id)
    elif scope.desk_id is not None:
        query = query.where(AuditEvent.desk_id == scope.desk_id)
    if filters.person_id is not None:
        query = query.where(sa.or_(AuditEvent.actor_id == filters.person_id,
                                   AuditEvent.subject_id == filters.person_id))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.created_at >= datetime.combine(filters.since, time.min))
    if filters.until:
        query = query.where(AuditEvent.created_at < datetime.combine(filters.until + timedelta(days=1), time.min))
    return query


def names_of(rows: list, scope: Scope) -> dict[int, str]:
    """The names a reader of this trail may see, for a page of events, in one query (no N+1)
    (the routes say whose: `Scope.named`, `Scope.numbers_only`)."""
    ids = {i for row in rows for i in (row.actor_id, row.subject_id) if i is not None}
    if not ids:
        return {}
    if scope.numbers_only:
        return {i: _("Account %(id)s", id=i) for i in ids}
    users = db.metadata.tables["users"]
    query = sa.select(users.c.id, users.c.name).where(users.c.id.in_(ids))
    if scope.named is not None:
        query = query.where(users.c.id.in_(scope.named))
        names = dict(db.session.execute(query).all())
        return {i: names.get(i) or _("Someone else") for i in ids}
    return dict(db.session.execute(query).all())


def person_by_email(email: str | None) -> int | None:
    """The account with this address (the person filter), or None."""
    email = (email or "").strip().lower()
    if not email or len(email) > 320:
        return None
    users = db.metadata.tables["users"]
    return db.session.scalar(sa.select(users.c.id).where(users.c.email == email))


def csv_rows(scope: Scope, filters: Filters, locale: str | None) -> Iterator[str]:
    """The filtered trail as CSV, newest first, a chunk at a time, in the reader's language."""
    with in_locale(locale):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("When (UTC)"), _("Who"), _("What"), _("Record"), _("About")])
        yield BOM + take(buffer)
        query = events(scope, filters).order_by(*NEWEST_FIRST.order_by()).execution_options(yield_per=500)
        for chunk in db.session.scalars(query).partitions(500):
            names = names_of(chunk, scope)
            for event in chunk:
                writer.writerow([event.created_at.replace(microsecond=0).isoformat(sep=" "),
                                 safe_cell(who(names, event.actor_id)), action_label(event.action),
                                 record_label(event.object_type, event.object_id),
                                 safe_cell(names.get(event.subject_id, "") if event.subject_id else "")])
            yield take(buffer)


def who(names: dict[int, str], actor_id: int | None) -> str:
    if actor_id is None:
        return _("The platform")
    return names.get(actor_id) or _("A deleted account")


def filters_from(args) -> Filters:
    """The filters in a query string; what cannot be read is left out (never an error)."""

    def day(value):
        try:
            return date.fromisoformat((value or "")[:10]) if value else None
        except ValueError:
            return None

    action = args.get("action") if args.get("action") in LABELS else None
    return Filters(person_id=person_by_email(args.get("person")), action=action,
                   since=day(args.get("since")), until=day(args.get("until")))


def filter_args(args) -> dict:
    """The filters as the page's links carry them on (pager, CSV)."""
    return {key: args.get(key) for key in ("person", "action", "since", "until") if args.get(key)}
