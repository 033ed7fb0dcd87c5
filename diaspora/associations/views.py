"""Placeholder routes so other modules can link to them; replaced by the registry views."""

from flask import Blueprint, abort
from flask_login import current_user

from diaspora.associations import policy
from diaspora.core.access import login_required

bp = Blueprint("associations", __name__)


@bp.get("/associations/<slug>")
@login_required
def show(slug: str):
    policy.load_association(slug, current_user, "view")
    abort(404)


@bp.get("/associations/<slug>/members/<int:membership_id>")
@login_required
def membership(slug: str, membership_id: int):
    association = policy.load_association(slug, current_user, "manage")
    policy.load_membership(association, membership_id)
    abort(404)
