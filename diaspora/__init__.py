"""Diaspora Health Network: the application factory."""

import importlib
import logging
from pathlib import Path

from flask import Flask
from flask_limiter.util import get_qualified_name
from werkzeug.middleware.proxy_fix import ProxyFix

from diaspora import config as configuration
from diaspora.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Each domain is a package with an `init_app(app)` that registers its blueprints, object
# kinds, personal data, CLI commands and template filters. Order matters only for menus.
DOMAINS = ("auth", "members", "associations", "contributions", "licensure", "desks", "dashboard", "api",
           "webhooks", "records")


def create_app(config: dict | None = None) -> Flask:
    from diaspora.core.fast import DiasporaFlask

    app = DiasporaFlask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configuration.load(app, config or {})
    trust_proxies(app)
    configure_logging(app)
    register_extensions(app)
    from diaspora import core, demo
    from diaspora.core import access, web

    web.install(app)
    core.init_app(app)
    for name in DOMAINS:
        importlib.import_module(f"diaspora.{name}").init_app(app)
    demo.init_app(app)
    from diaspora.core import jobs, metrics

    jobs.init_app(app)
    metrics.init_app(app)
    access.check_routes(app)
    from diaspora.core.fast import install_template_url_for

    install_template_url_for(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client's address and scheme from their headers
    (the per-IP login limit needs the real address)."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(logging.INFO)


def _check_limits_only_where_declared(app: Flask) -> None:
    """Flask-Limiter checks every request, before its view, against app-wide limits, and
    afterwards adds its headers. We set no app-wide limit: each limited view carries
    `@limiter.limit`, whose wrapper checks it. Its hooks then run only around those views; on
    every other request they only cost (about a fifth of a bare request's time)."""
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    for hooks in (app.after_request_funcs[None], app.teardown_request_funcs[None]):
        for index, hook in enumerate(hooks):
            if getattr(hook, "__self__", None) is limiter or getattr(hook, "args", None) == (limiter,):
                hooks[index] = _around_limited_views(hook)


def _around_limited_views(hook):
    from flask.globals import _cv_request

    limited: list[set[str]] = []  # the endpoints whose view carries a limit, found at the first request

    def run_where_limited(argument):
        context = _cv_request.get()  # not through the proxies: this runs twice on every request
        if not limited:
            limited.append({endpoint for endpoint, view in context.app.view_functions.items()
                            if get_qualified_name(view) in limiter._marked_for_limiting})
        return hook(argument) if context.request.endpoint in limited[0] else argument

    return run_where_limited


def _check_csrf_on_changes(app: Flask) -> None:
    """Flask-WTF's own check runs on every request and looks up exemptions before it looks at
    the method: ours looks at the method first (a GET changes nothing, so it is not checked)."""
    from flask import request

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    methods = frozenset(app.config["WTF_CSRF_METHODS"])

    @app.before_request
    def check_csrf():
        if request.method in methods and app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)


def register_extensions(app: Flask) -> None:
    from diaspora.core.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    _check_csrf_on_changes(app)
    mail.init_app(app)
    limiter.init_app(app)
    _check_limits_only_where_declared(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PROJECT_ROOT / "diaspora" / "translations"))

    from diaspora import models  # noqa: F401  (every table registered on the metadata)
