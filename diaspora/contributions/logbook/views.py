"""A member's contributions: the portfolio, logging and changing, sending for verification,
evidence, sharing; and the officers' decisions on them. Every contribution in a URL is
loaded through its kind (contributions/policy.py)."""

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from diaspora.contributions.impact import charts
from diaspora.contributions.logbook import logbook, portfolio
from diaspora.contributions.logbook.forms import (
    ContributionForm,
    ReturnForm,
    SharingForm,
    SubmitForm,
    WithdrawVerificationForm,
    region_choices,
)
from diaspora.contributions.models import CONTRIBUTION_STATES, KINDS, SHAREABLE_FIELDS, Contribution
from diaspora.contributions.verification import verification
from diaspora.core.access import allowed, loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.files import send_stored
from diaspora.core.forms import INVALID, form_page, put_beside_field, save_edit
from diaspora.core.i18n import _, current_locale
from diaspora.core.pagination import page_of
from diaspora.core.time import long_date

bp = Blueprint("contributions", __name__)


@bp.context_processor
def page_helpers() -> dict:
    return {"CONTRIBUTION_STATES": CONTRIBUTION_STATES, "KINDS": KINDS, "SHAREABLE_FIELDS": SHAREABLE_FIELDS,
            "long_date": long_date, "country_name": country_name, "charts": charts}


# ---------------------------------------------------------------------------- portfolio


@bp.get("/contributions")
@login_required
def index():
    filters = portfolio.Filters.from_args(request.args)
    page = page_of(portfolio.for_listing(portfolio.contributions_of(current_user.id, filters)), portfolio.NEWEST_FIRST)
    totals, verified = portfolio.both_totals(current_user.id, filters)
    return render_template("contributions/index.html", page=page, filters=filters,
                           totals=totals, verified=verified)


@bp.get("/contributions/portfolio.csv")
@login_required
def export_csv():
    filters = portfolio.Filters.from_args(request.args)
    rows = portfolio.csv_rows(current_user.id, filters, current_locale())
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="portfolio.csv"'})


# ---------------------------------------------------------------------------- logging


def _regions(form: ContributionForm) -> None:
    heritage = [row.country for row in getattr(getattr(current_user, "profile", None), "heritage", [])]
    form.region.choices = region_choices([form.country.data or "", *heritage])


@bp.route("/contributions/new", methods=["GET", "POST"])
@login_required
def new():
    form = ContributionForm()
    _regions(form)
    if form.validate_on_submit():
        try:
            contribution = logbook.log(current_user, form.values(), request.files.getlist(form.evidence.name))
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("“%(title)s” is saved as a draft. Send it for verification when it is ready.",
                    title=contribution.title), "success")
            return redirect(url_for("contributions.show", contribution_id=contribution.id))
    return form_page("contributions/form.html", form, contribution=None)


