"""The officers' pages of an association: overview, details, membership types, applications,
a membership's page and the actions on it, and invitations. Every view loads the association
(and the membership or type in the URL) through its kind with the "manage" action."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from diaspora.associations import counts, invitations, memberships, policy, registry
from diaspora.associations.forms import DecisionForm, EditAssociationForm, InviteForm, MembershipTypeForm
from diaspora.associations.views import association_values, bp
from diaspora.core.access import loads, login_required, plain
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field, save_edit
from diaspora.core.i18n import _
from diaspora.core.pagination import page_of


@bp.get("/associations/<slug>/manage")
@login_required
@loads(association="manage")
def manage(association):
    return render_template("associations/manage.html", association=association, counts=counts.of(association))


@bp.route("/associations/<slug>/edit", methods=["GET", "POST"])
@login_required
@loads(association="manage")
def edit(association):
    form = EditAssociationForm(obj=association, heritage_countries=association.heritage_countries)
    if not form.is_submitted():
        form.version.data = association.version
    edit = save_edit(form, lambda: registry.update_details(association, current_user, version=form.version.data,
                                                           **association_values(form)),
                     lambda: association.version)
    if not edit.saved:
        return form_page("associations/edit.html", form, association=association, conflict=edit.conflict)
    flash(_("The association's details are saved.") if edit.result else _("Nothing was changed."), "success")
    return redirect(url_for("associations.manage", slug=association.slug))


@bp.get("/associations/<slug>/types")
@login_required
@loads(association="manage")
def types(association):
    return render_template("associations/types.html", association=association,
                           types=registry.types_of(association))


@bp.route("/associations/<slug>/types/new", methods=["GET", "POST"])
@login_required
@loads(association="manage")
def new_type(association):
    return _type_form(association, None)


@bp.route("/associations/<slug>/types/<int:type_id>/edit", methods=["GET", "POST"])
@login_required
@loads(association="manage", membership_type="manage")
def edit_type(association, membership_type):
    return _type_form(association, membership_type)


def _type_form(association, membership_type):
    form = MembershipTypeForm(obj=membership_type)
    if membership_type is not None and not form.is_submitted():
        form.no_expiry.data = membership_type.period_months is None
    context = {"association": association, "membership_type": membership_type}
    if not form.validate_on_submit():
        return form_page("associations/type_form.html", form, **context)
    try:
        saved = registry.save_type(
            association, membership_type, current_user, name=form.name.data,
            period_months=None if form.no_expiry.data else form.period_months.data,
            requires_approval=form.requires_approval.data, active=form.active.data,
        )
    except DomainError as error:
        put_beside_field(form, error)
        return form_page("associations/type_form.html", form, **context)
    flash(_("The membership type “%(name)s” is saved.", name=saved.name), "success")
    return redirect(url_for("associations.types", slug=association.slug))


@bp.get("/associations/<slug>/applications")
@login_required
@loads(association="manage")
def applications(association):
    return render_template("associations/applications.html", association=association,
                           page=page_of(memberships.applications_of(association), memberships.APPLICATIONS_ORDER))


@bp.post("/associations/<slug>/applications/<int:membership_id>/approve")
@login_required
@loads(association="manage", membership="manage")
def approve_application(association, membership):
    try:
        message = memberships.approve_application(membership, current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(message, "success")
    return redirect(url_for("associations.applications", slug=association.slug))


@bp.post("/associations/<slug>/applications/<int:membership_id>/reject")
@login_required
@loads(association="manage", membership="manage")
def reject_application(association, membership):
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            memberships.reject_application(membership, current_user, form.reason.data)
        except DomainError as error:
            flash(str(error), "error")
            return redirect(url_for("associations.membership", slug=association.slug, membership_id=membership.id))
        flash(_("%(name)s's application is rejected. We have emailed them the reason.",
                name=membership.user.name), "success")
        return redirect(url_for("associations.applications", slug=association.slug))
    return _membership_page(association, membership, reject_form=form, status=INVALID)


@bp.route("/associations/<slug>/invite", methods=["GET", "POST"])
@login_required
@loads(association="manage")
def invite(association):
    form = InviteForm(types=registry.types_of(association, only_active=True))
    if not form.validate_on_submit():
        return form_page("associations/invite.html", form, association=association)
    membership_type = next(t for t in form.types if t.id == form.membership_type.data)
    try:
        invitations.invite(association, current_user, email=form.email.data, name=form.name.data,
                           membership_type=membership_type)
    except DomainError as error:
        put_beside_field(form, error)
        return form_page("associations/invite.html", form, association=association)
    flash(_("We have emailed an invitation to %(email)s. The link works for %(days)d days.",
            email=form.email.data, days=invitations.INVITATION_DAYS), "success")
    return redirect(url_for("associations.invite", slug=association.slug))


@bp.get("/associations/<slug>/members/<int:membership_id>")
@login_required
@loads(association="manage", membership="manage")
def membership(association, membership):
    return _membership_page(association, membership)


def _membership_page(association, membership, reject_form=None, status: int = 200):
    return render_template(
        "associations/membership.html", association=association, membership=membership,
        reject_form=reject_form or DecisionForm(formdata=None),
    ), status


@bp.post("/associations/<slug>/members/<int:membership_id>/<any(promote,demote,suspend,reinstate,end,renew):action>")
@login_required
@loads(association="manage", membership="manage")
@plain("action")
def membership_action(association, membership, action: str):
    try:
        message = memberships.OFFICER_CHANGES[action](membership, current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(message, "success")
        if not policy.is_officer(current_user, association):  # an officer who stepped down
            return redirect(url_for("associations.show", slug=association.slug))
    return redirect(url_for("associations.membership", slug=association.slug, membership_id=membership.id))
