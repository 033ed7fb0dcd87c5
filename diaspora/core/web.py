"""The web layer's guards, installed once for every domain:

* input: NUL characters (which PostgreSQL refuses in text) are removed from every query
  string and form value as the request is parsed, so no view or form ever sees one; a URL
  path segment with a NUL in it, or a number too large for an id column, matches no route (404);
* the access rules (`core/access.py`) and the client's address for the audit trail;
* response headers: a Content-Security-Policy without 'unsafe-inline', no framing, no
  sniffing, a strict referrer policy, HSTS in production, and `Cache-Control: no-store` on
  every page served to someone logged in (their pages hold personal data)."""

from flask import Flask, Request, Response
from flask.globals import _cv_request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter

from diaspora.core import access, audit
from diaspora.core.ids import MAX_ID

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def strip_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    """How werkzeug stores query strings and form fields, minus any NUL character."""

    def __init__(self, mapping=None):
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = [(key, value) for key, values in mapping.items()
                     for value in (values if isinstance(values, list | tuple) else [values])]
        else:
            pairs = mapping or ()
        super().__init__([(strip_nul(key), strip_nul(value)) for key, value in pairs])


class CleanRequest(Request):
    parameter_storage_class = NulFreeMultiDict


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only what an id column can hold: anything larger is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=MAX_ID if max is None else max, signed=signed)


class TextConverter(UnicodeConverter):
    """The default path segment, without NUL characters."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def install(app: Flask) -> None:
    """Before any blueprint is registered (the converters apply to the rules they add)."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.before_request(_before_each_request)
    app.after_request(_no_store_when_logged_in)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, hsts=bool(app.config.get("HSTS")))


def _before_each_request() -> None:
    """The client's address for the audit trail, then the view's declared access rule (one
    hook for both: each hook costs its own dispatch on every request)."""
    audit.remember_request_ip(_cv_request.get().request.remote_addr)
    access.enforce_declared_rule()


class SecurityHeaders:
    """The headers every answer carries, added as the answer leaves (a view may set its own
    first: those are kept). At the WSGI layer, because it runs on every request: a header
    added there costs a list append, not a parsed and validated header."""

    def __init__(self, wsgi_app, *, hsts: bool):
        self.wsgi_app = wsgi_app
        self.defaults = [
            ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ]
        if hsts:
            self.defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        self.names = frozenset(name.lower() for name, _value in self.defaults)

    def __call__(self, environ, start_response):
        defaults, names = self.defaults, self.names

        def start_with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            if present.isdisjoint(names):  # as nearly always: no view set one of ours
                headers.extend(defaults)
            else:
                headers.extend(header for header in defaults if header[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_headers)


def _no_store_when_logged_in(response: Response) -> Response:
    """Pages served to someone logged in hold personal data: no cache keeps them."""
    if _cv_request.get().request.endpoint != "static" and logged_in():
        response.headers["Cache-Control"] = "no-store"
        response.headers.add("Vary", "Cookie")
    return response


def logged_in() -> bool:
    """From the session and the remember cookie, without loading the user (the commit has
    expired it: asking it would cost a query on every page). A visitor with neither cookie is
    answered without opening the session (which would mark the answer as varying by cookie)."""
    context = _cv_request.get()
    if "HTTP_COOKIE" not in context.request.environ:
        return False  # no cookie at all (and none of them parsed)
    config, cookies = context.app.config, context.request.cookies
    if config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
        return True
    return config["SESSION_COOKIE_NAME"] in cookies and "_user_id" in context.session


def has_session() -> bool:
    """Whether the browser sent a session cookie at all (nothing to read in the session if not)."""
    context = _cv_request.get()
    return ("HTTP_COOKIE" in context.request.environ
            and context.app.config["SESSION_COOKIE_NAME"] in context.request.cookies)
