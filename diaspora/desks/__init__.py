"""Ministries of health's diaspora desks: structured input from members and associations,
routed to the right desk by country and topic, worked to an answer; MoUs, calls for support,
and the engagement dashboard of each desk's country."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.desks import personal_data, policy

    policy.declare_kinds()
    personal_data.register()
    from diaspora.core import navigation
    from diaspora.core.i18n import _l
    from diaspora.desks import submission_views

    app.register_blueprint(submission_views.bp)
    navigation.add("submissions.index", _l("Ministries"), who="member", order=35)
