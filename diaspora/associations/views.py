"""The association registry, public pages, joining and leaving, and answering invitations.
Thin: each view declares what it loads (`@loads`), parses a form, calls one service and
renders or redirects. The officers' pages are in officer_views.py."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from diaspora.associations import invitations, memberships, policy, registry
from diaspora.associations.forms import (
    AcceptInvitationForm,
    AssociationForm,
    AssociationSearchForm,
    ConfirmForm,
    DecisionForm,
    JoinForm,
)
from diaspora.associations.models import Membership
from diaspora.core.access import admin_required, loads, login_required, public, signed
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field
from diaspora.core.i18n import _
from diaspora.core.pagination import page_of

bp = Blueprint("associations", __name__)

ASSOCIATION_FIELDS = ("name", "host_country", "heritage_countries", "description", "website", "contact_email")


def association_values(form) -> dict:
    return {name: getattr(form, name).data for name in ASSOCIATION_FIELDS}


# ---------------------------------------------------------------------------- the registry


@bp.get("/associations")
@public
def index():
    search = AssociationSearchForm(request.args)
    valid = search.validate()
    query = registry.approved_associations(
        name=search.q.data if valid else None,
        host=search.host.data if valid else None,
        heritage=search.heritage.data if valid else None,
    )
    filters = {key: value for key, value in request.args.items() if key in search._fields and value}
    return render_template("associations/index.html", search=search, filters=filters,
                           page=page_of(query, registry.BY_NAME))


@bp.route("/associations/new", methods=["GET", "POST"])
@login_required
def apply():
    form = AssociationForm()
    if not form.validate_on_submit():
        return form_page("associations/apply.html", form)
    try:
        association = registry.apply(current_user, **association_values(form))
    except DomainError as error:
        put_beside_field(form, error)
        return form_page("associations/apply.html", form)
    return redirect(url_for("associations.applied", slug=association.slug))


@bp.get("/associations/<slug>/applied")
@login_required
@loads(association="view")
def applied(association):
    return render_template("associations/applied.html", association=association)


@bp.get("/admin/associations")
@admin_required
def review_list():
    from diaspora.core.pagination import paginate

    waiting = paginate(registry.waiting_for_review(), registry.WAITING_ORDER, per_page=registry.WAITING_SHOWN)
    return render_template("associations/review_list.html", waiting=waiting,
                           page=page_of(registry.decided(), registry.DECIDED_ORDER))


@bp.get("/admin/associations/<slug>")
@admin_required
@loads(association="decide")
def review(association):
    return _review_page(association, DecisionForm(formdata=None))


def _review_page(association, reject_form, status: int = 200):
    return render_template("associations/review.html", association=association,
                           reject_form=reject_form), status


@bp.post("/admin/associations/<slug>/approve")
@admin_required
@loads(association="decide")
def approve(association):
    try:
        registry.approve(association, current_user)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("associations.review", slug=association.slug))
    flash(_("%(name)s is approved. Its applicant is now its first officer.", name=association.name), "success")
    return redirect(url_for("associations.review_list"))


@bp.post("/admin/associations/<slug>/reject")
@admin_required
@loads(association="decide")
def reject(association):
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            registry.reject(association, current_user, form.reason.data)
        except DomainError as error:
            flash(str(error), "error")
            return redirect(url_for("associations.review", slug=association.slug))
        flash(_("%(name)s is rejected. Its applicant has been told why.", name=association.name), "success")
        return redirect(url_for("associations.review_list"))
    return _review_page(association, form, INVALID)


# ---------------------------------------------------------------------------- an association's page


@bp.get("/associations/<slug>")
@public
@loads(association="view")
def show(association):
    from diaspora.associations import counts

    return render_template(
        "associations/show.html",
        association=association,
        member_count=counts.active_members(association),
        types=registry.types_of(association, only_active=True),
        mine=policy.membership_of(current_user, association),
        can_manage=policy.can(current_user, "manage", association) if current_user.is_authenticated else False,
    )


@bp.route("/associations/<slug>/join", methods=["GET", "POST"])
@login_required
@loads(association="join")
def join(association):
    mine = policy.membership_of(current_user, association)
    form = JoinForm(types=registry.types_of(association, only_active=True))
    if not form.validate_on_submit():
        return form_page("associations/join.html", form, association=association, mine=mine)
    try:
        membership = memberships.join(current_user, association, form.types[form.membership_type.data])
    except DomainError as error:
        put_beside_field(form, error)
        return form_page("associations/join.html", form, association=association, mine=mine)
    if membership.status == Membership.ACTIVE:
        flash(_("Welcome: you are now a member of %(name)s.", name=association.name), "success")
    else:
        flash(_("Thank you: your application to join %(name)s is sent. Its officers will email you when "
                "they have decided.", name=association.name), "success")
    return redirect(url_for("associations.show", slug=association.slug))


# ---------------------------------------------------------------------------- your memberships


@bp.get("/memberships")
@login_required
def my_memberships():
    from sqlalchemy.orm import selectinload

    from diaspora.core.pagination import Ordering, SortKey

    query = (policy.memberships_of(current_user).order_by(None)
             .options(selectinload(Membership.membership_type)))
    ordering = Ordering([SortKey(Membership.id, lambda m: m.id, kind=int)])
    return render_template("associations/my_memberships.html", page=page_of(query, ordering))


@bp.route("/memberships/<int:membership_id>/leave", methods=["GET", "POST"])
@login_required
@loads(membership="leave")
def leave(membership):
    form = ConfirmForm()
    if not form.validate_on_submit():
        problem = memberships.leave_problem(current_user, membership)
        return render_template("associations/leave.html", membership=membership, form=form,
                               problem=problem), INVALID if form.is_submitted() else 200
    name = membership.association.name
    try:
        memberships.leave(membership, current_user)
    except DomainError as error:
        return render_template("associations/leave.html", membership=membership, form=form,
                               problem=str(error)), 409
    flash(_("You have left %(name)s.", name=name), "success")
    return redirect(url_for("associations.my_memberships"))


# ---------------------------------------------------------------------------- invitations


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@signed("token")
def accept_invitation(token: str):
    try:
        invitation = invitations.load_invitation(token)
    except invitations.InvalidInvitation:
        return render_template("associations/invitation_invalid.html"), 400
    account = invitations.invited_account(invitation)
    context = {"invitation": invitation, "association": invitation.association, "account": account,
               "confirm_form": ConfirmForm()}
    if account is None:
        return _accept_with_new_account(invitation, context)
    if not current_user.is_authenticated:
        flash(_("Log in as %(email)s to answer the invitation.", email=invitation.email), "info")
        return redirect(url_for("auth.login", email=invitation.email, next=request.path))
    if current_user.id != account.id:
        return render_template("associations/invitation.html", wrong_account=True, **context), 403
    if request.method == "POST":
        return _answer(invitation, context)
    return render_template("associations/invitation.html", **context)


def _answer(invitation, context):
    form = context["confirm_form"]
    if not form.validate_on_submit():
        return render_template("associations/invitation.html", **context), INVALID
    try:
        if request.form.get("answer") == "decline":
            invitations.decline(invitation, current_user)
            flash(_("You have declined the invitation to join %(name)s.", name=invitation.association.name),
                  "success")
            return redirect(url_for("dashboard.index"))
        invitations.accept(invitation, current_user)
    except invitations.InvalidInvitation:
        return render_template("associations/invitation_invalid.html"), 400
    except DomainError as error:
        return render_template("associations/invitation.html", problem=str(error), **context), INVALID
    flash(_("Welcome: you are now a member of %(name)s.", name=invitation.association.name), "success")
    return redirect(url_for("associations.show", slug=invitation.association.slug))


def _accept_with_new_account(invitation, context):
    if current_user.is_authenticated:  # someone else's session: do not sign them up over it
        return render_template("associations/invitation.html", wrong_account=True, **context), 403
    if request.method == "POST" and request.form.get("answer") == "decline":
        return _answer_decline_anonymously(invitation, context)
    form = AcceptInvitationForm(email=invitation.email, name=invitation.name)
    if not form.validate_on_submit():
        return form_page("associations/invitation.html", form, **context)
    try:
        user = invitations.accept_with_new_account(invitation, name=form.name.data, password=form.password.data)
    except invitations.InvalidInvitation:
        return render_template("associations/invitation_invalid.html"), 400
    except DomainError as error:
        put_beside_field(form, error)
        return form_page("associations/invitation.html", form, **context)
    login_user(user)
    flash(_("Welcome: your account is ready and you are now a member of %(name)s.",
            name=invitation.association.name), "success")
    return redirect(url_for("associations.show", slug=invitation.association.slug))


def _answer_decline_anonymously(invitation, context):
    if not context["confirm_form"].validate_on_submit():
        return render_template("associations/invitation.html", **context), INVALID
    try:
        invitations.decline(invitation, None)
    except invitations.InvalidInvitation:
        return render_template("associations/invitation_invalid.html"), 400
    flash(_("You have declined the invitation to join %(name)s.", name=invitation.association.name), "success")
    return redirect(url_for("core.home"))
