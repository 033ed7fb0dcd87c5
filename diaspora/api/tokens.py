"""Making, using and revoking access tokens (api/models.py). Services flush, never commit, take
the actor explicitly and know nothing of the request (the caller passes the client's address).

* A token is `dhn_` and 43 random characters (256 bits). It is shown once, in the answer to
  the request that made it; only its SHA-256 is kept, with its first 12 characters to
  recognise it by.
* A personal token records the privileged roles its owner holds when it is made (platform
  admin, officer of each association, officer of each desk): on every call `check_use`
  re-checks them and the token stops working if one was lost (an officer who stepped down, a
  desk officer removed). A role that requires two-factor sign-in needs it to make a token, and
  the token stops working while its owner has it off.
* A service token gets a service account of its own (`principal`): a `users` row no one can log
  in to (an unusable password), named after the token, which acts for the association or desk
  and is named by the audit trail and the timelines as the author of what the token does.
  Revoking the token turns the account off."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diaspora.api.models import ALL_SCOPES, PREFIX, SERVICE_DOMAINS, ApiToken, TokenKind
from diaspora.auth import passwords, two_factor
from diaspora.auth.models import User
from diaspora.core import audit, memo
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.statements import bound, kept
from diaspora.core.time import today, utcnow
from diaspora.extensions import db

SECRET_BYTES = 32
SHOWN_PREFIX = 12  # "dhn_" and 8 characters: enough to recognise a token by, useless to guess it
MAX_DAYS = 366
MAX_NAME = 100
USE_RECORDED_EVERY = timedelta(minutes=1)  # a busy token is not written to on every call
NEWEST_FIRST = Ordering([
    SortKey(ApiToken.created_at, lambda t: t.created_at, descending=True, kind=datetime),
    SortKey(ApiToken.id, lambda t: t.id, descending=True, kind=int),
])


def hash_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(SECRET_BYTES)


# ---------------------------------------------------------------------------- roles


def roles_of(user: User) -> list[str]:
    """The privileged roles a person holds now: "admin", "officer:<id>", "desk:<id>"."""
    roles = ["admin"] if user.is_admin else []
    statement = kept("api_roles", _roles_statement)  # every API request asks it
    return roles + [f"{kind}:{held}" for kind, held in db.session.execute(statement, {"user_id": user.id})]


def _roles_statement() -> sa.Select:
    """("officer", association id) by association name, then ("desk", desk id): one statement for
    any user (the id a bound parameter)."""
    from diaspora.associations.models import Association
    from diaspora.associations.policy import officer_associations
    from diaspora.desks.models import DeskOfficer

    anyone = SimpleNamespace(id=bound("user_id", sa.Integer))
    officers = officer_associations(anyone).order_by(None).with_only_columns(
        sa.literal("officer").label("kind"), Association.id.label("held"), Association.name.label("first"))
    desks = sa.select(sa.literal("desk").label("kind"), DeskOfficer.desk_id.label("held"),
                      sa.literal("").label("first")).where(DeskOfficer.user_id == anyone.id)
    both = sa.union_all(officers, desks).subquery()
    return (sa.select(both.c.kind, both.c.held)
            .order_by(both.c.kind.desc(), both.c.first, both.c.held))  # "officer" before "desk"


def _roles_now(user: User) -> set[str]:
    return memo.cached(("api_roles", user.id), lambda: set(roles_of(user)))


def lost_roles(token: ApiToken) -> list[str]:
    """The roles a personal token was made with that its owner no longer holds."""
    if token.is_service or not token.roles:
        return []
    held = _roles_now(token.principal)
    return [role for role in token.roles if role not in held]


def _needs_second_factor(roles: list[str]) -> bool:
    return any(role == "admin" or role.startswith("desk:") for role in roles)


# ---------------------------------------------------------------------------- making


def _clean(name: str, scopes: list[str], expires_on: date | None, allowed: tuple[str, ...]) -> tuple[str, list[str]]:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the token a name that says what it is for."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_("Keep the name to 100 characters."), field="name")
    chosen = [scope for scope in ALL_SCOPES if scope in set(scopes or ())]
    if not chosen or len(chosen) != len(set(scopes or ())) or not set(chosen) <= set(allowed):
        raise DomainError(_("Choose at least one of the scopes listed."), field="scopes")
    if expires_on is None or not today() <= expires_on <= today() + timedelta(days=MAX_DAYS):
        raise DomainError(_("Choose an expiry date from today to a year from now."), field="expires_on")
    return name, chosen


@dataclass
class Made:
    token: ApiToken
    secret: str  # shown once, never kept


def _store(token: ApiToken) -> Made:
    secret = _new_secret()
    token.secret_hash = hash_of(secret)
    token.prefix = secret[:SHOWN_PREFIX]
    db.session.add(token)
    db.session.flush()
    return Made(token, secret)


def create_personal(user: User, name: str, scopes: list[str], expires_on: date | None) -> Made:
    name, chosen = _clean(name, scopes, expires_on, ALL_SCOPES)
    roles = roles_of(user)
    if (two_factor.is_required(user) or _needs_second_factor(roles)) and not user.two_factor_enabled:
        raise DomainError(_("Your role requires two-factor sign-in: turn it on before you make a token."))
    made = _store(ApiToken(kind=TokenKind.PERSONAL, name=name, scopes=chosen, user_id=user.id, principal_id=user.id,
                           roles=roles, created_by_id=user.id, expires_on=expires_on))
    audit.record("api_token.created", made.token, actor=user, subject=user,
                 changes={"name": name, "scopes": chosen, "expires_on": expires_on.isoformat(), "roles": roles})
    return made


def create_service(officer: User, name: str, scopes: list[str], expires_on: date | None, *,
                   association=None, desk=None) -> Made:
    """A token of the association or the desk (exactly one), with a service account of its own."""
    assert (association is None) != (desk is None)
    domains = SERVICE_DOMAINS["association" if association is not None else "desk"]
    allowed = tuple(scope for scope in ALL_SCOPES if scope.split(":")[0] in domains)
    name, chosen = _clean(name, scopes, expires_on, allowed)
    principal = User(name=name, email=f"service-{secrets.token_hex(10)}@tokens.invalid",
                     password_hash=passwords.UNUSABLE_PREFIX + "service-token", locale=officer.locale)
    db.session.add(principal)
    db.session.flush()
    made = _store(ApiToken(kind=TokenKind.SERVICE, name=name, scopes=chosen, principal_id=principal.id,
                           association_id=association.id if association is not None else None,
                           desk_id=desk.id if desk is not None else None, roles=[], created_by_id=officer.id,
                           expires_on=expires_on))
    audit.record("api_token.created", made.token, actor=officer, changes={
        "name": name, "scopes": chosen, "expires_on": expires_on.isoformat(),
        "association_id": made.token.association_id, "desk_id": made.token.desk_id})
    return made


def reissue(actor: User, token: ApiToken, expires_on: date) -> Made:
    """A new secret for a live token (the old one stops working), with a new expiry: the same
    name, scopes and service account. For `flask demo load`, whose secrets are shown once."""
    if not token.is_live:
        raise DomainError(_("Only a token that still works can be given a new secret."))
    token.expires_on = expires_on
    made = _store(token)
    audit.record("api_token.reissued", token, actor=actor, subject=token.owner,
                 changes={"name": token.name, "expires_on": expires_on.isoformat()})
    return made


def revoke(actor: User, token: ApiToken) -> None:
    if token.is_revoked:
        raise DomainError(_("This token is already revoked."))
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id
    if token.is_service:
        token.principal.active = False
    db.session.flush()
    audit.record("api_token.revoked", token, actor=actor, subject=token.owner, changes={"name": token.name})


# ---------------------------------------------------------------------------- using


class Refused(Exception):
    """The token does not work (unknown, expired, revoked, its owner changed): 401."""


def find(secret: str) -> ApiToken | None:
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    statement = kept("api_token", lambda: sa.select(ApiToken).where(  # every API request asks it
        ApiToken.secret_hash == bound("secret_hash", sa.String)).options(joinedload(ApiToken.principal)))
    return db.session.scalar(statement, {"secret_hash": hash_of(secret)})


def check_use(secret: str, address: str | None) -> ApiToken:
    """The live token `secret` names, its use recorded; Refused if it does not work now."""
    token = find(secret)
    if token is None or not token.is_live:
        raise Refused("unknown, expired or revoked")
    person = token.principal
    if person is None or not person.active or person.deleted_at is not None:
        raise Refused("its account is closed")
    if lost_roles(token):
        raise Refused("its owner no longer holds a role it was made with")
    if _needs_second_factor(token.roles) and not person.two_factor_enabled:
        raise Refused("its owner's role requires two-factor sign-in, which is off")
    _record_use(token, address)
    return token


def _record_use(token: ApiToken, address: str | None) -> None:
    now = utcnow()
    if token.last_used_at and now - token.last_used_at < USE_RECORDED_EVERY and token.last_used_ip == address:
        return
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id)
                       .values(last_used_at=now, last_used_ip=(address or "")[:45] or None)
                       .execution_options(synchronize_session=False))


# ---------------------------------------------------------------------------- lists


def personal_tokens_of(user: User) -> sa.Select:
    return sa.select(ApiToken).where(ApiToken.user_id == user.id)


def tokens_of_association(association) -> sa.Select:
    return sa.select(ApiToken).where(ApiToken.association_id == association.id).options(
        joinedload(ApiToken.created_by), joinedload(ApiToken.revoked_by))


def tokens_of_desk(desk) -> sa.Select:
    return sa.select(ApiToken).where(ApiToken.desk_id == desk.id).options(
        joinedload(ApiToken.created_by), joinedload(ApiToken.revoked_by))


def every_token() -> sa.Select:
    return sa.select(ApiToken).options(joinedload(ApiToken.owner), joinedload(ApiToken.association),
                                       joinedload(ApiToken.desk), joinedload(ApiToken.revoked_by))
