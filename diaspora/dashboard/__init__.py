"""The page each role lands on after logging in: its workspace."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.dashboard import views, workspaces

    app.register_blueprint(views.bp)
    from diaspora.core import navigation
    from diaspora.core.i18n import _l

    navigation.add_workspaces(workspaces.of)
    navigation.add("dashboard.index", _l("Dashboard"), who="member", order=10)
