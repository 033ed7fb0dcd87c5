"""The engagement dashboard of a desk's country, for the desk's officers, and each of its
tables as CSV. Every count is disclosure-controlled (desks/disclosure.py) before it is shown;
contributions are shown for a calendar year, a quarter or a month (desks/engagement/periods.py)."""

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from diaspora.contributions.impact.impact import month_label
from diaspora.core.access import loads, login_required, plain
from diaspora.core.countries import country_name
from diaspora.core.errors import render_error
from diaspora.core.i18n import current_locale
from diaspora.core.time import today
from diaspora.desks.engagement import cards, engagement, periods
from diaspora.desks.engagement.periods import ReportingPeriod

bp = Blueprint("engagement", __name__)


@bp.get("/desks/<int:desk_id>/dashboard")
@login_required
@loads(desk="work")
def dashboard(desk):
    this_month = today().replace(day=1)
    period, problems = ReportingPeriod.from_args(request.args, this_month)
    board = engagement.dashboard_of(desk, period)
    years, parts = periods.options(this_month, min([*board.years, period.year]))
    return render_template("desks/dashboard.html", desk=desk, problems=problems, board=board,
                           engagement=engagement, cards=cards, years=years, parts=parts, month_label=month_label,
                           country_name=country_name)


@bp.get("/desks/<int:desk_id>/dashboard/<table>.csv")
@login_required
@loads(desk="work")
@plain("table")
def export(desk, table):
    if table not in engagement.TABLES:
        abort(404)
    period, problems = ReportingPeriod.from_args(request.args, today().replace(day=1))
    if problems:  # a file cannot carry the sentence the page would show beside it
        return render_error(400, " ".join(str(problem) for problem in problems))
    found = engagement.dashboard_of(desk, period).tables().get(table)
    if found is None:
        abort(404)
    filename = f"{desk.country.lower()}-{table}"
    if table.startswith("contributions-"):
        filename += f"-{period.key.lower()}"
    return Response(stream_with_context(engagement.csv_of(found, current_locale())), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
