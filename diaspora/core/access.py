"""Deny by default, by construction.

Every view declares two things, and the app refuses a view that forgets either:

1. **Who may call it**: `@public`, `@anonymous_only`, `@login_required` or `@admin_required`.
2. **What each URL parameter is**:
   * an object the view acts on, loaded through its kind with `@loads(kind="action")`. A kind
     is declared once by its domain's policy (`object_kind(...)`): the URL parameters that
     name it, how to find it, and `can(user, action, obj)`. Loading answers 404 when the
     object does not exist or the user may not see it, 403 when they may see it but not do
     `action`, and hands the object to the view as a keyword argument named after the kind;
   * a signed token that carries its own authority: `@signed("token")`;
   * a plain value that names no object (an action in the URL): `@plain("action")`.

`create_app` checks every route when the app starts (`check_routes`), `before_request`
refuses an undeclared view or parameter with 403, and `tests/access/` requests every route
as every role against another tenant's objects. Policy answers are memoised per request."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from diaspora.core import memo

ALWAYS_ALLOWED_ENDPOINTS = {"static"}
RULES = ("public", "anonymous", "login", "admin")


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
            return redirect(url_for("dashboard.index"))
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


KINDS: dict[str, ObjectKind] = {}


def object_kind(name: str, *, params: Iterable[str], find: Callable[..., Any],
                can: Callable[[Any, str, Any], bool], actions: Iterable[str],
                parent: str | None = None, parent_of: Callable[[Any], Any] | None = None) -> ObjectKind:
    """Declare a kind (from the domain's policy module). `actions` must include "view":
    whoever may not view an object gets a 404 for it, whatever the route."""
    actions = frozenset(actions)
    assert "view" in actions, f"{name}: every kind has a 'view' action"
    kind = ObjectKind(name, tuple(params), find, can, actions, parent, parent_of)
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
            return view(*args, **kwargs, **loaded)

        wrapper.loads = dict(wanted)
        wrapper.declared_params = _params_of(view) | {f"kind:{name}" for name in wanted}
        return wrapper

    return decorate


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
    """Every route whose view declares no rule, or takes a URL parameter it does not declare."""
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ALWAYS_ALLOWED_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        if declared_rule(view) is None:
            problems.append(f"{rule.rule}: no access rule (@public, @login_required ...)")
        problems.extend(f"{rule.rule}: {problem}" for problem in _kind_problems(view))
        missing = set(rule.arguments) - _params_of(view)
        if missing:
            problems.append(f"{rule.rule}: parameters {sorted(missing)} are neither loaded "
                            "(@loads) nor declared (@signed, @plain)")
    return problems


def check_routes(app: Flask) -> None:
    problems = undeclared(app)
    if problems:
        raise RuntimeError("Routes that do not say how they are protected:\n  " + "\n  ".join(problems))


def enforce_declared_rule() -> None:
    if request.endpoint is None or request.endpoint in ALWAYS_ALLOWED_ENDPOINTS:
        return  # unmatched URLs become 404 as usual
    view = current_app.view_functions.get(request.endpoint)
    if declared_rule(view) is None:
        current_app.logger.error("Refused %s: view declares no access rule", request.endpoint)
        abort(403)
    if request.view_args and not set(request.view_args) <= _declared_params(view):
        missing = set(request.view_args) - _declared_params(view)
        current_app.logger.error("Refused %s: undeclared URL parameters %s", request.endpoint, missing)
        abort(403)


def _declared_params(view: Callable) -> set[str]:
    """`_params_of`, worked out once per view (kinds are all declared once the app has started)."""
    found = getattr(view, "_declared_params_resolved", None)
    if found is None:
        found = _params_of(view)
        if all(item[5:] in KINDS for item in getattr(view, "declared_params", ()) if item.startswith("kind:")):
            view._declared_params_resolved = found
    return found
