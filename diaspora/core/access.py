"""Deny by default, by construction.

Every view declares two things, and the app refuses a view that forgets either:

1. **Who may call it**: `@public`, `@anonymous_only`, `@login_required` or `@admin_required`;
   under `/api/`, `@public` or `@token_required("contributions:write")`: a bearer token with that
   scope, never the session cookie (an API route takes no session rule, and a route that
   changes something needs a `:write` scope).
2. **What each URL parameter is**:
   * an object the view acts on, loaded through its kind with `@loads(kind="action")`. A kind
     is declared once by its domain's policy (`object_kind(...)`): the URL parameters that
     name it, how to find it, and `can(user, action, obj)`. Loading answers 404 when the
     object does not exist or the user may not see it, 403 when they may see it but not do
     `action`, and hands the object to the view as a keyword argument named after the kind;
   * a signed token that carries its own authority: `@signed("token")`;
   * a plain value that names no object (an action in the URL): `@plain("action")`.

`create_app` checks every route when the app starts (`check_routes`), `before_request`
refuses an undeclared view or parameter with 403, and tests/test_access_matrix.py requests
every route as every role against another tenant's objects. Policy answers are memoised per request."""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from flask import Flask, abort, current_app, redirect, request
from flask.globals import _cv_request
from flask_login import current_user
from limits import parse as parse_limit
from werkzeug.exceptions import TooManyRequests

from diaspora.core import memo

ALWAYS_ALLOWED_ENDPOINTS = {"static"}
RULES = ("public", "anonymous", "login", "admin", "token")
API_PREFIX = "/api/"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_api_path(path: str) -> bool:
    return path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX)


# ---------------------------------------------------------------------------- who may call


def _declare(rule: str) -> Callable:
    def mark(view: Callable) -> Callable:
        view.access_rule = rule
        return view

    return mark


def public(view: Callable) -> Callable:
    """Anyone, logged in or not."""
    return _declare("public")(view)


def anonymous_only(view: Callable) -> Callable:
    """Pages for visitors (register, log in, reset); a logged-in user goes to the dashboard."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated:
            from diaspora.core.navigation import landing

            return redirect(landing())
        return view(*args, **kwargs)

    return _declare("anonymous")(wrapper)


def _unauthorized():
    from diaspora.extensions import login_manager

    return login_manager.unauthorized()


def login_required(view: Callable) -> Callable:
    """Any logged-in, active user. What they may do with an object is the kind's policy."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return _unauthorized()
        return view(*args, **kwargs)

    return _declare("login")(wrapper)


def admin_required(view: Callable) -> Callable:
    """Platform administrators only."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return _unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return _declare("admin")(wrapper)


def declared_rule(view: Callable | None) -> str | None:
    return getattr(view, "access_rule", None)


# ---------------------------------------------------------------------------- API tokens


@dataclass(frozen=True)
class Grant:
    """What the request's bearer token allows: its scopes, and whether it is a service token
    (acting for an association or a desk, not for a person)."""

    scopes: frozenset[str]
    service: bool = False

    def allows(self, scope: str) -> bool:
        """`x:write` includes `x:read`."""
        domain, _sep, level = scope.partition(":")
        return scope in self.scopes or (level == "read" and f"{domain}:write" in self.scopes)


@dataclass(frozen=True)
class ServiceScope:
    """What a service token's principal acts for: an officer-equivalent of exactly this
    association, or of exactly this desk, and nothing else (policies ask `acting_for`)."""

    association_id: int | None = None
    desk_id: int | None = None


def acting_for(user: Any) -> ServiceScope | None:
    """The association or desk a service token's principal acts for; None for a person."""
    return getattr(user, "acting_for", None)


_token_authenticator: list[Callable[[], Grant]] = []


def token_authenticator(function: Callable[[], Grant]) -> Callable[[], Grant]:
    """How a request's bearer token becomes `current_user` and a `Grant` (the api domain
    registers it: core knows no domain). It raises a 401 problem for a missing or bad token."""
    _token_authenticator[:] = [function]
    return function


def token_required(scope: str, *, services: bool = False) -> Callable:
    """An API route: a bearer token with `scope` (`x:read` or `x:write`) authenticates the
    request, the session cookie never does. Service tokens are refused unless `services`
    (a person's own things, such as their contributions, are no service's)."""
    domain, _sep, level = scope.partition(":")
    assert domain and level in ("read", "write"), f"a scope is domain:read or domain:write, not {scope!r}"

    def decorate(view: Callable) -> Callable:
        limited = _rate_limited(view)

        @wraps(view)
        def wrapper(*args, **kwargs):
            grant = _token_authenticator[0]()
            if grant.service and not services:
                _refuse_service()
            if not grant.allows(scope):
                _refuse_scope(scope)
            return limited(*args, **kwargs)

        wrapper.api_scope = scope
        wrapper.accepts_services = services
        return _declare("token")(wrapper)

    return decorate


