"""How a request's bearer token becomes the request's user (`core.access.token_required` calls
`authenticate`, which the api domain registers with the core).

`Authorization: Bearer dhn_…` only: never a query-string key (it would land in logs and
browser histories), never the session cookie (so another site cannot make a logged-in
browser call the API: no CSRF token is needed). The token's principal becomes `current_user`
for this request alone (nothing is written to the session), so `@loads` and every policy
judge the token's holder exactly as they judge the person on the pages; a service token's
principal is marked as acting for its association or desk (`access.ServiceScope`)."""

from flask import current_app, g, request

from diaspora.api import tokens
from diaspora.core.access import Grant, ServiceScope
from diaspora.core.i18n import _
from diaspora.core.problems import Problem

REALM = 'Bearer realm="api"'


def _refused(detail: str, error: str | None = None) -> Problem:
    challenge = f'{REALM}, error="{error}"' if error else REALM
    return Problem(401, detail, kind="unauthenticated", headers={"WWW-Authenticate": challenge})


def bearer_secret() -> str | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


def authenticate() -> Grant:
    secret = bearer_secret()
    if secret is None:
        raise _refused(_("Send an access token: Authorization: Bearer dhn_… (make one on your account page)."))
    try:
        token = tokens.check_use(secret, request.remote_addr)
    except tokens.Refused:
        raise _refused(_("This token does not work: it is unknown, expired or revoked, or its owner no longer "
                         "holds a role it was made with. Make a new one on the site."), "invalid_token") from None
    principal = token.principal
    if token.is_service:
        principal.acting_for = ServiceScope(association_id=token.association_id, desk_id=token.desk_id)
    current_app.login_manager._update_request_context_with_user(principal)  # this request only
    g.api_token_id = token.id
    return Grant(frozenset(token.scopes), service=token.is_service)
