"""The association registry, joining, and the officers' pages. Thin: each view loads what it
needs through the policy, parses a form, calls one service and renders or redirects."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from diaspora.associations import policy, services
from diaspora.associations.forms import (
    AcceptInvitationForm,
    AssociationForm,
    AssociationSearchForm,
    DecisionForm,
    EditAssociationForm,
    InviteForm,
    JoinForm,
    MembershipTypeForm,
)
from diaspora.associations.models import Membership
from diaspora.associations.services import AssociationError
from diaspora.core.access import admin_required, login_required, public
from diaspora.core.forms import INVALID, form_page, put_beside_field
from diaspora.extensions import db

bp = Blueprint("associations", __name__)

ASSOCIATION_FIELDS = ("name", "host_country", "heritage_countries", "description", "website", "contact_email")


@bp.app_template_filter("membership_period")
def membership_period_filter(months) -> str:
    return services.period_words(months)


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


def _paginate(query):
    return db.paginate(query, page=_page_number(), per_page=current_app.config["PER_PAGE"], error_out=False)


def _association_values(form) -> dict:
    return {name: getattr(form, name).data for name in ASSOCIATION_FIELDS}


# ---------------------------------------------------------------------------- the registry


@bp.get("/associations")
@login_required
def index():
    search = AssociationSearchForm(request.args)
    valid = search.validate()
    query = services.approved_associations(
        name=search.q.data if valid else None,
        host=search.host.data if valid else None,
        heritage=search.heritage.data if valid else None,
    )
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("associations/index.html", search=search, page=_paginate(query), filters=filters)


@bp.route("/associations/new", methods=["GET", "POST"])
@login_required
def apply():
    form = AssociationForm()
    if not form.validate_on_submit():
        return form_page("associations/apply.html", form)
    try:
        association = services.apply(current_user, **_association_values(form))
    except AssociationError as error:
        put_beside_field(form, error)
        return form_page("associations/apply.html", form)
    return render_template("associations/applied.html", association=association)


@bp.get("/admin/associations")
@admin_required
def review_list():
    return render_template("associations/review_list.html", page=_paginate(services.review_queue()))


@bp.get("/admin/associations/<int:association_id>")
@admin_required
def review(association_id: int):
    association = policy.load_for_review(association_id, current_user)
    return _review_page(association, DecisionForm(formdata=None))


def _review_page(association, reject_form, status: int = 200):
    return render_template("associations/review.html", association=association,
                           reject_form=reject_form), status


@bp.post("/admin/associations/<int:association_id>/approve")
@admin_required
def approve(association_id: int):
    association = policy.load_for_review(association_id, current_user)
    try:
        services.approve(association, current_user)
    except AssociationError as error:
        flash(str(error), "error")
        return redirect(url_for("associations.review", association_id=association.id))
    flash(f"{association.name} is approved. Its applicant is now its first officer.", "success")
    return redirect(url_for("associations.review_list"))


@bp.post("/admin/associations/<int:association_id>/reject")
@admin_required
def reject(association_id: int):
    association = policy.load_for_review(association_id, current_user)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.reject(association, current_user, form.reason.data)
        except AssociationError as error:
            flash(str(error), "error")
            return redirect(url_for("associations.review", association_id=association.id))
        flash(f"{association.name} is rejected. Its applicant has been told why.", "success")
        return redirect(url_for("associations.review_list"))
    return _review_page(association, form, INVALID)


# ---------------------------------------------------------------------------- an association's page


@bp.get("/associations/<slug>")
@login_required
def show(slug: str):
    association = policy.load_association(slug, current_user, "view")
    return render_template(
        "associations/show.html",
        association=association,
        member_count=services.active_member_count(association),
        types=services.types_of(association, only_active=True),
        mine=policy.membership_of(current_user, association),
        can_manage=policy.can(current_user, "manage", association),
    )


@bp.route("/associations/<slug>/join", methods=["GET", "POST"])
@login_required
def join(slug: str):
    association = policy.load_association(slug, current_user, "join")
    mine = policy.membership_of(current_user, association)
    form = JoinForm(types=services.types_of(association, only_active=True))
    if not form.validate_on_submit():
        return form_page("associations/join.html", form, association=association, mine=mine)
    try:
        membership = services.join(current_user, association, form.types[form.membership_type.data])
    except AssociationError as error:
        put_beside_field(form, error)
        return form_page("associations/join.html", form, association=association, mine=mine)
    if membership.status == Membership.ACTIVE:
        flash(f"Welcome: you are now a member of {association.name}.", "success")
    else:
        flash(f"Thank you: your application to join {association.name} is sent. "
              "Its officers will email you when they have decided.", "success")
    return redirect(url_for("associations.show", slug=association.slug))


# ---------------------------------------------------------------------------- officers' pages


@bp.get("/associations/<slug>/manage")
@login_required
def manage(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    return render_template("associations/manage.html", association=association,
                           counts=services.membership_counts(association))


@bp.route("/associations/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    form = EditAssociationForm(obj=association, heritage_countries=association.heritage_countries)
    if not form.is_submitted():
        form.version.data = association.version
    if not form.validate_on_submit():
        return form_page("associations/edit.html", form, association=association)
    try:
        changed = services.update_details(association, current_user, version=form.version.data,
                                          **_association_values(form))
    except AssociationError as error:
        put_beside_field(form, error)
        conflict = error.field == "version"
        if conflict:  # they have now seen the saved details: saving again may overwrite them
            form.version.data = association.version
        return form_page("associations/edit.html", form, association=association, conflict=conflict)
    flash("The association's details are saved." if changed else "Nothing was changed.", "success")
    return redirect(url_for("associations.manage", slug=association.slug))


@bp.get("/associations/<slug>/types")
@login_required
def types(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    return render_template("associations/types.html", association=association,
                           types=services.types_of(association))


@bp.route("/associations/<slug>/types/new", methods=["GET", "POST"])
@login_required
def new_type(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    return _type_form(association, None)


@bp.route("/associations/<slug>/types/<int:type_id>/edit", methods=["GET", "POST"])
@login_required
def edit_type(slug: str, type_id: int):
    association = policy.load_association(slug, current_user, "manage")
    return _type_form(association, policy.load_membership_type(association, type_id))


def _type_form(association, membership_type):
    form = MembershipTypeForm(obj=membership_type)
    if membership_type is not None and not form.is_submitted():
        form.no_expiry.data = membership_type.period_months is None
    context = {"association": association, "membership_type": membership_type}
    if not form.validate_on_submit():
        return form_page("associations/type_form.html", form, **context)
    try:
        saved = services.save_type(
            association, membership_type, current_user, name=form.name.data,
            period_months=None if form.no_expiry.data else form.period_months.data,
            requires_approval=form.requires_approval.data, active=form.active.data,
        )
    except AssociationError as error:
        put_beside_field(form, error)
        return form_page("associations/type_form.html", form, **context)
    flash(f"The membership type “{saved.name}” is saved.", "success")
    return redirect(url_for("associations.types", slug=association.slug))


@bp.get("/associations/<slug>/applications")
@login_required
def applications(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    return render_template("associations/applications.html", association=association,
                           page=_paginate(services.applications_of(association)))


@bp.post("/associations/<slug>/applications/<int:membership_id>/approve")
@login_required
def approve_application(slug: str, membership_id: int):
    association = policy.load_association(slug, current_user, "manage")
    membership = policy.load_membership(association, membership_id)
    try:
        services.approve_application(membership, current_user)
    except AssociationError as error:
        flash(str(error), "error")
    else:
        flash(f"{membership.user.name} is now a member. We have emailed them.", "success")
    return redirect(url_for("associations.applications", slug=association.slug))


@bp.post("/associations/<slug>/applications/<int:membership_id>/reject")
@login_required
def reject_application(slug: str, membership_id: int):
    association = policy.load_association(slug, current_user, "manage")
    membership = policy.load_membership(association, membership_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.reject_application(membership, current_user, form.reason.data)
        except AssociationError as error:
            flash(str(error), "error")
            return redirect(url_for("associations.membership", slug=association.slug,
                                    membership_id=membership.id))
        flash(f"{membership.user.name}'s application is rejected. We have emailed them the reason.",
              "success")
        return redirect(url_for("associations.applications", slug=association.slug))
    return _membership_page(association, membership, reject_form=form, status=INVALID)


@bp.route("/associations/<slug>/invite", methods=["GET", "POST"])
@login_required
def invite(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    form = InviteForm(types=services.types_of(association, only_active=True))
    if not form.validate_on_submit():
        return form_page("associations/invite.html", form, association=association)
    membership_type = policy.load_membership_type(association, form.membership_type.data)
    try:
        services.invite(association, current_user, email=form.email.data, name=form.name.data,
                        membership_type=membership_type)
    except AssociationError as error:
        put_beside_field(form, error)
        return form_page("associations/invite.html", form, association=association)
    flash(f"We have emailed an invitation to {form.email.data}. The link works for "
          f"{services.INVITATION_DAYS} days.", "success")
    return redirect(url_for("associations.invite", slug=association.slug))


@bp.get("/associations/<slug>/members/<int:membership_id>")
@login_required
def membership(slug: str, membership_id: int):
    association = policy.load_association(slug, current_user, "manage")
    return _membership_page(association, policy.load_membership(association, membership_id))


def _membership_page(association, membership, reject_form=None, status: int = 200):
    return render_template(
        "associations/membership.html", association=association, membership=membership,
        reject_form=reject_form or DecisionForm(formdata=None),
    ), status


@bp.post("/associations/<slug>/members/<int:membership_id>/<any(promote,demote,suspend,reinstate,end,renew):action>")
@login_required
def membership_action(slug: str, membership_id: int, action: str):
    association = policy.load_association(slug, current_user, "manage")
    membership = policy.load_membership(association, membership_id)
    try:
        message = services.MEMBERSHIP_ACTIONS[action](membership, current_user)
    except AssociationError as error:
        flash(str(error), "error")
    else:
        flash(message, "success")
        if not policy.is_officer(current_user, association):  # an officer who stepped down
            return redirect(url_for("associations.show", slug=association.slug))
    return redirect(url_for("associations.membership", slug=association.slug, membership_id=membership.id))


# ---------------------------------------------------------------------------- invitations


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    try:
        invitation = services.load_invitation(token)
    except services.InvalidInvitation:
        return render_template("associations/invitation_invalid.html"), 400
    account = services.invited_account(invitation)
    context = {"invitation": invitation, "association": invitation.association, "account": account}
    if account is None:
        return _accept_with_new_account(invitation, context)
    if not current_user.is_authenticated:
        flash(f"Log in as {invitation.email} to accept the invitation.", "info")
        return redirect(url_for("auth.login", email=invitation.email, next=request.path))
    if current_user.id != account.id:
        return render_template("associations/invitation.html", wrong_account=True, **context), 403
    if request.method == "POST":
        try:
            services.accept_invitation(invitation, current_user)
        except services.InvalidInvitation:
            return render_template("associations/invitation_invalid.html"), 400
        except AssociationError as error:
            return render_template("associations/invitation.html", problem=str(error), **context), INVALID
        flash(f"Welcome: you are now a member of {invitation.association.name}.", "success")
        return redirect(url_for("associations.show", slug=invitation.association.slug))
    return render_template("associations/invitation.html", **context)


def _accept_with_new_account(invitation, context):
    if current_user.is_authenticated:  # someone else's session: do not sign them up over it
        return render_template("associations/invitation.html", wrong_account=True, **context), 403
    form = AcceptInvitationForm(email=invitation.email, name=invitation.name)
    if not form.validate_on_submit():
        return form_page("associations/invitation.html", form, **context)
    try:
        user = services.accept_invitation_with_new_account(invitation, name=form.name.data,
                                                           password=form.password.data)
    except services.InvalidInvitation:
        return render_template("associations/invitation_invalid.html"), 400
    except AssociationError as error:
        put_beside_field(form, error)
        return form_page("associations/invitation.html", form, **context)
    login_user(user)
    flash(f"Welcome: your account is ready and you are now a member of {invitation.association.name}.",
          "success")
    return redirect(url_for("associations.show", slug=invitation.association.slug))