def _rate_limited(view: Callable) -> Callable:
    """At most API_RATE_LIMIT calls per token (429 with Retry-After beyond)."""

    @wraps(view)
    def limited(*args, **kwargs):
        _count_call()
        return view(*args, **kwargs)

    return limited


class CallsExceeded(TooManyRequests):
    """A token made more calls than API_RATE_LIMIT allows: `limit_item` (a `limits` item); the
    seconds until it lets a call through are werkzeug's `retry_after`."""

    def __init__(self, limit_item, retry_after: int):
        super().__init__(retry_after=retry_after)
        self.limit_item = limit_item


def _count_call() -> None:
    """One `hit` on the token's counter through Flask-Limiter's own strategy and storage (as
    auth/limits.py counts logins), not `@limiter.limit`: its resolving, checks and headers on
    every call cost about as much as the statements of a page (issue 17)."""
    from flask import g

    from diaspora.extensions import limiter

    if not limiter.enabled:
        return
    item = _parsed_limit(current_app.config["API_RATE_LIMIT"])
    key = f"{current_app.config.get('RATELIMIT_KEY_PREFIX') or ''}api-token:{getattr(g, 'api_token_id', None)}"
    if not limiter.limiter.hit(item, key):
        reset_at = limiter.limiter.get_window_stats(item, key).reset_time
        raise CallsExceeded(item, max(1, int(reset_at - time.time()) + 1))


@lru_cache(maxsize=16)
def _parsed_limit(text: str):
    return parse_limit(text)


