"""The platform admins' pages of licensure: the regulator catalogue and the WHO Health Workforce
Support and Safeguards List (the public page that explains the list: safeguards_views.py)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.core.access import admin_required, loads
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field, save_edit
from diaspora.core.i18n import _
from diaspora.core.time import long_date
from diaspora.licensure import catalogue, reference, safeguards
from diaspora.licensure.admin_forms import RegulatorForm, SafeguardCountryForm

bp = Blueprint("catalogue", __name__)


@bp.context_processor
def page_helpers() -> dict:
    return {"long_date": long_date, "country_name": country_name, "WHO_REGIONS": catalogue.WHO_REGIONS,
            "SAFEGUARD_SOURCE": reference.SAFEGUARD_SOURCE}


# ---------------------------------------------------------------------------- regulators


@bp.get("/admin/regulators")
@admin_required
def regulators():
    return render_template("licensure/admin/regulators.html", groups=catalogue.regulators_by_country())


@bp.route("/admin/regulators/new", methods=["GET", "POST"])
@admin_required
def new_regulator():
    form = RegulatorForm()
    if form.validate_on_submit():
        try:
            regulator = catalogue.add_regulator(current_user, form.values())
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("%(name)s has been added to the catalogue.", name=regulator.name), "success")
            return redirect(url_for("catalogue.regulators", _anchor=f"regulator-{regulator.id}"))
    return form_page("licensure/admin/regulator_form.html", form, regulator=None)


@bp.route("/admin/regulators/<int:regulator_id>/edit", methods=["GET", "POST"])
@admin_required
@loads(regulator="manage")
def edit_regulator(regulator):
    saved = {name: getattr(regulator, name) for name in catalogue.REGULATOR_FIELDS}
    form = RegulatorForm(data={**saved, "version": str(regulator.version)}) if request.method == "GET" \
        else RegulatorForm()
    edit = save_edit(
        form, lambda: catalogue.update_regulator(current_user, regulator, form.values(), form.version.data),
        lambda: regulator.version)
    if edit.saved:
        flash(_("Your changes have been saved.") if edit.result else _("Nothing was changed."), "success")
        return redirect(url_for("catalogue.regulators", _anchor=f"regulator-{regulator.id}"))
    return form_page("licensure/admin/regulator_form.html", form, regulator=regulator, conflict=edit.conflict)


@bp.post("/admin/regulators/load")
@admin_required
def load_reference():
    regulators, countries = catalogue.load_reference(current_user)
    if regulators or countries:
        flash(_("Reference data loaded: %(regulators)d regulators and %(countries)d countries of the safeguards "
                "list added. Nothing you corrected was changed.", regulators=regulators, countries=countries),
              "success")
    else:
        flash(_("Nothing was missing: the catalogue already holds the reference data."), "success")
    return redirect(url_for("catalogue.regulators"))


# ---------------------------------------------------------------------------- the safeguards list


def _safeguards_page(form, status: int = 200):
    return render_template("licensure/admin/safeguards.html", form=form, listed=safeguards.countries()), status


@bp.get("/admin/safeguards")
@admin_required
def safeguards_admin():
    return _safeguards_page(SafeguardCountryForm(formdata=None))


@bp.post("/admin/safeguards")
@admin_required
def add_safeguard():
    form = SafeguardCountryForm()
    if form.validate_on_submit():
        try:
            row = safeguards.add_country(current_user, form.country.data, form.who_region.data, form.note.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("%(country)s has been added to the safeguards list.", country=country_name(row.country)),
                  "success")
            return redirect(url_for("catalogue.safeguards_admin"))
    return _safeguards_page(form, INVALID)


@bp.post("/admin/safeguards/<country>/remove")
@admin_required
@loads(safeguard_country="manage")
def remove_safeguard(safeguard_country):
    name = country_name(safeguard_country.country)
    safeguards.remove_country(current_user, safeguard_country)
    flash(_("%(country)s has been removed from the safeguards list.", country=name), "success")
    return redirect(url_for("catalogue.safeguards_admin"))
