"""The record people can read: the audit trail of an association, a desk or the whole platform
(`core/audit_trail.py` holds the queries; this package the routes and the actions' plain
words), and the reports to hand on as PDF."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.records import labels, views

    labels.register()
    app.register_blueprint(views.bp)
