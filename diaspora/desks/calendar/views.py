"""A desk's working-day calendar page (its officers and platform admins): the year's holidays,
where each comes from, and the forms that add a day, take a listed holiday off or undo a
change (desks/calendar/calendars.py)."""

from datetime import date

from babel.dates import format_date
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.core.access import loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, put_beside_field
from diaspora.core.i18n import _, current_locale
from diaspora.core.time import DATE_LOCALES, long_date
from diaspora.desks.calendar import calendars
from diaspora.desks.calendar.forms import AddDayForm, RemoveDayForm, UndoForm
from diaspora.desks.calendar.workdays import PACKAGE_VERSION
from diaspora.desks.policy import works_desk

bp = Blueprint("desk_calendar", __name__)


def weekday(day: date) -> str:
    return format_date(day, "EEEE", locale=DATE_LOCALES.get(current_locale(), "en_GB"))


def _year() -> int:
    year = calendars.year_asked(request.args.get("year"))
    if year is None:
        abort(404)
    return year


def _page(desk, year: int, *, add_form=None, remove_form=None, status: int = 200):
    return render_template(
        "desks/calendar.html", desk=desk, year=year, years=calendars.years_open(),
        holidays=calendars.holidays_of(desk, year), works_desk=works_desk(current_user, desk.id),
        add_form=add_form or AddDayForm(formdata=None, prefix="add"),
        remove_form=remove_form or RemoveDayForm(formdata=None, prefix="remove"),
        country_name=country_name, long_date=long_date, weekday=weekday, package_version=PACKAGE_VERSION), status


@bp.get("/desks/<int:desk_id>/calendar")
@login_required
@loads(desk="calendar")
def calendar(desk):
    return _page(desk, _year())


def _change(desk, form, form_name: str, change, done):
    """Validate, change, and go back to the changed day's year; else the page with the errors."""
    year = _year()
    if form.validate_on_submit():
        try:
            change(form)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(done(form), "success")
            return redirect(url_for("desk_calendar.calendar", desk_id=desk.id, year=form.day.data.year))
    return _page(desk, year, status=INVALID, **{form_name: form})


@bp.post("/desks/<int:desk_id>/calendar/add")
@login_required
@loads(desk="calendar")
def add_day(desk):
    return _change(desk, AddDayForm(prefix="add"), "add_form",
                   lambda form: calendars.add_day(current_user, desk, form.day.data, form.name.data, form.note.data),
                   lambda form: _("%(date)s is a day off at this desk now. Dates already given to submitters stay "
                                  "as they are.", date=long_date(form.day.data)))


@bp.post("/desks/<int:desk_id>/calendar/remove")
@login_required
@loads(desk="calendar")
def remove_day(desk):
    return _change(desk, RemoveDayForm(prefix="remove"), "remove_form",
                   lambda form: calendars.remove_day(current_user, desk, form.day.data, form.note.data),
                   lambda form: _("%(date)s is a working day at this desk now. Dates already given to submitters "
                                  "stay as they are.", date=long_date(form.day.data)))


@bp.post("/desks/<int:desk_id>/calendar/undo")
@login_required
@loads(desk="calendar")
def undo(desk):
    form = UndoForm()
    year = _year()
    try:
        day = date.fromisoformat((form.day.data or "").strip())
    except ValueError:
        day = None
    if not form.validate_on_submit() or day is None:
        flash(_("Choose a change of this desk to undo."), "error")
        return _page(desk, year, status=INVALID)
    try:
        calendars.undo(current_user, desk, day)
    except DomainError as error:
        flash(str(error), "error")
        return _page(desk, year, status=INVALID)
    flash(_("The change to %(date)s is undone: the day is as the list has it again.", date=long_date(day)),
          "success")
    return redirect(url_for("desk_calendar.calendar", desk_id=desk.id, year=day.year))
