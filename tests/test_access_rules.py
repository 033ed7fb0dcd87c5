"""Deny by default: every route declares who may call it, and the declaration holds."""

import re

import pytest
from werkzeug.routing import IntegerConverter

from diaspora import create_app
from diaspora.core.access import declared_rule
from tests.conftest import app_config
from tests.factories import UserFactory


def _login_routes():
    app = create_app({"TESTING": True, "SECRET_KEY": "routes", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for rule in app.url_map.iter_rules():
        if declared_rule(app.view_functions.get(rule.endpoint)) in ("login", "admin"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule


def _sample_value(rule, name):
    return 1 if isinstance(rule._converters[name], IntegerConverter) else "x"


LOGIN_REQUIRED_PAGES = [
    (method, rule.rule, {name: _sample_value(rule, name) for name in rule.arguments})
    for method, rule in _login_routes()
]


def test_every_route_declares_an_access_rule(app):
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and declared_rule(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_a_view_without_a_rule_is_refused(database_url, smtp_server):
    fresh = create_app(app_config(database_url, smtp_server))

    @fresh.get("/forgot-to-declare")
    def forgot_to_declare():
        return "secret"

    response = fresh.test_client().get("/forgot-to-declare")
    assert response.status_code == 403
    assert b"secret" not in response.data


@pytest.mark.parametrize(("method", "template", "values"), LOGIN_REQUIRED_PAGES,
                         ids=[f"{m} {t}" for m, t, _ in LOGIN_REQUIRED_PAGES])
def test_visitors_are_sent_to_log_in(client, app, method, template, values):
    """Every route that needs a login, found from the routes themselves."""
    path = template
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    path = re.sub(r"<any\(([^),]+)[^)]*\):\w+>", r"\1", path)  # an <any(...)> takes its first choice
    app.config["WTF_CSRF_ENABLED"] = False  # reach the access check, not the CSRF check
    try:
        response = client.open(path, method=method)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 302, path
    assert response.headers["Location"].startswith("/login?next=")


def test_a_user_is_refused_once_deactivated(client, login, db):
    user = UserFactory()
    login(user)
    user.active = False
    db.session.commit()
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
