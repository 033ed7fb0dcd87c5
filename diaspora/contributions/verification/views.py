"""An association's verification queue, for its officers."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from diaspora.contributions.logbook import logbook
from diaspora.contributions.verification import verification
from diaspora.contributions.verification.forms import BulkVerifyForm
from diaspora.core.access import loads, login_required
from diaspora.core.domain import DomainError
from diaspora.core.i18n import ngettext
from diaspora.core.pagination import page_of

bp = Blueprint("verification_queue", __name__)


@bp.get("/associations/<slug>/verification")
@login_required
@loads(association="manage")
def queue(association):
    page = page_of(verification.queue_of(association), verification.QUEUE_ORDER)
    # an officer's own contribution is listed, for another officer to verify: not theirs to tick
    pickable = {contribution.id for contribution in page.items if logbook.may_decide(current_user, contribution)}
    return render_template("contributions/queue.html", association=association, page=page, form=BulkVerifyForm(),
                           pickable=pickable)


@bp.post("/associations/<slug>/verification")
@login_required
@loads(association="manage")
def verify_chosen(association):
    form = BulkVerifyForm()
    if form.validate_on_submit():
        try:
            count = verification.verify_many(current_user, association, form.ids.data or [])
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(ngettext("%(num)d contribution verified. We have emailed its member.",
                           "%(num)d contributions verified. We have emailed their members.", count), "success")
    return redirect(url_for("verification_queue.queue", slug=association.slug))
