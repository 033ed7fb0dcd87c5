"""An association's impact dashboard, for its officers: what its members' verified
contributions add up to, over a range of months, and as CSV."""

from flask import Blueprint, Response, render_template, request, stream_with_context

from diaspora.contributions.impact import charts, impact, tables
from diaspora.core.access import loads, login_required
from diaspora.core.i18n import current_locale

bp = Blueprint("impact", __name__)


@bp.get("/associations/<slug>/impact")
@login_required
@loads(association="manage")
def index(association):
    period, problems = impact.Period.from_args(request.args)
    return render_template("contributions/impact.html", association=association, problems=problems,
                           impact=impact.impact_of(association.id, period), charts=charts, tables=tables,
                           month_label=impact.month_label)


@bp.get("/associations/<slug>/impact.csv")
@login_required
@loads(association="manage")
def export(association):
    period, _problems = impact.Period.from_args(request.args)
    rows = impact.csv_rows(association.id, period, current_locale())
    filename = f"impact-{association.slug}-{period.first:%Y-%m}-{period.last:%Y-%m}.csv"
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
