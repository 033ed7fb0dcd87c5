"""What the API's tokens hold about a person, for export and erasure (core/personal_data.py).

A person's personal tokens are theirs: exported (never their secret, which is not kept) and
deleted with the account, so they stop working at once. A service token they made is its
association's or its desk's: it stays, without their name as its maker or revoker."""

import sqlalchemy as sa

from diaspora.api.models import ApiToken, TokenKind
from diaspora.core import personal_data
from diaspora.core.i18n import _l
from diaspora.extensions import db


def _iso(value):
    return value.isoformat() if value is not None else None


def export(user) -> list[dict]:
    tokens = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return [{"name": t.name, "prefix": t.prefix, "scopes": t.scopes, "roles": t.roles,
             "created_at": _iso(t.created_at), "expires_on": _iso(t.expires_on),
             "last_used_at": _iso(t.last_used_at), "last_used_from": t.last_used_ip,
             "revoked_at": _iso(t.revoked_at)} for t in tokens]


def erase(user) -> int:
    erased = db.session.execute(sa.delete(ApiToken).where(ApiToken.kind == TokenKind.PERSONAL,
                                                          ApiToken.user_id == user.id)
                                .execution_options(synchronize_session=False)).rowcount
    for column in (ApiToken.created_by_id, ApiToken.revoked_by_id):
        db.session.execute(sa.update(ApiToken).where(column == user.id).values({column: None})
                           .execution_options(synchronize_session=False))
    return erased


def audit_refs(user) -> dict:
    ids = db.session.scalars(sa.select(ApiToken.id).where(ApiToken.user_id == user.id))
    return {"api_tokens": [str(i) for i in ids]}


def register() -> None:
    personal_data.register(
        "api_tokens", tables=("api_tokens",), export=export, erase=erase, audit_refs=audit_refs, order=20,
        erased=_l("Your personal access tokens for the API: they stop working at once."),
        kept=_l("A service token you made for an association or a desk stays theirs, without your name."))
