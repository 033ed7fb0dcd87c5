from flask import Blueprint, redirect, render_template
from flask_login import current_user

from diaspora.core import navigation
from diaspora.core.access import admin_required, login_required
from diaspora.dashboard import services

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    """The member's own dashboard. Someone with no member workspace (a desk officer or an admin
    who belongs to no association) is sent to their own workspace instead."""
    if "member" not in navigation.kinds():
        return redirect(navigation.landing())
    memberships = services.member_panel(current_user)
    officer_of = services.officer_panel(current_user)
    for item in officer_of:
        item["next_steps"] = services.officer_next_steps(item)
    return render_template(
        "dashboard/index.html",
        memberships=memberships,
        first_steps=services.first_steps(current_user, memberships),
        needs_you=services.needs_you(current_user),
        officer_of=officer_of,
    )


@bp.get("/admin")
@admin_required
def admin_home():
    """The platform admin's workspace: applications, unrouted submissions, failed mail, regulators."""
    return render_template("dashboard/admin.html", admin=services.admin_panel())
