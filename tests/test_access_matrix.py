"""The access matrix: every route of `app.url_map`, GET and POST (with a valid CSRF token), as
every role that is not one of tenant A's own people, against tenant A's objects; then as each of
tenant A's own people (insiders).

Nothing here lists routes by hand. A route names its objects by declaring the kind it loads
(`@loads(association="manage")`); the kind's sample (tests/<domain>/samples.py) puts one in each
tenant. For each request:

* no answer is a 5xx;
* nothing only tenant A's people may see (its members' names, addresses, profiles, evidence ...)
  appears in the page, whatever the route declares;
* unless the tests declare the kind's action open to outsiders (`open_to_outsiders`, in the
  domain's samples: viewing or joining an approved association ...), the answer is 404 or 403
  (or, for a visitor, the way to the login page): the expectation does not come from the
  policy under test;
* tenant A's data (its people's whole exported data, its association) is unchanged afterwards.

Then the insiders: the member who owns the object, another member, an applicant, an officer, the
officer on a record of their own (their own contribution, licence, membership: `@own_sample`) and
an officer of the tenant's desk. Each (kind, action) a route loads must say which of them may do
it (`insiders(...)` in the domain's samples; the route fails here without one). Whoever is not
named is answered 403 or 404 and changes nothing; whoever is named is never answered 403. So a
policy that lets any member manage the association, or an officer verify their own work, fails
here without anyone editing a test (`test_the_matrix_catches_an_insider_overreaching`).

`test_the_matrix_catches_a_leaking_route` adds a route that forgets its policy to a fresh app
and shows that the same check fails it.

API routes (`@token_required`) are requested the same way, with a bearer token instead of a
session: a personal token of each role above (with every scope), a service token of tenant B's
association and of tenant B's desk (outsiders), and of tenant A's association and desk (as its
officers, on the routes that take service tokens). Each insider who may is also tried with a
token that lacks the route's scope, and on a route that changes something with a read-only
token: both are answered 403 and change nothing. A session cookie without a token is answered
401 (`test_the_api_ignores_the_session_cookie` too)."""

from dataclasses import dataclass, field, replace

import pytest
import sqlalchemy as sa

from diaspora import create_app
from diaspora.api.models import ALL_SCOPES
from diaspora.associations.models import Association
from diaspora.core import access, memo, personal_data
from diaspora.core.access import loads, login_required
from diaspora.extensions import db
from tests import samples
from tests.api.support import READ_SCOPES, bearer, personal_token, service_token
from tests.conftest import IsolatedClient, app_config, csrf_token_from, log_in_session
from tests.samples import DESK_OFFICER, MEMBER, OFFICER, OWN_OFFICER
from tests.world import World, build_world

ROUTES_APP = create_app({"TESTING": True, "SECRET_KEY": "only-to-read-the-routes",
                         "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def route_cases(app) -> list[tuple[str, str, str]]:
    cases = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in access.ALWAYS_ALLOWED_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append((rule.endpoint, rule.rule, method))
    return sorted(cases, key=lambda case: (case[1], case[2]))


def _rule(app, endpoint: str, path: str):
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == path)


def _url(app, rule, params: dict[str, dict]) -> str:
    view = app.view_functions[rule.endpoint]
    values = {}
    for kind in getattr(view, "loads", {}):
        values.update(params[kind])
    for name in rule.arguments - set(values):
        if name in getattr(view, "signed_params", set()):
            values[name] = "not-a-real-token"
        else:
            converter = rule._converters[name]
            items = getattr(converter, "items", None)
            values[name] = sorted(items)[0] if items else "x"
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, method=next(iter(rule.methods - {"HEAD", "OPTIONS"})))


def _may(app, rule, user) -> bool:
    """What the tests expect, independently of the app's policies: someone who is not one of
    tenant A's people may do nothing to its objects but what is declared open to outsiders."""
    view = app.view_functions[rule.endpoint]
    if access.declared_rule(view) == "admin" and not (user is not None and user.is_admin):
        return False
    for kind, action in getattr(view, "loads", {}).items():
        who = samples.OPEN_TO_OUTSIDERS.get((kind, action))
        if who is None or not who(user):
            return False
    return True