def _refuse_scope(scope: str) -> None:
    from diaspora.core.i18n import _
    from diaspora.core.problems import Problem

    raise Problem(403, _("This token may not do that: it needs the scope %(scope)s.", scope=scope),
                  kind="insufficient-scope", headers={
                      "WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'})


def _refuse_service() -> None:
    from diaspora.core.i18n import _
    from diaspora.core.problems import Problem

    raise Problem(403, _("A service token acts for its association or desk: this is a person's own, which only "
                         "their personal token reaches."), kind="forbidden")


# ---------------------------------------------------------------------------- object kinds


@dataclass(frozen=True)
class ObjectKind:
    """Something a URL can name: how to find it from the URL's parameters, and who may do
    what with it. `parent` names the kind it lives in (a membership in an association): when
    a route loads both, the child must belong to the parent, else 404."""

    name: str
    params: tuple[str, ...]
    find: Callable[..., Any]
    can: Callable[[Any, str, Any], bool]
    actions: frozenset[str]
    parent: str | None = None
    parent_of: Callable[[Any], Any] | None = None
    # Whose personal data this is, for the access log (`core/access_log.py`): (user, obj) -> Read.
    reads: Callable[[Any, Any], Any] | None = None


KINDS: dict[str, ObjectKind] = {}


def object_kind(name: str, *, params: Iterable[str], find: Callable[..., Any],
                can: Callable[[Any, str, Any], bool], actions: Iterable[str],
                parent: str | None = None, parent_of: Callable[[Any], Any] | None = None,
                reads: Callable[[Any, Any], Any] | None = None) -> ObjectKind:
    """Declare a kind (from the domain's policy module). `actions` must include "view":
    whoever may not view an object gets a 404 for it, whatever the route. `reads` says whose
    personal data an object is: every GET that loads it by someone else is in their access log."""
    actions = frozenset(actions)
    assert "view" in actions, f"{name}: every kind has a 'view' action"
    kind = ObjectKind(name, tuple(params), find, can, actions, parent, parent_of, reads)
    KINDS[name] = kind
    return kind


def allowed(user: Any, kind: ObjectKind | str, action: str, obj: Any) -> bool:
    """`kind.can(user, action, obj)`, computed once per request."""
    kind = KINDS[kind] if isinstance(kind, str) else kind
    assert action in kind.actions, f"{kind.name} has no action {action!r}"
    user_key = user.get_id() if getattr(user, "is_authenticated", False) else None
    key = ("allowed", kind.name, _identity(obj), action, user_key)
    return memo.cached(key, lambda: bool(kind.can(user, action, obj)))


def _identity(obj: Any) -> Any:
    return getattr(obj, "id", None) if getattr(obj, "id", None) is not None else id(obj)


def loads(**wanted: str) -> Callable:
    """`@loads(association="manage", membership="manage")`: load each object from the URL's
    parameters, in order, and pass it to the view by its kind's name."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            loaded: dict[str, Any] = {}
            for name, action in wanted.items():
                loaded[name] = _load(KINDS[name], action, kwargs, loaded)
            _note_reads(loaded)
            return view(*args, **kwargs, **loaded)

        wrapper.loads = dict(wanted)
        wrapper.declared_params = _params_of(view) | {f"kind:{name}" for name in wanted}
        return wrapper

    return decorate


def _note_reads(loaded: dict[str, Any]) -> None:
    """A GET that opens someone's personal data goes into their access log (one INSERT)."""
    if request.method != "GET" or not getattr(current_user, "is_authenticated", False):
        return
    reads = [(KINDS[name].reads(current_user, obj), obj) for name, obj in loaded.items() if KINDS[name].reads]
    if reads:
        from diaspora.core import access_log

        access_log.note(current_user, reads)


def _load(kind: ObjectKind, action: str, kwargs: dict, loaded: dict) -> Any:
    values = {param: kwargs.pop(param) for param in kind.params}
    obj = kind.find(**values)
    if obj is None:
        abort(404)
    if kind.parent in loaded and kind.parent_of(obj) is not loaded[kind.parent]:
        abort(404)
    if not allowed(current_user, kind, "view", obj):
        abort(404)
    if not allowed(current_user, kind, action, obj):
        abort(403)
    return obj


def signed(*params: str) -> Callable:
    """These URL parameters are signed tokens: they carry their own authority."""
    return _declare_params(params, "signed")


def plain(*params: str) -> Callable:
    """These URL parameters name no object (an action, a format)."""
    return _declare_params(params, "plain")


def _declare_params(params: Iterable[str], how: str) -> Callable:
    def mark(view: Callable) -> Callable:
        view.declared_params = _params_of(view) | set(params)
        setattr(view, f"{how}_params", getattr(view, f"{how}_params", set()) | set(params))
        return view

    return mark


def _params_of(view: Callable) -> set[str]:
    """The URL parameters a view declares: its signed and plain ones, and those of the kinds
    it loads (resolved here, so a domain may declare its kinds after its views are imported)."""
    declared = set()
    for item in getattr(view, "declared_params", set()):
        if item.startswith("kind:"):
            kind = KINDS.get(item[5:])
            declared.update(kind.params if kind else ())
        else:
            declared.add(item)
    return declared


def _kind_problems(view: Callable) -> list[str]:
    problems = []
    for name, action in getattr(view, "loads", {}).items():
        if name not in KINDS:
            problems.append(f"loads an unknown kind {name!r} (declare it with object_kind)")
        elif action not in KINDS[name].actions:
            problems.append(f"asks {name!r} for an unknown action {action!r}")
    return problems


# ---------------------------------------------------------------------------- enforcement


def undeclared(app: Flask) -> list[str]:
    """Every route whose view declares no rule, or takes a URL parameter it does not declare;
    under /api/, a route that is not @public or @token_required, a token route elsewhere, and a
    route that changes something with a read scope."""
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ALWAYS_ALLOWED_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        if declared_rule(view) is None:
            problems.append(f"{rule.rule}: no access rule (@public, @login_required ...)")
        problems.extend(f"{rule.rule}: {problem}" for problem in _kind_problems(view))
        problems.extend(f"{rule.rule}: {problem}" for problem in _api_problems(rule, view))
        missing = set(rule.arguments) - _params_of(view)
        if missing:
            problems.append(f"{rule.rule}: parameters {sorted(missing)} are neither loaded "
                            "(@loads) nor declared (@signed, @plain)")
    return problems


def _api_problems(rule, view: Callable) -> list[str]:
    how = declared_rule(view)
    if how is None:
        return []
    if is_api_path(rule.rule) and how not in ("token", "public"):
        return ["an API route is @token_required(scope) or @public: the session cookie authenticates no API call"]
    if how == "token" and not is_api_path(rule.rule):
        return [f"@token_required belongs to routes under {API_PREFIX}"]
    if how == "token" and (rule.methods - READ_METHODS) and not view.api_scope.endswith(":write"):
        return [f"changes something ({sorted(rule.methods - READ_METHODS)}) with the read scope {view.api_scope!r}"]
    return []


def check_routes(app: Flask) -> None:
    problems = undeclared(app)
    if problems:
        raise RuntimeError("Routes that do not say how they are protected:\n  " + "\n  ".join(problems))


def enforce_declared_rule() -> None:
    context = _cv_request.get()  # the request's context itself: its proxies cost on every request
    rule = context.request.url_rule
    endpoint = None if rule is None else rule.endpoint
    if endpoint is None or endpoint in ALWAYS_ALLOWED_ENDPOINTS:
        return  # unmatched URLs become 404 as usual
    view = context.app.view_functions.get(endpoint)
    if getattr(view, "access_rule", None) is None:
        context.app.logger.error("Refused %s: view declares no access rule", endpoint)
        abort(403)
    view_args = context.request.view_args
    if view_args and not set(view_args) <= _declared_params(view):
        missing = set(view_args) - _declared_params(view)
        context.app.logger.error("Refused %s: undeclared URL parameters %s", endpoint, missing)
        abort(403)


def _declared_params(view: Callable) -> set[str]:
    """`_params_of`, worked out once per view (kinds are all declared once the app has started)."""
    found = getattr(view, "_declared_params_resolved", None)
    if found is None:
        found = _params_of(view)
        if all(item[5:] in KINDS for item in getattr(view, "declared_params", ()) if item.startswith("kind:")):
            view._declared_params_resolved = found
    return found
