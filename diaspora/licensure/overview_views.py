"""The officers' licence overview of their association: counts by status, and the licences
lapsing soonest."""

from flask import Blueprint, render_template

from diaspora.core.access import loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.pagination import page_of
from diaspora.core.time import long_date, today
from diaspora.licensure import overview
from diaspora.licensure.models import LICENCE_STATUS_LABELS, LICENCE_STATUS_TONES, LicenceStatus, status_on

bp = Blueprint("licence_overview", __name__)

LAPSING_SHOWN = 25


@bp.context_processor
def page_helpers() -> dict:
    return {"long_date": long_date, "country_name": country_name, "today": today(),
            "STATUS_LABELS": LICENCE_STATUS_LABELS, "STATUS_TONES": LICENCE_STATUS_TONES,
            "STATUSES": overview.STATUSES, "LicenceStatus": LicenceStatus, "status_on": status_on}


@bp.get("/associations/<slug>/licences")
@login_required
@loads(association="manage")
def index(association):
    counts = overview.counts_of(association)
    page = page_of(overview.lapsing_soon(association), overview.SOONEST_FIRST, per_page=LAPSING_SHOWN, scalars=False)
    return render_template("licensure/overview.html", association=association, counts=counts, page=page)
