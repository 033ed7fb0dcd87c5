"""Diaspora Health Network: the application factory."""

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from diaspora import config as configuration
from diaspora.extensions import csrf, db, limiter, login_manager, mail, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_configuration(app, config or {})
    trust_proxies(app)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def load_configuration(app: Flask, overrides: dict) -> None:
    app.config.update(configuration.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(configuration.from_environment())
    app.config.update(overrides)
    if app.config["APP_ENV"] == "production" and not app.config.get("TESTING"):
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
        app.config.setdefault("REMEMBER_COOKIE_SECURE", True)
    configuration.ensure_secret_key(app.config, app.instance_path)


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


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)

    from diaspora import models  # noqa: F401  (every table registered on the metadata)


def register_blueprints(app: Flask) -> None:
    from diaspora.associations.directory_views import bp as directory_bp
    from diaspora.associations.views import bp as associations_bp
    from diaspora.auth.views import bp as auth_bp
    from diaspora.core.views import bp as core_bp
    from diaspora.dashboard.views import bp as dashboard_bp
    from diaspora.members.views import bp as members_bp

    for blueprint in (core_bp, auth_bp, dashboard_bp, members_bp, associations_bp, directory_bp):
        app.register_blueprint(blueprint)


def register_request_hooks(app: Flask) -> None:
    from diaspora.core import access, transaction

    app.before_request(access.enforce_declared_rule)
    app.after_request(transaction.commit_or_rollback)
    app.teardown_request(transaction.discard_on_error)


def register_errorhandlers(app: Flask) -> None:
    from diaspora.core.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from diaspora.core.commands import register

    register(app)
