"""The member's own pages: profile, credentials, availability, consents, memberships, and
their account's data (export, deletion). Every record is the member's own: another
member's answers 404."""

import json
from io import BytesIO

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, logout_user

from diaspora.core.access import login_required
from diaspora.core.countries import country_name
from diaspora.core.forms import INVALID, form_page, language_name, put_beside_field
from diaspora.core.time import long_date, today
from diaspora.extensions import db
from diaspora.members import policy, services
from diaspora.members.forms import (
    AvailabilityForm,
    ConfirmLeaveForm,
    CredentialForm,
    DeleteAccountForm,
    ProfileForm,
    consents_form,
    desk_field_name,
)
from diaspora.members.models import (
    AVAILABILITY_MODES,
    CREDENTIAL_KINDS,
    RETURN_HORIZONS,
    RETURN_INTERESTS,
    Availability,
    Credential,
)

bp = Blueprint("members", __name__)

MEMBERSHIPS_PER_PAGE = 20


@bp.context_processor
def page_helpers() -> dict:
    return {
        "long_date": long_date, "language_name": language_name, "country_name": country_name,
        "RETURN_INTERESTS": RETURN_INTERESTS, "RETURN_HORIZONS": RETURN_HORIZONS,
        "AVAILABILITY_MODES": AVAILABILITY_MODES, "CREDENTIAL_KINDS": CREDENTIAL_KINDS,
        "today": today(),
    }


# ---------------------------------------------------------------- profile


@bp.get("/profile")
@login_required
def profile():
    member_profile = services.load_profile(current_user)
    return render_template(
        "members/profile.html",
        profile=member_profile,
        lists=services.profile_lists(member_profile),
        credentials=services.credentials_of(current_user),
        periods=services.availability_of(current_user),
        consents=services.consents_of(current_user, member_profile),
    )


@bp.route("/profile/edit", methods=["GET", "POST"])
@login_required
def edit_profile():
    member_profile = services.load_profile(current_user)
    lists = services.profile_lists(member_profile)
    saved = {"version": str(member_profile.version if member_profile else 0), **lists}
    if member_profile is not None:
        saved.update({name: getattr(member_profile, name) for name in services.PROFILE_FIELDS})
    # Shown first: what is saved. Sent back: only what the person typed (and the version they saw).
    form = ProfileForm(data=saved) if request.method == "GET" else ProfileForm()
    conflict = None
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.values(), form.version.data)
        except services.ProfileChangedMeanwhile as error:
            conflict = str(error)
            form.version.data = saved["version"]  # saving again now means: keep what I typed
        except services.MemberError as error:
            put_beside_field(form, error)
        else:
            flash("Your profile has been saved.", "success")
            return redirect(url_for("members.profile"))
    return form_page("members/edit_profile.html", form, conflict=conflict, saved=member_profile,
                     saved_lists=lists, suggestions=services.skill_suggestions())


# ---------------------------------------------------------------- credentials


@bp.route("/profile/credentials/new", methods=["GET", "POST"])
@login_required
def add_credential():
    form = CredentialForm()
    if form.validate_on_submit():
        try:
            services.add_credential(current_user, kind=form.kind.data, title=form.title.data,
                                    awarding_body=form.awarding_body.data, year=form.year.data,
                                    evidence=form.evidence.data)
        except services.MemberError as error:
            put_beside_field(form, error)
        else:
            flash(f"“{form.title.data.strip()}” has been added to your profile.", "success")
            return redirect(url_for("members.profile", _anchor="credentials"))
    return form_page("members/credential_form.html", form)


@bp.post("/profile/credentials/<int:credential_id>/delete")
@login_required
def delete_credential(credential_id: int):
    credential = policy.own_or_404(current_user, db.session.get(Credential, credential_id))
    title = credential.title
    services.delete_credential(current_user, credential)
    flash(f"“{title}” has been removed from your profile.", "success")
    return redirect(url_for("members.profile", _anchor="credentials"))


@bp.get("/profile/credentials/<int:credential_id>/evidence")
@login_required
def credential_evidence(credential_id: int):
    stored = services.credential_evidence(current_user, credential_id)
    if stored is None:
        abort(404)
    response = send_file(BytesIO(stored.data), mimetype=stored.content_type, as_attachment=True,
                         download_name=stored.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- availability


@bp.route("/profile/availability/new", methods=["GET", "POST"])
@login_required
def add_availability():
    form = AvailabilityForm()
    if form.validate_on_submit():
        try:
            services.add_availability(current_user, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                      mode=form.mode.data, note=form.note.data)
        except services.MemberError as error:
            put_beside_field(form, error)
        else:
            flash("Your availability has been added.", "success")
            return redirect(url_for("members.profile", _anchor="availability"))
    return form_page("members/availability_form.html", form)


@bp.post("/profile/availability/<int:availability_id>/delete")
@login_required
def delete_availability(availability_id: int):
    period = policy.own_or_404(current_user, db.session.get(Availability, availability_id))
    services.delete_availability(current_user, period)
    flash("That period of availability has been removed.", "success")
    return redirect(url_for("members.profile", _anchor="availability"))


# ---------------------------------------------------------------- consents


@bp.route("/profile/consents", methods=["GET", "POST"])
@login_required
def consents():
    current = services.consents_of(current_user)
    initial = {"directory": current.directory}
    initial.update({desk_field_name(c): current.shares_with(c) for c in current.countries})
    form = consents_form(current.countries, data=initial if request.method == "GET" else None)
    if not form.validate_on_submit():
        return form_page("members/consents.html", form, consents=current)
    changes = services.change_consents(
        current_user,
        directory=form.directory.data,
        desks={c: form[desk_field_name(c)].data for c in current.countries},
    )
    flash("Your choices have been saved and apply from now on." if changes else "Nothing was changed.",
          "success")
    return redirect(url_for("members.consents"))


# ---------------------------------------------------------------- memberships


@bp.get("/memberships")
@login_required
def memberships():
    page = db.paginate(services.memberships_query(current_user), page=request.args.get("page", 1, type=int),
                       per_page=MEMBERSHIPS_PER_PAGE, error_out=False)
    return render_template("members/memberships.html", page=page)


@bp.route("/memberships/<int:membership_id>/leave", methods=["GET", "POST"])
@login_required
def leave_membership(membership_id: int):
    membership = services.load_own_membership(current_user, membership_id)
    form = ConfirmLeaveForm()
    if not form.validate_on_submit():
        return render_template("members/leave.html", membership=membership, form=form,
                               problem=services.leave_problem(current_user, membership)), (
            INVALID if form.is_submitted() else 200)
    name = membership.association.name
    try:
        services.leave_membership(current_user, membership)
    except services.MemberError as error:
        return render_template("members/leave.html", membership=membership, form=form,
                               problem=str(error)), 409
    flash(f"You have left {name}.", "success")
    return redirect(url_for("members.memberships"))


# ---------------------------------------------------------------- the whole account


@bp.get("/account/export")
@login_required
def export_data():
    data = services.export_data(current_user)
    filename = f"diaspora-health-data-{today().isoformat()}.json"
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "private, no-store"},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    problem = None
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.password.data)
        except services.MemberError as error:
            if not put_beside_field(form, error):
                problem = str(error)
        else:
            logout_user()
            flash("Your account has been deleted. We have sent a last email to confirm it.", "success")
            return redirect(url_for("core.home"))
    blockers = services.deletion_blockers(current_user)
    page, status = form_page("members/delete_account.html", form, problem=problem, blockers=blockers)
    return page, (409 if problem else status)
