"""What the app holds about a person, declared by each domain in one place.

A domain registers an entry for the data it keeps about people (`register(...)`): the
tables it covers, how to export it (JSON-ready) and how to erase it. Erasure removes what
the person typed and who they are, and keeps anonymous counts (an ended membership stays a
row, pointing to the anonymised account).

`export_person` and `erase_person` walk the registry, so a new domain is exported and erased
by registering, without editing either. tests/test_erasure.py fails when a table, whatever
its columns, is neither claimed by an entry nor declared not personal (`not_personal`), when an
entry has no person sample that fills its tables, and when anything a person typed survives
their erasure in any text column of any table.

The audit trail and the outbox are handled here, for every domain at once: events done by
the person or about them (their `subject_id`, or any object an entry names in `audit_refs`)
lose their values and IP addresses; mail addressed to them loses its body and address once
sent (mail still queued, such as the confirmation of the erasure, is purged after sending).

Each entry also says, for the person, what erasure does to it (`erased`) and what of it
stays and why (`kept`): the delete-account page lists them (`what_is_erased`, `what_is_kept`),
so the page says what the code does, entry by entry, and a new entry adds its own lines."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from diaspora.core.i18n import _l
from diaspora.core.models import AuditEvent, OutboxMessage
from diaspora.extensions import db

Refs = dict[str, list]  # object_type -> ids whose audit events describe the person
ERASED_ADDRESS = "erased@erased.invalid"


@dataclass(frozen=True)
class Entry:
    name: str
    tables: tuple[str, ...]
    export: Callable[[Any], Any]
    erase: Callable[[Any], Any]
    audit_refs: Callable[[Any], Refs] | None = None
    blockers: Callable[[Any], list[str]] | None = None
    order: int = 100  # erasure order: lower first; the account itself (identity) goes last
    erased: Any = None  # for the person (a lazy string): what erasure removes
    kept: Any = None  # for the person: what stays, and why


REGISTRY: dict[str, Entry] = {}
NOT_PERSONAL: dict[str, str] = {}

# What the core itself does on erasure, for every domain at once (below).
AUDIT_KEPT = _l("The record of what was done and when (the audit trail) stays, without the details or the "
                "network addresses: the platform must be able to show who changed what.")
MAIL_ERASED = _l("The emails we sent you lose their address and their text (the last one, confirming the "
                 "deletion, once it has been sent).")


def register(name: str, *, tables: tuple[str, ...], export: Callable[[Any], Any],
             erase: Callable[[Any], Any], audit_refs: Callable[[Any], Refs] | None = None,
             blockers: Callable[[Any], list[str]] | None = None, order: int = 100,
             erased: Any = None, kept: Any = None) -> Entry:
    entry = Entry(name, tuple(tables), export, erase, audit_refs, blockers, order, erased, kept)
    REGISTRY[name] = entry
    return entry


def not_personal(table: str, reason: str) -> None:
    """Declare that a table holds nothing about a person worth exporting or erasing, and why.
    Every table is either claimed by an entry or declared here (tests/test_erasure.py)."""
    NOT_PERSONAL[table] = reason


def entries() -> list[Entry]:
    return sorted(REGISTRY.values(), key=lambda entry: (entry.order, entry.name))


def what_is_erased() -> list:
    """What erasing a person removes, entry by entry, for the person to read."""
    return [entry.erased for entry in entries() if entry.erased] + [MAIL_ERASED]


def what_is_kept() -> list:
    """What stays after erasing a person, and why, entry by entry."""
    return [entry.kept for entry in entries() if entry.kept] + [AUDIT_KEPT]


def claimed_tables() -> set[str]:
    return {table for entry in REGISTRY.values() for table in entry.tables} | set(NOT_PERSONAL)


def export_person(user: Any) -> dict:
    """Everything the app holds about the person, by entry, then their audit trail."""
    data = {entry.name: entry.export(user) for entry in entries()}
    data["audit_events"] = _audit_export(user, _refs(user))
    return data


def erasure_blockers(user: Any) -> list[str]:
    """Why the person cannot be erased yet (the only officer of an association ...)."""
    return [problem for entry in entries() if entry.blockers for problem in entry.blockers(user)]


def erase_person(user: Any) -> dict:
    """Erase the person, entry by entry, then their traces in the audit trail and the outbox.
    Entries raise DomainError to refuse; the caller's transaction then rolls back whole."""
    refs = _refs(user)
    address = user.email
    counts = {entry.name: entry.erase(user) for entry in entries()}
    db.session.flush()
    counts["audit_events_redacted"] = _redact_audit(user, refs)
    counts["mails_purged"] = purge_mail_to(address)
    return counts


def _refs(user: Any) -> Refs:
    refs: Refs = {}
    for entry in entries():
        if entry.audit_refs:
            for object_type, ids in entry.audit_refs(user).items():
                refs.setdefault(object_type, []).extend(str(i) for i in ids)
    return refs


def _about(user: Any, refs: Refs):
    conditions = [AuditEvent.actor_id == user.id, AuditEvent.subject_id == user.id]
    for object_type, ids in refs.items():
        if ids:
            conditions.append(sa.and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids)))
    return sa.or_(*conditions)


def _redact_audit(user: Any, refs: Refs) -> int:
    """Keep what happened and when; drop the values and the addresses."""
    result = db.session.execute(
        sa.update(AuditEvent).where(_about(user, refs))
        .values(changes=None, ip_address=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _audit_export(user: Any, refs: Refs) -> list[dict]:
    own = {(object_type, str(i)) for object_type, ids in refs.items() for i in ids}
    events = db.session.scalars(sa.select(AuditEvent).where(_about(user, refs)).order_by(AuditEvent.id))
    exported = []
    for event in events:
        about_them = event.subject_id == user.id or (event.object_type, event.object_id) in own
        exported.append({
            "at": event.created_at.isoformat(), "action": event.action,
            "by_you": event.actor_id == user.id,
            "object_type": event.object_type,
            "object_id": event.object_id if about_them else None,
            "changes": event.changes if about_them else None,
            "ip_address": event.ip_address if event.actor_id == user.id else None,
        })
    return exported


def purge_mail_to(address: str) -> int:
    """Mail to this address loses its body and address: at once when it has left (or never
    will), after sending when it is still queued."""
    sent = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.recipient == address, OutboxMessage.status != OutboxMessage.QUEUED)
        .values(recipient=ERASED_ADDRESS, subject="", body_text="", body_html=None, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    queued = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.recipient == address, OutboxMessage.status == OutboxMessage.QUEUED)
        .values(erase_after_send=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    return sent + queued