@bp.route("/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
@login_required
@loads(contribution="change")
def edit(contribution):
    if not contribution.allows("edit"):
        flash(str(CONTRIBUTION_STATES.action("edit").refusal), "error")
        return redirect(url_for("contributions.show", contribution_id=contribution.id))
    saved = {name: getattr(contribution, name) for name in logbook.FIELDS}
    form = ContributionForm(data={**saved, "version": str(contribution.version)}) if request.method == "GET" \
        else ContributionForm()
    _regions(form)
    edit = save_edit(
        form, lambda: logbook.update(current_user, contribution, form.values(), form.version.data,
                                     request.files.getlist(form.evidence.name)),
        lambda: contribution.version)
    if edit.saved:
        flash(_("Your changes have been saved."), "success")
        return redirect(url_for("contributions.show", contribution_id=contribution.id))
    return form_page("contributions/form.html", form, contribution=contribution, conflict=edit.conflict)


@bp.get("/contributions/<int:contribution_id>")
@login_required
@loads(contribution="view")
def show(contribution):
    return _contribution_page(contribution)


def _contribution_page(contribution: Contribution, withdraw_form=None, status: int = 200):
    contribution = logbook.contribution_with_evidence(contribution.id)
    own = contribution.user_id == current_user.id
    submit_form = SubmitForm(data={"version": str(contribution.version)})
    submit_form.association_id.choices = [(a.id, a.name) for a in logbook.associations_to_verify(current_user)] \
        if own else []
    return render_template(
        "contributions/show.html", contribution=contribution, own=own, submit_form=submit_form,
        return_form=ReturnForm(), withdraw_form=withdraw_form or WithdrawVerificationForm(),
        sharing_form=SharingForm(data={"fields": [name for name in SHAREABLE_FIELDS if contribution.shares(name)]}),
        may_verify=allowed(current_user, "contribution", "verify", contribution)), status


def _back(contribution: Contribution):
    return redirect(url_for("contributions.show", contribution_id=contribution.id))


def _act(contribution: Contribution, change, done: str):
    try:
        change()
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return _back(contribution)


@bp.post("/contributions/<int:contribution_id>/submit")
@login_required
@loads(contribution="change")
def submit(contribution):
    form = SubmitForm()
    form.association_id.choices = [(a.id, a.name) for a in logbook.associations_to_verify(current_user)]
    chosen = next((a for a in logbook.associations_to_verify(current_user) if a.id == form.association_id.data), None)
    if not form.validate_on_submit():
        flash(_("Choose one of your associations to verify it."), "error")
        return _back(contribution)
    return _act(contribution, lambda: logbook.submit(current_user, contribution, chosen, form.version.data),
                _("Sent to %(association)s for verification. We will email you when they have decided.",
                  association=chosen.name if chosen else ""))


@bp.post("/contributions/<int:contribution_id>/withdraw")
@login_required
@loads(contribution="change")
def withdraw(contribution):
    return _act(contribution, lambda: logbook.withdraw(current_user, contribution),
                _("Withdrawn. You can change it and send it again, or delete it."))


@bp.post("/contributions/<int:contribution_id>/reopen")
@login_required
@loads(contribution="change")
def reopen(contribution):
    return _act(contribution, lambda: logbook.reopen(current_user, contribution),
                _("It is a draft again, out of your verified totals, and its public link no longer works. "
                  "Change it, then send it for verification again."))


@bp.post("/contributions/<int:contribution_id>/delete")
@login_required
@loads(contribution="change")
def delete(contribution):
    title = contribution.title
    try:
        logbook.delete(current_user, contribution)
    except DomainError as error:
        flash(str(error), "error")
        return _back(contribution)
    flash(_("“%(title)s” has been deleted.", title=title), "success")
    return redirect(url_for("contributions.index"))


# ---------------------------------------------------------------------------- evidence


@bp.get("/contributions/<int:contribution_id>/evidence/<int:evidence_id>")
@login_required
@loads(contribution="view", contribution_evidence="view")
def evidence(contribution, contribution_evidence):
    return send_stored(logbook.evidence_file(contribution_evidence))


@bp.post("/contributions/<int:contribution_id>/evidence/<int:evidence_id>/delete")
@login_required
@loads(contribution="change", contribution_evidence="change")
def remove_evidence(contribution, contribution_evidence):
    return _act(contribution, lambda: logbook.remove_evidence(current_user, contribution, contribution_evidence),
                _("The file has been removed."))


# ---------------------------------------------------------------------------- sharing


@bp.post("/contributions/<int:contribution_id>/sharing")
@login_required
@loads(contribution="change")
def sharing(contribution):
    form = SharingForm()
    if not form.validate_on_submit():
        flash(_("Choose what the verification page may show."), "error")
        return _back(contribution)
    return _act(contribution, lambda: logbook.choose_shared(current_user, contribution, form.fields.data or []),
                _("Saved: the verification page shows what you chose."))


@bp.post("/contributions/<int:contribution_id>/link/revoke")
@login_required
@loads(contribution="change")
def revoke_link(contribution):
    return _act(contribution, lambda: logbook.revoke_link(current_user, contribution),
                _("The link is revoked: whoever opens it now reads that it was revoked."))


@bp.post("/contributions/<int:contribution_id>/link/renew")
@login_required
@loads(contribution="change")
def renew_link(contribution):
    return _act(contribution, lambda: logbook.renew_link(current_user, contribution),
                _("A new link is ready. The old one stays revoked."))


# ---------------------------------------------------------------------------- officers' decisions


@bp.post("/contributions/<int:contribution_id>/verify")
@login_required
@loads(contribution="verify")
def verify(contribution):
    association = contribution.association
    try:
        verification.verify(current_user, contribution)
    except DomainError as error:
        flash(str(error), "error")
        return _back(contribution)
    flash(_("“%(title)s” is verified. We have emailed %(name)s.", title=contribution.title,
            name=contribution.user.name), "success")
    return redirect(url_for("verification_queue.queue", slug=association.slug))


@bp.route("/contributions/<int:contribution_id>/return", methods=["GET", "POST"])
@login_required
@loads(contribution="verify")
def return_it(contribution):
    form = ReturnForm()
    if form.validate_on_submit():
        association = contribution.association
        try:
            verification.return_to_member(current_user, contribution, form.reason.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("Returned to %(name)s with your reason, by email.", name=contribution.user.name), "success")
            return redirect(url_for("verification_queue.queue", slug=association.slug))
    return form_page("contributions/return.html", form, contribution=contribution)


@bp.post("/contributions/<int:contribution_id>/verification/withdraw")
@login_required
@loads(contribution="verify")
def withdraw_verification(contribution):
    form = WithdrawVerificationForm()
    if form.validate_on_submit():
        try:
            verification.withdraw_verification(current_user, contribution, form.reason.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("The verification is withdrawn: “%(title)s” is back with its member, with your reason, by "
                    "email. Its public link and its credential no longer work.", title=contribution.title),
                  "success")
            return _back(contribution)
    return _contribution_page(contribution, withdraw_form=form, status=INVALID)
