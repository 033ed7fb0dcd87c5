"""Accounts: register, log in (with a second factor, auth/two_factor.py), passwords, email
changes, the whole account's data."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.auth import commands, services, two_factor, two_factor_views, views
    from diaspora.core.i18n import _l
    from diaspora.extensions import login_manager

    app.register_blueprint(views.bp)
    app.before_request(two_factor_views.require_second_factor)
    app.cli.add_command(commands.users_cli)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    services.register_personal_data()
    two_factor.register_personal_data()
    from diaspora.core import navigation

    navigation.add("auth.login", _l("Log in"), who="visitor", order=90)
    navigation.add("auth.register", _l("Register"), who="visitor", order=91)
    navigation.add("auth.account", _l("Your account"), who="signed-in", order=80)