def _insider_may(app, rule, role: str, user) -> bool:
    """What the tests expect of one of tenant A's own people: only what `insiders(...)` names for
    each (kind, action) the route loads (or what is open to anyone). The officer on their own
    record counts as the officer for a kind that has no record of theirs (an association)."""
    view = app.view_functions[rule.endpoint]
    if access.declared_rule(view) == "admin":
        return False
    for kind, action in getattr(view, "loads", {}).items():
        as_role = OFFICER if role == OWN_OFFICER and kind not in samples.OWN_SAMPLES else role
        open_to = samples.OPEN_TO_OUTSIDERS.get((kind, action))
        if as_role not in samples.INSIDERS[(kind, action)] and not (open_to and open_to(user)):
            return False
    return True


def _snapshot(world: World) -> tuple:
    """Tenant A as its people would export it, and its association."""
    db.session.expire_all()
    memo.clear()
    people = [personal_data.export_person(person) for person in (world.a.member, world.a.officer)]
    association = db.session.execute(sa.select(Association.__table__).where(
        Association.id == world.a.association.id)).one()
    db.session.rollback()
    return people, tuple(association)


@dataclass
class Attempt:
    role: str
    user: object
    url: str
    may: bool
    insider: bool = False
    # API routes: how the attempt's token is made ("personal", "association", "desk", or None for
    # no token), and with which scopes (None: every scope its kind may have).
    token: str | None = None
    scopes: tuple | None = None
    owner: object = None  # the association or desk of a service token
    session: bool = False  # an API route asked with a session cookie and no token
    extra: dict = field(default_factory=dict)


def _is_api(app, rule) -> bool:
    return access.declared_rule(app.view_functions[rule.endpoint]) == "token"


def _attempts(app, rule, world: World) -> list[Attempt]:
    """Every outsider with tenant A's objects; then, for a route that loads tenant objects, each
    of tenant A's own people (the officer also with their own record), those the tests refuse
    first: an allowed POST may change what the next one finds."""
    if _is_api(app, rule):
        return _api_attempts(app, rule, world)
    outsiders = [Attempt(role, user, _url(app, rule, world.a.params), _may(app, rule, user))
                 for role, user in world.roles().items()]
    loads = getattr(app.view_functions[rule.endpoint], "loads", {})
    inside = []
    for role, user in world.a.people.items():
        if not loads or (role == OWN_OFFICER and not set(loads) & set(samples.OWN_SAMPLES)):
            continue
        params = {**world.a.params, **(world.a.own_params if role == OWN_OFFICER else {})}
        inside.append(Attempt(role, user, _url(app, rule, params), _insider_may(app, rule, role, user), True))
    return outsiders + sorted(inside, key=lambda attempt: attempt.may)


def _api_attempts(app, rule, world: World) -> list[Attempt]:
    """The same people with tokens, service tokens of both tenants, a session cookie without a
    token, and, for each insider who may, tokens with too few scopes."""
    view = app.view_functions[rule.endpoint]
    url = _url(app, rule, world.a.params)
    services = view.accepts_services
    outsiders = [Attempt(role, user, url, _may(app, rule, user), token="personal" if user else None)
                 for role, user in world.roles().items()]
    outsiders += [
        Attempt("service token of tenant B's association", world.b.officer, url,
                services and _may(app, rule, world.outsider), token="association", owner=world.b.association),
        Attempt("service token of tenant B's desk", world.b.people[DESK_OFFICER], url,
                services and _may(app, rule, world.outsider), token="desk", owner=world.b.extra["desk"]),
        Attempt("a session cookie of tenant A's officer, without a token", world.a.officer, url, False,
                session=True)]
    loads = getattr(view, "loads", {})
    if not loads:
        return outsiders
    inside = []
    for role, user in world.a.people.items():
        if role == OWN_OFFICER and not set(loads) & set(samples.OWN_SAMPLES):
            continue
        params = {**world.a.params, **(world.a.own_params if role == OWN_OFFICER else {})}
        inside.append(Attempt(role, user, _url(app, rule, params), _insider_may(app, rule, role, user), True,
                              token="personal"))
    inside.append(Attempt("service token of the tenant's association", world.a.officer, url,
                          services and _insider_may(app, rule, OFFICER, world.a.officer), True, token="association",
                          owner=world.a.association))
    inside.append(Attempt("service token of the tenant's desk", world.a.people[DESK_OFFICER], url,
                          services and _insider_may(app, rule, DESK_OFFICER, world.a.people[DESK_OFFICER]), True,
                          token="desk", owner=world.a.extra["desk"]))
    scope = view.api_scope
    domain = scope.split(":")[0]
    narrowed = []
    for attempt in inside:
        if not attempt.may or attempt.token != "personal":
            continue
        others = tuple(s for s in ALL_SCOPES if not s.startswith(f"{domain}:"))
        narrowed.append(replace(attempt, role=f"{attempt.role}, with a token without {domain}", may=False,
                                scopes=others))
        if scope.endswith(":write"):
            narrowed.append(replace(attempt, role=f"{attempt.role}, with a read-only token", may=False,
                                    scopes=READ_SCOPES))
    return outsiders + narrowed + sorted(inside, key=lambda attempt: attempt.may)


