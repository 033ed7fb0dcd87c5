"""The officers' licence overview of their association: counts by status, and the licences
lapsing soonest."""

from flask import Blueprint, render_template

from diaspora.core.access import loads, login_required
from diaspora.core.pagination import page_of
from diaspora.core.time import today
from diaspora.licensure import overview
from diaspora.licensure.models import LICENCE_STATUS_LABELS
from diaspora.licensure.overview_rows import country_rows, lapsing_rows

bp = Blueprint("licence_overview", __name__)

LAPSING_SHOWN = 25


@bp.context_processor
def page_helpers() -> dict:
    return {"today": today(), "STATUS_LABELS": LICENCE_STATUS_LABELS, "STATUSES": overview.STATUSES,
            "lapsing_rows": lapsing_rows, "country_rows": country_rows}


@bp.get("/associations/<slug>/licences")
@login_required
@loads(association="manage")
def index(association):
    counts = overview.counts_of(association)
    page = page_of(overview.lapsing_soon(association), overview.SOONEST_FIRST, per_page=LAPSING_SHOWN, scalars=False)
    return render_template("licensure/overview.html", association=association, counts=counts, page=page)
