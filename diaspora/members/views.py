"""The member's own pages: profile, credentials, availability and consents. Every record is
the member's own: the kinds `credential` and `availability` answer 404 for anyone else's."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.core.access import loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.files import send_stored
from diaspora.core.forms import form_page, language_name, put_beside_field, save_edit
from diaspora.core.i18n import _
from diaspora.core.time import long_date, today
from diaspora.members import consents as consent_rules
from diaspora.members import credentials, profiles
from diaspora.members.forms import (
    AvailabilityForm,
    CredentialForm,
    ProfileForm,
    consents_form,
    desk_field_name,
    registration_field_name,
)
from diaspora.members.models import AVAILABILITY_MODES, CREDENTIAL_KINDS, RETURN_HORIZONS, RETURN_INTERESTS

bp = Blueprint("members", __name__)


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
    member_profile = profiles.load_profile(current_user)
    return render_template(
        "members/profile.html",
        profile=member_profile,
        lists=profiles.profile_lists(member_profile),
        credentials=credentials.credentials_of(current_user),
        periods=credentials.availability_of(current_user),
        consents=consent_rules.consents_of(current_user, member_profile),
    )


@bp.route("/profile/edit", methods=["GET", "POST"])
@login_required
def edit_profile():
    member_profile = profiles.load_profile(current_user)
    lists = profiles.profile_lists(member_profile)
    saved = {"version": str(member_profile.version if member_profile else 0), **lists}
    if member_profile is not None:
        saved.update({name: getattr(member_profile, name) for name in profiles.PROFILE_FIELDS})
    # Shown first: what is saved. Sent back: only what the person typed (and the version they saw).
    form = ProfileForm(data=saved) if request.method == "GET" else ProfileForm()
    edit = save_edit(form, lambda: profiles.update_profile(current_user, form.values(), form.version.data),
                     lambda: saved["version"])
    if edit.saved:
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("members.profile"))
    return form_page("members/edit_profile.html", form, conflict=edit.conflict, saved=member_profile,
                     saved_lists=lists, suggestions=profiles.skill_suggestions())


# ---------------------------------------------------------------- credentials


@bp.route("/profile/credentials/new", methods=["GET", "POST"])
@login_required
def add_credential():
    form = CredentialForm()
    if form.validate_on_submit():
        try:
            credentials.add_credential(current_user, kind=form.kind.data, title=form.title.data,
                                       awarding_body=form.awarding_body.data, year=form.year.data,
                                       evidence=form.evidence.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("“%(title)s” has been added to your profile.", title=form.title.data.strip()), "success")
            return redirect(url_for("members.profile", _anchor="credentials"))
    return form_page("members/credential_form.html", form)


@bp.post("/profile/credentials/<int:credential_id>/delete")
@login_required
@loads(credential="change")
def delete_credential(credential):
    title = credential.title
    credentials.delete_credential(current_user, credential)
    flash(_("“%(title)s” has been removed from your profile.", title=title), "success")
    return redirect(url_for("members.profile", _anchor="credentials"))


@bp.get("/profile/credentials/<int:credential_id>/evidence")
@login_required
@loads(credential="view")
def credential_evidence(credential):
    return send_stored(credentials.evidence_of(credential))


# ---------------------------------------------------------------- availability


@bp.route("/profile/availability/new", methods=["GET", "POST"])
@login_required
def add_availability():
    form = AvailabilityForm()
    if form.validate_on_submit():
        try:
            credentials.add_availability(current_user, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                         mode=form.mode.data, note=form.note.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("Your availability has been added."), "success")
            return redirect(url_for("members.profile", _anchor="availability"))
    return form_page("members/availability_form.html", form)


@bp.post("/profile/availability/<int:availability_id>/delete")
@login_required
@loads(availability="change")
def delete_availability(availability):
    credentials.delete_availability(current_user, availability)
    flash(_("That period of availability has been removed."), "success")
    return redirect(url_for("members.profile", _anchor="availability"))


# ---------------------------------------------------------------- consents


@bp.route("/profile/consents", methods=["GET", "POST"])
@login_required
def consents():
    current = consent_rules.consents_of(current_user)
    initial = {"directory": current.directory}
    initial.update({desk_field_name(c): current.shares_with(c) for c in current.countries})
    initial.update({registration_field_name(c): current.shares_registration_with(c) for c in current.countries})
    form = consents_form(current.countries, data=initial if request.method == "GET" else None)
    if not form.validate_on_submit():
        return form_page("members/consents.html", form, consents=current)
    changes = consent_rules.change_consents(
        current_user,
        directory=form.directory.data,
        desks={c: form[desk_field_name(c)].data for c in current.countries},
        registration={c: form[registration_field_name(c)].data for c in current.countries},
    )
    flash(_("Your choices have been saved and apply from now on.") if changes else _("Nothing was changed."),
          "success")
    return redirect(url_for("members.consents"))
