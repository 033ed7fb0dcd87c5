"""Ready tokens for `flask demo load`: a personal token of the demo member and of the demo
officer, and a service token of the demo desk, made afresh at each run (their secrets are not
kept, so an earlier run's cannot be shown again): the member's and officer's earlier demo
tokens are revoked, the desk's keeps its service account and gets a new secret."""

from datetime import timedelta

import sqlalchemy as sa

from diaspora.api import tokens
from diaspora.api.models import ALL_SCOPES, ApiToken
from diaspora.core.time import today
from diaspora.extensions import db

NAME = "Demo token (flask demo load)"
DESK_NAME = "Demo case system"
DAYS = 30


def _live(**where) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).filter_by(**where).where(ApiToken.revoked_at.is_(None))))


def personal(user) -> str:
    for token in _live(user_id=user.id, name=NAME):
        tokens.revoke(user, token)
    return tokens.create_personal(user, NAME, list(ALL_SCOPES), today() + timedelta(days=DAYS)).secret


def desk_service(officer, desk) -> str:
    found = _live(desk_id=desk.id, name=DESK_NAME)
    if found:
        return tokens.reissue(officer, found[0], today() + timedelta(days=DAYS)).secret
    return tokens.create_service(officer, DESK_NAME, ["desks:read", "desks:write"], today() + timedelta(days=DAYS),
                                 desk=desk).secret
