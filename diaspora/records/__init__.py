"""The record people can read: the audit trail of an association, a desk or the whole platform
(`core/audit_trail.py` holds the queries; this package the routes and the actions' plain
words), and the reports to hand on as PDF."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.core import jobs
    from diaspora.core.access import object_kind
    from diaspora.records import labels, reports, views

    labels.register()
    app.register_blueprint(views.bp)
    object_kind("report_file", params=("file_id",), find=_report_file, actions={"view"},
                can=lambda user, action, stored: getattr(user, "is_authenticated", False)
                and stored.owner_id == user.id)
    jobs.register("records.render_association_report", reports.render_association_report_job, retries=2,
                  retry_delay=60)


def _report_file(file_id: int):
    from diaspora.core.models import StoredFile
    from diaspora.extensions import db
    from diaspora.records.reports import REPORT_FILENAME

    found = db.session.get(StoredFile, file_id)
    return found if found is not None and found.filename == REPORT_FILENAME else None