def _secret(attempt: Attempt) -> str | None:
    if attempt.token == "personal":
        return personal_token(attempt.user, attempt.scopes or ALL_SCOPES, name=attempt.role[:100])
    if attempt.token == "association":
        return service_token(attempt.user, association=attempt.owner)
    if attempt.token == "desk":
        return service_token(attempt.user, desk=attempt.owner)
    return None


def _undeclared(app, rule) -> list[str]:
    view = app.view_functions[rule.endpoint]
    problems = [f"no sample for kind {kind!r}: add one with @kind_sample in tests/<domain>/samples.py"
                for kind in getattr(view, "loads", {}) if kind not in samples.KIND_SAMPLES]
    problems += [f"no insiders({kind!r}, {action!r}, ...) in tests/<domain>/samples.py: say which of a "
                 "tenant's own people may do it" for kind, action in getattr(view, "loads", {}).items()
                 if (kind, action) not in samples.INSIDERS]
    return problems


def _request(app, attempt: Attempt, method: str, secret: str | None):
    client = app.test_client()
    if secret is not None or attempt.session:  # an API route: a token, or a session and no token
        if attempt.session:
            log_in_session(client, attempt.user)
        return client.open(attempt.url, method=method, json={} if method not in ("GET", "DELETE") else None,
                           headers=bearer(secret) if secret else {})
    if attempt.user is not None:
        log_in_session(client, attempt.user)
    data = None
    if method == "POST":  # with a valid CSRF token, so that the policy, not the token, decides
        data = {"csrf_token": csrf_token_from(client.get("/account" if attempt.user else "/login").get_data(
            as_text=True))}
    return client.open(attempt.url, method=method, data=data)


def check_route(app, rule, method: str, world: World) -> list[str]:
    problems = _undeclared(app, rule)
    if problems:
        return problems
    attempts = _attempts(app, rule, world)
    secrets = [_secret(attempt) for attempt in attempts]  # all made first: a token is part of its owner's data
    for attempt, secret in zip(attempts, secrets, strict=True):
        before = _snapshot(world) if method in ("POST", "PATCH", "DELETE") and not attempt.may else None
        response = _request(app, attempt, method, secret)
        body = response.get_data().decode("utf-8", errors="replace")  # a PDF is bytes
        status = response.status_code
        who = f"{attempt.role} (tenant A)" if attempt.insider else attempt.role
        where = f"{method} {attempt.url} as {who}"
        if status >= 500:
            problems.append(f"{where}: answered {status}")
        if not attempt.insider:
            leaked = sorted(secret for secret in world.a.secrets if secret in body)
            if leaked:
                problems.append(f"{where}: leaked tenant A's private data {leaked}")
        to_login = status == 302 and response.headers.get("Location", "").startswith("/login")
        unauthenticated = (attempt.user is None and to_login) or (
            _is_api(app, rule) and status == 401 and (secret is None))
        if attempt.session and status != 401:
            problems.append(f"{where}: answered {status}: a session cookie must not authenticate an API call")
        if not attempt.may and status not in (403, 404) and not unauthenticated:
            problems.append(f"{where}: answered {status}, but the tests refuse this role")
        if attempt.may and attempt.insider and status == 403:
            problems.append(f"{where}: answered 403, but the tests allow this role")
        if before is not None and _snapshot(world) != before:
            problems.append(f"{where}: changed tenant A's data")
    return problems


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.mark.parametrize(("endpoint", "path", "method"), route_cases(ROUTES_APP),
                         ids=[f"{m} {p}" for _, p, m in route_cases(ROUTES_APP)])
def test_every_role_gets_only_what_the_tests_allow(app, world, endpoint, path, method):
    assert check_route(app, _rule(app, endpoint, path), method, world) == []


