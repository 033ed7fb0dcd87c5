"""Tokens for the API tests: made through the services the token pages call."""

from datetime import timedelta

from diaspora.api import tokens
from diaspora.api.models import ALL_SCOPES, SERVICE_DOMAINS
from diaspora.auth import two_factor
from diaspora.core.time import today
from diaspora.extensions import db

READ_SCOPES = tuple(scope for scope in ALL_SCOPES if scope.endswith(":read"))


def personal_token(user, scopes=ALL_SCOPES, *, days: int = 30, name: str = "A test token") -> str:
    """A personal token of `user` (turning on the second factor their role requires)."""
    if (two_factor.is_required(user) or tokens._needs_second_factor(tokens.roles_of(user))) \
            and not user.two_factor_enabled:
        two_factor.enrol_for_demo(user)
    made = tokens.create_personal(user, name, list(scopes), today() + timedelta(days=days))
    db.session.commit()
    return made.secret


def service_token(officer, *, association=None, desk=None, scopes=None, name: str = "Case system") -> str:
    kind = "association" if association is not None else "desk"
    scopes = scopes or [scope for scope in ALL_SCOPES if scope.split(":")[0] in SERVICE_DOMAINS[kind]]
    made = tokens.create_service(officer, name, list(scopes), today() + timedelta(days=30),
                                 association=association, desk=desk)
    db.session.commit()
    return made.secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}
