"""Licensure: the licences to practise members hold in their heritage countries, their CPD
against each regulator's cycle, reminders before expiry, a calendar feed and renewal packs;
the regulator catalogue and the WHO Support and Safeguards List, kept by admins."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.core import navigation
    from diaspora.core.i18n import _l
    from diaspora.licensure import personal_data, policy, views

    policy.declare_kinds()
    personal_data.register()
    app.register_blueprint(views.bp)
    navigation.add("licences.index", _l("Licensing"), who="member", order=27)
    from diaspora.licensure import (
        catalogue_views,
        overview_views,
        renewal_pack_views,
        safeguards,
        safeguards_views,
    )

    app.register_blueprint(catalogue_views.bp)
    app.register_blueprint(safeguards_views.bp)
    app.register_blueprint(overview_views.bp)
    app.register_blueprint(renewal_pack_views.bp)
    app.jinja_env.globals["safeguard_marker"] = safeguards.marker
    app.jinja_env.filters["safeguard_marker"] = safeguards.marker
    app.jinja_env.filters["marked_countries"] = safeguards.marked_countries
    from diaspora.licensure import team, units

    app.jinja_env.globals["mission_licence_panel"] = team.panel
    app.jinja_env.filters["cpd_amount"] = lambda value, unit: units.amount(unit, value)
    app.jinja_env.globals["cpd_requirement"] = units.requirement_of
    app.jinja_env.globals["cpd_conversion"] = units.conversion_of
    from diaspora.licensure import commands

    app.cli.add_command(commands.licences_cli)
    commands.register_jobs()
