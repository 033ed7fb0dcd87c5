"""The officers' licence overview of their association, and the member's renewal pack."""

from flask import Blueprint, Response, render_template
from flask_login import current_user

from diaspora.core.access import loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.pagination import page_of
from diaspora.core.time import long_date, today
from diaspora.licensure import overview, renewal_pack
from diaspora.licensure.models import LICENCE_STATUS_LABELS, LICENCE_STATUS_TONES, LicenceStatus, status_on

bp = Blueprint("licence_overview", __name__)
pack_bp = Blueprint("renewal_pack", __name__)

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


@pack_bp.get("/licences/<int:licence_id>/renewal-pack.pdf")
@login_required
@loads(licence="change")
def download(licence):
    pdf = renewal_pack.renewal_pack_pdf(current_user, licence)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{renewal_pack.filename_of(licence)}"'})
