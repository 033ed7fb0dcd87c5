"""A member's licences: the list with each one's status and CPD progress, adding and changing
them, CPD activities, the certificate, and whom they let see them."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.core.access import loads, login_required, public
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.files import send_stored
from diaspora.core.forms import form_page, put_beside_field, save_edit
from diaspora.core.i18n import _
from diaspora.core.links import absolute
from diaspora.core.time import long_date, today
from diaspora.extensions import db
from diaspora.licensure import feeds, licences
from diaspora.licensure.forms import CpdActivityForm, LicenceForm, regulator_choices
from diaspora.licensure.models import LICENCE_STATUS_LABELS, LICENCE_STATUS_TONES, LicenceFeed

bp = Blueprint("licences", __name__)


@bp.context_processor
def page_helpers() -> dict:
    return {"long_date": long_date, "country_name": country_name, "today": today(),
            "STATUS_LABELS": LICENCE_STATUS_LABELS, "STATUS_TONES": LICENCE_STATUS_TONES}


@bp.get("/licences")
@login_required
def index():
    held = licences.licences_of(current_user.id)
    return render_template("licensure/index.html", licences=held,
                           progress=licences.progress_of(current_user.id, held),
                           activities=licences.activities_of(current_user.id),
                           sharing=licences.sharing_of(current_user.id),
                           feed=db.session.get(LicenceFeed, current_user.id))


def _licence_form(**kwargs) -> LicenceForm:
    form = LicenceForm(**kwargs)
    form.regulator_id.choices = regulator_choices(licences.regulators())
    return form


@bp.route("/licences/new", methods=["GET", "POST"])
@login_required
def new():
    form = _licence_form()
    if form.validate_on_submit():
        try:
            licence = licences.add_licence(current_user, form.values(), form.certificate.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("Your licence with %(regulator)s has been added.", regulator=licence.regulator.short_name),
                  "success")
            return redirect(url_for("licences.show", licence_id=licence.id))
    return form_page("licensure/form.html", form, licence=None)


@bp.get("/licences/<int:licence_id>")
@login_required
@loads(licence="view")
def show(licence):
    progress = licences.progress_of(licence.user_id, [licence])[licence.id]
    return render_template("licensure/show.html", licence=licence, progress=progress,
                           own=licence.user_id == current_user.id)


@bp.route("/licences/<int:licence_id>/edit", methods=["GET", "POST"])
@login_required
@loads(licence="change")
def edit(licence):
    saved = {name: getattr(licence, name) for name in licences.LICENCE_FIELDS}
    form = _licence_form(data={**saved, "version": str(licence.version)}) if request.method == "GET" \
        else _licence_form()
    edit = save_edit(
        form, lambda: licences.update_licence(current_user, licence, form.values(), form.version.data,
                                              form.certificate.data),
        lambda: licence.version)
    if edit.saved:
        flash(_("Your changes have been saved."), "success")
        return redirect(url_for("licences.show", licence_id=licence.id))
    return form_page("licensure/form.html", form, licence=licence, conflict=edit.conflict)


@bp.post("/licences/<int:licence_id>/delete")
@login_required
@loads(licence="change")
def delete(licence):
    licences.delete_licence(current_user, licence)
    flash(_("The licence has been removed."), "success")
    return redirect(url_for("licences.index"))


@bp.get("/licences/<int:licence_id>/certificate")
@login_required
@loads(licence="view")
def certificate(licence):
    return send_stored(licences.certificate_of(licence))


# ---------------------------------------------------------------------------- CPD


@bp.route("/licences/cpd/new", methods=["GET", "POST"])
@login_required
def new_activity():
    form = CpdActivityForm()
    if form.validate_on_submit():
        try:
            licences.log_activity(current_user, title=form.title.data, provider=form.provider.data,
                                  completed_on=form.completed_on.data, hours=form.hours.data,
                                  amount=form.amount.data, unit=form.unit.data, evidence=form.evidence.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("The activity counts towards every licence whose cycle it falls in."), "success")
            return redirect(url_for("licences.index", _anchor="cpd"))
    return form_page("licensure/activity_form.html", form)


@bp.post("/licences/cpd/<int:activity_id>/delete")
@login_required
@loads(cpd_activity="change")
def delete_activity(cpd_activity):
    licences.delete_activity(current_user, cpd_activity)
    flash(_("The activity has been removed."), "success")
    return redirect(url_for("licences.index", _anchor="cpd"))


# ---------------------------------------------------------------------------- sharing


@bp.post("/licences/sharing")
@login_required
def sharing():
    chosen = set(request.form.getlist("shared"))
    choices = {association.id: str(association.id) in chosen
               for association, _shared in licences.sharing_of(current_user.id)}
    changed = licences.choose_sharing(current_user, choices)
    flash(_("Your choices have been saved and apply from now on.") if changed else _("Nothing was changed."),
          "success")
    return redirect(url_for("licences.index", _anchor="sharing"))


# ---------------------------------------------------------------------------- calendar feed


@bp.post("/licences/calendar")
@login_required
def make_feed():
    feeds.feed_of(current_user)
    flash(_("Your calendar address is ready: add it to your calendar app as a subscription."), "success")
    return redirect(url_for("licences.index", _anchor="calendar"))


@bp.post("/licences/calendar/renew")
@login_required
def renew_feed():
    feeds.renew(current_user)
    flash(_("Your calendar has a new address; the old one no longer works. Subscribe again with the new one."),
          "success")
    return redirect(url_for("licences.index", _anchor="calendar"))


@bp.get("/licences/calendar/<token>.ics")
@public
@loads(licence_feed="view")
def calendar(licence_feed):
    from flask import current_app

    body = feeds.calendar_of(licence_feed, domain=current_app.config["SERVER_NAME"] or "localhost",
                             licence_url=lambda licence: absolute("licences.show", licence_id=licence.id))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="licences.ics"', "Cache-Control": "private, max-age=3600"})