def test_every_route_says_how_it_is_protected(app):
    assert access.undeclared(app) == []


def test_the_private_data_is_there_to_be_found(app, world):
    """The matrix would see a leak: tenant A's officer does see its member's details."""
    client = app.test_client()
    log_in_session(client, world.a.officer)
    page = client.get(f"/associations/{world.a.association.slug}/directory").get_data(as_text=True)
    assert world.a.member.email in page and world.a.member.name in page


@pytest.fixture
def leaky_app(database_url, smtp_server):
    """A fresh app with two routes that forget their policy, as a hurried change might."""
    fresh = create_app(app_config(database_url, smtp_server))
    fresh.test_client_class = IsolatedClient

    @fresh.get("/associations/<slug>/all-emails")
    @login_required
    @loads(association="view")  # the wrong action: anyone may view an approved association
    def all_emails(association):
        return ", ".join(membership.user.email for membership in association.memberships)

    @fresh.get("/associations/<slug>/all-names")
    @login_required
    def all_names(slug):  # loads nothing: takes the slug straight from the URL
        found = db.session.scalar(sa.select(Association).where(Association.slug == slug))
        return ", ".join(membership.user.name for membership in found.memberships)

    return fresh


def test_the_matrix_catches_a_leaking_route(leaky_app, world):
    rule = _rule(leaky_app, "all_emails", "/associations/<slug>/all-emails")
    problems = check_route(leaky_app, rule, "GET", world)
    assert any("leaked tenant A's private data" in problem for problem in problems), problems


def test_a_route_that_loads_nothing_is_refused_and_reported(leaky_app, world):
    assert any("all-names" in problem for problem in access.undeclared(leaky_app))
    client = leaky_app.test_client()
    log_in_session(client, world.b.officer)
    response = client.get(f"/associations/{world.a.association.slug}/all-names")
    assert response.status_code == 403 and world.a.member.name not in response.get_data(as_text=True)
    with pytest.raises(RuntimeError, match="all-names"):
        access.check_routes(leaky_app)


@pytest.fixture
def overreaching_policies():
    """Two policy changes a hurried edit might make: any active member manages the association;
    an officer verifies their own contributions."""
    from diaspora.associations.policy import can, is_active_member
    from diaspora.contributions.policy import officer_of_contribution

    def association_rules(user, action, association):
        return (action == "manage" and is_active_member(user, association)) or can(user, action, association)

    def contribution_rules(user, action, contribution):
        if action == "verify":
            return officer_of_contribution(user, contribution)  # "and not own" forgotten
        return original["contribution"].can(user, action, contribution)

    original = {name: access.KINDS[name] for name in ("association", "contribution")}
    access.KINDS["association"] = replace(original["association"], can=association_rules)
    access.KINDS["contribution"] = replace(original["contribution"], can=contribution_rules)
    yield
    access.KINDS.update(original)


def test_the_matrix_catches_an_insider_overreaching(app, world, overreaching_policies):
    manage = check_route(app, _rule(app, "associations.manage", "/associations/<slug>/manage"), "GET", world)
    assert any(f"as {MEMBER} (tenant A): answered 200" in problem for problem in manage), manage
    verify = check_route(app, _rule(app, "contributions.verify", "/contributions/<int:contribution_id>/verify"),
                         "POST", world)
    assert any(f"as {OWN_OFFICER} (tenant A)" in problem for problem in verify), verify


@pytest.fixture
def scopes_ignored(monkeypatch):
    """A hurried change to the token check: any token may do anything."""
    monkeypatch.setattr(access.Grant, "allows", lambda self, scope: True)


def test_the_matrix_catches_a_token_without_the_scope_getting_in(app, world, scopes_ignored):
    rule = _rule(app, "api_v1_contributions.submit", "/api/v1/contributions/<int:contribution_id>/submit")
    problems = check_route(app, rule, "POST", world)
    assert any("with a read-only token (tenant A): answered" in problem for problem in problems), problems
    assert any("with a token without contributions (tenant A): answered" in problem for problem in problems), problems


def test_the_api_ignores_the_session_cookie(app, world):
    client = app.test_client()
    log_in_session(client, world.a.officer)
    response = client.get(f"/api/v1/associations/{world.a.association.slug}/members")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert world.a.member.name not in response.get_data(as_text=True)
