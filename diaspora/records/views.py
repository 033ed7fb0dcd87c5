"""The records' routes: the audit trail of an association for its officers, a desk's for its officers,
every event for platform admins. Each as a page (filtered, keyset-paged) and as CSV.

Whose names each reads: an association's officers, the people in its events (its members,
applicants, invitees); a desk's officers, only their desk's officers (a submitter is named to a
desk only where they chose to be, on the submission itself); platform admins, who run the
platform and not its associations, account numbers."""

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask_login import current_user

from diaspora.core import audit_trail_views, jobs
from diaspora.core.access import admin_required, loads, login_required
from diaspora.core.audit_trail import Scope
from diaspora.core.i18n import _
from diaspora.desks.models import DeskOfficer
from diaspora.records import reports

bp = Blueprint("records", __name__)


@bp.get("/associations/<slug>/audit")
@login_required
@loads(association="manage")
def association(association):
    return audit_trail_views.page("associations/audit.html", Scope(association_id=association.id),
                                  "records.association", {"slug": association.slug}, association=association,
                                  heading=_("Audit trail"), eyebrow=association.name)


@bp.get("/associations/<slug>/audit.csv")
@login_required
@loads(association="manage")
def association_csv(association):
    return audit_trail_views.csv(Scope(association_id=association.id), f"audit-{association.slug}.csv")


def _desk_scope(desk) -> Scope:
    return Scope(desk_id=desk.id, named=sa.select(DeskOfficer.user_id).where(DeskOfficer.desk_id == desk.id))


@bp.get("/desks/<int:desk_id>/audit")
@login_required
@loads(desk="work")
def desk(desk):
    return audit_trail_views.page("desks/work/audit.html", _desk_scope(desk), "records.desk",
                                  {"desk_id": desk.id}, desk=desk, heading=_("Audit trail"), eyebrow=desk.name)


@bp.get("/desks/<int:desk_id>/audit.csv")
@login_required
@loads(desk="work")
def desk_csv(desk):
    return audit_trail_views.csv(_desk_scope(desk), f"audit-desk-{desk.id}.csv")


@bp.get("/admin/audit")
@admin_required
def everything():
    return audit_trail_views.page("core/audit_trail.html", Scope(numbers_only=True), "records.everything", {},
                                  heading=_("The platform's audit trail"), eyebrow=_("Platform admin"))


@bp.get("/admin/audit.csv")
@admin_required
def everything_csv():
    return audit_trail_views.csv(Scope(numbers_only=True), "audit-platform.csv")


# ---------------------------------------------------------------------------- reports as PDF


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/associations/<slug>/impact/report.pdf")
@login_required
@loads(association="manage")
def association_report(association):
    """At once for most years; a long one (over REPORT_INLINE_LIMIT missions and partnerships) is
    laid out by a job and its link mailed: no request lays out a long PDF."""
    year = reports.year_from(request.args)
    if reports.is_long(association, year, current_app.config["REPORT_INLINE_LIMIT"]):
        jobs.enqueue("records.render_association_report", current_user.id, association.id, year)
        flash(_("This report is long: we are preparing its PDF and will email you a link to it in a few "
                "minutes."), "success")
        return redirect(url_for("impact.index", slug=association.slug))
    return _pdf(reports.association_report_pdf(association, year), f"impact-{association.slug}-{year}.pdf")


@bp.get("/reports/<int:file_id>.pdf")
@login_required
@loads(report_file="view")
def report_file(report_file):
    """A long report's PDF, laid out by the job: the reader who asked for it, alone."""
    return _pdf(report_file.data, reports.REPORT_FILENAME)


@bp.get("/desks/<int:desk_id>/report.pdf")
@login_required
@loads(desk="work")
def desk_report(desk):
    quarter = reports.quarter_from(request.args)
    return _pdf(reports.desk_report_pdf(desk, quarter), f"desk-{desk.id}-{quarter}.pdf")
