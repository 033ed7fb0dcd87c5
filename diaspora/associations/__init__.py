"""Diaspora health associations: the registry, memberships, invitations, renewals, and the
roster (directory, CSV import and export)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.associations import policy

    policy.declare_kinds()
    from diaspora.associations import commands, officer_views, personal_data, registry, views  # noqa: F401
    from diaspora.associations.roster import views as roster_views

    personal_data.register()
    app.register_blueprint(views.bp)
    app.register_blueprint(roster_views.bp)
    app.cli.add_command(commands.memberships_cli)
    commands.register_jobs()
    app.jinja_env.filters["membership_period"] = registry.period_words
    from diaspora.core import navigation
    from diaspora.core.i18n import _l

    navigation.add("associations.my_memberships", _l("Memberships"), who="member", order=30)
    navigation.add("associations.index", _l("Associations"), who=("visitor", "desk", "admin"), order=40)
