"""The one way to record an AuditEvent. Services call `record(...)` inside the transaction of
the change, so an event exists exactly when its change does.

The actor is always passed explicitly (None for the system: a cron job). The person an event
is about (`subject_id`) is taken from the object: a user, or a record with a `user_id`; a
service may name another with `subject=`. Erasure (`core/personal_data.py`) redacts every
event done by or about the person. The client's IP address is stamped by the web layer
(`remember_request_ip`), never read from the request here. The association and the desk
whose trail the event joins come from the object too (`_scope`)."""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from diaspora.core.models import AuditEvent
from diaspora.extensions import db

# Never copy these into an audit trail.
SECRET_FIELDS = {"password", "password_hash", "totp_secret", "session_token", "recovery_codes"}

_request_ip: ContextVar[str | None] = ContextVar("audit_request_ip", default=None)

# Whoever wants to act on a change in its own transaction (the webhooks' outbox), by name: called
# with (action, obj, actor) after each event is recorded. The core knows none of them.
LISTENERS: dict[str, Callable[[str, Any, Any], None]] = {}


def listen(name: str, listener: Callable[[str, Any, Any], None]) -> None:
    LISTENERS[name] = listener


def remember_request_ip(address: str | None) -> None:
    """Called by the web layer at the start of each request."""
    _request_ip.set(address)


def record(action: str, obj: Any = None, *, actor: Any, changes: dict | None = None,
           subject: Any = None) -> AuditEvent:
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        subject_id=_subject_id(obj, subject),
        action=action,
        object_type=getattr(obj, "__tablename__", None),
        object_id=str(obj.id) if obj is not None else None,
        changes=_without_secrets(changes),
        ip_address=_request_ip.get() if actor is not None else None,
        association_id=_scope(obj, "association"),
        desk_id=_scope(obj, "desk"),
    )
    db.session.add(event)
    for listener in LISTENERS.values():
        listener(action, obj, actor)
    return event


def _scope(obj: Any, name: str) -> int | None:
    """The association (or desk) whose trail an event joins: the object's `audit_<name>_id`
    when its model says (an association itself, a contribution only once its officers see
    it), else its `<name>_id` column."""
    if obj is None:
        return None
    if hasattr(obj, f"audit_{name}_id"):
        return getattr(obj, f"audit_{name}_id")
    return getattr(obj, f"{name}_id", None)


def diff(obj: Any, new_values: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for each value that would change; JSON-safe."""
    changed = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [_jsonable(old), _jsonable(new)]
    return changed


def _subject_id(obj: Any, subject: Any) -> int | None:
    if subject is not None:
        return subject.id
    if obj is None:
        return None
    if getattr(obj, "__tablename__", None) == "users":
        return obj.id
    return getattr(obj, "audit_subject_id", None) or getattr(obj, "user_id", None)


def _without_secrets(changes: dict | None) -> dict | None:
    if changes is None:
        return None
    return {key: value for key, value in changes.items() if key not in SECRET_FIELDS}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)
