"""The access token pages: a person's own tokens (the account page links here), an association's
and a desk's service tokens (for their officers), every token (platform admins), and revoking
one. A new token's secret is shown once, in the answer to the request that made it."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.api import tokens
from diaspora.api.forms import TokenForm
from diaspora.api.models import ALL_SCOPES, SERVICE_DOMAINS
from diaspora.auth.views import is_safe_next
from diaspora.core.access import admin_required, loads, login_required
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, put_beside_field
from diaspora.core.i18n import _
from diaspora.core.pagination import page_of

bp = Blueprint("tokens", __name__)


def _scopes_for(kind: str) -> tuple[str, ...]:
    return tuple(scope for scope in ALL_SCOPES if scope.split(":")[0] in SERVICE_DOMAINS[kind])


def _page(template: str, form: TokenForm, query, *, made=None, status: int = 200, **context):
    return render_template(template, form=form, page=page_of(query, tokens.NEWEST_FIRST), made=made,
                           **context), status


def _make(template: str, form: TokenForm, query, make, **context):
    """Validate the form and make the token: the page again with the secret, shown this once."""
    if not form.validate_on_submit():
        return _page(template, form, query, status=INVALID, **context)
    try:
        made = make(form.name.data, form.scopes.data or [], form.expires_on.data)
    except DomainError as error:
        put_beside_field(form, error)
        return _page(template, form, query, status=INVALID, **context)
    return _page(template, form.__class__(formdata=None, scopes=tuple(c[0] for c in form.scopes.choices)), query,
                 made=made, **context)


# ---------------------------------------------------------------------------- a person's own


@bp.get("/account/tokens")
@login_required
def personal():
    return _page("api/personal_tokens.html", TokenForm(formdata=None), tokens.personal_tokens_of(current_user))


@bp.post("/account/tokens")
@login_required
def make_personal():
    user = current_user._get_current_object()
    return _make("api/personal_tokens.html", TokenForm(), tokens.personal_tokens_of(user),
                 lambda name, scopes, expires_on: tokens.create_personal(user, name, scopes, expires_on))


# ---------------------------------------------------------------------------- an association's, a desk's


@bp.get("/associations/<slug>/tokens")
@login_required
@loads(association="manage")
def association_tokens(association):
    form = TokenForm(formdata=None, scopes=_scopes_for("association"))
    return _page("api/service_tokens.html", form, tokens.tokens_of_association(association), association=association)


@bp.post("/associations/<slug>/tokens")
@login_required
@loads(association="manage")
def make_association_token(association):
    officer = current_user._get_current_object()
    return _make("api/service_tokens.html", TokenForm(scopes=_scopes_for("association")),
                 tokens.tokens_of_association(association),
                 lambda name, scopes, expires_on: tokens.create_service(officer, name, scopes, expires_on,
                                                                        association=association),
                 association=association)


@bp.get("/desks/<int:desk_id>/tokens")
@login_required
@loads(desk="work")
def desk_tokens(desk):
    form = TokenForm(formdata=None, scopes=_scopes_for("desk"))
    return _page("api/service_tokens.html", form, tokens.tokens_of_desk(desk), desk=desk)


@bp.post("/desks/<int:desk_id>/tokens")
@login_required
@loads(desk="work")
def make_desk_token(desk):
    officer = current_user._get_current_object()
    return _make("api/service_tokens.html", TokenForm(scopes=_scopes_for("desk")), tokens.tokens_of_desk(desk),
                 lambda name, scopes, expires_on: tokens.create_service(officer, name, scopes, expires_on, desk=desk),
                 desk=desk)


# ---------------------------------------------------------------------------- every token, revoking


@bp.get("/admin/tokens")
@admin_required
def every_token():
    return render_template("api/admin_tokens.html", page=page_of(tokens.every_token(), tokens.NEWEST_FIRST))


def _list_of(token) -> str:
    if token.association_id is not None:
        return url_for("tokens.association_tokens", slug=token.association.slug)
    if token.desk_id is not None:
        return url_for("tokens.desk_tokens", desk_id=token.desk_id)
    return url_for("tokens.personal")


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
@loads(api_token="revoke")
def revoke(api_token):
    try:
        tokens.revoke(current_user._get_current_object(), api_token)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("“%(name)s” is revoked: it no longer works.", name=api_token.name), "success")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else _list_of(api_token))
