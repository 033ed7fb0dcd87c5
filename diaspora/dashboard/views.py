from flask import Blueprint, render_template
from flask_login import current_user

from diaspora.core.access import login_required
from diaspora.dashboard import services

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    memberships = services.member_panel(current_user)
    officer_of = services.officer_panel(current_user)
    for item in officer_of:
        item["next_steps"] = services.officer_next_steps(item)
    return render_template(
        "dashboard/index.html",
        memberships=memberships,
        first_steps=services.first_steps(current_user, memberships),
        officer_of=officer_of,
        desks=services.desk_panel(current_user),
        admin=services.admin_panel() if current_user.is_admin else None,
    )
