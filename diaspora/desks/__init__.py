"""Ministries of health's diaspora desks: structured input from members and associations,
routed to the right desk by country and topic, worked to an answer; MoUs, calls for support,
and the engagement dashboard of each desk's country."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.desks import personal_data, policy

    policy.declare_kinds()
    personal_data.register()
    from diaspora.auth import two_factor

    two_factor.required_for("desk officers", policy.has_desk_place)
    from diaspora.core import navigation
    from diaspora.core.i18n import _l
    from diaspora.desks.submissions import views as submission_views

    app.register_blueprint(submission_views.bp)
    navigation.add("submissions.index", _l("Ministries"), who="member", order=35)
    from diaspora.desks.partners import calls
    from diaspora.desks.partners import views as partner_views
    from diaspora.desks.setup import views as setup_views

    app.register_blueprint(setup_views.bp)
    app.register_blueprint(partner_views.bp)
    app.add_template_global(calls.open_calls_for, "calls_panel")  # the dashboard card of open calls
    from diaspora.desks import commands as desk_commands
    from diaspora.desks.calendar import views as calendar_views
    from diaspora.desks.work import views as work_views

    app.register_blueprint(work_views.bp)
    app.register_blueprint(calendar_views.bp)
    app.cli.add_command(desk_commands.desks_cli)
    desk_commands.register_jobs()
    from diaspora.desks.engagement import engagement
    from diaspora.desks.engagement import views as engagement_views

    app.register_blueprint(engagement_views.bp)
    app.add_template_filter(engagement.disclosed, "disclosed")
