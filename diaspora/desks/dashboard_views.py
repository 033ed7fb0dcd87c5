"""The engagement dashboard of a desk's country, for the desk's officers, and each of its
tables as CSV. Every count is disclosure-controlled (desks/disclosure.py) before it is shown."""

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from diaspora.contributions.impact import Period, month_label
from diaspora.core.access import loads, login_required, plain
from diaspora.core.countries import country_name
from diaspora.core.i18n import current_locale
from diaspora.desks import engagement

bp = Blueprint("engagement", __name__)


@bp.get("/desks/<int:desk_id>/dashboard")
@login_required
@loads(desk="work")
def dashboard(desk):
    period, problems = Period.from_args(request.args)
    return render_template("desks/dashboard.html", desk=desk, problems=problems,
                           board=engagement.dashboard_of(desk, period), engagement=engagement,
                           month_label=month_label, country_name=country_name)


@bp.get("/desks/<int:desk_id>/dashboard/<table>.csv")
@login_required
@loads(desk="work")
@plain("table")
def export(desk, table):
    if table not in engagement.TABLES:
        abort(404)
    period, _problems = Period.from_args(request.args)
    found = engagement.dashboard_of(desk, period).tables().get(table)
    if found is None:
        abort(404)
    filename = f"{desk.country.lower()}-{table}"
    if table.startswith("contributions-"):
        filename += f"-{period.first:%Y-%m}-{period.last:%Y-%m}"
    return Response(stream_with_context(engagement.csv_of(found, current_locale())), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
