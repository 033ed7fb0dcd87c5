"""The platform admins' desk pages: the desks, each desk's settings and officers, and the
submissions no desk took. And the page an invited officer opens to join a desk."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.core.access import admin_required, loads, login_required, signed
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field, save_edit
from diaspora.core.i18n import _
from diaspora.core.pagination import page_of
from diaspora.core.time import long_date
from diaspora.desks.models import SUBMISSION_STATES
from diaspora.desks.setup import setup
from diaspora.desks.setup.forms import DeskForm, OfficerForm, RemoveOfficerForm
from diaspora.desks.submissions import submissions

bp = Blueprint("desk_setup", __name__)


@bp.context_processor
def page_helpers() -> dict:
    return {"country_name": country_name, "long_date": long_date, "topic_label": setup.topic_label,
            "SUBMISSION_STATES": SUBMISSION_STATES}


# ---------------------------------------------------------------------------- desks


@bp.get("/admin/desks")
@admin_required
def index():
    page = page_of(setup.all_desks(), setup.BY_COUNTRY)
    return render_template("desks/admin/index.html", page=page, unrouted=setup.unrouted_count())


@bp.route("/admin/desks/new", methods=["GET", "POST"])
@admin_required
def new():
    form = DeskForm() if request.method == "POST" else DeskForm(data={
        "acknowledgement_days": 10, "answer_days": 30, "topics": [setup.ANY_TOPIC]})
    if form.validate_on_submit():
        try:
            desk = setup.create_desk(current_user, form.values(), form.topics.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("The desk “%(name)s” is set up. Add its officers below.", name=desk.name), "success")
            return redirect(url_for("desk_setup.desk", desk_id=desk.id))
    return form_page("desks/admin/form.html", form, desk=None)


def _desk_page(desk, officer_form=None, status=200):
    return render_template("desks/admin/show.html", desk=desk, officers=setup.officers_of(desk),
                           officer_form=officer_form or OfficerForm(), remove_form=RemoveOfficerForm()), status


@bp.get("/admin/desks/<int:desk_id>")
@admin_required
@loads(desk="manage")
def desk(desk):
    return _desk_page(desk)


@bp.route("/admin/desks/<int:desk_id>/edit", methods=["GET", "POST"])
@admin_required
@loads(desk="manage")
def edit(desk):
    if request.method == "GET":
        form = DeskForm(data={**{name: getattr(desk, name) for name in setup.FIELDS},
                              "topics": desk.topics, "version": str(desk.version)})
    else:
        form = DeskForm()
    edit = save_edit(
        form, lambda: setup.update_desk(current_user, desk, form.values(), form.topics.data, form.version.data),
        lambda: desk.version)
    if edit.saved:
        flash(_("Your changes have been saved."), "success")
        return redirect(url_for("desk_setup.desk", desk_id=desk.id))
    return form_page("desks/admin/form.html", form, desk=desk, conflict=edit.conflict)


def _set_active(desk, active: bool):
    setup.set_active(current_user, desk, active)
    flash(_("The desk “%(name)s” takes submissions again.", name=desk.name) if desk.active else
          _("The desk “%(name)s” is inactive: its submissions stay with it, and new ones go to the country's "
            "desk for every topic, or wait for an administrator.", name=desk.name), "success")
    return redirect(url_for("desk_setup.desk", desk_id=desk.id))


@bp.post("/admin/desks/<int:desk_id>/deactivate")
@admin_required
@loads(desk="manage")
def deactivate(desk):
    return _set_active(desk, False)


@bp.post("/admin/desks/<int:desk_id>/reactivate")
@admin_required
@loads(desk="manage")
def reactivate(desk):
    return _set_active(desk, True)


@bp.post("/admin/desks/<int:desk_id>/officers")
@admin_required
@loads(desk="manage")
def add_officer(desk):
    form = OfficerForm()
    if form.validate_on_submit():
        try:
            outcome = setup.invite_officer(current_user, desk, form.email.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("They are now an officer of this desk, and we have told them.") if outcome == "added" else
                  _("No account uses that address yet: we have emailed an invitation to register with it. They "
                    "join the desk when they open the link in it, within 14 days."), "success")
            return redirect(url_for("desk_setup.desk", desk_id=desk.id))
    return _desk_page(desk, officer_form=form, status=INVALID)


@bp.post("/admin/desks/<int:desk_id>/officers/remove")
@admin_required
@loads(desk="manage")
def remove_officer(desk):
    form = RemoveOfficerForm()
    chosen = form.user_id.data
    if not form.validate_on_submit() or chosen is None:
        flash(_("Choose an officer to remove."), "error")
        return redirect(url_for("desk_setup.desk", desk_id=desk.id))
    try:
        setup.remove_officer(current_user, desk, chosen)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("The officer has been removed from this desk."), "success")
    return redirect(url_for("desk_setup.desk", desk_id=desk.id))


# ---------------------------------------------------------------------------- unrouted submissions


@bp.get("/admin/desks/unrouted")
@admin_required
def unrouted():
    page = page_of(setup.unrouted(), setup.UNROUTED_ORDER)
    return render_template("desks/admin/unrouted.html", page=page, total=setup.unrouted_count())


@bp.post("/admin/desks/unrouted/<int:submission_id>/route")
@admin_required
@loads(submission="route")
def route(submission):
    try:
        desk = submissions.route_now(current_user, submission)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("%(reference)s has gone to the desk “%(desk)s”.", reference=submission.reference, desk=desk.name),
              "success")
    return redirect(url_for("desk_setup.unrouted"))


# ---------------------------------------------------------------------------- joining by invitation


@bp.route("/desks/join/<token>", methods=["GET", "POST"])
@login_required
@signed("token")
def join(token):
    try:
        desk, address = setup.invitation(token)
    except DomainError as error:
        return render_template("desks/admin/join.html", desk=None, problem=str(error)), 400
    if request.method == "POST":
        try:
            setup.join(current_user, token)
        except DomainError as error:
            return render_template("desks/admin/join.html", desk=desk, problem=str(error)), 400
        flash(_("You are now an officer of the desk “%(name)s”.", name=desk.name), "success")
        return redirect(url_for("dashboard.index"))
    problem = None if current_user.email == address else _(
        "This invitation is for another email address. Log in with the address it was sent to.")
    return render_template("desks/admin/join.html", desk=desk, problem=problem), 400 if problem else 200
