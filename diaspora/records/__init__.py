"""The record people can read: the audit trail of an association, a desk or the whole platform
(`core/audit_trail.py` holds the queries; this package the routes and the actions' plain
words), and the reports to hand on as PDF."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.core import jobs
    from diaspora.core.access import object_kind
    from diaspora.core.files import only_its_owner, owned_document
    from diaspora.records import labels, reports, views

    labels.register()
    app.register_blueprint(views.bp)
    object_kind("report_file", params=("file_id",), find=owned_document(reports.REPORT_FILENAME), actions={"view"},
                can=only_its_owner)
    jobs.register("records.render_association_report", reports.render_association_report_job, retries=2,
                  retry_delay=60)
