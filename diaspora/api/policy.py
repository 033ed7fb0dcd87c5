"""Who may see and revoke an access token (the token management pages; a token's secret is
never shown after the answer that made it, to anyone).

* A personal token: its owner, and platform admins.
* An association's service token: the association's officers, and platform admins.
* A desk's service token: the desk's officers, and platform admins.
No token's principal manages tokens: a service account only ever acts through the API."""

from diaspora.api.models import ApiToken
from diaspora.associations.policy import is_officer
from diaspora.core.access import acting_for, object_kind
from diaspora.desks.policy import works_desk
from diaspora.extensions import db


def can_token(user, action: str, token: ApiToken) -> bool:
    if not getattr(user, "is_authenticated", False) or acting_for(user) is not None:
        return False
    if user.is_admin:
        return True
    if token.association_id is not None:
        return is_officer(user, token.association)
    if token.desk_id is not None:
        return works_desk(user, token.desk_id)
    return token.user_id == user.id


def declare_kinds() -> None:
    object_kind("api_token", params=("token_id",), find=lambda token_id: db.session.get(ApiToken, token_id),
                can=can_token, actions={"view", "revoke"})
