"""The one way to record an AuditEvent. Domains call `record(...)` from their services,
inside the transaction of the change, so an event exists exactly when its change does."""

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from diaspora.core.models import AuditEvent
from diaspora.extensions import db

# Never copy these into an audit trail.
SECRET_FIELDS = {"password", "password_hash", "totp_secret", "session_token"}


def record(action: str, obj: Any = None, *, actor: Any = None, changes: dict | None = None) -> AuditEvent:
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=_actor_id(actor),
        action=action,
        object_type=getattr(obj, "__tablename__", None),
        object_id=str(obj.id) if obj is not None else None,
        changes=_without_secrets(changes),
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def diff(obj: Any, new_values: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for each value that would change; JSON-safe."""
    changed = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [_jsonable(old), _jsonable(new)]
    return changed


def _actor_id(actor: Any) -> int | None:
    if actor is not None:
        return actor.id
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _without_secrets(changes: dict | None) -> dict | None:
    if changes is None:
        return None
    return {key: value for key, value in changes.items() if key not in SECRET_FIELDS}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)
