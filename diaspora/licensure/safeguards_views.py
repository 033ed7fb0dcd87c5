"""The public page that explains the WHO Health Workforce Support and Safeguards List, and which
countries are on it."""

from flask import Blueprint, render_template

from diaspora.core.access import public
from diaspora.licensure import safeguards
from diaspora.licensure.catalogue_views import page_helpers

bp = Blueprint("safeguards", __name__)
bp.context_processor(page_helpers)


@bp.get("/safeguards")
@public
def explained():
    return render_template("licensure/safeguards.html", listed=safeguards.countries())
